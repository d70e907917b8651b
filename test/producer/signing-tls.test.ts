import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { TlsProtocol } from '../../packages/producer/src/services/tls.js'
import { formatXDate, volcCanonicalRequest, volcSign, type VolcSignInput } from '../../packages/producer/src/services/tls-signer.js'
import { buildBody } from '../../packages/producer/src/wire/body.js'
import { encodeGroupTrailer, LogEncoder } from '../../packages/producer/src/wire/protobuf.js'
import type { SealedBatch } from '../../packages/producer/src/transport.js'
import { tlsOptions } from './wire-helpers.js'

const BODY_HEX = 'f02d0a3a0a240888b183c1cc31120d0a056c6576656c1204494e464f120c0a036d7367120568656c6c6f12093132372e302e302e3122076170702e6c6f67'
const SHA = 'b7cb1ce3bceb6bb01b580125fcdedd042612768ab878f8d9dc4773d7a403dbeb'
const MD5 = 'D0634C5000047501D21C17EB4F6D0896'
const TOPIC = '0fd2bd7e-1234-4f6a-9abc-0123456789ab'
const WHEN = new Date('2024-01-02T03:04:05Z')

function vectorInput (extra: Array<[string, string]> = []): VolcSignInput {
  return {
    method: 'POST',
    path: '/PutLogs',
    query: [['TopicId', TOPIC]],
    headers: [
      ['Content-Md5', MD5], ['Content-Type', 'application/x-protobuf'], ['Host', 'tls-cn-beijing.volces.com'],
      ['X-Content-Sha256', SHA], ['X-Date', '20240102T030405Z'], ['X-Tls-Apiversion', '0.3.0'],
      ['X-Tls-Bodyrawsize', '60'], ['X-Tls-Compresstype', 'lz4'], ['X-Tls-Hashkey', ''], ...extra
    ],
    bodySha256: SHA,
    xDate: '20240102T030405Z',
    region: 'cn-beijing',
    service: 'TLS',
    accessKeyId: 'AKLTexampleAccessKeyId',
    secretKey: 'exampleSecretAccessKey=='
  }
}

test('§2.4 body digests: Content-MD5 (uppercase hex) and X-Content-Sha256', () => {
  const body = Buffer.from(BODY_HEX, 'hex')
  assert.equal(createHash('md5').update(body).digest('hex').toUpperCase(), MD5)
  assert.equal(createHash('sha256').update(body).digest('hex'), SHA)
  assert.equal(formatXDate(WHEN), '20240102T030405Z')
})

test('§2.4 canonical request, its hash and the signature', () => {
  const signed = volcSign(vectorInput())
  assert.equal(signed.canonicalRequest, [
    'POST', '/PutLogs', `TopicId=${TOPIC}`,
    `content-md5:${MD5}`, 'content-type:application/x-protobuf', 'host:tls-cn-beijing.volces.com',
    `x-content-sha256:${SHA}`, 'x-date:20240102T030405Z', 'x-tls-apiversion:0.3.0', 'x-tls-bodyrawsize:60',
    'x-tls-compresstype:lz4', 'x-tls-hashkey:', '',
    'content-md5;content-type;host;x-content-sha256;x-date;x-tls-apiversion;x-tls-bodyrawsize;x-tls-compresstype;x-tls-hashkey',
    SHA
  ].join('\n'))
  assert.equal(createHash('sha256').update(signed.canonicalRequest).digest('hex'), '4f446b1b0e30858551358b9d1bf9b58c82b7a35242509abf4f7db2f6c28cf8af')
  assert.equal(signed.signature, '03e49e1d14e6b206ac0004ef979151ebc62c259b284a0aee3860db00c2c20959')
  assert.equal(signed.authorization, 'HMAC-SHA256 Credential=AKLTexampleAccessKeyId/20240102/cn-beijing/TLS/request, SignedHeaders=' +
    'content-md5;content-type;host;x-content-sha256;x-date;x-tls-apiversion;x-tls-bodyrawsize;x-tls-compresstype;x-tls-hashkey, ' +
    'Signature=03e49e1d14e6b206ac0004ef979151ebc62c259b284a0aee3860db00c2c20959')
})

test('§2.4 STS signature (X-Security-Token signed)', () => {
  const signed = volcSign(vectorInput([['X-Security-Token', 'exampleSessionToken']]))
  assert.equal(signed.signature, 'ca4313e8d2bbc697998a4e45c76be07a7c8ad9973420796d63f00df7e2a49091')
})

test('host drops :443/:80 but keeps other ports', () => {
  const input = vectorInput()
  const withPort = { ...input, headers: input.headers.map(([k, v]): [string, string] => k === 'Host' ? [k, v + ':443'] : [k, v]) }
  assert.equal(volcSign(withPort).signature, volcSign(input).signature)
  const loop = { ...input, headers: input.headers.map(([k, v]): [string, string] => k === 'Host' ? [k, '127.0.0.1:38901'] : [k, v]) }
  assert.match(volcCanonicalRequest(loop).canonicalRequest, /\nhost:127\.0\.0\.1:38901\n/)
})

function vectorBatch (): { batch: SealedBatch, options: ReturnType<typeof tlsOptions> } {
  const options = tlsOptions()
  const protocol = new TlsProtocol(options)
  const enc = new LogEncoder('tls', 1 << 20)
  const entries = Buffer.from(enc.encode({ ms: 1704164645000, subMsNs: 0 }, { level: 'INFO', msg: 'hello' }))
  const destination = protocol.resolve(undefined)
  return { batch: { destination, entries, logCount: 1, minTimeMs: 1704164645000, maxTimeMs: 1704164645000, bodyBytes: 60 }, options }
}

test('the full TLS request for the §2.4 inputs carries the vector headers and signature', async () => {
  const { batch, options } = vectorBatch()
  const protocol = new TlsProtocol(options)
  const body = await buildBody(batch.entries, encodeGroupTrailer('tls', protocol.groupFields(batch.destination)), { flavor: 'tls', compression: 'lz4', md5: true, sha256: true })
  assert.equal(body.body.toString('hex'), BODY_HEX)
  const req = protocol.request(batch, body, { accessKeyId: 'AKLTexampleAccessKeyId', accessKeySecret: 'exampleSecretAccessKey==', securityToken: '' }, WHEN)
  assert.equal(req.origin, 'https://tls-cn-beijing.volces.com')
  assert.equal(req.path, `/PutLogs?TopicId=${TOPIC}`)
  assert.deepEqual(req.headers, {
    'Content-Type': 'application/x-protobuf',
    'X-Tls-Bodyrawsize': '60',
    'X-Tls-Compresstype': 'lz4',
    'X-Tls-Hashkey': '',
    'Log-Count': '1',
    'Earliest-Log-Time': '1704164645000',
    'Latest-Log-Time': '1704164645000',
    'X-Tls-Apiversion': '0.3.0',
    'User-Agent': options.userAgent,
    'Content-Md5': MD5,
    'X-Date': '20240102T030405Z',
    'X-Content-Sha256': SHA,
    Authorization: 'HMAC-SHA256 Credential=AKLTexampleAccessKeyId/20240102/cn-beijing/TLS/request, SignedHeaders=' +
      'content-md5;content-type;host;x-content-sha256;x-date;x-tls-apiversion;x-tls-bodyrawsize;x-tls-compresstype;x-tls-hashkey, ' +
      'Signature=03e49e1d14e6b206ac0004ef979151ebc62c259b284a0aee3860db00c2c20959'
  })
  const sts = protocol.request(batch, body, { accessKeyId: 'AKLTexampleAccessKeyId', accessKeySecret: 'exampleSecretAccessKey==', securityToken: 'exampleSessionToken' }, WHEN)
  assert.equal(sts.headers['X-Security-Token'], 'exampleSessionToken')
  assert.match(sts.headers.Authorization, /Signature=ca4313e8d2bbc697998a4e45c76be07a7c8ad9973420796d63f00df7e2a49091$/)
})

test('compression none: no x-tls-compresstype header; zlib: "zlib"', async () => {
  const { batch, options } = vectorBatch()
  const protocol = new TlsProtocol(options)
  const trailer = encodeGroupTrailer('tls', protocol.groupFields(batch.destination))
  const creds = { accessKeyId: 'a', accessKeySecret: 'b', securityToken: '' }
  const none = await buildBody(batch.entries, trailer, { flavor: 'tls', compression: 'none', md5: true, sha256: true })
  assert.equal(protocol.request(batch, none, creds, WHEN).headers['X-Tls-Compresstype'], undefined)
  const zlib = await buildBody(batch.entries, trailer, { flavor: 'tls', compression: 'deflate', md5: true, sha256: true })
  assert.equal(protocol.request(batch, zlib, creds, WHEN).headers['X-Tls-Compresstype'], 'zlib')
})

// ---- interop with the official Node SDK's signer (@volcengine/openapi lib/base/sign.js) ----
// That signer signs every header it is given except authorization, content-type, content-length,
// user-agent, presigned-expires and expect, and knows no Host. So both signers get the same request
// with a header set that contains neither content-type nor host: Content-Md5, X-Content-Sha256,
// X-Date, the x-tls-* headers (no empty values: it would still sign them, but it collapses
// whitespace), and for STS X-Security-Token. The X-Content-Sha256 header is preset, which its signer
// then uses as the payload hash instead of hashing the body (it never sees one). We compare the
// whole Authorization header.
const require = createRequire(import.meta.url)
const VolcSigner = (require('@volcengine/openapi/lib/base/sign.js') as { default: new (request: unknown, service: string) => { addAuthorization (c: unknown, d: Date): void } }).default

for (const token of ['', 'exampleSessionToken']) {
  test(`interop: our V4 signature equals @volcengine/openapi's${token === '' ? '' : ' (STS)'}`, () => {
    const headers: Record<string, string> = {
      'Content-Md5': MD5,
      'X-Content-Sha256': SHA,
      'X-Tls-Apiversion': '0.3.0',
      'X-Tls-Bodyrawsize': '60',
      'X-Tls-Compresstype': 'lz4',
      'X-Tls-Hashkey': '0123456789abcdef0123456789abcdef'
    }
    const request = { region: 'cn-beijing', method: 'POST', pathname: '/PutLogs', params: { TopicId: TOPIC }, headers: { ...headers } }
    new VolcSigner(request, 'TLS').addAuthorization({ accessKeyId: 'AKLTexampleAccessKeyId', secretKey: 'exampleSecretAccessKey==', sessionToken: token || undefined }, WHEN)
    const theirs = (request.headers as Record<string, string>).Authorization

    const ours = volcSign({
      ...vectorInput(),
      headers: [...Object.entries(headers), ['X-Date', formatXDate(WHEN)], ...(token === '' ? [] : [['X-Security-Token', token] as [string, string]])]
    }).authorization
    assert.equal(ours, theirs)
  })
}
