/**
 * destination(): pino's lines to a worker of its own through a shared ring, with real pino, a real
 * worker thread and the emulator. Exits in child processes are in exit.test.ts.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { destination, type LogshipDestination, type LogshipDestinationOptions } from '@logship/pino'
import pino from 'pino'
import { fields, missingSeq, remoteEmulator, SECRET, tlsOptions, waitFor, type RemoteEmulator } from './helpers.js'

const HANG = { timeout: 30_000 }

/** The helpers' options are plain records (as a worker receives them). */
function open (options: Record<string, unknown>): LogshipDestination {
  return destination(options as unknown as LogshipDestinationOptions)
}

function flush (logger: { flush: pino.Logger['flush'] }): Promise<void> {
  return new Promise((resolve, reject) => logger.flush((err) => err ? reject(err) : resolve()))
}

describe('destination() (shared ring, worker of its own)', () => {
  let emu: RemoteEmulator
  before(async () => { emu = await remoteEmulator() }, HANG)
  after(async () => { await emu.close() })

  it('delivers every line once, mapped as pino.transport() maps it, across many turns of a small ring', HANG, async () => {
    const options = tlsOptions(emu)
    // 64 KiB: about 150 of these lines, so the ring wraps and fills many times over.
    const dest = open({ ...options, ringBytes: 64 * 1024 })
    const logger = pino(dest)
    const n = 20_000
    // Characters of 2, 3 and 4 UTF-8 bytes, in lines of varying length: line ends and characters
    // fall on the ring's end at every offset.
    for (let i = 0; i < n; i++) logger.info({ seq: i, text: 'é日😀'.repeat(i % 37) }, 'line %d', i)
    await flush(logger)
    const logs = await emu.logs({ topicId: options.topicId })
    assert.equal(missingSeq(logs, n), '')
    for (const log of logs) {
      const f = fields(log)
      assert.equal(f.text, 'é日😀'.repeat(Number(f.seq) % 37))
      assert.equal(f.msg, `line ${f.seq}`)
      assert.equal(f.level, 'info')
    }
    const summary = await dest.close()
    assert.equal(summary.delivered, n)
    assert.equal(summary.dropped + summary.failed + summary.pending, 0)
  })

  it('a line larger than the ring arrives whole', HANG, async () => {
    const options = tlsOptions(emu)
    const dest = open({ ...options, ringBytes: 64 * 1024 })
    const logger = pino(dest)
    const big = 'ü'.repeat(150_000) + 'end'
    logger.info({ seq: 0, big })
    logger.info({ seq: 1 }, 'after')
    await flush(logger)
    const logs = await emu.logs({ topicId: options.topicId })
    assert.equal(missingSeq(logs, 2), '')
    assert.equal(fields(logs.find((l) => fields(l).seq === '0')!).big, big)
    await dest.close()
  })

  it('takes the mapping options pino.transport() takes (pino sends no config to a destination)', HANG, async () => {
    const options = tlsOptions(emu, { messageKey: 'message', customLevels: { audit: 35 } })
    const dest = open(options)
    const logger = pino({ messageKey: 'message', customLevels: { audit: 35 } }, dest)
    logger.audit('audited')
    await flush(logger)
    const [log] = await emu.logs({ topicId: options.topicId })
    assert.equal(fields(log).message, 'audited')
    assert.equal(fields(log).level, 'audit')
    await dest.close()
  })

  it('a bad option throws from destination(), naming it and never the secret', () => {
    const base = tlsOptions(emu)
    assert.throws(() => destination({ ...base, ringBytes: 0 } as never), /ringBytes/)
    assert.throws(() => destination({ ...base, lingerMs: -5 } as never), /lingerMs/)
    assert.throws(() => destination({ ...base, nested: 'yaml' } as never), /nested/)
    assert.throws(
      () => destination({ ...base, credentials: () => ({ accessKeyId: 'a', accessKeySecret: SECRET }) } as never),
      (err: Error) => /worker thread/.test(err.message) && !err.message.includes(SECRET))
  })

  it('events, retries and failures reach the logging thread; the summary at close', HANG, async () => {
    const options = tlsOptions(emu, { baseRetryBackoffMs: 20, maxRetryBackoffMs: 50 })
    const dest = open(options)
    await once(dest, 'ready')
    const events: Array<[string, any]> = []
    for (const name of ['retry', 'failed', 'delivered', 'summary']) dest.on(name, (payload: unknown) => events.push([name, payload]))
    const logger = pino(dest)
    await emu.inject({ kind: 'error', status: 500, code: 'InternalServerError', count: 1, topicId: options.topicId })
    logger.info('retried')
    await waitFor(() => events.some(([n]) => n === 'delivered'), 10_000, 'delivered after a retry')
    const retry = events.find(([n]) => n === 'retry')![1]
    assert.equal(retry.error.status, 500)
    assert.equal(retry.destination.topicId, options.topicId)
    await emu.inject({ kind: 'error', status: 400, code: 'InvalidArgument', count: 1, topicId: options.topicId })
    logger.info('refused')
    const failed = await waitFor(() => events.find(([n]) => n === 'failed'), 10_000, 'failed')
    assert.equal(failed[1].error.errorCode, 'InvalidArgument')
    const summary = await dest.close()
    assert.equal(summary.delivered, 1)
    assert.equal(summary.failed, 1)
    assert.deepEqual(events.find(([n]) => n === 'summary')?.[1], summary)
    assert.ok(!JSON.stringify(events).includes(SECRET))
  })

  it('lines written after close() are dropped, told and counted in the summary', HANG, async () => {
    const options = tlsOptions(emu)
    const dest: LogshipDestination = open(options)
    const drops: any[] = []
    dest.on('drop', (payload: unknown) => drops.push(payload))
    const logger = pino(dest)
    logger.info({ seq: 0 }, 'kept')
    const closing = dest.close()
    logger.info({ seq: 1 }, 'late')
    const summary = await closing
    assert.equal(summary.delivered, 1)
    assert.equal(summary.dropped, 1)
    assert.equal(drops.length, 1)
    assert.equal(drops[0].reason, 'closed')
    assert.equal(drops[0].count, 1)
    // The line's bytes without its newline: pino's JSON with the message, pid and hostname.
    assert.ok(drops[0].bytes > '{"level":30,"msg":"late"}'.length && drops[0].bytes < 500, String(drops[0].bytes))
    assert.equal(missingSeq(await emu.logs({ topicId: options.topicId }), 1), '')
    assert.equal(await dest.close(), summary, 'idempotent')
  })

  it('a \'drop\' listener that logs is called once per drop, not again for the drops its own logging causes', HANG, async () => {
    const options = tlsOptions(emu)
    const dest = open(options)
    const logger = pino(dest)
    let calls = 0
    dest.on('drop', () => { calls++; logger.warn('a line was dropped') })
    logger.info({ seq: 0 }, 'kept')
    const closing = dest.close()
    logger.info({ seq: 1 }, 'late')
    const summary = await closing
    assert.equal(calls, 1)
    assert.equal(summary.dropped, 2, 'the late line and the listener\'s own, both counted')
    assert.equal(summary.delivered, 1)
  })

  it('logger.flush(cb) waits for delivery: the records are at the service when it calls back', HANG, async () => {
    const options = tlsOptions(emu, { lingerMs: 2000 })
    const dest = open(options)
    const logger = pino(dest)
    for (let i = 0; i < 100; i++) logger.info({ seq: i })
    await flush(logger)
    assert.equal(missingSeq(await emu.logs({ topicId: options.topicId }), 100), '')
    await dest.close()
  })
})
