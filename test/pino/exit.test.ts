/**
 * Delivery on exit: a child process logs through the worker transport, or through destination(),
 * and leaves in each way an application does; every record must reach the emulator, counted by its
 * unique `seq`.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Emulator } from '../emulator/index.js'
import { emulator, missingSeq, runExitApp, SECRET, type ExitRunOptions } from './helpers.js'

for (const way of ['worker transport', 'destination()'] as const) describe(`delivery on exit (child process, ${way})`, { concurrency: 2 }, () => {
  const run = (emu: Emulator, topicId: string, mode: string, count: number, options: ExitRunOptions = {}) =>
    runExitApp(emu, topicId, mode, count, { ...options, destination: way === 'destination()' })
  let emu: Emulator
  before(async () => { emu = await emulator() })
  after(async () => { await emu.close() })

  it('the app returns normally', async () => {
    const topicId = randomUUID()
    const r = await run(emu, topicId, 'return', 2000)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(missingSeq(emu.logs({ topicId }), 2000), '')
  })

  it('process.exit(0) right after logging 10,000 lines, before the worker is ready', async () => {
    const topicId = randomUUID()
    const r = await run(emu, topicId, 'exit', 10_000)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(missingSeq(emu.logs({ topicId }), 10_000), '')
  })

  it('process.exit(0) right after logging 10,000 lines, once the worker is ready', async () => {
    const topicId = randomUUID()
    const r = await run(emu, topicId, 'exit-ready', 10_000)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(missingSeq(emu.logs({ topicId }), 10_000), '')
  })

  it('end() without waiting, then process.exit(0)', async () => {
    const topicId = randomUUID()
    const r = await run(emu, topicId, 'end-exit', 5000)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(missingSeq(emu.logs({ topicId }), 5000), '')
  })

  it('a line logged from an application\'s own exit listener: delivered, or counted and told on stderr', async () => {
    const topicId = randomUUID()
    const r = await run(emu, topicId, 'exit-listener', 1000)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(missingSeq(emu.logs({ topicId }), 1000), '')
    const late = emu.logs({ topicId }).some((l) => Object.fromEntries(l.contents).seq === '1000')
    // Its exit wait has ended by then: destination() can only count the line and say so.
    if (!late) assert.match(r.stderr, /@logship\/pino: 1 line logged after the exit flush not delivered \(worker_exited\)/)
    else assert.equal(way, 'worker transport')
  })

  it('an uncaught exception', async () => {
    const topicId = randomUUID()
    const r = await run(emu, topicId, 'throw', 2000)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /uncaught on purpose/)
    assert.equal(missingSeq(emu.logs({ topicId }), 2000), '')
  })

  it('a logger.flush(cb) callback that throws: the app\'s uncaught exception, not an unhandled rejection; lines delivered', async () => {
    const topicId = randomUUID()
    const r = await run(emu, topicId, 'flush-throws', 2000)
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /thrown by the flush callback/)
    assert.doesNotMatch(r.stderr, /unhandled rejection/)
    assert.equal(missingSeq(emu.logs({ topicId }), 2000), '')
  })

  it('SIGTERM handled by the app with process.exit()', async () => {
    const topicId = randomUUID()
    let signalled = false
    const r = await run(emu, topicId, 'sigterm', 2000, {
      onStdout: (text, child) => {
        if (!signalled && text.includes('ready')) {
          signalled = true
          child.kill('SIGTERM')
        }
      }
    })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(missingSeq(emu.logs({ topicId }), 2001), '')
  })

  it('the close deadline bounds the wait; what is not delivered is counted on stderr', async () => {
    const topicId = randomUUID()
    const fault = emu.inject({ kind: 'hold', ms: 10_000, topicId })
    try {
      const r = await run(emu, topicId, 'return', 100, { options: { closeTimeoutMs: 1500 } })
      assert.equal(r.code, 0, r.stderr)
      assert.ok(r.ms < 8000, `exited after ${r.ms} ms`)
      assert.match(r.stderr, /@logship\/pino: 100 records not delivered \(delivered 0; failed 0, dropped 0, not delivered within closeTimeoutMs 1500: 100\)/)
      assert.ok(!r.stderr.includes(SECRET))
    } finally {
      emu.removeFault(fault)
    }
  })
})
