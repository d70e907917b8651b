import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Budget, type BudgetWaiter } from '../../packages/producer/src/budget.js'
import { BufferFullError, DestroyedError, ProducerClosedError, RecordTooLargeError } from '../../packages/producer/src/errors.js'
import type { DropEvent } from '../../packages/producer/src/types.js'
import { createEngine } from '../../packages/producer/src/engine.js'
import { systemClock } from '../../packages/producer/src/transport.js'
import { FakeWire, ok, testOptions } from './helpers/fake-wire.js'
import { flushMicrotasks, ManualClock } from './helpers/manual-clock.js'
import { entrySize, setup } from './helpers/setup.js'

const T = 1_700_000_000_000

/** A wait for `bytes` as a promise, as the engine's waiting records use the budget (maxBlockMs 0 fails at once, negative waits until rejectAll()). */
function reserve (budget: Budget, bytes: number, maxBlockMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const waiter: BudgetWaiter = { bytes, deadline: budget.deadlineAfter(maxBlockMs), maxBlockMs, grant: resolve, fail: reject, next: undefined, prev: undefined }
    if (budget.wait(waiter) === 'reserved') resolve()
  })
}
const rec = (i: number) => ({ time: T, contents: { i: String(i).padStart(4, '0') } })

test('budget unit: each record reserves its encoded entry size, released when its batch settles', async () => {
  const { clock, wire, producer } = setup()
  wire.manual = true
  const size = entrySize(wire, T, rec(0).contents)
  producer.send(rec(0))
  producer.send(rec(1))
  assert.equal(producer.stats().bufferedBytes, 2 * size)
  let flushed = false
  const flushing = producer.flush().then(() => { flushed = true })
  await clock.advance(0)
  assert.equal(wire.unanswered, 1)
  assert.equal(flushed, false, 'flush waits for the batch to settle')
  assert.equal(producer.stats().bufferedBytes, 2 * size, 'still held while in flight')
  wire.answer(ok())
  await flushing
  assert.equal(producer.stats().bufferedBytes, 0)
})

test('send() drops the newest record when full, counts it and emits drop', async () => {
  const { wire, producer } = setup({ totalSizeInBytes: 1000 })
  wire.manual = true
  const size = entrySize(wire, T, rec(0).contents)
  const drops: DropEvent[] = []
  producer.on('drop', (e) => drops.push(e))
  const fit = Math.floor(1000 / size)
  for (let i = 0; i < fit + 3; i++) producer.send(rec(i))
  const s = producer.stats()
  assert.equal(s.accepted, fit)
  assert.equal(s.dropped, 3)
  assert.ok(s.bufferedBytes <= 1000)
  assert.deepEqual(drops, [1, 2, 3].map(() => ({ reason: 'buffer_full', count: 1, bytes: size })))
  // The accepted records are the oldest ones.
  void producer.flush()
  assert.deepEqual(wire.allLogs().map((l) => (l.contents as { i: string }).i), Array.from({ length: fit }, (_, i) => String(i).padStart(4, '0')))
})

test('send() drops a record larger than totalSizeInBytes with reason record_too_large', () => {
  const { producer } = setup({ totalSizeInBytes: 100 })
  const drops: DropEvent[] = []
  producer.on('drop', (e) => drops.push(e))
  producer.send({ time: T, contents: { big: 'b'.repeat(200) } })
  assert.equal(drops[0].reason, 'record_too_large')
  assert.equal(producer.stats().dropped, 1)
  assert.equal(producer.stats().accepted, 0)
})

test('sendAsync() rejects a record larger than totalSizeInBytes at once', async () => {
  const { producer } = setup({ totalSizeInBytes: 100 })
  await assert.rejects(producer.sendAsync({ time: T, contents: { big: 'b'.repeat(200) } }), RecordTooLargeError)
  assert.equal(producer.stats().dropped, 1)
})

test('sendAsync() with maxBlockMs 0 fails at once when full', async () => {
  const { wire, producer } = setup({ totalSizeInBytes: 100, maxBlockMs: 0 })
  wire.manual = true
  await producer.sendAsync(rec(0))
  while (producer.stats().bufferedBytes + entrySize(wire, T, rec(0).contents) <= 100) producer.send(rec(1))
  await assert.rejects(producer.sendAsync(rec(2)), (e: unknown) => e instanceof BufferFullError && e.code === 'LOGSHIP_BUFFER_FULL')
})

test('sendAsync() with positive maxBlockMs: woken by a release, or rejected after maxBlockMs', async () => {
  const { clock, wire, producer } = setup({ totalSizeInBytes: 100, maxBlockMs: 1000 })
  wire.manual = true
  const size = entrySize(wire, T, rec(0).contents)
  const fit = Math.floor(100 / size)
  for (let i = 0; i < fit; i++) producer.send(rec(i))
  let accepted = false
  const waiting = producer.sendAsync(rec(99)).then(() => { accepted = true })
  await clock.advance(500)
  assert.equal(accepted, false)
  void producer.flush()
  wire.answer(ok())
  await clock.advance(0)
  await waiting
  assert.equal(accepted, true)
  assert.equal(producer.stats().accepted, fit + 1)

  // Now full again: the next one times out after exactly maxBlockMs.
  for (let i = 0; i < fit - 1; i++) producer.send(rec(i))
  let rejected: unknown
  const timingOut = producer.sendAsync(rec(98)).catch((e: unknown) => { rejected = e })
  await clock.advance(999)
  assert.equal(rejected, undefined)
  await clock.advance(1)
  await timingOut
  assert.ok((rejected as unknown) instanceof BufferFullError)
  assert.match((rejected as unknown as Error).message, /1000 ms/)
})

test('sendAsync() with negative maxBlockMs waits forever; close() rejects it', async () => {
  const { clock, wire, producer } = setup({ totalSizeInBytes: 100, maxBlockMs: -1 })
  wire.manual = true
  const size = entrySize(wire, T, rec(0).contents)
  for (let i = 0; i < Math.floor(100 / size); i++) producer.send(rec(i))
  let settled = false
  const waiting = producer.sendAsync(rec(99)).then(() => { settled = true }, (e: unknown) => { settled = true; throw e })
  await clock.advance(10_000_000)
  assert.equal(settled, false)
  const closing = producer.close({ timeoutMs: 0 })
  await assert.rejects(waiting, ProducerClosedError)
  await clock.advance(0)
  const summary = await closing
  assert.equal(summary.timedOut, true)
  assert.equal(producer.stats().dropped, 1, 'the rejected sendAsync counts as dropped')
})

test('destroy() rejects waiting sendAsync() calls with DestroyedError', async () => {
  const { wire, producer } = setup({ totalSizeInBytes: 100, maxBlockMs: -1 })
  wire.manual = true
  while (producer.stats().dropped === 0) producer.send(rec(1))
  const waiting = producer.sendAsync(rec(2))
  producer.destroy()
  await assert.rejects(waiting, DestroyedError)
})

test('Budget: waiters are woken FIFO, each only when it fits, and timeouts unblock those behind', async () => {
  const clock = new ManualClock()
  const budget = new Budget(100, clock)
  assert.equal(budget.tryReserve(90), true)
  assert.equal(budget.tryReserve(20), false)
  const order: string[] = []
  const big = reserve(budget, 60, 500).then(() => order.push('big'), () => order.push('big-timeout'))
  const small = reserve(budget, 10, -1).then(() => order.push('small'))
  assert.equal(budget.waiters, 2)
  budget.release(40) // used 50: big (60) does not fit, small waits behind it (strict FIFO)
  await flushMicrotasks()
  assert.deepEqual(order, [])
  await clock.advance(500) // big times out; small now goes
  await Promise.all([big, small])
  assert.deepEqual(order, ['big-timeout', 'small'])
  assert.equal(budget.used, 60)
  budget.release(60)
  const a = reserve(budget, 50, 0)
  const b = reserve(budget, 50, 0)
  await Promise.all([a, b])
  assert.equal(budget.used, 100)
  await assert.rejects(reserve(budget, 1, 0), BufferFullError)
})

test('Budget: one timer serves every deadline, also one earlier than those queued before it, and stops when nobody waits', async () => {
  const clock = new ManualClock()
  const budget = new Budget(100, clock)
  assert.equal(budget.tryReserve(100), true)
  const order: string[] = []
  const settle = (name: string, p: Promise<void>): Promise<unknown> => p.then(() => order.push(name), (e: unknown) => order.push(`${name}: ${(e as Error).message}`))
  const first = settle('first', reserve(budget, 10, 500))
  const second = settle('second', reserve(budget, 10, 300)) // queued later, due earlier
  const third = settle('third', reserve(budget, 10, -1)) // no deadline
  assert.equal(clock.pendingTimers, 1, 'one timer for all waiters')
  await clock.advance(299)
  assert.deepEqual(order, [])
  await clock.advance(1)
  assert.deepEqual(order, ['second: no buffer space after waiting 300 ms: totalSizeInBytes (100) is taken by records not yet delivered'])
  assert.equal(budget.waiters, 2)
  await clock.advance(200)
  await first
  assert.match(order[1]!, /^first: no buffer space after waiting 500 ms/)
  assert.equal(clock.pendingTimers, 0, 'the one left waits without a deadline')
  budget.release(10)
  await third
  assert.equal(order[2], 'third')
  assert.equal(budget.waiters, 0)
  // A wait longer than a timer holds (about 24.8 days) is as good as forever: no timer at all.
  const far = settle('far', reserve(budget, 10, 2 ** 33))
  assert.equal(clock.pendingTimers, 0)
  await clock.advance(2 ** 33)
  assert.equal(budget.waiters, 1, 'still waiting')
  budget.release(50)
  await far
  assert.equal(order[3], 'far')
  assert.equal(clock.pendingTimers, 0, 'nobody waits: no timer')
  await second
})

test('three thousand sendAsync() calls waiting at once: each record arrives once, in order, byte for byte', async () => {
  // Waiting records keep copies of their entries (the wire's scratch memory) in shared chunks that
  // are reused as waiters leave; entries over 8 KiB get memory of their own.
  const { wire, producer } = setup({ totalSizeInBytes: 40_000, maxBlockMs: -1, maxBatchCount: 64 })
  const n = 3000
  const value = (i: number): string => (i % 7 === 0 ? 'L' : 's').repeat(i % 7 === 0 ? 9000 + i : 20 + (i % 50)) + `#${i}`
  let settled = 0
  let maxWaiting = 0
  const calls: Array<Promise<void>> = []
  // Waves of new calls while earlier ones are let in: new copies are written while older ones leave.
  for (let rounds = 0; settled < n && rounds < 10_000; rounds++) {
    for (let k = 0; k < 150 && calls.length < n; k++) {
      const i = calls.length
      calls.push(producer.sendAsync({ time: T, contents: { i: String(i), v: value(i) } }).then(() => { settled++ }))
    }
    maxWaiting = Math.max(maxWaiting, calls.length - settled)
    await producer.flush()
    await flushMicrotasks()
  }
  assert.ok(maxWaiting > 150, `at most ${maxWaiting} waited at once`)
  await Promise.all(calls)
  await producer.flush()
  const logs = wire.allLogs().map((l) => l.contents as { i: string, v: string })
  assert.equal(logs.length, n)
  logs.forEach((c, k) => {
    assert.equal(c.i, String(k), 'in order')
    assert.equal(c.v, value(k), `record ${k} arrived byte for byte`)
  })
  assert.equal(producer.stats().bufferedBytes, 0)
})

test('bytes accepted but unsettled never exceed totalSizeInBytes under churn', async () => {
  const { clock, wire, producer } = setup({ totalSizeInBytes: 2000, maxBatchCount: 5, maxBlockMs: -1 })
  let max = 0
  wire.fallback = () => {
    max = Math.max(max, producer.stats().bufferedBytes)
    return ok()
  }
  const asyncs: Array<Promise<void>> = []
  for (let i = 0; i < 500; i++) {
    producer.send(rec(i))
    if (i % 7 === 0) asyncs.push(producer.sendAsync(rec(i)))
    max = Math.max(max, producer.stats().bufferedBytes)
    if (i % 50 === 0) await clock.advance(10)
  }
  await producer.flush()
  await Promise.all(asyncs)
  await producer.flush()
  assert.ok(max <= 2000, `max ${max}`)
  const s = producer.stats()
  assert.equal(s.bufferedBytes, 0)
  assert.equal(s.accepted, s.delivered)
})

test('30,000 destinations: beyond the first 16, each batch is charged its buffer and overhead, so their real memory stays within totalSizeInBytes', async (t) => {
  // Every record goes to a destination of its own, so every accepted record opens a batch. Before
  // batches were charged for their memory, the budget saw ~50 bytes per record while each batch
  // held a 4 KiB buffer: ~100 MB of buffers against a 1 MiB bound.
  const limit = 1024 * 1024
  const { wire, producer } = setup({ totalSizeInBytes: limit, maxBlockMs: 0 })
  const n = 30_000
  // Nothing settles during this synchronous loop, so the ArrayBuffer memory it adds is the batches' buffers.
  const before = process.memoryUsage().arrayBuffers
  let peak = 0
  for (let i = 0; i < n; i++) {
    producer.send(rec(i), { source: `s${i}` })
    peak = Math.max(peak, producer.stats().bufferedBytes)
  }
  const buffers = process.memoryUsage().arrayBuffers - before
  const s = producer.stats()
  t.diagnostic(`accepted ${s.accepted}, dropped ${s.dropped}; buffers ${buffers} bytes, bufferedBytes ${s.bufferedBytes} of ${limit}`)
  assert.ok(peak <= limit, `bufferedBytes peaked at ${peak} > ${limit}`)
  // The first 16 unsettled batches' buffers (4 KiB each for records this small) are not charged.
  assert.ok(buffers <= s.bufferedBytes + 16 * 4096, `the batches' buffers took ${buffers} bytes, more than the ${s.bufferedBytes} counted`)
  assert.ok(s.accepted > 0 && s.dropped > 0 && s.accepted + s.dropped === n)
  // Once the budget is full a new destination's record is refused as for any full buffer.
  await assert.rejects(producer.sendAsync(rec(0), { source: 'one more' }), (e: unknown) => e instanceof BufferFullError && e.code === 'LOGSHIP_BUFFER_FULL')
  await producer.flush()
  const after = producer.stats()
  assert.equal(after.delivered, s.accepted, 'every accepted record is delivered')
  assert.equal(new Set(wire.sent.map((b) => b.key)).size, s.accepted, 'one batch per destination')
  assert.equal(after.bufferedBytes, 0, 'the budget is back to 0 once everything settled')
})

test('a budget too small for a 17th open batch refuses its record at once, saying so rather than blaming a wait', async () => {
  const { producer } = setup({ totalSizeInBytes: 4000, maxBlockMs: -1 })
  for (let i = 0; i < 16; i++) producer.send(rec(i), { source: `s${i}` })
  assert.equal(producer.stats().accepted, 16)
  // A new batch beyond 16 open ones takes 5 KiB with its record: more than this budget can ever hold,
  // so sendAsync must not wait (maxBlockMs -1 would wait for ever) but refuse with a message that says why.
  await assert.rejects(producer.sendAsync(rec(16), { source: 's16' }), (e: unknown) => {
    assert.ok(e instanceof BufferFullError)
    assert.equal(e.code, 'LOGSHIP_BUFFER_FULL')
    assert.match(e.message, /another open batch: with 16 batches open, a new one takes \d+ bytes with its record, more than totalSizeInBytes \(4000\)/)
    assert.doesNotMatch(e.message, /after waiting/)
    return true
  })
  producer.send(rec(17), { source: 's17' })
  assert.equal(producer.stats().dropped, 2)
  // A record for a destination already open still fits.
  producer.send(rec(18), { source: 's0' })
  assert.equal(producer.stats().accepted, 17)
  await producer.flush()
})

// Records of ~1 KB against an 8,000-byte budget: a new batch's charge beyond 16 open ones (5 KiB)
// is more than the room a settled batch leaves, so waiting for it when it does not apply would time out.
const big = (i: number) => ({ time: T, contents: { i: String(i).padStart(4, '0'), v: 'x'.repeat(1030) } })

test('a waiting sendAsync() with few batches open waits for its record alone, not for a new batch\'s charge', async () => {
  const { clock, wire, producer } = setup({ totalSizeInBytes: 8000, maxBlockMs: 1000 })
  wire.manual = true
  const size = entrySize(wire, T, big(0).contents)
  assert.ok(size > 1000 && 7 * size < 8000 && 8000 - 2 * size < size + 5120, `record size ${size} does not suit this test`)
  for (let i = 0; i < 5; i++) producer.send(big(i))
  void producer.flush() // batch A: 5 records in flight
  producer.send(big(5))
  producer.send(big(6)) // batch B: open, 2 records
  assert.equal(producer.stats().accepted, 7)
  let accepted = false
  const waiting = producer.sendAsync(big(7)).then(() => { accepted = true })
  await clock.advance(10)
  assert.equal(accepted, false, 'no room yet')
  wire.answer(ok()) // A settles: 8000 - 2 records free, room for one more record but not for one plus 5 KiB
  await clock.advance(0)
  assert.equal(accepted, true, `woken with ${8000 - producer.stats().bufferedBytes + size} bytes free`)
  await waiting
  const flushing = producer.flush()
  await clock.advance(0)
  wire.answer(ok())
  await flushing
  assert.deepEqual(wire.allLogs().map((l) => (l.contents as { i: string }).i), ['0000', '0001', '0002', '0003', '0004', '0005', '0006', '0007'])
  assert.equal(producer.stats().bufferedBytes, 0)
})

test('a sendAsync() woken after 16 batches were opened meanwhile waits again for the charge, within the same maxBlockMs', async () => {
  const small = (i: number) => ({ time: T, contents: { i: String(i) } })
  for (const outcome of ['accepted', 'timed out'] as const) {
    const { clock, wire, producer } = setup({ totalSizeInBytes: 12_000, maxBlockMs: 1000 })
    wire.manual = true
    const size = entrySize(wire, T, big(0).contents)
    const smallSize = entrySize(wire, T, small(10).contents)
    // Two batches of 5 big records in flight, then 15 destinations with one small record open.
    for (const first of [0, 5]) {
      for (let i = first; i < first + 5; i++) producer.send(big(i), { source: 'big' })
      void producer.flush()
    }
    for (let i = 0; i < 15; i++) producer.send(small(i), { source: `s${i}` })
    const free = 12_000 - producer.stats().bufferedBytes
    assert.ok(free < size && free >= smallSize, `room ${free} does not suit this test`)
    let settled: unknown
    const waiting = producer.sendAsync(big(10), { source: 'big' }).then(() => { settled = 'accepted' }, (e: unknown) => { settled = e })
    producer.send(small(15), { source: 's15' }) // the 16th open batch, while it waits
    assert.equal(producer.stats().accepted, 26)
    await clock.advance(400)
    wire.answer(ok()) // the first 5 big records settle: room for the record, not for it and a new batch's 5 KiB
    await clock.advance(0)
    assert.equal(settled, undefined, 'still waiting, for the charge now, not refused')
    if (outcome === 'accepted') {
      await clock.advance(100)
      wire.answer(ok()) // the other 5 settle
      await clock.advance(0)
      await waiting
      assert.equal(settled, 'accepted')
      const flushing = producer.flush()
      await clock.advance(0)
      while (wire.unanswered > 0) wire.answer(ok())
      await flushing
      assert.equal(producer.stats().delivered, 27)
      assert.ok(wire.allLogs().some((l) => (l.contents as { i: string }).i === '0010'))
    } else {
      // The second wait gets what is left of maxBlockMs, and its error names the whole wait.
      await clock.advance(599)
      assert.equal(settled, undefined)
      await clock.advance(1)
      await waiting
      const error = settled as unknown
      assert.ok(error instanceof BufferFullError, String(error))
      assert.match(error.message, /after waiting 1000 ms/)
      assert.equal(producer.stats().dropped, 1)
    }
    producer.destroy()
  }
})

test('a small sendAsync() behind a big one that times out is let in when there is room, not failed with it', async () => {
  const { clock, wire, producer } = setup({ totalSizeInBytes: 1000, maxBlockMs: 100 })
  wire.manual = true
  producer.send({ time: T, contents: { fill: 'x'.repeat(800) } })
  const free = 1000 - producer.stats().bufferedBytes
  const results: string[] = []
  void producer.sendAsync({ time: T, contents: { big: 'b'.repeat(300) } }).then(() => results.push('big ok'), (e: { code: string }) => results.push(`big ${e.code}`))
  void producer.sendAsync({ time: T, contents: { s: 'y' } }).then(() => results.push('small ok'), (e: { code: string }) => results.push(`small ${e.code}`))
  assert.ok(free > 60 && free < 300, `${free} bytes free`)
  await clock.advance(100) // both deadlines pass at once
  assert.deepEqual(results, ['big LOGSHIP_BUFFER_FULL', 'small ok'])
  producer.destroy()
})

test('a sendAsync() made from a record callback does not overtake one that was already waiting', async () => {
  const { clock, wire, producer } = setup({ totalSizeInBytes: 1000, maxBlockMs: 1000 })
  wire.manual = true
  const order: string[] = []
  producer.send({ time: T, contents: { fill: 'x'.repeat(400) } }, {
    // Runs when the first batch settles: A, let in by that release, is not settled yet.
    callback: () => { void producer.sendAsync({ time: T, contents: { n: 'B' } }).then(() => order.push('B')) }
  })
  producer.send({ time: T, contents: { fill: 'x'.repeat(400) } })
  void producer.sendAsync({ time: T, contents: { n: 'A', v: 'a'.repeat(300) } }).then(() => order.push('A'))
  void producer.flush()
  await clock.advance(0)
  wire.answer(ok())
  await clock.advance(0)
  const flushing = producer.flush()
  await clock.advance(0)
  while (wire.unanswered > 0) wire.answer(ok())
  await flushing
  const logs = wire.allLogs().map((l) => (l.contents as { n?: string }).n).filter((n) => n !== undefined)
  assert.deepEqual({ order, logs }, { order: ['A', 'B'], logs: ['A', 'B'] })
})

test('maxBlockMs runs on a monotonic clock: a step of the wall clock back does not stretch the wait', async () => {
  const wire = new FakeWire({ now: () => Date.now() })
  wire.manual = true
  const producer = createEngine(testOptions({ totalSizeInBytes: 100, maxBlockMs: 200 }), wire, systemClock)
  while (producer.stats().dropped === 0) producer.send({ contents: { a: 'x' } })
  const started = performance.now()
  let settledAfterMs: number | undefined
  void producer.sendAsync({ contents: { a: 'y' } }).catch(() => { settledAfterMs = performance.now() - started })
  const realNow = Date.now
  await new Promise((resolve) => setTimeout(resolve, 50))
  Date.now = () => realNow() - 10_000 // NTP steps the clock back 10 s
  try {
    await new Promise((resolve) => setTimeout(resolve, 600))
  } finally {
    Date.now = realNow
  }
  producer.destroy()
  assert.ok(settledAfterMs !== undefined && settledAfterMs < 500, `maxBlockMs 200: settled after ${settledAfterMs} ms`)
})

