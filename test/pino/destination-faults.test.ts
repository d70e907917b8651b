/**
 * destination() when its worker thread is stuck or dies, with real pino, the real worker and the
 * emulator (in a child process: the logging thread blocks here for seconds).
 *
 * Only the fault is made up: every Worker that destination() creates runs its real worker module
 * behind a small prelude that can freeze the thread on request (Atomics.wait), and the test keeps
 * a handle on it, to terminate it as a crash or an out-of-memory kill would end it.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { syncBuiltinESMExports } from 'node:module'
import { after, before, describe, it } from 'node:test'
import workerThreads, { type WorkerOptions } from 'node:worker_threads'
import { destination, type LogshipDestination, type LogshipDestinationOptions } from '@logship/pino'
import pino from 'pino'
import { fields, missingSeq, remoteEmulator, tlsOptions, waitFor, waitForLogs, type RemoteEmulator } from './helpers.js'

const SLOW = { timeout: 60_000 }
/** destination.ts's STALL_MS: how long a write waits for a worker that reads nothing. */
const STALL_MS = 10_000

const RealWorker = workerThreads.Worker
const created: workerThreads.Worker[] = []

/** Runs destination()'s worker module behind a prelude: a `{ test: 'freeze', ms }` message blocks its thread. */
class FreezableWorker extends RealWorker {
  constructor (file: string | URL, options?: WorkerOptions) {
    if (!String(file).endsWith('/destination-worker.js')) {
      super(file, options)
      return
    }
    const prelude = `
      const { parentPort } = require('node:worker_threads')
      parentPort.on('message', (m) => {
        if (m === null || typeof m !== 'object' || m.test !== 'freeze') return
        parentPort.postMessage({ test: 'frozen' })
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.ms)
      })
      import(${JSON.stringify(String(file))})
    `
    super(prelude, { ...options, eval: true })
    created.push(this)
  }
}

/** Replaces node:worker_threads' Worker, for importers too (their bindings follow the module's exports). */
function setWorkerClass (worker: typeof RealWorker): void {
  (workerThreads as { Worker: typeof RealWorker }).Worker = worker
  syncBuiltinESMExports()
}

/** Blocks the worker's thread for `ms`; resolves once it is blocked (before it can read another line). */
async function freeze (worker: workerThreads.Worker, ms: number): Promise<void> {
  const frozen = new Promise<void>((resolve) => {
    const onMessage = (m: { test?: string }): void => {
      if (m?.test !== 'frozen') return
      worker.off('message', onMessage)
      resolve()
    }
    worker.on('message', onMessage)
  })
  worker.postMessage({ test: 'freeze', ms })
  await frozen
}

function open (options: Record<string, unknown>): { dest: LogshipDestination, worker: workerThreads.Worker } {
  const dest = destination(options as unknown as LogshipDestinationOptions)
  const worker = created.at(-1)
  assert.ok(worker !== undefined, 'destination() created its worker through the patched class')
  return { dest, worker }
}

function flush (logger: { flush: pino.Logger['flush'] }): Promise<void> {
  return new Promise((resolve, reject) => logger.flush((err) => err ? reject(err) : resolve()))
}

interface Drop { reason: string, count: number, bytes: number }

/** Process warnings of the destination, by message. */
function collectWarnings (): { messages: string[], stop: () => void } {
  const messages: string[] = []
  const onWarning = (w: Error & { code?: string }): void => { if (w.code === 'LOGSHIP_PINO_DESTINATION') messages.push(w.message) }
  process.on('warning', onWarning)
  return { messages, stop: () => process.off('warning', onWarning) }
}

/** About 700 bytes, as the benchmark's standard lines. */
const PAD = 'x'.repeat(600)

describe('destination(): a stuck or dead worker', () => {
  let emu: RemoteEmulator
  before(async () => {
    setWorkerClass(FreezableWorker)
    emu = await remoteEmulator()
  }, SLOW)
  after(async () => {
    setWorkerClass(RealWorker)
    await emu.close()
  })

  it('a worker that dies: the lines it never read are dropped as worker_exited, counted once, and logging goes on without blocking', SLOW, async () => {
    const options = tlsOptions(emu)
    const { dest, worker } = open(options)
    await once(dest, 'ready')
    const drops: Drop[] = []
    dest.on('drop', (d: Drop) => drops.push(d))
    const warnings = collectWarnings()
    const logger = pino(dest)
    for (let i = 0; i < 10; i++) logger.info({ seq: i }, 'read and delivered')
    await flush(logger)
    // Frozen, the worker reads nothing more: these 20 lines stay in the ring when it dies.
    await freeze(worker, 30_000)
    for (let i = 10; i < 30; i++) logger.info({ seq: i, pad: PAD }, 'never read')
    await worker.terminate()
    await waitFor(() => drops.length > 0, 5000, 'the drop of the unread lines')
    assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['worker_exited', 20]])
    // The lines' bytes without their newlines: each about 700.
    assert.ok(drops[0].bytes > 20 * 600 && drops[0].bytes < 20 * 900, String(drops[0].bytes))
    logger.info({ seq: 30 }, 'after the end')
    assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['worker_exited', 20], ['worker_exited', 1]])
    await flush(logger)
    const summary = await dest.close()
    // The 10 lines it read were delivered before it died (its 'delivered' events said so); the 21
    // others dropped, once each; nothing is left unknown.
    assert.equal(summary.dropped, 21)
    assert.equal(summary.delivered, 10)
    assert.equal(summary.pending, 0)
    assert.equal(summary.timedOut, true)
    warnings.stop()
    assert.ok(warnings.messages.some((m) => /worker thread exited/.test(m)), warnings.messages.join('\n'))
    const logs = await emu.logs({ topicId: options.topicId })
    assert.equal(missingSeq(logs, 10), '')
  })

  it('a worker that dies with a batch in flight: its summary counts what its events confirmed as delivered, and only the unanswered batch as pending', SLOW, async () => {
    const options = tlsOptions(emu)
    const { dest, worker } = open(options)
    await once(dest, 'ready')
    const logger = pino(dest)
    for (let i = 0; i < 10; i++) logger.info({ seq: i }, 'confirmed')
    await flush(logger)
    // The service stores the next batch but holds its answer: the worker never learns it was delivered.
    await emu.inject({ kind: 'hold', ms: 30_000, count: 1, topicId: options.topicId })
    for (let i = 10; i < 15; i++) logger.info({ seq: i }, 'in flight')
    logger.flush(() => {})
    await waitForLogs(emu, { topicId: options.topicId }, 15)
    await worker.terminate()
    const summary = await dest.close()
    assert.deepEqual(
      { delivered: summary.delivered, pending: summary.pending, dropped: summary.dropped, failed: summary.failed, timedOut: summary.timedOut },
      { delivered: 10, pending: 5, dropped: 0, failed: 0, timedOut: true })
    await emu.clearFaults()
  })

  it('a worker stuck while the ring is full: writes wait 10 s, then drop (worker_stalled) until it reads again; nothing arrives cut', SLOW, async () => {
    const options = tlsOptions(emu)
    // 64 KiB: about 90 of these lines.
    const { dest, worker } = open({ ...options, ringBytes: 64 * 1024 })
    await once(dest, 'ready')
    const drops: Drop[] = []
    dest.on('drop', (d: Drop) => drops.push(d))
    const warnings = collectWarnings()
    const logger = pino(dest)
    // Longer than the wait, so the worker is still stuck when the write gives up.
    await freeze(worker, STALL_MS + 3000)
    const started = Date.now()
    const dropped = new Set<number>()
    let i = 0
    for (; i < 200; i++) {
      const before = drops.length
      logger.info({ seq: i, pad: PAD }, 'line')
      if (drops.length > before) dropped.add(i)
    }
    const waited = Date.now() - started
    assert.ok(waited >= STALL_MS - 100, `the first line that did not fit waited for the worker (${waited} ms)`)
    assert.ok(dropped.size > 50 && dropped.size < 150, `lines dropped: ${dropped.size}`)
    // Contiguous: from the first line that found the ring full to the last one logged.
    assert.equal(Math.min(...dropped), 200 - dropped.size)
    assert.ok(drops.every((d) => d.reason === 'worker_stalled' && d.count === 1))
    // Process warnings are emitted on the next tick.
    await waitFor(() => warnings.messages.some((m) => /read nothing for 10 s/.test(m)), 2000, 'the stall warning')
    // Once the worker reads again, lines go through again.
    await flush(logger)
    for (let j = 0; j < 5; j++, i++) logger.info({ seq: i, pad: PAD }, 'line')
    await flush(logger)
    const summary = await dest.close()
    warnings.stop()
    const kept = 205 - dropped.size
    assert.equal(summary.delivered, kept)
    assert.equal(summary.dropped, dropped.size)
    const logs = await emu.logs({ topicId: options.topicId })
    assert.equal(logs.length, kept)
    const stored = new Set(logs.map((log) => Number(fields(log).seq)))
    for (let s = 0; s < 205; s++) assert.equal(stored.has(s), !dropped.has(s), `line ${s}`)
    for (const log of logs) assert.equal(fields(log).pad, PAD, 'every stored line is whole')
  })
})
