/**
 * registerMetrics() on prom-client, scraped after a run with retries, timeouts, drops, final
 * failures and abandoned records, every metric checked against the emulator's counters and the
 * producer's stats(). Two producers share one registry (one of them with a clashing name).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createProducer } from '@logship/producer'
import { registerMetrics } from '@logship/producer/prometheus'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { ACCESS_KEY_ID, labelValues, refusals, scrape, SECRET, tlsOptions, value, waitFor } from './helpers.js'

const METRICS = [
  'logship_records_total', 'logship_batches_total', 'logship_errors_total', 'logship_retries_total',
  'logship_request_timeouts_total', 'logship_requests_total', 'logship_pending_records', 'logship_buffered_bytes',
  'logship_in_flight_requests', 'logship_batch_size_bytes', 'logship_batch_records', 'logship_request_duration_seconds',
  'logship_delivery_latency_seconds'
]

describe('prometheus metrics', () => {
  let emu: Emulator
  before(async () => { emu = await startEmulator({ port: 0 }) })
  after(async () => { await emu.close() })

  it('every metric matches the emulator and stats() after retries, a timeout, drops, failures and abandonment', async () => {
    const registry = new Registry()
    const optsA = tlsOptions(emu, {
      name: 'app', retries: 3, baseRetryBackoffMs: 10, maxRetryBackoffMs: 20, requestTimeoutMs: 300,
      totalSizeInBytes: 4000, diagnostics: { level: 'off' }
    })
    const topicA = optsA.topicId
    const a = createProducer(optsA as any)
    registerMetrics(a, { registry })
    const line = (i: number, pad = 40) => ({ contents: { i: String(i), pad: 'x'.repeat(pad) } })

    // Retries: two 503s, then delivered.
    emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 2, topicId: topicA })
    for (let i = 0; i < 10; i++) a.send(line(i))
    await a.flush()
    // A timeout: the reply is held well past requestTimeoutMs; the emulator stored that batch, so it
    // arrives twice.
    emu.inject({ kind: 'hold', ms: 3000, count: 1, topicId: topicA })
    for (let i = 0; i < 5; i++) a.send(line(i))
    await a.flush()
    // A final failure: 400 is never retried.
    emu.inject({ kind: 'error', status: 400, code: 'InvalidArgument', count: 1, topicId: topicA })
    for (let i = 0; i < 3; i++) a.send(line(i))
    await a.flush()
    // Drops: a buffer of 4000 bytes, 100 records at once, and one record larger than the whole buffer.
    for (let i = 0; i < 100; i++) a.send(line(i))
    a.send(line(0, 5000))
    // Gauges while records are pending.
    const during = await scrape(registry)
    const s = a.stats()
    assert.ok(s.pending > 0)
    assert.equal(value(during, 'logship_pending_records', { producer: 'app' }), s.pending)
    assert.equal(value(during, 'logship_buffered_bytes', { producer: 'app' }), s.bufferedBytes)
    await a.flush()
    await a.close()

    // Producer B, same registry, same name: labelled app#2. Its batch waits for a retry and is destroyed.
    const optsB = tlsOptions(emu, { name: 'app', baseRetryBackoffMs: 5000, maxRetryBackoffMs: 5000, diagnostics: { level: 'off' } })
    const b = createProducer(optsB as any)
    registerMetrics(b, { registry })
    emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: optsB.topicId })
    for (let i = 0; i < 4; i++) b.send(line(i))
    void b.flush()
    await waitFor(() => b.stats().retried === 1, 5000, 'the retry of B')
    b.destroy()

    const m = await scrape(registry)
    assert.deepEqual(m.map((x) => x.name).sort(), [...METRICS].sort(), 'exactly the documented metrics')
    assert.deepEqual(labelValues(m, 'logship_records_total', 'producer'), ['app', 'app#2'])
    assert.deepEqual(labelValues(m, 'logship_records_total', 'destination'), [topicA, optsB.topicId].sort())
    assert.deepEqual(labelValues(m, 'logship_records_total', 'service'), ['tls'])

    // Producer A against the emulator.
    const sa = a.stats()
    const A = { producer: 'app' }
    const refusedA = refusals(emu, topicA)
    const acceptedRequestsA = emu.requests({ topicId: topicA }).length
    assert.equal(sa.delivered + sa.failed + sa.dropped, 10 + 5 + 3 + 101)
    assert.equal(value(m, 'logship_records_total', { ...A, result: 'delivered' }), sa.delivered)
    assert.equal(emu.logs({ topicId: topicA }).length, sa.delivered + 5, 'the held batch was stored twice')
    assert.equal(value(m, 'logship_records_total', { ...A, result: 'failed' }), 3)
    assert.equal(sa.failed, 3)
    assert.ok(sa.dropped > 10, `dropped ${sa.dropped}`)
    assert.equal(value(m, 'logship_records_total', { ...A, result: 'dropped' }), sa.dropped)
    assert.equal(value(m, 'logship_records_total', { ...A, result: 'abandoned' }), 0)
    assert.deepEqual(refusedA.byCode, { ServiceUnavailable: 2, InvalidArgument: 1 })
    assert.equal(value(m, 'logship_errors_total', { ...A, code: 'ServiceUnavailable' }), refusedA.byCode.ServiceUnavailable)
    assert.equal(value(m, 'logship_errors_total', { ...A, code: 'InvalidArgument' }), refusedA.byCode.InvalidArgument)
    assert.equal(value(m, 'logship_errors_total', { ...A, code: 'LOGSHIP_REQUEST_TIMEOUT' }), 1)
    assert.equal(value(m, 'logship_errors_total', A), refusedA.total + 1)
    assert.equal(value(m, 'logship_request_timeouts_total', A), 1)
    assert.equal(value(m, 'logship_retries_total', { ...A, reason: 'server_error' }), 2)
    assert.equal(value(m, 'logship_retries_total', { ...A, reason: 'timeout' }), 1)
    assert.equal(value(m, 'logship_retries_total', A), sa.retried)
    assert.equal(value(m, 'logship_requests_total', { ...A, status: '200' }), acceptedRequestsA - 1, 'the held one timed out')
    assert.equal(value(m, 'logship_requests_total', { ...A, status: '503' }), refusedA.byStatus[503])
    assert.equal(value(m, 'logship_requests_total', { ...A, status: '400' }), refusedA.byStatus[400])
    assert.equal(value(m, 'logship_requests_total', { ...A, status: 'none' }), 1)
    assert.equal(value(m, 'logship_requests_total', A), sa.requests)
    assert.equal(value(m, 'logship_requests_total', A), acceptedRequestsA + refusedA.total)
    const batchesA = value(m, 'logship_batches_total', A)
    assert.equal(batchesA, sa.batchesSent)
    assert.equal(value(m, 'logship_batches_total', { ...A, result: 'failed' }), 1)
    assert.equal(value(m, 'logship_batch_records_count', A), batchesA)
    assert.equal(value(m, 'logship_batch_records_sum', A), sa.delivered + sa.failed)
    assert.equal(value(m, 'logship_batch_size_bytes_count', A), batchesA)
    // The delivered batches' body sizes are what the emulator decompressed (the held batch counted once).
    const held = emu.requests({ topicId: topicA }).filter((r) => r.logCount === 5)[0]
    const deliveredBytes = emu.requests({ topicId: topicA }).reduce((n, r) => n + r.rawBytes, 0) - held.rawBytes
    const failedBytes = value(m, 'logship_batch_size_bytes_sum', A) - deliveredBytes
    assert.ok(failedBytes > 3 * 40 && failedBytes < 3 * 200, `the failed batch of 3 records: ${failedBytes} bytes`)
    assert.equal(value(m, 'logship_request_duration_seconds_count', A), sa.requests)
    assert.ok(value(m, 'logship_request_duration_seconds_sum', A) >= 0.3, 'the timed-out request lasted requestTimeoutMs')
    assert.equal(value(m, 'logship_delivery_latency_seconds_count', A), value(m, 'logship_batches_total', { ...A, result: 'delivered' }))
    assert.ok(value(m, 'logship_delivery_latency_seconds_sum', A) > 0)
    for (const gauge of ['logship_pending_records', 'logship_buffered_bytes', 'logship_in_flight_requests']) {
      assert.equal(value(m, gauge, A), 0, gauge)
    }

    // Producer B: abandoned while waiting for its retry.
    const sb = b.stats()
    const B = { producer: 'app#2' }
    assert.equal(sb.abandoned, 4)
    assert.equal(value(m, 'logship_records_total', { ...B, result: 'abandoned' }), 4)
    assert.equal(value(m, 'logship_records_total', { ...B, result: 'delivered' }), 0)
    assert.equal(value(m, 'logship_batches_total', { ...B, result: 'abandoned' }), 1)
    assert.equal(value(m, 'logship_errors_total', { ...B, code: 'ServiceUnavailable' }), refusals(emu, optsB.topicId).byCode.ServiceUnavailable)
    assert.equal(value(m, 'logship_retries_total', { ...B, reason: 'server_error' }), 1)
    assert.equal(value(m, 'logship_requests_total', B), sb.requests)
    assert.equal(value(m, 'logship_delivery_latency_seconds_count', B), 0)

    const text = await registry.metrics()
    assert.match(text, new RegExp(`logship_records_total\\{producer="app",service="tls",destination="${topicA}",result="delivered"\\} ${sa.delivered}\\n`))
  })

  it('counts a request whose batch was abandoned while it was in flight (close deadline, destroy)', async () => {
    for (const end of ['close', 'destroy'] as const) {
      const registry = new Registry()
      const opts = tlsOptions(emu, { name: `abandoned-${end}`, diagnostics: { level: 'debug', destination: 'none' } })
      const p = createProducer(opts as any)
      const requestLines: Array<Record<string, unknown>> = []
      p.on('diagnostic', (r) => { if (r.event === 'request') requestLines.push(r) })
      registerMetrics(p, { registry })
      emu.inject({ kind: 'hold', ms: 3000, count: 1, topicId: opts.topicId })
      for (let i = 0; i < 5; i++) p.send({ contents: { i: String(i) } })
      await waitFor(() => p.stats().inFlight === 1, 5000, 'the held request')
      if (end === 'close') {
        const summary = await p.close({ timeoutMs: 200 })
        assert.equal(summary.timedOut, true)
      } else {
        p.destroy()
      }
      // The wire's destroy aborts the request: it ends a moment later.
      await waitFor(() => p.stats().inFlight === 0, 5000, 'the aborted request')
      const s = p.stats()
      assert.equal(s.requests, 1)
      assert.equal(s.abandoned, 5)
      const m = await scrape(registry)
      const L = { producer: `abandoned-${end}` }
      assert.equal(value(m, 'logship_requests_total', L), s.requests, 'requests_total = stats().requests')
      assert.equal(value(m, 'logship_requests_total', { ...L, status: 'none' }), 1, 'no response: status none')
      assert.equal(value(m, 'logship_request_duration_seconds_count', L), s.requests)
      assert.equal(value(m, 'logship_errors_total', { ...L, code: 'UND_ERR_DESTROYED' }), 1, 'the abort\'s code')
      assert.equal(value(m, 'logship_request_timeouts_total', L), 0)
      assert.equal(value(m, 'logship_records_total', { ...L, result: 'abandoned' }), 5)
      assert.equal(value(m, 'logship_in_flight_requests', L), 0)
      // The debug log tells of it too.
      assert.equal(requestLines.length, 1)
      assert.equal(requestLines[0].abandoned, true)
      assert.equal(requestLines[0].attempt, 1)
      assert.equal(requestLines[0].errorCode, 'UND_ERR_DESTROYED')
    }
  })

  it('a request refused for authentication and sent again with renewed credentials counts as a request and an error', async () => {
    // Before, the credentials function's renewal sent the request again inside one attempt: the
    // refused request was in no counter, no channel message and no result.
    const registry = new Registry()
    let calls = 0
    const credentials = async (): Promise<{ accessKeyId: string, accessKeySecret: string }> => {
      calls++
      return { accessKeyId: ACCESS_KEY_ID, accessKeySecret: calls === 1 ? 'a-rotated-away-secret' : SECRET }
    }
    const opts = tlsOptions(emu, { name: 'renewing', retries: 0, accessKeyId: credentials, accessKeySecret: undefined, diagnostics: { level: 'off' } })
    const p = createProducer(opts as any)
    registerMetrics(p, { registry })
    const attempts: number[][] = []
    for (let i = 0; i < 3; i++) p.send({ contents: { i: String(i) } }, { callback: (r) => { attempts.push(r.attempts.map((a) => a.status)) } })
    const summary = await p.close()
    assert.deepEqual(summary, { delivered: 3, failed: 0, dropped: 0, pending: 0, timedOut: false }, 'delivered with retries 0: the renewal is outside retries')
    assert.equal(calls, 2)
    const refused = refusals(emu, opts.topicId)
    assert.deepEqual(refused.byCode, { SignatureDoesNotMatch: 1 })
    const status = Number(Object.keys(refused.byStatus)[0])
    assert.deepEqual(attempts, [[status, 200], [status, 200], [status, 200]], 'the refused request is in each result')
    const m = await scrape(registry)
    const A = { producer: 'renewing' }
    assert.equal(p.stats().requests, 2)
    assert.equal(value(m, 'logship_requests_total', A), 2)
    assert.equal(value(m, 'logship_errors_total', { ...A, code: 'SignatureDoesNotMatch' }), 1)
    assert.equal(value(m, 'logship_request_duration_seconds_count', A), 2)
    assert.equal(value(m, 'logship_retries_total', A), 0, 'not a retry: retries stays 0')
  })

  it('registers once per registry: more producers, a prefix, unregister, and a cleared registry', async () => {
    const registry = new Registry()
    const p1 = createProducer(tlsOptions(emu, { diagnostics: { level: 'off' } }) as any)
    const p2 = createProducer(tlsOptions(emu, { name: 'second', diagnostics: { level: 'off' } }) as any)
    const r1 = registerMetrics(p1, { registry })
    registerMetrics(p2, { registry })
    registerMetrics(p2, { registry, prefix: 'other_' })
    p1.send({ contents: { a: '1' } })
    let m = await scrape(registry)
    assert.equal(value(m, 'logship_pending_records', { producer: p1.name }), 1)
    assert.match(p1.name, /^tls:topic-/)
    assert.equal(value(m, 'other_records_total', { producer: 'second', result: 'delivered' }), 0)
    r1.unregister()
    r1.unregister()
    m = await scrape(registry)
    assert.deepEqual(labelValues(m, 'logship_pending_records', 'producer'), ['second'])
    registry.clear()
    registerMetrics(p1, { registry })
    await p1.close()
    await p2.close()
    m = await scrape(registry)
    assert.equal(value(m, 'logship_records_total', { producer: p1.name, result: 'delivered' }), 1)
    assert.throws(() => registerMetrics({}, { registry }), /expected a logship producer/)
  })
})
