import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { ProducerClosedError } from '../../packages/producer/src/errors.js'
import { exitRegistrySize } from '../../packages/producer/src/exit-hook.js'
import type { Result } from '../../packages/producer/src/types.js'
import { ok, retriable } from './helpers/fake-wire.js'
import { setup } from './helpers/setup.js'

const T = 1_700_000_000_000
const rec = (i = 0) => ({ time: T, contents: { i } })
const listeners = (): number => process.listenerCount('beforeExit')
// node:test has a beforeExit listener of its own; count ours relative to it.
let baseline = 0
let foreign: Array<(...args: any[]) => void> = []
before(() => {
  baseline = listeners()
  foreign = process.listeners('beforeExit')
})

/** Runs only the producer's listener: emitting the real event would also poke node:test's own. */
function emitBeforeExit (): void {
  for (const listener of process.listeners('beforeExit')) {
    if (!foreign.includes(listener)) (listener as (code: number) => void)(0)
  }
}

test('one shared beforeExit listener, present only while some producer holds unsettled records', async () => {
  const harnesses = Array.from({ length: 25 }, () => setup({ flushOnExit: true }))
  assert.equal(listeners(), baseline, 'creating producers installs nothing')
  for (const h of harnesses) h.producer.send(rec())
  assert.equal(listeners(), baseline + 1)
  assert.equal(exitRegistrySize(), 25)
  for (const h of harnesses.slice(0, 10)) await h.producer.close()
  assert.equal(listeners(), baseline + 1)
  for (const h of harnesses.slice(10, 20)) h.producer.destroy()
  assert.equal(exitRegistrySize(), 5)
  for (const h of harnesses.slice(20)) await h.producer.flush() // idle again: unregistered
  assert.equal(exitRegistrySize(), 0)
  assert.equal(listeners(), baseline)
  // Create-and-close churn never accumulates listeners.
  for (let i = 0; i < 100; i++) {
    const h = setup({ flushOnExit: true })
    h.producer.send(rec())
    assert.ok(listeners() <= baseline + 1)
    await h.producer.close()
  }
  assert.equal(listeners(), baseline)
})

test('flushOnExit: false never installs the listener', () => {
  const { producer } = setup({ flushOnExit: false })
  producer.send(rec())
  assert.equal(listeners(), baseline)
  producer.destroy()
})

test('beforeExit seals open batches, sends waiting retries at once, and keeps retrying within closeTimeoutMs', async () => {
  const { clock, wire, producer } = setup({ flushOnExit: true, lingerMs: 60_000, baseRetryBackoffMs: 1000, maxRetryBackoffMs: 1000, closeTimeoutMs: 5000 })
  wire.script = [retriable(503)]
  const results: Result[] = []
  producer.send(rec(1), { topicId: 'A', callback: (r) => results.push(r) })
  void producer.flush()
  await clock.advance(0) // A waits 0.5–1 s for its retry
  producer.send(rec(2), { topicId: 'B', callback: (r) => results.push(r) })
  wire.script = [ok(), retriable(503), ok()] // B delivered; A's retry fails again and is retried once more
  const start = clock.now()
  emitBeforeExit()
  await clock.advance(0)
  assert.deepEqual(wire.sent.map((s) => s.key.split('|')[0]), ['A', 'B', 'A'])
  assert.deepEqual(wire.sent.slice(1).map((s) => s.at), [start, start], 'the waiting retry went out at once')
  await clock.advance(1000)
  assert.deepEqual(wire.sent.map((s) => s.key.split('|')[0]), ['A', 'B', 'A', 'A'])
  assert.deepEqual(results.map((r) => r.successful), [true, true])
  assert.equal(producer.stats().pending, 0)
  assert.equal(listeners(), baseline, 'settled: unregistered')
  // The producer stays open and works normally again.
  wire.script = [retriable(503), ok()]
  producer.send(rec(3))
  const flushing = producer.flush()
  await clock.advance(60_000)
  await flushing
  assert.equal(producer.stats().retried, 3)
  assert.equal(producer.stats().delivered, 3)
  await producer.close()
})

test('the exit flush gives up after closeTimeoutMs: abandons, destroys the wire, closes the producer', async () => {
  const { clock, wire, producer } = setup({ flushOnExit: true, closeTimeoutMs: 2000 })
  wire.script = ['hang']
  const results: Result[] = []
  producer.send(rec(), { callback: (r) => results.push(r) })
  emitBeforeExit()
  await clock.advance(1999)
  assert.equal(results.length, 0)
  await clock.advance(1)
  assert.equal(results.length, 1)
  assert.equal(results[0].errorCode, 'LOGSHIP_CLOSE_TIMEOUT')
  assert.equal(wire.destroyed, 1)
  assert.equal(producer.stats().abandoned, 1)
  assert.throws(() => producer.send(rec()), ProducerClosedError)
  assert.equal(listeners(), baseline)
})

test('a beforeExit with nothing pending does nothing', async () => {
  const { wire, producer } = setup({ flushOnExit: true })
  producer.send(rec())
  await producer.flush()
  emitBeforeExit()
  assert.equal(wire.sent.length, 1)
  assert.equal(listeners(), baseline)
})

test('an exit flush whose application goes on logging ends without closing; the next beforeExit starts a new one with a full deadline', async () => {
  const { clock, wire, producer } = setup({ flushOnExit: true, lingerMs: 60_000, closeTimeoutMs: 2000 })
  wire.manual = true // the service does not answer
  const results: Result[] = []
  producer.send(rec(1), { callback: (r) => results.push(r) })
  emitBeforeExit()
  await clock.advance(1000)
  // The application's beforeExit handler scheduled more work, which logs.
  producer.send(rec(2), { callback: (r) => results.push(r) })
  await clock.advance(1000)
  assert.equal(results.length, 0, 'nothing abandoned at the deadline')
  assert.equal(wire.destroyed, 0)
  assert.equal(clock.refedTimers, 0, 'no hold on the process')
  producer.send(rec(3), { callback: (r) => results.push(r) })
  assert.equal(producer.stats().accepted, 3, 'still open')
  // The application is done: the loop empties again.
  await clock.advance(500)
  emitBeforeExit()
  await clock.advance(1999)
  assert.equal(results.length, 0, 'a full closeTimeoutMs from this beforeExit')
  await clock.advance(1)
  assert.deepEqual(results.map((r) => r.errorCode), ['LOGSHIP_CLOSE_TIMEOUT', 'LOGSHIP_CLOSE_TIMEOUT', 'LOGSHIP_CLOSE_TIMEOUT'])
  assert.equal(wire.destroyed, 1)
  assert.throws(() => producer.send(rec()), ProducerClosedError)
  assert.equal(listeners(), baseline)
})

test('a beforeExit after the application logged again restarts the exit flush\'s deadline', async () => {
  const { clock, wire, producer } = setup({ flushOnExit: true, lingerMs: 60_000, closeTimeoutMs: 2000 })
  wire.manual = true
  producer.send(rec(1))
  emitBeforeExit()
  await clock.advance(1000)
  producer.send(rec(2)) // the application ran on, logged, and is done again
  await clock.advance(500)
  emitBeforeExit()
  await clock.advance(1999)
  assert.equal(producer.stats().abandoned, 0, 'the first deadline no longer applies')
  await clock.advance(1)
  assert.equal(producer.stats().abandoned, 2)
  assert.throws(() => producer.send(rec()), ProducerClosedError)
})

test('records logged by the application\'s other beforeExit listeners in the same emission do not count as the application running on', async (t) => {
  const { clock, wire, producer } = setup({ flushOnExit: true, lingerMs: 60_000, closeTimeoutMs: 2000 })
  wire.manual = true
  producer.send(rec(1))
  const appListener = (): void => { producer.send(rec(2)) }
  process.on('beforeExit', appListener)
  t.after(() => process.off('beforeExit', appListener))
  emitBeforeExit() // ours, then the application's
  await clock.advance(2000)
  assert.equal(producer.stats().abandoned, 2)
  assert.throws(() => producer.send(rec()), ProducerClosedError)
})

test('retry backoffs keep the process alive only while a flush() caller waits (flushOnExit off)', async () => {
  const { clock, wire, producer } = setup({ lingerMs: 100, baseRetryBackoffMs: 1000, maxRetryBackoffMs: 1000 })
  wire.script = [retriable(503)]
  producer.send(rec(1))
  let flushed = false
  const flushing = producer.flush().then(() => { flushed = true })
  await clock.advance(0)
  assert.equal(clock.refedTimers, 1, 'the retry timer holds the process for the awaited flush')
  await clock.advance(1000)
  await flushing
  assert.equal(flushed, true)
  assert.equal(clock.refedTimers, 0)
  // A retry nobody waits for does not hold the process, until someone calls flush().
  wire.script = [retriable(503)]
  producer.send(rec(2))
  await clock.advance(100)
  assert.equal(producer.stats().retried, 2)
  assert.equal(clock.refedTimers, 0)
  const again = producer.flush()
  assert.equal(clock.refedTimers, 1)
  await clock.advance(1000)
  await again
  assert.equal(clock.refedTimers, 0)
  assert.equal(producer.stats().delivered, 2)
})

test('with flushOnExit on, an awaited flush() leaves the backoff to the exit flush, which sends the retry at once', async () => {
  const { clock, wire, producer } = setup({ flushOnExit: true, baseRetryBackoffMs: 60_000, maxRetryBackoffMs: 60_000 })
  wire.script = [retriable(503)]
  producer.send(rec(1))
  const flushing = producer.flush()
  await clock.advance(0)
  assert.equal(clock.refedTimers, 0, 'the loop may empty: the exit flush is bounded by closeTimeoutMs')
  emitBeforeExit()
  await clock.advance(0)
  await flushing
  assert.equal(wire.sent.length, 2)
  assert.equal(producer.stats().delivered, 1)
})
