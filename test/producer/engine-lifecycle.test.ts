import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { InvalidOptionError, InvalidRecordError, ProducerClosedError } from '../../packages/producer/src/errors.js'
import type { BatchEvent, CloseSummary, DropEvent, FailedEvent, Result } from '../../packages/producer/src/types.js'
import { final, ok, retriable } from './helpers/fake-wire.js'
import { flushMicrotasks } from './helpers/manual-clock.js'
import { setup } from './helpers/setup.js'

const T = 1_700_000_000_000
const rec = (i = 0) => ({ time: T, contents: { i } })

/** Process warnings and unhandled rejections while the test `t` runs. */
function captureProcessWarnings (t: TestContext): { warnings: string[], unhandled: unknown[] } {
  const warnings: string[] = []
  const unhandled: unknown[] = []
  const onWarning = (w: Error): void => { warnings.push(w.message) }
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  process.on('warning', onWarning)
  process.on('unhandledRejection', onUnhandled)
  t.after(() => { process.off('warning', onWarning); process.off('unhandledRejection', onUnhandled) })
  return { warnings, unhandled }
}

test('flush() seals open batches now and resolves when everything sent before it is settled', async () => {
  const { clock, wire, producer } = setup({ lingerMs: 60_000 })
  wire.manual = true
  producer.send(rec(1))
  producer.send(rec(2), { topicId: 'B' })
  let flushed = false
  const flushing = producer.flush().then(() => { flushed = true })
  await clock.advance(0)
  assert.equal(wire.sent.length, 2, 'sealed without waiting for linger')
  producer.send(rec(3)) // after the flush call: not waited for
  wire.answer(ok())
  await flushMicrotasks()
  assert.equal(flushed, false)
  wire.answer(retriable(503)) // B goes to retry: the flush keeps waiting
  await clock.advance(0)
  assert.equal(flushed, false)
  await clock.advance(1000)
  wire.answer(ok())
  await flushing
  assert.equal(flushed, true)
  assert.equal(producer.stats().pending, 1, 'record 3 is still open')
  producer.send(rec(4))
  assert.equal(producer.stats().accepted, 4, 'flush keeps the producer open')
  assert.equal(wire.closed + wire.destroyed, 0)
})

test('flush() with nothing buffered resolves at once', async () => {
  const { producer } = setup()
  await producer.flush()
})

test('a finally failed batch settles flush() too', async () => {
  const { wire, producer } = setup()
  wire.fallback = final(400)
  producer.send(rec())
  await producer.flush()
  assert.equal(producer.stats().failed, 1)
})

test('close(): seals open batches, sends waiting retries at once, and still retries new failures with backoff', async () => {
  const { clock, wire, producer } = setup({ lingerMs: 60_000, maxRetryBackoffMs: 50_000, baseRetryBackoffMs: 50_000 })
  wire.script = [retriable(503)]
  producer.send(rec(1), { topicId: 'A' })
  void producer.flush()
  await clock.advance(0) // A failed, now waiting 25–50 s for its retry
  producer.send(rec(2), { topicId: 'B' })
  assert.equal(wire.sent.length, 1)
  // close() sends B (sealed now) and A's retry at once; B meets a transient 503 and is retried.
  wire.script = [retriable(503), ok(), ok()]
  const start = clock.now()
  const closing = producer.close()
  assert.throws(() => producer.send(rec(3)), ProducerClosedError)
  await clock.advance(0)
  assert.deepEqual(wire.sent.map((s) => s.key.split('|')[0]), ['A', 'B', 'A'])
  assert.deepEqual(wire.sent.slice(1).map((s) => s.at), [start, start], 'the waiting retry went out at once, without its backoff')
  let settled = false
  void closing.then(() => { settled = true })
  await clock.advance(24_999)
  assert.equal(settled, false, 'close waits for the retry of B')
  await clock.advance(25_001)
  const summary = await closing
  assert.deepEqual(wire.sent.map((s) => s.key.split('|')[0]), ['A', 'B', 'A', 'B'])
  assert.deepEqual(summary, { delivered: 2, failed: 0, dropped: 0, pending: 0, timedOut: false })
  assert.equal(wire.closed, 1)
  assert.equal(wire.destroyed, 0)
})

test('close({ timeoutMs }) abandons a batch whose retry would come after the deadline', async () => {
  const { clock, wire, producer } = setup({ baseRetryBackoffMs: 10_000, maxRetryBackoffMs: 10_000 })
  wire.fallback = retriable(503)
  const results: Result[] = []
  producer.send(rec(), { callback: (r) => results.push(r) })
  const closing = producer.close({ timeoutMs: 1000 })
  await clock.advance(1000)
  const summary = await closing
  assert.deepEqual(summary, { delivered: 0, failed: 0, dropped: 0, pending: 1, timedOut: true })
  assert.equal(results[0].errorCode, 'LOGSHIP_CLOSE_TIMEOUT')
  assert.equal(wire.sent.length, 1)
})

test('close() without timeoutMs waits until everything is settled', async () => {
  const { clock, wire, producer } = setup()
  wire.manual = true
  producer.send(rec())
  let done = false
  const closing = producer.close().then((s) => { done = true; return s })
  await clock.advance(3_600_000)
  assert.equal(done, false)
  assert.equal(wire.closed, 0, 'sockets released only after the requests settled')
  wire.answer(ok())
  const summary = await closing
  assert.equal(summary.delivered, 1)
  assert.equal(summary.timedOut, false)
  assert.equal(wire.closed, 1)
})

test('close({ timeoutMs }) abandons what is left at the deadline with LOGSHIP_CLOSE_TIMEOUT', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 2 })
  wire.manual = true
  const results: Result[] = []
  const failed: FailedEvent[] = []
  producer.on('failed', (e) => failed.push(e))
  for (let i = 0; i < 5; i++) producer.send(rec(i), { callback: (r) => results.push(r) })
  const closing = producer.close({ timeoutMs: 1000 })
  await clock.advance(0)
  assert.equal(wire.sent.length, 3)
  wire.answer(ok()) // 2 delivered
  await clock.advance(999)
  assert.equal(results.length, 2)
  await clock.advance(1)
  const summary = await closing
  assert.deepEqual(summary, { delivered: 2, failed: 0, dropped: 0, pending: 3, timedOut: true })
  assert.equal(results.length, 5, 'every callback called once')
  assert.deepEqual(results.slice(2).map((r) => [r.successful, r.errorCode]), [
    [false, 'LOGSHIP_CLOSE_TIMEOUT'], [false, 'LOGSHIP_CLOSE_TIMEOUT'], [false, 'LOGSHIP_CLOSE_TIMEOUT']
  ])
  assert.deepEqual(failed.map((e) => e.error.code), ['LOGSHIP_CLOSE_TIMEOUT', 'LOGSHIP_CLOSE_TIMEOUT'])
  assert.equal(wire.destroyed, 1)
  assert.equal(wire.closed, 0)
  const s = producer.stats()
  assert.equal(s.abandoned, 3)
  assert.equal(s.pending, 0)
  // A late answer for an abandoned request changes nothing.
  wire.answer(ok())
  wire.answer(ok())
  await flushMicrotasks()
  assert.equal(results.length, 5)
  assert.equal(producer.stats().delivered, 2)
})

test('close() is idempotent: the same promise, one wire.close()', async () => {
  const { producer, wire } = setup()
  producer.send(rec())
  const a = producer.close()
  const b = producer.close({ timeoutMs: 5 })
  assert.equal(a, b)
  await a
  assert.equal(await producer.close(), await a)
  assert.equal(wire.closed, 1)
})

test('close() rejects an invalid timeoutMs, naming it', async () => {
  const { producer } = setup()
  await assert.rejects(producer.close({ timeoutMs: -1 }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'timeoutMs')
  await assert.rejects(producer.close({ timeoutMs: Number.NaN }), InvalidOptionError)
  await producer.close()
})

test('a later close() checks its timeoutMs too, while the first one runs and after it is done', async () => {
  const { clock, wire, producer } = setup()
  wire.manual = true
  producer.send(rec())
  const closing = producer.close()
  await clock.advance(0)
  const negative = assert.rejects(producer.close({ timeoutMs: -1 }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'timeoutMs')
  const notANumber = assert.rejects(producer.close({ timeoutMs: 'soon' as unknown as number }), InvalidOptionError)
  wire.answer(ok())
  assert.equal((await closing).delivered, 1, 'the running close is unaffected')
  await Promise.all([negative, notANumber])
  await assert.rejects(producer.close({ timeoutMs: Number.NaN }), InvalidOptionError)
})

test('a later close({ timeoutMs }) brings the running close\'s deadline forward: every caller settles then, abandoned as at any deadline', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 1 })
  wire.manual = true
  const results: Result[] = []
  for (let i = 0; i < 3; i++) producer.send(rec(i), { callback: (r) => results.push(r) })
  const first = producer.close() // no deadline: would wait for the answers
  await clock.advance(500)
  const second = producer.close({ timeoutMs: 1000 })
  assert.equal(second, first, 'the same promise')
  let summary: CloseSummary | undefined
  void second.then((s) => { summary = s })
  await clock.advance(999)
  assert.equal(results.length, 0)
  assert.equal(summary, undefined)
  await clock.advance(1)
  assert.deepEqual(summary, { delivered: 0, failed: 0, dropped: 0, pending: 3, timedOut: true })
  assert.deepEqual(results.map((r) => r.errorCode), ['LOGSHIP_CLOSE_TIMEOUT', 'LOGSHIP_CLOSE_TIMEOUT', 'LOGSHIP_CLOSE_TIMEOUT'])
  assert.match(results[0].errorMessage, /1000 ms/)
  assert.equal(wire.destroyed, 1)
  assert.equal(wire.closed, 0)
  assert.equal(clock.pendingTimers, 0, 'no timer left behind')
})

test('a later close() with a longer deadline, or none, does not push the running close\'s deadline back', async () => {
  const { clock, wire, producer } = setup()
  wire.manual = true
  producer.send(rec())
  const t0 = clock.now()
  let settledAt = 0
  const first = producer.close({ timeoutMs: 1000 }).then((s) => { settledAt = clock.now(); return s })
  await clock.advance(500)
  void producer.close({ timeoutMs: 5000 })
  void producer.close()
  await clock.advance(5000)
  assert.equal((await first).timedOut, true)
  assert.equal(settledAt - t0, 1000)
})

test('send() and sendAsync() after close() or destroy() throw ProducerClosedError', async () => {
  const a = setup()
  await a.producer.close()
  assert.throws(() => a.producer.send(rec()), ProducerClosedError)
  await assert.rejects(a.producer.sendAsync(rec()), ProducerClosedError)
  const b = setup()
  b.producer.destroy()
  assert.throws(() => b.producer.send(rec()), (e: unknown) => e instanceof ProducerClosedError && e.code === 'LOGSHIP_PRODUCER_CLOSED')
})

test('destroy() drops everything now: callbacks get LOGSHIP_DESTROYED, wire.destroy(), idempotent', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 2 })
  wire.manual = true
  const results: Result[] = []
  for (let i = 0; i < 3; i++) producer.send(rec(i), { callback: (r) => results.push(r) })
  await clock.advance(0)
  assert.equal(wire.sent.length, 1) // one in flight, one record open
  producer.destroy()
  assert.equal(results.length, 3)
  assert.ok(results.every((r) => !r.successful && r.errorCode === 'LOGSHIP_DESTROYED'))
  assert.equal(wire.destroyed, 1)
  producer.destroy()
  assert.equal(wire.destroyed, 1)
  const s = producer.stats()
  assert.equal(s.abandoned, 3)
  assert.equal(s.bufferedBytes, 0)
  assert.equal(clock.pendingTimers, 0, 'no timer left behind')
  const summary = await producer.close()
  assert.equal(summary.timedOut, false)
  await producer.flush()
})

test('destroy() during close() settles the close promise', async () => {
  const { clock, wire, producer } = setup()
  wire.manual = true
  producer.send(rec())
  const closing = producer.close()
  await clock.advance(0)
  producer.destroy()
  const summary = await closing
  assert.equal(summary.pending, 1)
  assert.equal(wire.closed, 0)
  assert.equal(wire.destroyed, 1)
})

test('callbacks: once per record with the batch Result; a throwing callback breaks nothing', async (t) => {
  const { warnings } = captureProcessWarnings(t)
  const { wire, producer } = setup()
  wire.script = [ok('rid-1')]
  const calls: Array<[number, Result]> = []
  producer.send(rec(0), { callback: () => { throw new Error('user bug') } })
  producer.send(rec(1), { callback: (r) => calls.push([1, r]) })
  producer.send(rec(2))
  producer.send(rec(3), { callback: (r) => calls.push([3, r]) })
  await producer.flush()
  assert.deepEqual(calls.map(([i]) => i), [1, 3])
  assert.equal(calls[0][1], calls[1][1], 'the same Result object')
  assert.equal(calls[0][1].requestId, 'rid-1')
  assert.equal(producer.stats().delivered, 4)
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(warnings.filter((m) => m.includes('user bug')).length, 1)
  producer.send(rec(4), { callback: () => { throw new Error('again') } })
  await producer.flush()
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(warnings.filter((m) => m.includes('again')).length, 0, 'warned once per producer')
})

test('an async callback or listener that rejects is reported like one that throws, never an unhandled rejection', async (t) => {
  const { warnings, unhandled } = captureProcessWarnings(t)
  for (const how of ['callback', 'listener'] as const) {
    const { wire, producer } = setup()
    wire.script = [ok()]
    if (how === 'callback') producer.send(rec(0), { callback: async () => { throw new Error(`async ${how} bug`) } })
    else {
      producer.on('delivered', async () => { throw new Error(`async ${how} bug`) })
      producer.send(rec(0))
    }
    await producer.flush()
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(producer.stats().delivered, 1)
    assert.equal(warnings.filter((m) => m.includes(`async ${how} bug`) && m.includes('its promise rejected')).length, 1, warnings.join('\n'))
  }
  assert.deepEqual(unhandled, [])
})

test('a thrown value without a string form (no prototype, a throwing toString) is reported, and the other callbacks still run', async (t) => {
  const { warnings } = captureProcessWarnings(t)
  const { wire, producer } = setup()
  wire.script = [ok()]
  const results: Result[] = []
  producer.send(rec(0), { callback: () => { throw Object.create(null) } })
  producer.send(rec(1), { callback: () => { throw { toString () { throw new Error('no text') } } } })
  producer.send(rec(2), { callback: (r) => { results.push(r) } })
  const delivered: BatchEvent[] = []
  producer.on('delivered', (e) => delivered.push(e))
  await producer.flush()
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(results.length, 1, 'the callback after the throwing ones ran')
  assert.equal(delivered.length, 1, 'the delivered event was emitted')
  assert.equal(producer.stats().delivered, 3)
  assert.equal(warnings.filter((m) => m.includes('a send() callback threw') && m.includes('[object Object]')).length, 1, warnings.join('\n'))
})

test('diagnostic listeners and the diagnostics logger: one that throws or rejects is reported, never ends the process, and the others still run', async (t) => {
  const { warnings, unhandled } = captureProcessWarnings(t)
  for (const how of ['listener', 'logger'] as const) {
    const seen: string[] = []
    const failing = async (): Promise<void> => { throw new Error(`async diagnostics ${how} down`) }
    const logger = { debug: failing, info: failing, warn: failing, error: failing }
    const { wire, producer } = setup(how === 'logger' ? { diagnostics: { level: 'warn', logger } } : { diagnostics: { level: 'warn', destination: 'none' } } as never)
    if (how === 'listener') {
      producer.on('diagnostic', () => { throw new Error('sync diagnostics listener bug') })
      producer.on('diagnostic', failing)
      producer.on('diagnostic', (record: { event: string }) => { seen.push(record.event) })
    }
    wire.script = [final(400, 'InvalidArgument')]
    producer.send(rec(0))
    await producer.flush()
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(producer.stats().failed, 1)
    if (how === 'listener') assert.ok(seen.includes('failed'), 'a later listener still got the record: ' + seen.join())
  }
  assert.deepEqual(unhandled, [])
  assert.ok(warnings.some((m) => m.includes("a 'diagnostic' listener threw") && m.includes('sync diagnostics listener bug')), warnings.join('\n'))
  assert.ok(warnings.some((m) => m.includes('the diagnostics logger (its promise rejected)') && m.includes('async diagnostics logger down')), warnings.join('\n'))
})

test('callbacks may call send() and flush() re-entrantly', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 1 })
  wire.manual = true
  let inner: Promise<void> | undefined
  let innerDone = false
  producer.send(rec(1), {
    callback: () => {
      producer.send(rec(99))
      inner = producer.flush().then(() => { innerDone = true })
    }
  })
  producer.send(rec(2))
  await clock.advance(0)
  assert.equal(wire.sent.length, 2)
  wire.answer(ok()) // batch 1 settles; its callback sends 99 and flushes (waits for batch 2 and 99)
  await clock.advance(0)
  assert.equal(wire.sent.length, 3)
  assert.equal(innerDone, false)
  wire.answer(ok())
  await clock.advance(0)
  assert.equal(innerDone, false)
  wire.answer(ok())
  await inner
  assert.equal(producer.stats().delivered, 3)
})

test('events: delivered, failed, drop; a throwing listener does not stop the others or the engine', async () => {
  const { wire, producer } = setup({ totalSizeInBytes: 200, maxBatchCount: 1 })
  process.once('warning', () => {})
  wire.script = [ok(), final(404, 'TopicNotExist')]
  const delivered: BatchEvent[] = []
  const failed: FailedEvent[] = []
  const drops: DropEvent[] = []
  producer.on('delivered', () => { throw new Error('listener bug') })
  producer.on('delivered', (e) => delivered.push(e))
  producer.on('failed', (e) => failed.push(e))
  producer.on('drop', (e) => drops.push(e))
  producer.send(rec(1))
  producer.send(rec(2))
  producer.send({ time: T, contents: { big: 'x'.repeat(300) } })
  await producer.flush()
  assert.equal(delivered.length, 1)
  assert.equal(delivered[0].logCount, 1)
  assert.equal(delivered[0].result.successful, true)
  assert.equal(failed.length, 1)
  assert.equal(failed[0].error.code, 'LOGSHIP_HTTP_ERROR')
  assert.equal(failed[0].result.errorCode, 'TopicNotExist')
  assert.deepEqual(drops.map((d) => d.reason), ['record_too_large'])
  assert.equal(producer.listenerCount('error'), 0)
})

test('stats: accepted = delivered + failed + abandoned + pending; sent = accepted + dropped', async () => {
  const { clock, wire, producer } = setup({ totalSizeInBytes: 600, maxBatchCount: 3, retries: 1 })
  let n = 0
  wire.fallback = () => (++n % 3 === 0 ? final(400) : n % 3 === 1 ? retriable(503) : ok())
  let sent = 0
  const check = (): void => {
    const s = producer.stats()
    assert.equal(s.accepted, s.delivered + s.failed + s.abandoned + s.pending)
    assert.equal(sent, s.accepted + s.dropped)
  }
  for (let i = 0; i < 100; i++) {
    producer.send(rec(i))
    sent++
    check()
    if (i % 10 === 0) await clock.advance(300)
    check()
  }
  const closing = producer.close({ timeoutMs: 50 })
  await clock.advance(100)
  const summary = await closing
  check()
  const s = producer.stats()
  assert.equal(s.pending, 0)
  assert.equal(summary.delivered, s.delivered)
  assert.ok(s.requests >= s.batchesSent)
  assert.ok(s.retried > 0)
})

test('invalid records throw InvalidRecordError and are not counted', () => {
  const { producer } = setup()
  const bad: unknown[] = [null, undefined, 42, 'str', {}, { contents: null }, { contents: 'x' },
    { time: Number.NaN, contents: {} }, { time: -1, contents: {} }, { time: Infinity, contents: {} },
    { time: '2024-01-01', contents: {} }, { time: new Date(Number.NaN), contents: {} }, { time: -5n, contents: {} }]
  for (const record of bad) {
    assert.throws(() => producer.send(record as never), InvalidRecordError, JSON.stringify(String(record)))
  }
  assert.throws(() => producer.send(rec(), { callback: 'nope' as never }), InvalidRecordError)
  assert.equal(producer.stats().accepted, 0)
  assert.equal(producer.stats().dropped, 0)
})

test('sendAsync() resolves once the record is accepted, and delivers it', async () => {
  const { wire, producer } = setup()
  await producer.sendAsync(rec(7))
  assert.equal(producer.stats().accepted, 1)
  await producer.flush()
  assert.deepEqual(wire.allLogs().map((l) => l.contents), [{ i: 7 }])
  await assert.rejects(producer.sendAsync(null as never), InvalidRecordError)
})

test('setCredentials() is handed to the wire', () => {
  const { wire, producer } = setup()
  producer.setCredentials({ accessKeyId: 'a', accessKeySecret: 'b' })
  assert.deepEqual(wire.credentials, { accessKeyId: 'a', accessKeySecret: 'b' })
})

test('an idle producer leaves no timer armed', async () => {
  const { clock, producer } = setup()
  producer.send(rec())
  assert.equal(clock.pendingTimers, 1)
  await producer.flush()
  await clock.advance(0)
  assert.equal(clock.pendingTimers, 0)
})

test('destroy(): its closed line is a warning when records were lost, close() after it counts them as not delivered, and destroy() during close() says how it ended once', async () => {
  const closedLines = (calls: Array<[string, string]>): Array<[string, string]> => calls.filter(([, msg]) => /^producer (closed|destroyed)/.test(msg))
  const capture = (): { calls: Array<[string, string]>, logger: Record<'debug' | 'info' | 'warn' | 'error', (msg: string) => void> } => {
    const calls: Array<[string, string]> = []
    const at = (level: string) => (msg: string): void => { calls.push([level, msg]) }
    return { calls, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
  }

  // Three records unsettled when destroyed.
  const lost = capture()
  const a = setup({ diagnostics: { level: 'info', logger: lost.logger } })
  a.wire.manual = true
  for (let i = 0; i < 3; i++) a.producer.send(rec(i))
  a.producer.destroy()
  assert.deepEqual(closedLines(lost.calls), [['warn', 'producer destroyed: 0 delivered, 0 failed, 0 dropped, 3 not delivered']])
  const summary = await a.producer.close()
  assert.deepEqual(summary, { delivered: 0, failed: 0, dropped: 0, pending: 3, timedOut: false })
  assert.equal(summary.delivered + summary.failed + summary.dropped + summary.pending, 3, 'every record sent is accounted for')

  // Nothing lost: info.
  const clean = capture()
  const b = setup({ diagnostics: { level: 'info', logger: clean.logger } })
  b.producer.send(rec(0))
  await b.producer.flush()
  b.producer.destroy()
  assert.deepEqual(closedLines(clean.calls), [['info', 'producer destroyed: 1 delivered, 0 failed, 0 dropped, 0 not delivered']])

  // destroy() while close() waits: one closed line, and close() counts what destroy() abandoned.
  const during = capture()
  const c = setup({ diagnostics: { level: 'info', logger: during.logger } })
  c.wire.manual = true
  for (let i = 0; i < 5; i++) c.producer.send(rec(i))
  const closing = c.producer.close()
  await c.clock.advance(0)
  assert.equal(c.producer.stats().inFlight, 1)
  c.producer.destroy()
  const closed = await closing
  assert.equal(closed.pending, 5)
  assert.deepEqual(closedLines(during.calls), [['warn', 'producer destroyed: 0 delivered, 0 failed, 0 dropped, 5 not delivered']])

  // destroy() after close() finished (`try { await close() } finally { destroy() }`): close()'s line
  // only; a second one repeated its losses to whatever alerts on `closed`.
  const after = capture()
  const d = setup({ diagnostics: { level: 'info', logger: after.logger }, totalSizeInBytes: 200 })
  for (let i = 0; i < 10; i++) d.producer.send(rec(i))
  const dropped = d.producer.stats().dropped
  assert.ok(dropped > 0)
  await d.producer.close()
  d.producer.destroy()
  assert.deepEqual(closedLines(after.calls), [['warn', `producer closed: ${10 - dropped} delivered, 0 failed, ${dropped} dropped`]])
})
