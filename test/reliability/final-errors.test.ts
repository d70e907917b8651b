/**
 * Final errors, both services: a batch whose contents the service refuses (4xx) fails alone, once,
 * with the service's error code and request id, while the other batches are delivered; wrong keys
 * and expired STS tokens fail at once with an error that says so; a credentials provider rotating
 * mid-run loses nothing.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createProducer, type Credentials, type FailedEvent, type Result } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { AK, countIds, options, record, SERVICES, sleep, SK, tally } from './helpers.js'

const VALUE_LIMIT = 64 * 1024

let em: Emulator
before(async () => {
  // The service refuses any value over 64 KiB: a stand-in for "this batch's contents are refused".
  em = await startEmulator({
    credentials: [
      { accessKeyId: AK, accessKeySecret: SK },
      { accessKeyId: 'sts-expired', accessKeySecret: 'sts-secret', securityToken: 'sts-token', expiresAt: Date.now() - 60_000 }
    ],
    tls: { limits: { maxValueBytes: VALUE_LIMIT } },
    sls: { limits: { maxValueBytes: VALUE_LIMIT } }
  } as never)
})
after(async () => { await em.close() })

for (const service of SERVICES) {
  describe(`${service}: final errors`, () => {
    it('a batch the service refuses (4xx): its callbacks get the error code and request id, it is not retried, other batches are delivered', async (t) => {
      const o = options(service, em.url)
      const bad = service === 'tls' ? { topicId: `topic-${randomUUID()}` } : { logstore: `bad-${randomUUID().slice(0, 12)}` }
      const producer = createProducer(o)
      const failed: FailedEvent[] = []
      producer.on('failed', (e) => failed.push(e))
      const good: Result[] = []
      const refused: Result[] = []
      const sent = new Set<string>()
      for (let i = 0; i < 50; i++) {
        sent.add(`g${i}`)
        producer.send(record(`g${i}`, 20), { callback: (r) => good.push(r) })
        if (i % 10 === 0) producer.send({ contents: { id: `b${i}`, big: 'z'.repeat(VALUE_LIMIT + 1) } }, { ...bad, callback: (r) => refused.push(r) })
      }
      await producer.flush()
      const stats = producer.stats()
      await producer.close()
      const code = service === 'tls' ? 'LogSizeTooLarge' : 'PostBodyTooLarge'
      const status = service === 'tls' ? 413 : 400
      const rejection = em.rejections({ service, code }).at(-1)
      t.diagnostic(`refused batch: ${refused[0]?.errorCode} HTTP ${refused[0]?.attempts[0]?.status}, request id ${refused[0]?.requestId}, attempts ${refused[0]?.attemptCount}`)
      assert.equal(refused.length, 5)
      for (const r of refused) {
        assert.equal(r.successful, false)
        assert.equal(r.errorCode, code)
        assert.equal(r.attempts[0]!.status, status)
        assert.equal(r.attemptCount, 1, 'not retried')
        assert.ok(r.requestId !== '' && r.requestId === rejection?.requestId, 'the service request id reaches the callback')
      }
      assert.equal(failed.length, 1)
      assert.equal(failed[0]!.error.code, 'LOGSHIP_HTTP_ERROR')
      assert.equal(failed[0]!.error.retriable, false)
      assert.match(failed[0]!.error.message, new RegExp(`HTTP ${status} ${code}: .*request id ${rejection?.requestId}`))
      assert.equal(stats.retried, 0)
      assert.ok(good.every((r) => r.successful))
      assert.equal(stats.delivered, 50)
      assert.equal(stats.failed, 5)
      assert.deepEqual(tally(countIds(em, o), sent), { unique: 50, duplicates: 0, unknown: 0 })
    })

    it('wrong secret: a final, non-retried authentication error that names the problem', async () => {
      const o = options(service, em.url, { accessKeySecret: 'not-the-secret' })
      const producer = createProducer(o)
      const results: Result[] = []
      const failed: FailedEvent[] = []
      producer.on('failed', (e) => failed.push(e))
      for (let i = 0; i < 5; i++) producer.send(record(`w${i}`, 10), { callback: (r) => results.push(r) })
      const start = Date.now()
      await producer.flush()
      await producer.close()
      assert.ok(Date.now() - start < 1000, 'no retry schedule was run')
      assert.equal(results.length, 5)
      const r = results[0]!
      assert.equal(r.errorCode, service === 'tls' ? 'SignatureDoesNotMatch' : 'SignatureNotMatch')
      assert.equal(r.attemptCount, 1)
      assert.equal(r.attempts[0]!.status, 401)
      assert.match(r.errorMessage, /authentication failed.*accessKeySecret/)
      assert.equal(failed[0]!.error.retriable, false)
      assert.equal(producer.stats().retried, 0)
    })

    it('unknown access key id: final, names the problem', async () => {
      const o = options(service, em.url, { accessKeyId: 'no-such-key' })
      const producer = createProducer(o)
      let result: Result | undefined
      producer.send(record('u', 10), { callback: (r) => { result = r } })
      await producer.close()
      assert.equal(result?.errorCode, 'InvalidAccessKeyId')
      assert.equal(result?.attemptCount, 1)
      assert.match(result!.errorMessage, /authentication failed.*accessKeyId/)
    })

    it('expired STS token: final, names the problem', async () => {
      const o = options(service, em.url, { accessKeyId: 'sts-expired', accessKeySecret: 'sts-secret', securityToken: 'sts-token' })
      const producer = createProducer(o)
      let result: Result | undefined
      producer.send(record('e', 10), { callback: (r) => { result = r } })
      await producer.close()
      assert.equal(result?.errorCode, service === 'tls' ? 'InvalidSecurityToken' : 'SecurityTokenExpired')
      assert.equal(result?.attemptCount, 1)
      assert.match(result!.errorMessage, /authentication failed.*token has not expired/)
      assert.equal(producer.stats().retried, 0)
    })

    it('the request time refused (clock skew): final, says to check the clock, and does not ask the provider for new credentials', async () => {
      // TLS answers a skewed X-Date with 401, SLS with 400: neither is a credentials problem.
      const [status, code] = service === 'tls' ? [401, 'RequestTimeTooSkewed'] : [400, 'RequestTimeExpired']
      const topicId = `skew-${randomUUID()}`
      const logstore = `skew-${randomUUID().slice(0, 12)}`
      em.inject({ kind: 'error', status, code, count: 1, ...(service === 'tls' ? { topicId } : { logstore }) })
      let calls = 0
      const o = options(service, em.url, {
        ...(service === 'tls' ? { topicId } : { logstore }),
        accessKeyId: () => { calls++; return { accessKeyId: AK, accessKeySecret: SK } },
        accessKeySecret: undefined
      })
      const producer = createProducer(o)
      let result: Result | undefined
      producer.send(record('s', 10), { callback: (r) => { result = r } })
      await producer.close()
      assert.equal(result?.errorCode, code)
      assert.equal(result?.attemptCount, 1)
      assert.match(result!.errorMessage, /check this machine's clock/)
      assert.doesNotMatch(result!.errorMessage, /authentication failed/)
      assert.equal(calls, 1, 'no refresh of the credentials')
    })

    it('credentials provider: the token expires mid-run, the provider hands out new credentials, nothing is lost', async (t) => {
      const old: Credentials = { accessKeyId: `sts-a-${service}`, accessKeySecret: 'secret-a', securityToken: 'token-a' }
      const fresh: Credentials = { accessKeyId: `sts-b-${service}`, accessKeySecret: 'secret-b', securityToken: 'token-b' }
      const base = [{ accessKeyId: AK, accessKeySecret: SK }, { accessKeyId: 'sts-expired', accessKeySecret: 'sts-secret', securityToken: 'sts-token', expiresAt: Date.now() - 60_000 }]
      em.configure({ credentials: [...base, { ...old }, { ...fresh }] } as never)
      let current = old
      let calls = 0
      const o = options(service, em.url, { accessKeyId: () => { calls++; return current }, accessKeySecret: undefined })
      const producer = createProducer(o)
      const start = Date.now()
      const sent = new Set<string>()
      for (let i = 0; i < 300; i++) {
        const id = `k${i}`
        sent.add(id)
        producer.send(record(id, 20))
        if (i === 150) {
          // The old token expires at the service now; the provider already hands out the new one.
          em.configure({ credentials: [...base, { ...old, expiresAt: Date.now() - 1 }, { ...fresh }] } as never)
          current = fresh
        }
        if (i % 30 === 0) await sleep(25)
      }
      await producer.flush()
      const stats = producer.stats()
      await producer.close()
      const authRefusals = em.rejections({ service, code: service === 'tls' ? 'InvalidSecurityToken' : 'SecurityTokenExpired', since: start })
      t.diagnostic(`provider calls ${calls}, delivered ${stats.delivered}, failed ${stats.failed}, auth refusals seen ${authRefusals.length}`)
      assert.ok(authRefusals.length >= 1, 'the old token really was refused mid-run')
      assert.ok(calls >= 2, 'the provider was called again after the auth failure')
      assert.equal(stats.failed, 0)
      assert.equal(stats.delivered, 300)
      assert.deepEqual(tally(countIds(em, o), sent), { unique: 300, duplicates: 0, unknown: 0 })
      em.configure({ credentials: base } as never)
    })
  })
}
