// The engine tells the wire when a batch's body is dead (wire.release), so its memory can be
// reused: once per batch, after its last attempt, and never while a request may still read it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { final, ok, retriable } from './helpers/fake-wire.js'
import { setup } from './helpers/setup.js'

const T = 1_700_000_000_000
const rec = (i: number): { time: number, contents: Record<string, string> } => ({ time: T + i, contents: { msg: `record ${i}` } })

test('a batch is released once, after its last attempt, whether delivered or finally failed', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 1, baseRetryBackoffMs: 100, maxRetryBackoffMs: 100 }, {}, () => 0)
  wire.manual = true
  producer.send(rec(0))
  producer.send(rec(1))
  await clock.advance(0)
  assert.equal(wire.sent.length, 2)
  const [first, second] = [wire.sent[0].batch, wire.sent[1].batch]

  wire.answer(retriable(503)) // the first batch will be sent again: its body is still needed
  await clock.advance(0)
  assert.deepEqual(wire.released, [])

  wire.answer(final(400)) // the second fails for good
  await clock.advance(0)
  assert.deepEqual(wire.released, [second])

  await clock.advance(100) // the retry goes out
  assert.equal(wire.sent.length, 3)
  assert.equal(wire.sent[2].batch, first)
  wire.answer(ok())
  await clock.advance(0)
  assert.deepEqual(wire.released, [second, first])
  assert.equal(wire.releasedInFlight, 0)
  assert.deepEqual(await producer.close(), { delivered: 1, failed: 1, dropped: 0, pending: 0, timedOut: false })
  assert.equal(wire.released.length, 2, 'close releases nothing twice')
})

test('a batch abandoned by destroy() is never released, even when its request answers afterwards', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 1 })
  wire.manual = true
  for (let i = 0; i < 3; i++) producer.send(rec(i))
  await clock.advance(0)
  assert.equal(wire.sent.length, 3)
  wire.answer(ok())
  await clock.advance(0)
  assert.deepEqual(wire.released, [wire.sent[0].batch])

  producer.destroy()
  wire.answer(ok())
  wire.answer(ok())
  await clock.advance(0)
  assert.equal(wire.released.length, 1)
  assert.equal(wire.releasedInFlight, 0)
})

test('a batch abandoned at the close deadline is never released, even when its request answers afterwards', async () => {
  const { clock, wire, producer } = setup({ maxBatchCount: 1 })
  wire.manual = true
  for (let i = 0; i < 2; i++) producer.send(rec(i))
  const closing = producer.close({ timeoutMs: 1000 })
  await clock.advance(0)
  wire.answer(ok())
  await clock.advance(1000)
  const summary = await closing
  assert.equal(summary.pending, 1)
  assert.deepEqual(wire.released, [wire.sent[0].batch])

  wire.answer(ok()) // the abandoned request comes back late
  await clock.advance(0)
  assert.equal(wire.released.length, 1)
  assert.equal(wire.releasedInFlight, 0)
})
