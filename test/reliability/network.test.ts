/**
 * Connection-level faults, both services: a reset before the server stored the batch, a reset after
 * it stored it (lost response), a reply held past requestTimeoutMs, a reply trickled a byte at a time
 * (a raw server: requestTimeoutMs bounds the whole attempt, not each gap), a refused connection, a DNS
 * failure. Everything is retried; nothing is lost. Where a response was lost after the batch was
 * stored, the retry stores it again: delivery is at-least-once, and the duplicates are counted.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createProducer, type Result, type RetryEvent } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { closedPort, countIds, options, record, SERVICES, sleep, tally, target } from './helpers.js'

let em: Emulator
before(async () => { em = await startEmulator({}) })
after(async () => { await em.close() })

/** 100 records in 4 batches of 25. */
async function ship (o: ReturnType<typeof options>): Promise<{ sent: Set<string>, stats: ReturnType<ReturnType<typeof createProducer>['stats']>, retries: RetryEvent[] }> {
  const producer = createProducer({ ...o, maxBatchCount: 25 })
  const retries: RetryEvent[] = []
  producer.on('retry', (e) => retries.push(e))
  const sent = new Set<string>()
  for (let i = 0; i < 100; i++) {
    const id = `n${i}`
    sent.add(id)
    producer.send(record(id, 20))
  }
  await producer.flush()
  const stats = producer.stats()
  await producer.close()
  return { sent, stats, retries }
}

for (const service of SERVICES) {
  describe(`${service}: connection faults`, () => {
    it('connection reset mid-request (before the server stored the batch): retried, exactly once', async (t) => {
      const o = options(service, em.url)
      em.inject({ kind: 'drop', count: 3, ...target(o) })
      const { sent, stats, retries } = await ship(o)
      const tl = tally(countIds(em, o), sent)
      t.diagnostic(`retries ${stats.retried} (${[...new Set(retries.map((r) => r.attempt.errorCode))].join(', ')}), duplicates ${tl.duplicates}`)
      assert.equal(stats.retried, 3)
      assert.ok(retries.every((r) => r.attempt.status === 0 && r.error.retriable))
      assert.equal(stats.delivered, 100)
      assert.deepEqual(tl, { unique: 100, duplicates: 0, unknown: 0 })
    })

    it('connection reset after the server stored the batch (lost response): retried, at-least-once, duplicates counted', async (t) => {
      const o = options(service, em.url)
      em.inject({ kind: 'drop', count: 2, afterStore: true, ...target(o) })
      const { sent, stats } = await ship(o)
      const tl = tally(countIds(em, o), sent)
      t.diagnostic(`delivered ${stats.delivered}, retries ${stats.retried}, duplicates stored ${tl.duplicates}`)
      assert.equal(stats.delivered, 100, 'the producer reports each record once')
      assert.equal(stats.retried, 2)
      assert.equal(tl.unique, 100, 'nothing lost')
      assert.equal(tl.unknown, 0)
      // Two lost responses of 25-record batches: each of those batches was stored twice.
      assert.equal(tl.duplicates, 50, 'duplicates = records of the batches whose response was lost')
    })

    it('response held past requestTimeoutMs (server stored it): timed out, retried, at-least-once, duplicates counted', async (t) => {
      // Hold well past the timeout, so the timeout, not the reply, ends the first attempt.
      const o = options(service, em.url, { requestTimeoutMs: 300 })
      em.inject({ kind: 'hold', ms: 1500, count: 1, ...target(o) })
      const { sent, stats, retries } = await ship(o)
      const tl = tally(countIds(em, o), sent)
      t.diagnostic(`retries ${stats.retried} (${retries.map((r) => r.attempt.errorCode).join(', ')}), duplicates stored ${tl.duplicates}`)
      assert.equal(stats.retried, 1)
      assert.equal(retries[0]!.error.code, 'LOGSHIP_REQUEST_TIMEOUT')
      assert.equal(stats.delivered, 100)
      assert.equal(tl.unique, 100)
      assert.equal(tl.unknown, 0)
      assert.equal(tl.duplicates, 25, 'the held batch was stored twice')
    })

    it('a response trickled a byte at a time: timed out after requestTimeoutMs in all, retried, then a final timeout', async (t) => {
      // The emulator answers whole responses; a raw server drips a byte every 100 ms for ever, far
      // inside requestTimeoutMs, so only a bound on the whole attempt ends each request.
      const server = createServer((req, res) => {
        req.resume()
        res.writeHead(200, { 'content-type': 'application/json' })
        const drip = setInterval(() => res.write(' '), 100)
        res.on('close', () => clearInterval(drip))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      t.after(() => { server.closeAllConnections(); server.close() })
      const o = options(service, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, { requestTimeoutMs: 500, retries: 1 })
      const producer = createProducer(o)
      t.after(() => producer.destroy())
      const retries: RetryEvent[] = []
      producer.on('retry', (e) => retries.push(e))
      const results: Result[] = []
      producer.send(record('trickle', 20), { callback: (r) => results.push(r) })
      const started = Date.now()
      await Promise.race([producer.flush(), sleep(8000)])
      const elapsed = Date.now() - started
      t.diagnostic(`settled after ${elapsed} ms: ${results[0]?.attempts.map((a) => `${a.errorCode} ${a.latencyMs} ms`).join(', ')}`)
      assert.equal(results.length, 1, 'the record settled (each attempt was bounded)')
      assert.equal(results[0]!.successful, false)
      assert.equal(results[0]!.attemptCount, 2)
      assert.ok(results[0]!.attempts.every((a) => a.errorCode === 'LOGSHIP_REQUEST_TIMEOUT' && a.status === 0), JSON.stringify(results[0]))
      assert.equal(retries.length, 1)
      assert.equal(retries[0]!.error.code, 'LOGSHIP_REQUEST_TIMEOUT')
      assert.equal(retries[0]!.error.retriable, true)
    })

    it('connection refused until the service comes up: retried, exactly once', async (t) => {
      const port = await closedPort()
      const o = options(service, `http://127.0.0.1:${port}`)
      const producer = createProducer({ ...o, maxBatchCount: 25 })
      const codes = new Set<string>()
      producer.on('retry', (e) => codes.add(e.attempt.errorCode))
      const sent = new Set<string>()
      for (let i = 0; i < 100; i++) {
        sent.add(`c${i}`)
        producer.send(record(`c${i}`, 20))
      }
      await sleep(400)
      const late = await startEmulator({ port })
      try {
        await producer.flush()
        const stats = producer.stats()
        await producer.close()
        const tl = tally(countIds(late, o), sent)
        t.diagnostic(`retries ${stats.retried} (${[...codes].join(', ')}) before the service came up`)
        assert.ok(codes.has('ECONNREFUSED'))
        assert.ok(stats.retried >= 4)
        assert.equal(stats.delivered, 100)
        assert.deepEqual(tl, { unique: 100, duplicates: 0, unknown: 0 })
      } finally {
        await late.close()
      }
    })

    it('DNS failure: retried with backoff, then a final failure naming the cause; every record is accounted for', async (t) => {
      const o = options(service, 'http://logship-no-such-host.invalid', { retries: 2 })
      const producer = createProducer(o)
      const results: Array<{ successful: boolean, errorCode: string, attemptCount: number }> = []
      const retries: RetryEvent[] = []
      producer.on('retry', (e) => retries.push(e))
      for (let i = 0; i < 10; i++) producer.send(record(`d${i}`, 20), { callback: (r) => results.push(r) })
      await producer.flush()
      const stats = producer.stats()
      await producer.close()
      t.diagnostic(`errorCode ${results[0]?.errorCode}, attempts ${results[0]?.attemptCount}`)
      assert.equal(results.length, 10)
      assert.ok(results.every((r) => !r.successful && /^(ENOTFOUND|EAI_AGAIN)$/.test(r.errorCode) && r.attemptCount === 3), JSON.stringify(results[0]))
      assert.equal(retries.length, 2, 'retried twice (retries: 2)')
      assert.equal(stats.delivered + stats.failed + stats.dropped, 10)
      assert.equal(stats.failed, 10)
    })
  })
}
