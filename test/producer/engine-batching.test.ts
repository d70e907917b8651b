import assert from 'node:assert/strict'
import { test } from 'node:test'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { entrySize, setup } from './helpers/setup.js'

const T = 1_700_000_000_000

test('a batch is sealed at maxBatchCount logs', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 3 })
  for (let i = 0; i < 7; i++) producer.send({ time: T, contents: { i } })
  await clock.advance(0)
  assert.deepEqual(wire.sent.map((s) => s.logCount), [3, 3])
  assert.deepEqual(wire.allLogs().map((l) => (l.contents as { i: number }).i), [0, 1, 2, 3, 4, 5])
  await producer.flush()
  assert.deepEqual(wire.sent.map((s) => s.logCount), [3, 3, 1])
})

test('size: a batch is sealed before it would exceed maxBatchSize, never after', async () => {
  const { clock, wire, producer } = setup({ maxBatchSize: 1000, maxBatchCount: 10_000 })
  const sizes: number[] = []
  for (let i = 0; i < 200; i++) {
    const contents = { msg: 'x'.repeat((i * 37) % 90) }
    sizes.push(entrySize(wire, T, contents))
    producer.send({ time: T, contents })
  }
  await producer.flush()
  await clock.advance(0)
  assert.ok(wire.sent.length > 5)
  let total = 0
  for (const [i, s] of wire.sent.entries()) {
    assert.ok(s.bodyBytes <= 1000, `batch ${i} body ${s.bodyBytes} > 1000`)
    assert.equal(s.bodyBytes, s.batch.entries.length + wire.overhead, 'bodyBytes is exact')
    total += s.logCount
    // Every sealed batch except the last was full: the next record would not have fit.
    if (i < wire.sent.length - 1) {
      const nextSize = sizes[total]
      assert.ok(s.bodyBytes + nextSize > 1000, `batch ${i} sealed early`)
    }
  }
  assert.equal(total, 200)
})

test('size: a batch that reaches maxBatchSize exactly is sealed at once', async () => {
  const { clock, wire, producer } = setup({ maxBatchSize: 1000, maxBatchCount: 10_000 })
  const e = entrySize(wire, T, { msg: '' })
  // Pick a message length so that two records make exactly 1000 bytes with the overhead.
  const pad = (1000 - wire.overhead) / 2 - e
  assert.ok(Number.isInteger(pad) && pad > 0, 'test arithmetic')
  producer.send({ time: T, contents: { msg: 'y'.repeat(pad) } })
  producer.send({ time: T, contents: { msg: 'y'.repeat(pad) } })
  await clock.advance(0)
  assert.equal(wire.sent.length, 1)
  assert.equal(wire.sent[0].bodyBytes, 1000)
})

test('a single record larger than maxBatchSize goes alone in its own batch', async () => {
  const { clock, wire, producer } = setup({ maxBatchSize: 200, maxBatchCount: 10_000 })
  producer.send({ time: T, contents: { msg: 'small' } })
  producer.send({ time: T, contents: { msg: 'z'.repeat(500) } })
  producer.send({ time: T, contents: { msg: 'after' } })
  await clock.advance(0)
  assert.equal(wire.sent.length, 2, 'the small batch, then the oversized one, sealed at once')
  assert.equal(wire.sent[0].logCount, 1)
  assert.equal(wire.sent[1].logCount, 1)
  assert.ok(wire.sent[1].bodyBytes > 200)
  await producer.flush()
  assert.equal(wire.sent.length, 3)
  assert.equal((wire.sent[2].logs[0].contents as { msg: string }).msg, 'after')
})

test('linger: a batch is sealed lingerMs after its FIRST record', async () => {
  const { clock, wire, producer } = setup({ lingerMs: 500 })
  producer.send({ time: T, contents: { n: 1 } })
  await clock.advance(300)
  producer.send({ time: T, contents: { n: 2 } })
  await clock.advance(199)
  assert.equal(wire.sent.length, 0)
  await clock.advance(1)
  assert.equal(wire.sent.length, 1)
  assert.equal(wire.sent[0].logCount, 2)
  assert.equal(wire.sent[0].at - clock.now(), 0)
})

test('linger: one timer serves every destination, each sealed at its own deadline', async () => {
  const { clock, wire, producer } = setup({ lingerMs: 1000 })
  const start = clock.now()
  producer.send({ time: T, contents: { a: 1 } }, { topicId: 'A' })
  await clock.advance(400)
  producer.send({ time: T, contents: { b: 1 } }, { topicId: 'B' })
  await clock.advance(100)
  producer.send({ time: T, contents: { c: 1 } }, { topicId: 'C' })
  assert.equal(clock.pendingTimers, 1, 'a single linger timer')
  await clock.advance(5000)
  assert.deepEqual(wire.sent.map((s) => [s.key.split('|')[0], s.at - start]), [['A', 1000], ['B', 1400], ['C', 1500]])
  assert.equal(clock.pendingTimers, 0, 'no timer left when nothing is open')
})

test('batches are keyed by destination', async () => {
  const { clock, wire, producer } = setup()
  producer.send({ time: T, contents: { i: 1 } })
  producer.send({ time: T, contents: { i: 2 } }, { topicId: 'other' })
  producer.send({ time: T, contents: { i: 3 } }, { hashKey: 'h1' })
  producer.send({ time: T, contents: { i: 4 } })
  producer.send({ time: T, contents: { i: 5 } }, { source: 's2' })
  producer.send({ time: T, contents: { i: 6 } }, { topicId: 'other' })
  await producer.flush()
  await clock.advance(0)
  const byKey = new Map(wire.sent.map((s) => [s.key, s.logs.map((l) => (l.contents as { i: number }).i)]))
  assert.deepEqual(byKey, new Map([
    ['topic||src|', [1, 4]],
    ['other||src|', [2, 6]],
    ['topic|h1|src|', [3]],
    ['topic||s2|', [5]]
  ]))
})

test('entries are copied out of the wire scratch memory; min/max times tracked', async () => {
  const { clock, wire, producer } = setup()
  producer.send({ time: T + 5, contents: { a: 'first' } })
  producer.send({ time: T + 1, contents: { a: 'second' } })
  producer.send({ time: T + 9.25, contents: { a: 'third' } })
  await producer.flush()
  await clock.advance(0)
  const [s] = wire.sent
  assert.deepEqual(s.logs.map((l) => [l.ms, l.ns, l.contents]), [
    [T + 5, 0, { a: 'first' }], [T + 1, 0, { a: 'second' }], [T + 9, 250_000, { a: 'third' }]
  ])
  assert.equal(s.batch.minTimeMs, T + 1)
  assert.equal(s.batch.maxTimeMs, T + 9)
})

test('records without time get the clock time', async () => {
  const { clock, wire, producer } = setup()
  producer.send({ contents: { a: 1 } })
  await producer.flush()
  await clock.advance(0)
  assert.equal(wire.sent[0].logs[0].ms, clock.now())
})

test('the service limits cap maxBatchCount and maxBatchSize', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 100, maxBatchSize: 100_000 }, { limits: { maxLogsPerBatch: 4, maxBodyBytes: 300 } })
  for (let i = 0; i < 9; i++) producer.send({ time: T, contents: { i } })
  await producer.flush()
  await clock.advance(0)
  assert.deepEqual(wire.sent.map((s) => s.logCount), [4, 4, 1])
  for (let i = 0; i < 20; i++) producer.send({ time: T, contents: { msg: 'q'.repeat(40) } })
  await producer.flush()
  for (const s of wire.sent) assert.ok(s.bodyBytes <= 300)
})

test('a linger longer than a Node timer can hold is re-armed, not fired early', async () => {
  const { clock, wire, producer } = setup({ lingerMs: 3_000_000_000 })
  producer.send({ time: T, contents: { n: 1 } })
  await clock.advance(2_999_999_999)
  assert.equal(wire.sent.length, 0)
  await clock.advance(1)
  assert.equal(wire.sent.length, 1)
})

test('flush() seals the batches open when it starts: a subscriber that logs every seal does not keep it sealing for ever', async (t) => {
  const { clock, wire, producer } = setup({ lingerMs: 1000 })
  let seals = 0
  // Logs each seal through the same producer, as an app that logs its logging might. Before, flush()
  // walked the live map of open batches and sealed each batch this opened, whose seal opened
  // another: one synchronous flush() ran until the buffer was full.
  const onSealed = (): void => {
    if (++seals > 1000) throw new Error('still sealing')
    producer.send({ time: T, contents: { msg: `sealed ${seals}` } })
  }
  subscribe('logship:batch:sealed', onSealed)
  t.after(() => unsubscribe('logship:batch:sealed', onSealed))
  producer.send({ time: T, contents: { msg: 'first' } })
  const flushed = producer.flush()
  assert.equal(seals, 1, 'one flush() seals one batch')
  assert.equal(producer.stats().accepted, 2)
  // The record its subscriber sent is in a batch of its own, sealed when its linger ends.
  await clock.advance(999)
  assert.equal(seals, 1)
  await clock.advance(1)
  assert.equal(seals, 2, 'the batch opened during flush() is sealed by its linger timer')
  unsubscribe('logship:batch:sealed', onSealed)
  await flushed
  await producer.flush()
  await clock.advance(0)
  assert.deepEqual(wire.allLogs().map((l) => (l.contents as { msg: string }).msg), ['first', 'sealed 1', 'sealed 2'])
})

test('a channel subscriber that sends for the same destination while a batch is sealed: every batch is sent once, no record is lost', async (t) => {
  const { clock, wire, producer } = setup({ maxBatchSize: 200, maxBatchCount: 2 })
  const done: number[] = []
  const callback = (i: number) => () => { done.push(i) }
  let nested = false
  // Sealing the full batch runs this subscriber inside the outer send(), before that send() has
  // finished with the batch its record started: the first nested record joins that batch and fills
  // it (maxBatchCount 2), the second opens another.
  const onSealed = (): void => {
    if (nested) return
    nested = true
    producer.send({ time: T, contents: { i: 2 } }, { callback: callback(2) })
    producer.send({ time: T, contents: { i: 3 } }, { callback: callback(3) })
  }
  subscribe('logship:batch:sealed', onSealed)
  t.after(() => unsubscribe('logship:batch:sealed', onSealed))
  producer.send({ time: T, contents: { i: 0, pad: 'x'.repeat(120) } }, { callback: callback(0) })
  // Does not fit beside record 0: record 0's batch is sealed, and this record starts a new one.
  producer.send({ time: T, contents: { i: 1 } }, { callback: callback(1) })
  await producer.flush()
  await clock.advance(0)
  const sentIds = wire.sent.flatMap((s) => s.logs.map((l) => (l.contents as { i: number }).i))
  assert.deepEqual(sentIds.sort(), [0, 1, 2, 3], 'each record sent once')
  assert.equal(new Set(wire.sent.map((s) => s.batch)).size, wire.sent.length, 'no batch sent twice')
  assert.deepEqual(done.sort(), [0, 1, 2, 3], 'every callback, once')
  const s = producer.stats()
  assert.deepEqual({ delivered: s.delivered, pending: s.pending, bufferedBytes: s.bufferedBytes }, { delivered: 4, pending: 0, bufferedBytes: 0 })
})
