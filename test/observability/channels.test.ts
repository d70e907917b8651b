/** Tracing hooks: node:diagnostics_channel subscribers see batches, requests and drops, without secrets. */
import assert from 'node:assert/strict'
import diagnosticsChannel from 'node:diagnostics_channel'
import { after, before, it } from 'node:test'
import { CHANNELS, createProducer, type BatchSealedMessage, type DropMessage, type RequestMessage } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { ACCESS_KEY_ID, SECRET, tlsOptions } from './helpers.js'

let emu: Emulator
before(async () => { emu = await startEmulator({ port: 0 }) })
after(async () => { await emu.close() })

it('publishes batch sealed, request start and end (the same object), and drops, per producer', async () => {
  assert.deepEqual({ ...CHANNELS }, {
    batchSealed: 'logship:batch:sealed',
    requestStart: 'logship:request:start',
    requestEnd: 'logship:request:end',
    drop: 'logship:drop'
  })
  const options = tlsOptions(emu, { name: 'traced', baseRetryBackoffMs: 10, maxRetryBackoffMs: 20, totalSizeInBytes: 600, diagnostics: { level: 'off' } })
  const producer = createProducer(options as any)
  const other = createProducer(tlsOptions(emu, { name: 'other', diagnostics: { level: 'off' } }) as any)
  const sealed: BatchSealedMessage[] = []
  const starts: RequestMessage[] = []
  const ends: RequestMessage[] = []
  const drops: DropMessage[] = []
  const startedAt = new WeakMap<object, number>()
  const onSealed = (m: unknown) => { if ((m as BatchSealedMessage).producer === 'traced') sealed.push(m as BatchSealedMessage) }
  const onStart = (m: unknown) => {
    const r = m as RequestMessage
    if (r.producer !== 'traced') return
    assert.equal(r.success, undefined, 'no end fields yet')
    startedAt.set(r, Date.now())
    starts.push({ ...r })
  }
  const onEnd = (m: unknown) => {
    const r = m as RequestMessage
    if (r.producer !== 'traced') return
    assert.ok(startedAt.has(r), 'end gets the object start got')
    ends.push({ ...r })
  }
  const onDrop = (m: unknown) => { if ((m as DropMessage).producer === 'traced') drops.push(m as DropMessage) }
  diagnosticsChannel.subscribe(CHANNELS.batchSealed, onSealed)
  diagnosticsChannel.subscribe(CHANNELS.requestStart, onStart)
  diagnosticsChannel.subscribe(CHANNELS.requestEnd, onEnd)
  diagnosticsChannel.subscribe(CHANNELS.drop, onDrop)
  try {
    emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: options.topicId })
    for (let i = 0; i < 40; i++) producer.send({ contents: { i: String(i), pad: 'x'.repeat(20) } })
    other.send({ contents: { other: 'yes' } })
    await producer.flush()
    await other.flush()
  } finally {
    diagnosticsChannel.unsubscribe(CHANNELS.batchSealed, onSealed)
    diagnosticsChannel.unsubscribe(CHANNELS.requestStart, onStart)
    diagnosticsChannel.unsubscribe(CHANNELS.requestEnd, onEnd)
    diagnosticsChannel.unsubscribe(CHANNELS.drop, onDrop)
  }
  const stats = producer.stats()
  assert.ok(stats.dropped > 0)
  assert.equal(drops.length, stats.dropped)
  assert.deepEqual(drops[0], { producer: 'traced', service: 'tls', reason: 'buffer_full', count: 1, bytes: drops[0].bytes })
  assert.equal(sealed.length, stats.batchesSent)
  assert.equal(sealed.reduce((n, s) => n + s.logCount, 0), stats.accepted)
  assert.equal(sealed[0].destination.topicId, options.topicId)
  assert.equal(starts.length, stats.requests)
  assert.equal(ends.length, stats.requests)
  assert.deepEqual(starts.map((s) => [s.batchId, s.attempt]), ends.map((e) => [e.batchId, e.attempt]))
  const first = ends[0]
  assert.equal(first.attempt, 1)
  assert.equal(first.success, false)
  assert.equal(first.status, 503)
  assert.equal(first.errorCode, 'ServiceUnavailable')
  assert.equal(first.willRetry, true)
  const retried = ends.find((e) => e.batchId === first.batchId && e.attempt === 2)!
  assert.equal(retried.success, true)
  assert.equal(retried.status, 200)
  assert.equal(retried.willRetry, false)
  assert.ok(retried.requestId !== '')
  assert.ok(typeof retried.durationMs === 'number' && retried.durationMs >= 0)
  const text = JSON.stringify({ sealed, starts, ends, drops })
  assert.ok(!text.includes(SECRET) && !text.includes(ACCESS_KEY_ID), 'no credentials in channel messages')

  // Nobody subscribed: nothing is published (and nothing breaks).
  producer.send({ contents: { after: 'unsubscribe' } })
  await producer.flush()
  assert.equal(ends.length, stats.requests)
  await producer.close()
  await other.close()
})
