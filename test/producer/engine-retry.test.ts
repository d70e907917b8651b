import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffMs } from '../../packages/producer/src/sender.js'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { AttemptOutcome } from '../../packages/producer/src/transport.js'
import type { FailedEvent, Result, RetryEvent } from '../../packages/producer/src/types.js'
import { final, ok, retriable } from './helpers/fake-wire.js'
import { setup } from './helpers/setup.js'

const T = 1_700_000_000_000
const rec = { time: T, contents: { msg: 'hello' } }

test('retry schedule: exponential from baseRetryBackoffMs, equal jitter, capped by maxRetryBackoffMs', async () => {
  for (const [random, expected] of [
    [() => 0, [50, 100, 200, 400, 800, 1000, 1000]],
    [() => 0.999999, [100, 200, 400, 800, 1600, 2000, 2000]]
  ] as const) {
    const { clock, wire, producer } = setup({ baseRetryBackoffMs: 100, maxRetryBackoffMs: 2000, retries: 7 }, {}, random)
    wire.fallback = retriable(503)
    const retries: RetryEvent[] = []
    producer.on('retry', (e) => retries.push(e))
    producer.send(rec)
    const flushing = producer.flush()
    await clock.advance(100_000)
    await flushing
    const delays = retries.map((r) => r.delayMs)
    // random 0: half the cap; random → 1: the whole cap.
    assert.deepEqual(delays, expected)
    // The sends happen exactly delayMs after the previous attempt ended.
    const gaps = wire.sent.slice(1).map((s, i) => s.at - wire.sent[i].at)
    assert.deepEqual(gaps, delays)
    assert.deepEqual(retries.map((r) => r.retry), [1, 2, 3, 4, 5, 6, 7])
    assert.equal(wire.sent.length, 8)
  }
})

test('backoffMs stays within 50–100 % of min(max, base·2^(n−1)) with a real random', () => {
  const options = { maxSenderCount: 1, retries: 10, maxReservedAttempts: 11, baseRetryBackoffMs: 100, maxRetryBackoffMs: 50_000, noRetryStatusCodes: new Set<number>() }
  for (let n = 1; n <= 12; n++) {
    const cap = Math.min(50_000, 100 * 2 ** (n - 1))
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(n, options, Math.random)
      assert.ok(d >= cap / 2 && d <= cap, `retry ${n}: ${d} outside [${cap / 2}, ${cap}]`)
    }
  }
  assert.equal(backoffMs(2000, options, () => 0.5), 37_500, 'huge retry numbers stay capped')
})

test('Retry-After is honoured when larger than the backoff, but not beyond maxRetryBackoffMs', async () => {
  const options = { maxSenderCount: 1, retries: 10, maxReservedAttempts: 11, baseRetryBackoffMs: 100, maxRetryBackoffMs: 5000, noRetryStatusCodes: new Set<number>() }
  assert.equal(backoffMs(1, options, () => 0, 3000), 3000)
  assert.equal(backoffMs(1, options, () => 0, 10), 50)
  assert.equal(backoffMs(1, options, () => 0, 60_000), 5000)

  const { clock, wire, producer } = setup({ baseRetryBackoffMs: 100, maxRetryBackoffMs: 5000 }, {}, () => 0)
  wire.script = [retriable(429, 1500), ok()]
  producer.send(rec)
  const flushing = producer.flush()
  await clock.advance(1499)
  assert.equal(wire.sent.length, 1)
  await clock.advance(1)
  await flushing
  assert.equal(wire.sent.length, 2)
})

test('classification: 429, 5xx and network errors are retried; final outcomes and noRetryStatusCodes are not', async () => {
  const cases: Array<[string, ReturnType<typeof ok>, number[] | undefined, number]> = [
    ['429', retriable(429), undefined, 2],
    ['503', retriable(503), undefined, 2],
    ['network (status 0)', retriable(0), undefined, 2],
    ['final 403', final(403), undefined, 1],
    ['final 422', final(422), undefined, 1],
    ['retriable but 400 is in the default noRetryStatusCodes', { ...retriable(503), status: 400 }, undefined, 1],
    ['retriable but 404 is in the default noRetryStatusCodes', { ...retriable(503), status: 404 }, undefined, 1],
    ['503 listed in a custom noRetryStatusCodes', retriable(503), [503], 1],
    ['400 retried when the list omits it, if the wire says retriable', { ...retriable(503), status: 400 }, [], 2]
  ]
  for (const [name, first, codes, sends] of cases) {
    const { clock, wire, producer } = setup(codes === undefined ? {} : { noRetryStatusCodes: codes })
    wire.script = [first, ok()]
    producer.send(rec)
    const flushing = producer.flush()
    await clock.advance(60_000)
    await flushing
    assert.equal(wire.sent.length, sends, name)
    const s = producer.stats()
    assert.equal(s.delivered + s.failed, 1, name)
    assert.equal(s.failed, sends === 1 ? 1 : 0, name)
    assert.equal(s.retried, sends - 1, name)
  }
})

test('at most retries + 1 sends', async () => {
  for (const retries of [0, 1, 3]) {
    const { clock, wire, producer } = setup({ retries })
    wire.fallback = retriable(500)
    let result: Result | undefined
    producer.send(rec, { callback: (r) => { result = r } })
    const flushing = producer.flush()
    await clock.advance(600_000)
    await flushing
    assert.equal(wire.sent.length, retries + 1, `retries ${retries}`)
    assert.equal(result?.successful, false)
    assert.equal(result?.attemptCount, retries + 1)
    assert.equal(new Set(wire.sent.map((s) => s.batch)).size, 1, 'retries resend the same batch object')
  }
})

test('attempt retention: the most recent maxReservedAttempts attempts, attemptCount, last attempt on top', async () => {
  const { clock, wire, producer } = setup({ retries: 5, maxReservedAttempts: 3 })
  let n = 0
  wire.fallback = () => {
    n++
    return n < 6 ? { ...retriable(503), requestId: `r${n}`, errorMessage: `fail ${n}` } : ok(`r${n}`)
  }
  let result: Result | undefined
  producer.send(rec, { callback: (r) => { result = r } })
  const flushing = producer.flush()
  await clock.advance(600_000)
  await flushing
  assert.ok(result)
  assert.equal(result.successful, true)
  assert.equal(result.attemptCount, 6)
  assert.deepEqual(result.attempts.map((a) => a.requestId), ['r4', 'r5', 'r6'])
  assert.deepEqual(result.attempts.map((a) => a.success), [false, false, true])
  assert.equal(result.attempts[0].errorMessage, 'fail 4')
  assert.equal(result.attempts[0].status, 503)
  assert.equal(result.requestId, 'r6')
  assert.equal(result.errorCode, '')
  assert.equal(result.timestampMs, result.attempts[2].timestampMs)
  assert.ok(Object.isFrozen(result) && Object.isFrozen(result.attempts))

  // A final failure: top-level fields are the last attempt's.
  const h = setup({ retries: 1, maxReservedAttempts: 11 })
  h.wire.script = [retriable(503), final(400, 'InvalidLogs')]
  let failed: Result | undefined
  h.producer.send(rec, { callback: (r) => { failed = r } })
  const f2 = h.producer.flush()
  await h.clock.advance(10_000)
  await f2
  assert.equal(failed?.successful, false)
  assert.equal(failed?.attempts.length, 2)
  assert.equal(failed?.errorCode, 'InvalidLogs')
  assert.equal(failed?.requestId, 'req-400')
})

test('latencyMs and timestampMs of attempts come from the clock', async () => {
  const { clock, wire, producer } = setup()
  wire.manual = true
  let result: Result | undefined
  producer.send(rec, { callback: (r) => { result = r } })
  const flushing = producer.flush()
  await clock.advance(250)
  wire.answer(ok('x'))
  await flushing
  assert.equal(result?.latencyMs, 250)
  assert.equal(result?.timestampMs, clock.now())
})

test('maxSenderCount caps requests in flight; a batch waiting for a retry holds no slot', async () => {
  const { clock, wire, producer } = setup({ maxSenderCount: 2, maxBatchCount: 1 })
  wire.manual = true
  for (let i = 0; i < 5; i++) producer.send({ time: T, contents: { i } })
  await clock.advance(0)
  assert.equal(wire.sent.length, 2)
  assert.equal(producer.stats().inFlight, 2)
  wire.answer(retriable(503)) // batch 0 goes to the retry heap, freeing its slot
  await clock.advance(0)
  assert.equal(wire.sent.length, 3)
  assert.equal(wire.unanswered, 2)
  wire.answer(ok())
  wire.answer(ok())
  await clock.advance(0)
  assert.equal(wire.sent.length, 5)
  assert.equal(wire.maxInFlight, 2)
  wire.answer(ok())
  wire.answer(ok())
  await clock.advance(1000) // the retry of batch 0
  assert.equal(wire.sent.length, 6)
  assert.equal((wire.sent[5].logs[0].contents as { i: number }).i, 0)
  wire.answer(ok())
  await producer.flush()
  assert.equal(wire.maxInFlight, 2)
  assert.equal(producer.stats().delivered, 5)
})

test('retry and failed events carry the attempt, the error and the destination', async () => {
  const { clock, wire, producer } = setup({ retries: 1 }, {}, () => 0)
  wire.fallback = retriable(502)
  const retries: RetryEvent[] = []
  const failed: FailedEvent[] = []
  producer.on('retry', (e) => retries.push(e))
  producer.on('failed', (e) => failed.push(e))
  producer.send(rec)
  producer.send(rec)
  const flushing = producer.flush()
  await clock.advance(10_000)
  await flushing
  assert.equal(retries.length, 1)
  assert.equal(retries[0].retry, 1)
  assert.equal(retries[0].delayMs, 50)
  assert.equal(retries[0].logCount, 2)
  assert.equal(retries[0].attempt.status, 502)
  assert.equal(retries[0].error.code, 'LOGSHIP_HTTP_ERROR')
  assert.equal(retries[0].destination.key, 'topic||src|')
  assert.equal(failed.length, 1)
  assert.equal(failed[0].logCount, 2)
  assert.equal(failed[0].result.attemptCount, 2)
  assert.equal(failed[0].error.retriable, true)
  assert.equal(failed[0].rawBytes, wire.sent[0].bodyBytes)
})

test('a wire that throws or rejects despite its contract yields a final failure, not a crash', async () => {
  const { clock, wire, producer } = setup()
  wire.script = [() => { throw new Error('boom') }]
  const results: Result[] = []
  producer.send(rec, { callback: (r) => results.push(r) })
  await producer.flush()
  await clock.advance(0)
  assert.equal(results[0].successful, false)
  assert.equal(results[0].errorMessage, 'boom')
  assert.equal(producer.stats().failed, 1)
})

test('linger, retry backoff and close timeouts run on the monotonic clock: stepping the wall clock back 10 minutes stalls none of them', async () => {
  const { clock, wire, producer } = setup({ lingerMs: 100, baseRetryBackoffMs: 1000, maxRetryBackoffMs: 1000 }, {}, () => 0.999999)
  wire.script = [retriable(503)]
  producer.send(rec)
  await clock.advance(100)
  assert.equal(wire.sent.length, 1, 'sealed at lingerMs and sent; the 503 schedules a retry ~1 s later')
  producer.send({ time: T, contents: { msg: 'second' } })
  // NTP fixes a clock that ran 10 minutes fast. Before, the open batch's linger and the scheduled
  // retry were wall-clock times: both then waited the 10 minutes out.
  clock.stepWall(-600_000)
  await clock.advance(1000)
  assert.deepEqual(wire.sent.map((s) => s.logs.map((l) => (l.contents as { msg: string }).msg)), [['hello'], ['second'], ['hello']],
    'the second batch sealed at its linger, the first retried after its backoff')
  // A close deadline too.
  wire.fallback = 'hang'
  producer.send({ time: T, contents: { msg: 'third' } })
  const closed = producer.close({ timeoutMs: 500 })
  clock.stepWall(-600_000)
  await clock.advance(500)
  const summary = await closed
  assert.deepEqual({ delivered: summary.delivered, pending: summary.pending, timedOut: summary.timedOut }, { delivered: 2, pending: 1, timedOut: true })
})

test('an auth refusal with renewed credentials is sent again at once, outside retries, and is an attempt of its own everywhere', async (t) => {
  const { clock, wire, producer } = setup({ retries: 1, baseRetryBackoffMs: 100 }, {}, () => 0)
  const refused = (): AttemptOutcome => {
    const outcome = final(401, 'SignatureDoesNotMatch')
    return outcome.ok ? outcome : { ...outcome, renewedCredentials: true }
  }
  // Refused, sent again with the new credentials and refused again (final: no renewal twice in a
  // row); a second batch: refused, then 503 (its one retry), then delivered.
  wire.script = [refused(), refused(), refused(), retriable(503), ok('r-ok')]
  const ends: Array<{ status: number, willRetry: boolean }> = []
  const onEnd = (m: unknown): void => { const e = m as { status: number, willRetry: boolean }; ends.push({ status: e.status, willRetry: e.willRetry }) }
  subscribe('logship:request:end', onEnd)
  t.after(() => unsubscribe('logship:request:end', onEnd))
  const results: Result[] = []
  producer.send(rec, { callback: (r) => { results.push(r) } })
  await producer.flush()
  producer.send({ time: T, contents: { msg: 'second' } }, { callback: (r) => { results.push(r) } })
  const flushed = producer.flush()
  await clock.advance(100)
  await flushed
  assert.deepEqual(results.map((r) => [r.successful, r.attempts.map((a) => a.status)]), [
    [false, [401, 401]],
    [true, [401, 503, 200]]
  ])
  assert.deepEqual(wire.sent.map((s) => s.at - wire.sent[0].at), [0, 0, 0, 0, 50], 'the renewal at once, the retry after its backoff (the first retry: half of baseRetryBackoffMs with random() 0)')
  assert.deepEqual(ends, [
    { status: 401, willRetry: true }, { status: 401, willRetry: false },
    { status: 401, willRetry: true }, { status: 503, willRetry: true }, { status: 200, willRetry: false }
  ])
  const s = producer.stats()
  assert.deepEqual({ requests: s.requests, retried: s.retried, delivered: s.delivered, failed: s.failed }, { requests: 5, retried: 1, delivered: 1, failed: 1 })
})
