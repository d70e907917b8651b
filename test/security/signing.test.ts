/**
 * Request signing covers what the protocol docs say it covers. A real request from the producer is
 * captured, then replayed to the strict emulator: unchanged it is accepted; with any signed part
 * changed (each signed header, the path, the query, the body) it is refused; with an unsigned
 * header changed it is still accepted.
 * - TLS (V4): host, content-type, content-md5, x-content-sha256, x-date, x-tls-*, x-security-token.
 * - SLS v1: Content-MD5, Content-Type, Date, x-log-*, x-acs-*, path and query. Not Host: on v1 the
 *   project (the Host prefix) is not signed, which is the protocol's own property (v4 signs host).
 * - SLS v4: host, content-type, x-log-*, x-acs-*, path and query, and the body through x-log-content-sha256.
 */
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createProducer, type ProducerOptions } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { options, SLS_PROJECT } from '../reliability/helpers.js'

const TOKEN = 'sts-token-for-signing'
const OTHER_PROJECT = 'other-project'

interface Captured { method: string, path: string, headers: Array<[string, string]>, body: Buffer }

let em: Emulator
before(async () => {
  em = await startEmulator({
    credentials: [{ accessKeyId: 'sign-ak', accessKeySecret: 'sign-sk', securityToken: TOKEN }],
    sls: { projects: { [SLS_PROJECT]: ['sign-ls'], [OTHER_PROJECT]: ['sign-ls'] } }
  })
})
after(async () => { await em.close() })

/** One request as the producer sends it, captured by a server that answers 200. */
async function capture (o: ProducerOptions): Promise<Captured> {
  let captured: Captured | undefined
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Array<[string, string]> = []
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
      captured = { method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks) }
      res.writeHead(200, { 'content-length': 0 })
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const producer = createProducer({ ...o, endpoint: `http://127.0.0.1:${port}` })
  producer.send({ contents: { msg: 'signed' } })
  await producer.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  assert.ok(captured, 'captured a request')
  return captured
}

/** Sends `req` to the emulator as is (Host header included). */
function replay (req: Captured): Promise<{ status: number, code: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {}
    for (const [k, v] of req.headers) headers[k] = v
    const r = httpRequest({ host: '127.0.0.1', port: em.port, method: req.method, path: req.path, headers: headers as IncomingHttpHeaders as Record<string, string> }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => {
        let code = ''
        try { const j = JSON.parse(text) as Record<string, string>; code = j.ErrorCode ?? j.errorCode ?? '' } catch { /* success: empty body */ }
        resolve({ status: res.statusCode ?? 0, code })
      })
    })
    r.on('error', reject)
    r.end(req.body)
  })
}

function withHeader (req: Captured, name: string, value: string): Captured {
  return { ...req, headers: req.headers.map(([k, v]): [string, string] => k.toLowerCase() === name ? [k, value] : [k, v]) }
}
function header (req: Captured, name: string): string | undefined {
  return req.headers.find(([k]) => k.toLowerCase() === name)?.[1]
}
function tamper (value: string): string {
  if (value === '') return '0123456789abcdef0123456789abcdef'
  // Dates: one second later, same format (so it is the signature, not the format, that fails).
  const date = /(\d)(Z| GMT)$/.exec(value)
  if (date !== null) return value.slice(0, date.index) + String((Number(date[1]) + 1) % 10) + date[2]
  const last = value.at(-1)!
  return value.slice(0, -1) + (/[0-9]/.test(last) ? String((Number(last) + 1) % 10) : last === 'a' ? 'b' : 'a')
}

const variants: Array<{ name: string, o: () => ProducerOptions, signed: string[], unsigned: string[] }> = [
  {
    name: 'tls (V4)',
    o: () => options('tls', em.url, { accessKeyId: 'sign-ak', accessKeySecret: 'sign-sk', securityToken: TOKEN, hashKey: '0123456789abcdef0123456789abcdef', region: 'cn-beijing' }),
    signed: ['host', 'content-type', 'content-md5', 'x-content-sha256', 'x-date', 'x-security-token', 'x-tls-apiversion', 'x-tls-bodyrawsize', 'x-tls-compresstype', 'x-tls-hashkey'],
    unsigned: ['user-agent']
  },
  {
    name: 'sls v1',
    o: () => options('sls', em.url, { accessKeyId: 'sign-ak', accessKeySecret: 'sign-sk', securityToken: TOKEN, logstore: 'sign-ls', hashKey: 'route-me' }),
    signed: ['content-md5', 'content-type', 'date', 'x-log-apiversion', 'x-log-bodyrawsize', 'x-log-compresstype', 'x-log-signaturemethod', 'x-acs-security-token'],
    unsigned: ['user-agent']
  },
  {
    name: 'sls v4',
    o: () => options('sls', em.url, { accessKeyId: 'sign-ak', accessKeySecret: 'sign-sk', securityToken: TOKEN, logstore: 'sign-ls', hashKey: 'route-me', signatureVersion: 'v4', region: 'cn-hangzhou' }),
    signed: ['host', 'content-type', 'x-log-apiversion', 'x-log-bodyrawsize', 'x-log-compresstype', 'x-log-date', 'x-log-content-sha256', 'x-acs-security-token'],
    unsigned: ['user-agent']
  }
]

for (const v of variants) {
  describe(`${v.name}: what the signature covers`, () => {
    let original: Captured
    // Replayed to the emulator's port with the captured Host header: exactly the request that was signed.
    before(async () => { original = await capture(v.o()) })

    it('the unchanged request is accepted (replayed within the skew window)', async () => {
      const r = await replay(original)
      assert.equal(r.status, 200, r.code)
    })

    for (const name of v.signed) {
      it(`changing ${name} makes the service refuse it`, async (t) => {
        const value = header(original, name)
        assert.ok(value !== undefined, `the request has ${name}`)
        const r = await replay(withHeader(original, name, tamper(value)))
        t.diagnostic(`${r.status} ${r.code}`)
        assert.notEqual(r.status, 200, `${name} tampered: still accepted`)
        assert.ok(r.status === 401 || r.status === 400, `${r.status} ${r.code}`)
      })
    }

    for (const name of v.unsigned) {
      it(`changing ${name} (not signed) does not matter`, async () => {
        const r = await replay(withHeader(original, name, 'something-else/1.0'))
        assert.equal(r.status, 200, r.code)
      })
    }

    it('changing the path or the query makes the service refuse it', async () => {
      const [path, query] = original.path.split('?') as [string, string | undefined]
      const tamperedPath = v.name.startsWith('tls') ? original.path.replace('/PutLogs', '/PutLogs/') : original.path.replace('sign-ls', 'sign-lt')
      assert.notEqual((await replay({ ...original, path: tamperedPath })).status, 200)
      assert.ok(query !== undefined)
      assert.notEqual((await replay({ ...original, path: `${path}?${tamper(query)}` })).status, 200)
    })

    it('changing one byte of the body makes the service refuse it', async () => {
      const body = Buffer.from(original.body)
      body[body.length - 1] ^= 0x01
      const r = await replay({ ...original, body })
      assert.notEqual(r.status, 200, 'a tampered body was accepted')
    })

    if (v.name === 'tls (V4)') {
      it('the Authorization header lists exactly the signed headers the protocol doc names', () => {
        const auth = header(original, 'authorization')!
        const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';')
        assert.deepEqual([...signed].sort(), [...v.signed].sort())
      })
    }
    if (v.name === 'sls v1') {
      it('v1 does not sign Host: the same request is accepted for another project (a property of the protocol; use v4 to bind it)', async () => {
        const host = header(original, 'host')!
        const r = await replay(withHeader(original, 'host', host.replace(SLS_PROJECT, OTHER_PROJECT)))
        assert.equal(r.status, 200, r.code)
      })
    }
  })
}
