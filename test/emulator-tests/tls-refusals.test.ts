// Every TLS refusal, triggered by a request that is valid except for one thing.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { startEmulator } from '../emulator/index.js'
import type { Emulator } from '../emulator/index.js'
import { expectTlsError } from './helpers/expect.js'
import { send } from './helpers/http.js'
import { AK, SK, TOPIC, buildTls, sampleTlsBody, sendTls } from './helpers/requests.js'
import { encodeTls, field, lz4Block, str, varint } from './helpers/wire.js'

let em: Emulator
const CREDS = [
  { accessKeyId: AK, accessKeySecret: SK },
  { accessKeyId: 'sts-ak', accessKeySecret: 'sts-sk', securityToken: 'tok' },
  { accessKeyId: 'old-ak', accessKeySecret: 'old-sk', securityToken: 'tok', expiresAt: Date.now() - 1000 }
]
before(async () => { em = await startEmulator({ credentials: CREDS, tls: { topics: [TOPIC] } }) })
after(() => em.close())
beforeEach(() => {
  em.reset()
  em.configure({ credentials: CREDS, tls: { verifyContentSha256: false, region: null, limits: { maxLogBytes: 1024 * 1024, maxRawBytes: 5 * 1024 * 1024, maxLogsPerGroup: 10000 }, statusByCode: {} } })
})

/** A LogGroupList whose only log has the given raw Log bytes. */
const withLog = (logBytes: Buffer): Buffer => field(1, 2, field(1, 2, logBytes))

describe('TLS authentication refusals', () => {
  it('SignatureDoesNotMatch: a signed header changed after signing', async () => {
    expectTlsError(em, await sendTls(em.url, { after: h => { h['X-Tls-Apiversion'] = '0.2.0' } }), 401, 'SignatureDoesNotMatch')
  })
  it('SignatureDoesNotMatch: wrong secret', async () => {
    expectTlsError(em, await sendTls(em.url, { sk: 'nope' }), 401, 'SignatureDoesNotMatch')
  })
  it('SignatureDoesNotMatch: x-date not signed', async () => {
    expectTlsError(em, await sendTls(em.url, { signed: ['content-md5', 'x-tls-bodyrawsize'] }), 401, 'SignatureDoesNotMatch', /x-date/)
  })
  it('SignatureDoesNotMatch: a signed header that is absent', async () => {
    expectTlsError(em, await sendTls(em.url, { signed: ['x-date', 'x-missing'] }), 401, 'SignatureDoesNotMatch', /x-missing/)
  })
  it('SignatureDoesNotMatch: X-Content-Sha256 differs from the body when verifyContentSha256 is on', async () => {
    assert.equal((await sendTls(em.url, { contentSha256: '0'.repeat(64) })).status, 200)
    em.configure({ tls: { verifyContentSha256: true } })
    expectTlsError(em, await sendTls(em.url, { contentSha256: '0'.repeat(64) }), 401, 'SignatureDoesNotMatch', /X-Content-Sha256/)
  })
  it('SignatureDoesNotMatch: region other than the configured one', async () => {
    em.configure({ tls: { region: 'cn-shanghai' } })
    expectTlsError(em, await sendTls(em.url), 401, 'SignatureDoesNotMatch', /region/)
  })
  it('InvalidAccessKeyId: unknown AK', async () => {
    expectTlsError(em, await sendTls(em.url, { ak: 'who' }), 401, 'InvalidAccessKeyId')
  })
  it('RequestTimeTooSkewed: X-Date 16 minutes off (and a custom skew setting)', async () => {
    expectTlsError(em, await sendTls(em.url, { now: Date.now() - 16 * 60_000 }), 401, 'RequestTimeTooSkewed')
    expectTlsError(em, await sendTls(em.url, { now: Date.now() + 16 * 60_000 }), 401, 'RequestTimeTooSkewed')
    em.configure({ tls: { maxSkewSec: 60 } })
    expectTlsError(em, await sendTls(em.url, { now: Date.now() - 120_000 }), 401, 'RequestTimeTooSkewed')
    em.configure({ tls: { maxSkewSec: 900 } })
  })
  it('AuthFailed: no Authorization, malformed Authorization, malformed X-Date', async () => {
    expectTlsError(em, await sendTls(em.url, { after: h => { delete h.Authorization } }), 401, 'AuthFailed')
    expectTlsError(em, await sendTls(em.url, { after: h => { h.Authorization = 'Bearer x' } }), 401, 'AuthFailed')
    expectTlsError(em, await sendTls(em.url, { after: h => { h['X-Date'] = '2024-01-02T03:04:05Z' } }), 401, 'AuthFailed')
    expectTlsError(em, await sendTls(em.url, { after: h => { delete h['X-Date'] } }), 401, 'AuthFailed')
  })
  it('InvalidSecurityToken: STS key without token, with a wrong token, or a token on a permanent key', async () => {
    assert.equal((await sendTls(em.url, { ak: 'sts-ak', sk: 'sts-sk', token: 'tok' })).status, 200)
    expectTlsError(em, await sendTls(em.url, { ak: 'sts-ak', sk: 'sts-sk' }), 401, 'InvalidSecurityToken')
    expectTlsError(em, await sendTls(em.url, { ak: 'sts-ak', sk: 'sts-sk', token: 'other' }), 401, 'InvalidSecurityToken')
    expectTlsError(em, await sendTls(em.url, { token: 'tok' }), 401, 'InvalidSecurityToken')
  })
  it('expired STS credential is refused with the expired-token code', async () => {
    expectTlsError(em, await sendTls(em.url, { ak: 'old-ak', sk: 'old-sk', token: 'tok' }), 401, 'InvalidSecurityToken', /expired/)
  })
  it('API-key mode: unknown key refused, configured key accepted', async () => {
    const req = buildTls(em.url, { after: h => { delete h.Authorization; delete h['X-Date']; h['x-tls-anonymous-identity'] = 'k1' } })
    expectTlsError(em, await send(em.url, req), 401, 'AuthFailed')
    em.configure({ tls: { apiKeys: ['k1'] } })
    assert.equal((await send(em.url, req)).status, 200)
    em.configure({ tls: { apiKeys: [] } })
  })
})

describe('TLS request refusals', () => {
  it('TopicNotExist: unknown topic', async () => {
    expectTlsError(em, await sendTls(em.url, { topicId: 'nope' }), 404, 'TopicNotExist')
  })
  it('InvalidArgument: missing TopicId', async () => {
    const req = buildTls(em.url)
    expectTlsError(em, await send(em.url, { ...req, path: '/PutLogs' }), 400, 'InvalidArgument', /TopicId/)
  })
  it('MethodNotAllowed: GET', async () => {
    const req = buildTls(em.url)
    expectTlsError(em, await send(em.url, { ...req, method: 'GET', body: undefined }), 405, 'MethodNotAllowed')
  })
  it('ErrLogMD5CheckFailed: Content-MD5 of other bytes', async () => {
    expectTlsError(em, await sendTls(em.url, { headers: { 'Content-Md5': 'D0634C5000047501D21C17EB4F6D0896' } }), 400, 'ErrLogMD5CheckFailed')
  })
  it('InvalidArgument: Content-MD5 required by setting', async () => {
    em.configure({ tls: { requireContentMd5: true } })
    expectTlsError(em, await sendTls(em.url, { omit: ['Content-Md5'] }), 400, 'InvalidArgument', /Content-MD5/)
    em.configure({ tls: { requireContentMd5: false } })
    assert.equal((await sendTls(em.url, { omit: ['Content-Md5'] })).status, 200)
  })
  it('InvalidArgument: wrong or missing Content-Type', async () => {
    expectTlsError(em, await sendTls(em.url, { headers: { 'Content-Type': 'application/json' } }), 400, 'InvalidArgument', /Content-Type/)
    expectTlsError(em, await sendTls(em.url, { omit: ['Content-Type'] }), 400, 'InvalidArgument', /Content-Type/)
  })
  it('InvalidArgument: unsupported x-tls-apiversion', async () => {
    expectTlsError(em, await sendTls(em.url, { headers: { 'X-Tls-Apiversion': '9.9.9' } }), 400, 'InvalidArgument', /apiversion/)
  })
  it('InvalidArgument: missing or non-numeric x-tls-bodyrawsize', async () => {
    expectTlsError(em, await sendTls(em.url, { omit: ['X-Tls-Bodyrawsize'] }), 400, 'InvalidArgument', /bodyrawsize/)
    expectTlsError(em, await sendTls(em.url, { headers: { 'X-Tls-Bodyrawsize': '12x' } }), 400, 'InvalidArgument', /bodyrawsize/)
  })
  it('bodyrawsize mismatch: none → InvalidArgument, zlib → InvalidArgument, lz4 → DeserializeFailed', async () => {
    const raw = sampleTlsBody()
    const wrong = { 'X-Tls-Bodyrawsize': String(raw.length + 1) }
    expectTlsError(em, await sendTls(em.url, { raw, compression: 'none', headers: wrong }), 400, 'InvalidArgument', /bodyrawsize/)
    expectTlsError(em, await sendTls(em.url, { raw, compression: 'zlib', headers: wrong }), 400, 'InvalidArgument', /bodyrawsize/)
    expectTlsError(em, await sendTls(em.url, { raw, compression: 'zlib', headers: { 'X-Tls-Bodyrawsize': String(raw.length - 1) } }), 400, 'InvalidArgument', /bodyrawsize/)
    expectTlsError(em, await sendTls(em.url, { raw, compression: 'lz4', headers: wrong }), 400, 'DeserializeFailed', /lz4/)
  })
  it('InvalidArgument: unsupported x-tls-compresstype', async () => {
    expectTlsError(em, await sendTls(em.url, { headers: { 'X-Tls-Compresstype': 'zstd' } }), 400, 'InvalidArgument', /compresstype/)
  })
  it('InvalidArgument: malformed x-tls-hashkey', async () => {
    expectTlsError(em, await sendTls(em.url, { hashKey: 'xyz' }), 400, 'InvalidArgument', /hashkey/)
  })
  it('DeserializeFailed: corrupt lz4 (offset out of range, truncated, a match too near the end)', async () => {
    // literal 'a', then a match 5 bytes back when only 1 byte exists, then literal 'b'
    const bad = Buffer.from([0x10, 0x61, 0x05, 0x00, 0x10, 0x62])
    expectTlsError(em, await sendTls(em.url, { raw: Buffer.alloc(20), sent: bad, headers: { 'X-Tls-Compresstype': 'lz4' } }), 400, 'DeserializeFailed', /offset/)
    const raw = sampleTlsBody(20)
    const good = lz4Block(raw)
    expectTlsError(em, await sendTls(em.url, { raw, sent: good.subarray(0, good.length - 3) }), 400, 'DeserializeFailed', /lz4/)
    // 'a', a 4-byte match one byte back, 'b': it would decode to 'aaaaab', but a match within the
    // last 12 bytes breaks LZ4's end-of-block rules, and liblz4 refuses it.
    const lateMatch = Buffer.from([0x10, 0x61, 0x01, 0x00, 0x10, 0x62])
    expectTlsError(em, await sendTls(em.url, { raw: Buffer.from('aaaaab'), sent: lateMatch, headers: { 'X-Tls-Compresstype': 'lz4' } }), 400, 'DeserializeFailed', /end-of-block/)
  })
  it('DeserializeFailed: corrupt zlib', async () => {
    expectTlsError(em, await sendTls(em.url, { raw: sampleTlsBody(), sent: Buffer.from('78 9c de ad be ef'.replace(/ /g, ''), 'hex'), headers: { 'X-Tls-Compresstype': 'zlib' } }), 400, 'DeserializeFailed', /zlib/)
  })
  it('DeserializeFailed: truncated protobuf, wrong wire type, group wire type, unknown field', async () => {
    const raw = sampleTlsBody()
    expectTlsError(em, await sendTls(em.url, { raw: raw.subarray(0, raw.length - 2), compression: 'none' }), 400, 'DeserializeFailed')
    expectTlsError(em, await sendTls(em.url, { raw: withLog(Buffer.concat([field(1, 2, Buffer.from('x'))])), compression: 'none' }), 400, 'DeserializeFailed', /wire type/)
    expectTlsError(em, await sendTls(em.url, { raw: Buffer.from([0x0b, 0x0c]), compression: 'none' }), 400, 'DeserializeFailed', /wire type/)
    expectTlsError(em, await sendTls(em.url, { raw: field(1, 2, str(9, 'zz')), compression: 'none' }), 400, 'DeserializeFailed', /unknown field 9/)
    expectTlsError(em, await sendTls(em.url, { raw: withLog(Buffer.concat([field(1, 0, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))])), compression: 'none' }), 400, 'DeserializeFailed', /varint/)
  })
  it('InvalidArgument: invalid UTF-8 in a value and in a key', async () => {
    const content = (k: Buffer, v: Buffer): Buffer => field(2, 2, Buffer.concat([str(1, k), str(2, v)]))
    const bad = Buffer.from([0xc3, 0x28])
    expectTlsError(em, await sendTls(em.url, { raw: withLog(Buffer.concat([field(1, 0, varint(1700000000000)), content(Buffer.from('k'), bad)])), compression: 'none' }), 400, 'InvalidArgument', /UTF-8/)
    expectTlsError(em, await sendTls(em.url, { raw: withLog(content(bad, Buffer.from('v'))), compression: 'none' }), 400, 'InvalidArgument', /UTF-8/)
  })
  it('InvalidArgument: TimeNs beyond 999999', async () => {
    expectTlsError(em, await sendTls(em.url, { raw: encodeTls([{ logs: [{ time: Date.now(), timeNs: 1_000_000, contents: [['a', 'b']] }] }]) }), 400, 'InvalidArgument', /TimeNs/)
  })
  it('LogSizeTooLarge: one log over maxLogBytes', async () => {
    em.configure({ tls: { limits: { maxLogBytes: 200 } } })
    const raw = encodeTls([{ logs: [{ time: Date.now(), contents: [['big', 'x'.repeat(300)]] }] }])
    expectTlsError(em, await sendTls(em.url, { raw }), 413, 'LogSizeTooLarge')
  })
  it('LogGroupListSizeTooLarge: raw size over maxRawBytes', async () => {
    em.configure({ tls: { limits: { maxRawBytes: 100 } } })
    expectTlsError(em, await sendTls(em.url, { raw: sampleTlsBody(10) }), 413, 'LogGroupListSizeTooLarge')
  })
  it('TooManyLogs: more than maxLogsPerGroup in one LogGroup', async () => {
    em.configure({ tls: { limits: { maxLogsPerGroup: 3 } } })
    expectTlsError(em, await sendTls(em.url, { raw: sampleTlsBody(4) }), 400, 'TooManyLogs')
    assert.equal((await sendTls(em.url, { raw: sampleTlsBody(3) })).status, 200)
  })
  it('statusByCode overrides the HTTP status of a code', async () => {
    em.configure({ tls: { statusByCode: { TopicNotExist: 400 } } })
    expectTlsError(em, await sendTls(em.url, { topicId: 'nope' }), 400, 'TopicNotExist')
  })
  it('refusals are counted by code', async () => {
    await sendTls(em.url, { topicId: 'nope' })
    await sendTls(em.url, { topicId: 'nope' })
    await sendTls(em.url, { ak: 'who' })
    const s = em.stats()
    assert.equal(s.byService.tls.requests, 3)
    assert.equal(s.byService.tls.rejected, 3)
    assert.deepEqual(s.byService.tls.rejectedByCode, { TopicNotExist: 2, InvalidAccessKeyId: 1 })
    assert.equal(s.accepted, 0)
  })
})
