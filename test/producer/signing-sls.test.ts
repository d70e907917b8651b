import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { adjustShardHash } from '../../packages/producer/src/services/adjust-hash.js'
import { SlsProtocol } from '../../packages/producer/src/services/sls.js'
import { EMPTY_SHA256, formatRfc1123, slsV1Signature, slsV1StringToSign, slsV4CanonicalRequest, slsV4Sign, type SlsV4Input } from '../../packages/producer/src/services/sls-signer.js'
import type { SealedBatch } from '../../packages/producer/src/transport.js'
import { buildBody } from '../../packages/producer/src/wire/body.js'
import { encodeGroupTrailer, LogEncoder } from '../../packages/producer/src/wire/protobuf.js'
import { slsOptions } from './wire-helpers.js'

const MOCK = { id: 'mockAccessKeyID', secret: 'mockAccessKeySecret' }
const DOC = { id: 'bq2sjzesjmo86kq35behupbq', secret: '4fdO2fTDDnZPU/L7CHNdemB2Nsk=' }
// From the official Node SDK's unit test (aliyun-log-nodejs-sdk test/unit.test.js): example STS values.
const STS = {
  id: 'STS.NSNYgJ2KUoYaEuDrNazRLg2a6',
  secret: '56Xqw2THF5vTHTNkGWR6uGRKXToKWMi2eLFjppPNV8RR',
  token: 'CAISiwJ1q6Ft5B2yfSjIr5D7Et3+35R02JuKR1P1lk40dt1giPfK1Dz2IHhLdXNrAuEXs/w0mmBQ7v8TlqZdVplOWU3Da+B364xK7Q75jHw5B0zwv9I+k5SANTW5KXyShb3/AYjQSNfaZY3eCTTtnTNyxr3XbCirW0ffX7SClZ9gaKZ8PGD6F00kYu1bPQx/ssQXGGLMPPK2SH7Qj3HXEVBjt3gX6wo9y9zmnZHNukGH3QOqkbVM9t6rGPX+MZkwZqUYesyuwel7epDG1CNt8BVQ/M909vccpmad5YrMUgQJuEvWa7KNo8caKgJmI7M3AbBFp/WlyKMn5raOydSrkE8cePtSVynP+g0hR0dZ+YgagAEFdb+5rO1e+OZ3kcmPKF5Zh2Sni+vF1qzKA/SElND5koQQV6uvVCweKnfzCPMKjY0OXWmfgtcwOTyJ4ABGsTGnILzBNRD/+Gdqe7wclZrj0aDUkTdFf8k7SudZuO9KOPBe8mS3pJoMs1p67mWA/J4Wn0dottbprb5EQOBRxUC6bw=='
}

function v1 (verb: string, md5: string, type: string, date: string, headers: Array<[string, string]>, path: string, query: Array<[string, string]> = []): string {
  return slsV1StringToSign({ verb, contentMd5: md5, contentType: type, date, headers, path, query })
}

test('v1 vector A (GET /logstores, no body)', () => {
  const sts = v1('GET', '', '', 'Mon, 3 Jan 2010 08:33:47 GMT', [['x-log-apiversion', '0.6.0'], ['x-log-signaturemethod', 'hmac-sha1'], ['x-log-bodyrawsize', '0'], ['Date', 'x']], '/logstores')
  assert.equal(sts, 'GET\n\n\nMon, 3 Jan 2010 08:33:47 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n/logstores')
  assert.equal(slsV1Signature(sts, MOCK.secret), 'Rwm6cTKzoti4HWoe+GKcb6Kv07E=')
})

test('v1 vector B (Go TestSignaturePost; verb GET sic, 52-byte body)', () => {
  const sts = v1('GET', '8D6881250FF5559F59BBDF04100F6E59', 'application/x-protobuf', 'Mon, 3 Jan 2010 08:33:47 GMT',
    [['x-log-apiversion', '0.6.0'], ['x-log-signaturemethod', 'hmac-sha1'], ['x-log-bodyrawsize', '50'], ['Content-Length', '50']], '/logstores/app_log')
  assert.equal(slsV1Signature(sts, MOCK.secret), '87xQWqFaOSewqRIma8kPjGYlXHc=')
})

test('v1 vector C (official doc example 1, query resource)', () => {
  const sts = v1('GET', '', '', 'Mon, 09 Nov 2015 06:11:16 GMT', [['x-log-apiversion', '0.6.0'], ['x-log-signaturemethod', 'hmac-sha1']],
    '/logstores', [['offset', '0'], ['size', '1000'], ['logstoreName', '']])
  assert.equal(sts, 'GET\n\n\nMon, 09 Nov 2015 06:11:16 GMT\nx-log-apiversion:0.6.0\nx-log-signaturemethod:hmac-sha1\n/logstores?logstoreName=&offset=0&size=1000')
  assert.equal(slsV1Signature(sts, DOC.secret), 'jEYOTCJs2e88o+y5F4/S5IsnBJQ=')
})

const D_HEADERS: Array<[string, string]> = [['x-log-apiversion', '0.6.0'], ['x-log-bodyrawsize', '50'], ['x-log-compresstype', 'lz4'], ['x-log-signaturemethod', 'hmac-sha1']]

test('v1 vector D (official doc example 2, POST lz4)', () => {
  const sts = v1('POST', '1DD45FA4A70A9300CC9FE7305AF2C494', 'application/x-protobuf', 'Mon, 09 Nov 2015 06:03:03 GMT', D_HEADERS, '/logstores/test-logstore')
  assert.equal(slsV1Signature(sts, DOC.secret), 'XWLGYHGg2F2hcfxWxMLiNkGki6g=')
})

test('v1 vector E (STS: x-acs-security-token signed, sorted first)', () => {
  const sts = v1('POST', '1DD45FA4A70A9300CC9FE7305AF2C494', 'application/x-protobuf', 'Mon, 09 Nov 2015 06:03:03 GMT',
    [...D_HEADERS, ['x-acs-security-token', STS.token]], '/logstores/test-logstore')
  assert.ok(sts.includes('\nx-acs-security-token:CAIS'))
  assert.equal(slsV1Signature(sts, STS.secret), 'G3R03b6PwVI+zUaLtqezsBDL/j8=')
})

function routeBatch (hashKey: string, adjust: boolean): { protocol: SlsProtocol, batch: SealedBatch } {
  const options = slsOptions({ hashKey, adjustShardHash: adjust, compression: 'none' })
  const protocol = new SlsProtocol(options)
  const enc = new LogEncoder('sls', 1 << 20)
  const entries = Buffer.from(enc.encode({ ms: 1405409656000, subMsNs: 0 }, { TestKey: 'TestContent' }))
  return { protocol, batch: { destination: protocol.resolve(undefined), entries, logCount: 1, minTimeMs: 1405409656000, maxTimeMs: 1405409656000, bodyBytes: 50 } }
}

test('derived route vector: the full SLS v1 request with a hash key', async () => {
  const { protocol, batch } = routeBatch('80000000000000000000000000000000', false)
  const body = await buildBody(batch.entries, encodeGroupTrailer('sls', protocol.groupFields(batch.destination)), { flavor: 'sls', compression: 'none', md5: true, sha256: false })
  assert.equal(body.md5Hex, '875264590688CA6171F6228AF5BBB3D2')
  const when = new Date('2010-01-03T08:33:47Z')
  assert.equal(formatRfc1123(when), 'Sun, 03 Jan 2010 08:33:47 GMT')
  const req = protocol.request(batch, body, { accessKeyId: MOCK.id, accessKeySecret: MOCK.secret, securityToken: '' }, when)
  assert.equal(req.origin, 'https://demo.cn-hangzhou.log.aliyuncs.com')
  assert.equal(req.path, '/logstores/app_log/shards/route?key=80000000000000000000000000000000')
  assert.equal(req.headers.Host, 'demo.cn-hangzhou.log.aliyuncs.com')
  assert.equal(req.headers['x-log-compresstype'], undefined)
  // The vector's Date says "Mon" for 2010-01-03 (a Sunday); the signature only sees the string, so
  // check it with the vector's exact string-to-sign built from the request's own headers.
  const sts = slsV1StringToSign({ verb: 'POST', contentMd5: req.headers['Content-MD5'], contentType: req.headers['Content-Type'], date: 'Mon, 03 Jan 2010 08:33:47 GMT', headers: Object.entries(req.headers), path: '/logstores/app_log/shards/route', query: [['key', '80000000000000000000000000000000']] })
  assert.equal(sts, 'POST\n875264590688CA6171F6228AF5BBB3D2\napplication/x-protobuf\nMon, 03 Jan 2010 08:33:47 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:50\nx-log-signaturemethod:hmac-sha1\n/logstores/app_log/shards/route?key=80000000000000000000000000000000')
  assert.equal(slsV1Signature(sts, MOCK.secret), 'uL5tjDWdEc7gVi5sLitsg4ULpNc=')
  // And the request's own Authorization is that signature over its own Date.
  const own = slsV1StringToSign({ verb: 'POST', contentMd5: req.headers['Content-MD5'], contentType: 'application/x-protobuf', date: req.headers.Date, headers: Object.entries(req.headers), path: '/logstores/app_log/shards/route', query: [['key', '80000000000000000000000000000000']] })
  assert.equal(req.headers.Authorization, `LOG ${MOCK.id}:${slsV1Signature(own, MOCK.secret)}`)
})

test('AdjustHash vectors (Go adjusthash_test.go)', () => {
  assert.equal(adjustShardHash('127.0.0.1', 64), 'f4' + '0'.repeat(30))
  assert.equal(adjustShardHash('192.168.0.2', 256), '6f' + '0'.repeat(30))
  assert.equal(adjustShardHash('anything', 1), '0'.repeat(32))
  const { batch } = routeBatch('127.0.0.1', true)
  assert.equal(batch.destination.hashKey, 'f4' + '0'.repeat(30))
})

// ---- v4 (Go signature_v4_test.go SignerV4Suite inputs) ----
const V4_DATE = '20220808T032330Z'
const V4_BODY = 'adasd= -asd zcas'
const SUITE_HEADERS: Array<[string, string]> = [['hello', 'world'], ['hello-Text', 'a12X- '], [' Ko ', ''], ['', 'AA'], ['x-log-test', 'het123'], ['x-acs-ppp', 'dds']]
const SUITE_QUERY: Array<[string, string]> = [[' abc', 'efg'], [' agc ', ''], ['', 'efg'], ['A-bc', 'eFg']]

function v4 (over: Partial<SlsV4Input> & { body?: string }): ReturnType<typeof slsV4Sign> {
  const body = over.body ?? V4_BODY
  const sha = body === '' ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex')
  const headers = [...(over.headers ?? SUITE_HEADERS), ['x-log-date', V4_DATE], ['x-log-content-sha256', sha]] as Array<[string, string]>
  return slsV4Sign({ verb: 'POST', path: '/logstores', query: SUITE_QUERY, region: 'cn-hangzhou', accessKeyId: 'acsddda21dsd', secret: 'zxasdasdasw2', dateTime: V4_DATE, ...over, headers, bodySha256: sha })
}

test('v4 case 2: POST /logstores, no params, cn-shanghai (canonical request and signature)', () => {
  const signed = v4({ headers: [], query: [], region: 'cn-shanghai' })
  assert.equal(signed.canonicalRequest, 'POST\n/logstores\n\nx-log-content-sha256:c7a4fd95f1d70933caf91641e8000768cea86100dc5649fd4f16fead718a62e4\nx-log-date:20220808T032330Z\n\nx-log-content-sha256;x-log-date\nc7a4fd95f1d70933caf91641e8000768cea86100dc5649fd4f16fead718a62e4')
  assert.equal(signed.authorization, 'SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-shanghai/sls/aliyun_v4_request,Signature=8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8')
})

test('v4 case 1: odd headers and params (canonical query `=efg& abc=efg& agc &A-bc=eFg`)', () => {
  const signed = v4({})
  assert.equal(signed.canonicalRequest.split('\n')[2], '=efg& abc=efg& agc &A-bc=eFg')
  assert.equal(signed.signature, 'a98f5632e93836e63839cd836a54055f480020a9364ca944e2d34f2eb9bf1bed')
})

test('v4 case 3: empty body', () => {
  assert.equal(v4({ body: '' }).signature, '5a66d8f8051983e0e9d08e0f960ef9252ef971eead5bb5c7acec8617a2eb2701')
})

test('v4 case 4: GET with empty body', () => {
  assert.equal(v4({ body: '', verb: 'GET' }).signature, 'd92741852500791d662a8d469ff61627c0559ecd86c3f59b7bf6772b6c62666a')
})

test('v4 case 5: complex path and params', () => {
  const signed = v4({ path: '/logstores/hello/a+*~bb/cc', query: [...SUITE_QUERY, ['abs-ij*asd/vc', 'a~js+d ada'], ['a abAas123/vc', 'a~jdad a2ADFs+d ada']] })
  assert.equal(signed.signature, '2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165dfe100854d18ff')
})

test('v4 request from SlsProtocol: x-log-date, content sha, host signed, no Content-MD5/Date', async () => {
  const options = slsOptions({ signatureVersion: 'v4', region: 'cn-hangzhou' })
  const protocol = new SlsProtocol(options)
  const enc = new LogEncoder('sls', 1 << 20)
  const entries = Buffer.from(enc.encode({ ms: 1405409656000, subMsNs: 0 }, { a: 'b' }))
  const batch: SealedBatch = { destination: protocol.resolve(undefined), entries, logCount: 1, minTimeMs: 0, maxTimeMs: 0, bodyBytes: 0 }
  const body = await buildBody(entries, encodeGroupTrailer('sls', protocol.groupFields(batch.destination)), { flavor: 'sls', compression: 'lz4', md5: protocol.needsMd5, sha256: protocol.needsSha256 })
  const req = protocol.request(batch, body, { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'tok' }, new Date('2022-08-08T03:23:30Z'))
  assert.equal(req.headers['x-log-date'], V4_DATE)
  assert.equal(req.headers['x-log-content-sha256'], createHash('sha256').update(body.body).digest('hex'))
  assert.equal(req.headers['Content-MD5'], undefined)
  assert.equal(req.headers.Date, undefined)
  assert.equal(req.headers['x-log-compresstype'], 'lz4')
  assert.equal(req.headers['x-acs-security-token'], 'tok')
  const { signedHeaders } = slsV4CanonicalRequest({ verb: 'POST', path: '/logstores/app_log/shards/lb', query: [], headers: Object.entries(req.headers), bodySha256: '', dateTime: V4_DATE, region: 'cn-hangzhou', accessKeyId: 'ak', secret: 'sk' })
  assert.equal(signedHeaders, 'content-type;host;x-acs-security-token;x-log-apiversion;x-log-bodyrawsize;x-log-compresstype;x-log-content-sha256;x-log-date')
  assert.match(req.headers.Authorization, /^SLS4-HMAC-SHA256 Credential=ak\/20220808\/cn-hangzhou\/sls\/aliyun_v4_request,Signature=[0-9a-f]{64}$/)
})

// ---- interop with the official Node SDK's v1 signer (@alicloud/log lib/client.js Client#_sign) ----
// _sign(verb, path, queries, headers, credentials) reads content-md5, content-type and date from
// lowercase header keys and signs the x-log-*/x-acs-* ones. We hand it the exact headers of a
// request our SlsProtocol built (names lowercased) and compare the whole Authorization header.
const require = createRequire(import.meta.url)
const Client = require('@alicloud/log') as { prototype: { _sign (verb: string, path: string, q: Record<string, string>, h: Record<string, string>, c: unknown): string } }

for (const [label, hashKey, token] of [['lb', '', ''], ['route + STS', 'deadbeef', STS.token]] as const) {
  test(`interop: our v1 Authorization equals @alicloud/log _sign (${label})`, async () => {
    const options = slsOptions({ hashKey, adjustShardHash: true, compression: 'lz4' })
    const protocol = new SlsProtocol(options)
    const enc = new LogEncoder('sls', 1 << 20)
    const entries = Buffer.from(enc.encode({ ms: Date.now(), subMsNs: 0 }, { level: 'info', msg: 'hello interop' }))
    const batch: SealedBatch = { destination: protocol.resolve(undefined), entries, logCount: 1, minTimeMs: 0, maxTimeMs: 0, bodyBytes: 0 }
    const body = await buildBody(entries, encodeGroupTrailer('sls', protocol.groupFields(batch.destination)), { flavor: 'sls', compression: 'lz4', md5: true, sha256: false })
    const creds = { accessKeyId: STS.id, accessKeySecret: STS.secret, securityToken: token }
    const req = protocol.request(batch, body, creds, new Date())
    const lower: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'Authorization') lower[k.toLowerCase()] = v
    const [path, search] = req.path.split('?')
    const queries = search === undefined ? {} : Object.fromEntries(new URLSearchParams(search))
    const theirs = Client.prototype._sign.call({}, 'POST', path, queries, lower, creds)
    assert.equal(req.headers.Authorization, theirs)
  })
}
