/**
 * A credentials provider that does not answer, both services: each provider call is bounded by
 * requestTimeoutMs, so the attempt fails with LOGSHIP_CREDENTIALS_ERROR and is retried (the
 * provider is called again), flush() settles, the close deadline ends the attempt (inFlight back to
 * 0), and an answer that comes after the bound is still used.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProducer, type Credentials, type Result } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { AK, countIds, options, record, SERVICES, SK, sleep } from './helpers.js'

let em: Emulator
before(async () => { em = await startEmulator() })
after(async () => { await em.close() })

const never = (): Promise<Credentials> => new Promise<Credentials>(() => {})

for (const service of SERVICES) {
  describe(`${service}: a credentials provider that does not answer`, () => {
    it('never settles: each attempt fails after requestTimeoutMs and is retried, flush() settles, inFlight returns to 0', async () => {
      let calls = 0
      const o = options(service, em.url, {
        accessKeyId: () => { calls++; return never() },
        accessKeySecret: undefined,
        requestTimeoutMs: 200,
        retries: 2
      })
      const producer = createProducer(o)
      const results: Result[] = []
      for (let i = 0; i < 5; i++) producer.send(record(`k${i}`, 20), { callback: (r) => { results.push(r) } })
      const started = Date.now()
      await producer.flush()
      const elapsed = Date.now() - started
      assert.ok(elapsed < 5000, `flush() took ${elapsed} ms`)
      assert.equal(calls, 3, 'the provider is called again on each attempt')
      const s = producer.stats()
      assert.equal(s.inFlight, 0)
      assert.equal(s.failed, 5)
      assert.equal(s.retried, 2)
      assert.equal(results.length, 5)
      for (const r of results) assert.equal(r.errorCode, 'LOGSHIP_CREDENTIALS_ERROR')
      await producer.close()
    })

    it('never settles: close({ timeoutMs }) abandons the records and inFlight is 0 when it returns', async () => {
      const o = options(service, em.url, { accessKeyId: never, accessKeySecret: undefined })
      const producer = createProducer(o)
      for (let i = 0; i < 5; i++) producer.send(record(`k${i}`, 20))
      await sleep(150) // lingerMs 100: the batch is in flight, waiting for the provider
      assert.equal(producer.stats().inFlight, 1)
      const summary = await producer.close({ timeoutMs: 300 })
      assert.equal(summary.timedOut, true)
      assert.equal(summary.pending, 5)
      assert.equal(producer.stats().inFlight, 0)
    })

    it('answers after the bound: that attempt fails, the late answer is used by the retry, every record is delivered', async () => {
      let calls = 0
      const o = options(service, em.url, {
        accessKeyId: async () => {
          calls++
          await sleep(400)
          return { accessKeyId: AK, accessKeySecret: SK }
        },
        accessKeySecret: undefined,
        requestTimeoutMs: 250
      })
      const producer = createProducer(o)
      const sent = new Set<string>()
      for (let i = 0; i < 5; i++) {
        sent.add(`k${i}`)
        producer.send(record(`k${i}`, 20))
      }
      await producer.flush()
      const s = producer.stats()
      assert.equal(s.delivered, 5)
      assert.ok(s.retried >= 1, 'the first attempt timed out waiting for the provider')
      assert.equal(s.inFlight, 0)
      assert.ok(calls <= 3, `${calls} provider calls`)
      assert.equal(countIds(em, o).size, 5)
      await producer.close()
    })
  })
}
