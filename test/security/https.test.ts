/**
 * HTTPS by default and certificate verification on, both services: the emulator serves HTTPS with
 * a self-signed certificate (test/fixtures); without the `ca` option the connection is refused with
 * a final NetworkError that names the certificate problem and the `ca` option; with it, delivered.
 * A `ca` that holds no certificate is refused when the producer is created.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { rootCertificates } from 'node:tls'
import { after, before, describe, it } from 'node:test'
import { createProducer, InvalidOptionError, type FailedEvent, type Result } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { countIds, options, record, SERVICES, tally } from '../reliability/helpers.js'

const cert = readFileSync(new URL('../fixtures/wire-selfsigned-cert.pem', import.meta.url))
const key = readFileSync(new URL('../fixtures/wire-selfsigned-key.pem', import.meta.url))

let em: Emulator
before(async () => { em = await startEmulator({ tlsKey: key, tlsCert: cert }) })
after(async () => { await em.close() })

it('an endpoint without a scheme means https://', () => {
  for (const service of SERVICES) {
    const p = createProducer(options(service, `127.0.0.1:${em.port}`))
    p.destroy()
  }
  assert.ok(em.url.startsWith('https://'))
  assert.throws(() => createProducer(options('tls', 'ftp://example.com')), InvalidOptionError)
})

for (const service of SERVICES) {
  describe(`${service}: certificate verification`, () => {
    it('a self-signed certificate is refused without `ca`: final, not retried, names the problem and the option', async (t) => {
      for (const endpoint of [em.url, `127.0.0.1:${em.port}`]) {
        const o = options(service, endpoint)
        const producer = createProducer(o)
        const results: Result[] = []
        const failed: FailedEvent[] = []
        producer.on('failed', (e) => failed.push(e))
        for (let i = 0; i < 5; i++) producer.send(record(`s${i}`, 10), { callback: (r) => results.push(r) })
        await producer.close()
        t.diagnostic(`${endpoint}: ${results[0]?.errorCode}: ${results[0]?.errorMessage}`)
        assert.equal(results.length, 5)
        assert.ok(results.every((r) => !r.successful && r.attemptCount === 1))
        assert.match(results[0]!.errorCode, /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/)
        assert.match(results[0]!.errorMessage, /certificate was rejected/)
        assert.match(results[0]!.errorMessage, /`ca` option/)
        assert.equal(failed[0]!.error.code, 'LOGSHIP_NETWORK_ERROR')
        assert.equal(failed[0]!.error.retriable, false)
        assert.equal(producer.stats().retried, 0)
        assert.equal(countIds(em, o).size, 0, 'nothing reached the service')
      }
    })

    it('with its CA in `ca`, the same endpoint is trusted and everything is delivered', async () => {
      const o = options(service, em.url, { ca: cert.toString() })
      const producer = createProducer(o)
      const sent = new Set<string>()
      for (let i = 0; i < 20; i++) {
        sent.add(`h${i}`)
        producer.send(record(`h${i}`, 10))
      }
      const summary = await producer.close()
      assert.equal(summary.delivered, 20)
      assert.deepEqual(tally(countIds(em, o), sent), { unique: 20, duplicates: 0, unknown: 0 })
    })

    it('`ca` as a bundle (another CA first, then the endpoint\'s) is trusted; a key or garbage in `ca` is refused at construction, not at every request', async () => {
      const o = options(service, em.url, { ca: `${rootCertificates[0]}\n${cert.toString()}` })
      const producer = createProducer(o)
      producer.send(record('bundle', 10))
      assert.equal((await producer.close()).delivered, 1)
      assert.deepEqual(tally(countIds(em, o), new Set(['bundle'])), { unique: 1, duplicates: 0, unknown: 0 })
      for (const ca of [key, 'garbage']) {
        assert.throws(() => createProducer(options(service, em.url, { ca })), (e: unknown) => e instanceof InvalidOptionError && e.option === 'ca')
      }
    })

    it('with `ca`, a host name the certificate does not cover is still refused (identity checked against the endpoint)', async () => {
      // The certificate covers localhost and 127.0.0.1; 127.0.0.2 is the same machine under another name.
      const other = await startEmulator({ host: '127.0.0.2', tlsKey: key, tlsCert: cert })
      try {
        const producer = createProducer(options(service, other.url, { ca: cert.toString() }))
        let result: Result | undefined
        producer.send(record('x', 10), { callback: (r) => { result = r } })
        await producer.close()
        assert.equal(result?.successful, false)
        assert.equal(result?.errorCode, 'ERR_TLS_CERT_ALTNAME_INVALID')
        assert.match(result!.errorMessage, /certificate was rejected/)
        assert.equal(other.stats().requests, 0)
      } finally {
        await other.close()
      }
    })
  })
}
