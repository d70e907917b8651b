// Every SLS refusal, triggered by a request that is valid except for one thing.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { startEmulator } from '../emulator/index.js'
import type { Emulator } from '../emulator/index.js'
import { expectSlsError } from './helpers/expect.js'
import { send } from './helpers/http.js'
import { AK, LOGSTORE, PROJECT, SK, buildSls, sampleSlsBody, sendSls } from './helpers/requests.js'
import { encodeSls, field, lz4Block, str, varint } from './helpers/wire.js'

let em: Emulator
const CREDS = [
  { accessKeyId: AK, accessKeySecret: SK },
  { accessKeyId: 'STS.a', accessKeySecret: 'sts-sk', securityToken: 'tok' },
  { accessKeyId: 'STS.old', accessKeySecret: 'old-sk', securityToken: 'tok', expiresAt: Date.now() - 1000 }
]
const BASE_SLS = {
  projects: { [PROJECT]: [LOGSTORE] },
  limits: { maxRawBytes: 10 * 1024 * 1024, maxValueBytes: 1024 * 1024, maxLogsPerGroup: 40960 },
  timeWindow: { pastSec: 168 * 3600, futureSec: 900 },
  verifyContentSha256: true
}
before(async () => { em = await startEmulator({ credentials: CREDS, sls: BASE_SLS }) })
after(() => em.close())
beforeEach(() => {
  em.reset()
  em.configure({ credentials: CREDS, sls: BASE_SLS })
})

const now = (): number => Math.floor(Date.now() / 1000)
const content = (k: Buffer | string, v: Buffer | string): Buffer => field(2, 2, Buffer.concat([str(1, k), str(2, v)]))
const log = (...parts: Buffer[]): Buffer => field(1, 2, Buffer.concat(parts))
const time = (t: number): Buffer => field(1, 0, varint(t))

describe('SLS authentication refusals', () => {
  it('SignatureNotMatch: tampered header (v1) and wrong secret (v1, v4)', async () => {
    expectSlsError(em, await sendSls(em.url, { after: h => { h['x-log-bodyrawsize'] = '7' } }), 401, 'SignatureNotMatch')
    expectSlsError(em, await sendSls(em.url, { sk: 'bad' }), 401, 'SignatureNotMatch')
    expectSlsError(em, await sendSls(em.url, { sk: 'bad', version: 'v4' }), 401, 'SignatureNotMatch')
    expectSlsError(em, await sendSls(em.url, { version: 'v4', after: h => { h.Host = `other.${new URL(em.url).host}` } }), 401, 'SignatureNotMatch')
  })
  it('SignatureNotMatch: v4 x-log-content-sha256 not the body hash, missing, or scope date mismatch', async () => {
    expectSlsError(em, await sendSls(em.url, { version: 'v4', contentSha256: 'a'.repeat(64) }), 401, 'SignatureNotMatch', /sha256/)
    expectSlsError(em, await sendSls(em.url, { version: 'v4', after: h => { delete h['x-log-content-sha256'] } }), 401, 'SignatureNotMatch', /sha256/)
    expectSlsError(em, await sendSls(em.url, { version: 'v4', after: h => { h.Authorization = h.Authorization!.replace(/\/(\d{8})\//, '/19990101/') } }), 401, 'SignatureNotMatch', /scope date/)
  })
  it('InvalidAccessKeyId: unknown AK (v1 and v4)', async () => {
    expectSlsError(em, await sendSls(em.url, { ak: 'who' }), 401, 'InvalidAccessKeyId')
    expectSlsError(em, await sendSls(em.url, { ak: 'who', version: 'v4' }), 401, 'InvalidAccessKeyId')
  })
  it('RequestTimeTooSkewed: Date or x-log-date 16 minutes off', async () => {
    expectSlsError(em, await sendSls(em.url, { now: Date.now() - 16 * 60_000 }), 400, 'RequestTimeTooSkewed')
    expectSlsError(em, await sendSls(em.url, { now: Date.now() + 16 * 60_000, version: 'v4' }), 400, 'RequestTimeTooSkewed')
    expectSlsError(em, await sendSls(em.url, { headers: { 'x-log-date': new Date(Date.now() - 3600_000).toUTCString() } }), 400, 'RequestTimeTooSkewed')
  })
  it('MissingDate / InvalidDateFormat', async () => {
    expectSlsError(em, await sendSls(em.url, { after: h => { delete h.Date } }), 400, 'MissingDate')
    expectSlsError(em, await sendSls(em.url, { headers: { Date: '2024-01-01 00:00:00' } }), 400, 'InvalidDateFormat')
    expectSlsError(em, await sendSls(em.url, { version: 'v4', after: h => { delete h['x-log-date'] } }), 400, 'MissingDate')
  })
  it('MissingSignatureMethod / InvalidSignatureMethod', async () => {
    expectSlsError(em, await sendSls(em.url, { after: h => { delete h['x-log-signaturemethod'] } }), 400, 'MissingSignatureMethod')
    expectSlsError(em, await sendSls(em.url, { after: h => { h['x-log-signaturemethod'] = 'hmac-md5' } }), 400, 'InvalidSignatureMethod')
  })
  it('Unauthorized: no Authorization, unknown scheme, v4 disabled', async () => {
    expectSlsError(em, await sendSls(em.url, { after: h => { delete h.Authorization } }), 401, 'Unauthorized')
    expectSlsError(em, await sendSls(em.url, { after: h => { h.Authorization = 'Basic abc' } }), 401, 'Unauthorized')
    em.configure({ sls: { signatureVersions: ['v1'] } })
    expectSlsError(em, await sendSls(em.url, { version: 'v4' }), 401, 'Unauthorized', /v4/)
    em.configure({ sls: { signatureVersions: ['v1', 'v4'] } })
  })
  it('STS: missing/wrong token → InvalidSecurityToken, expired → SecurityTokenExpired', async () => {
    assert.equal((await sendSls(em.url, { ak: 'STS.a', sk: 'sts-sk', token: 'tok' })).status, 200)
    expectSlsError(em, await sendSls(em.url, { ak: 'STS.a', sk: 'sts-sk' }), 401, 'InvalidSecurityToken')
    expectSlsError(em, await sendSls(em.url, { ak: 'STS.a', sk: 'sts-sk', token: 'nope', version: 'v4' }), 401, 'InvalidSecurityToken')
    expectSlsError(em, await sendSls(em.url, { ak: 'STS.old', sk: 'old-sk', token: 'tok' }), 401, 'SecurityTokenExpired')
  })
})

describe('SLS request refusals', () => {
  it('ProjectNotExists: unknown project, Host without a project prefix', async () => {
    expectSlsError(em, await sendSls(em.url, { project: 'nope' }), 404, 'ProjectNotExists')
    expectSlsError(em, await sendSls(em.url, { host: new URL(em.url).host }), 404, 'ProjectNotExists')
  })
  it('LogStoreNotExist: unknown logstore', async () => {
    expectSlsError(em, await sendSls(em.url, { logstore: 'nope' }), 404, 'LogStoreNotExist')
  })
  it('ParameterInvalid: shards/route without key', async () => {
    const req = buildSls(em.url, { route: 'route' })
    expectSlsError(em, await send(em.url, { ...req, path: `/logstores/${LOGSTORE}/shards/route` }), 401, 'SignatureNotMatch')
    const req2 = buildSls(em.url, { route: 'route', key: '' })
    expectSlsError(em, await send(em.url, req2), 400, 'ParameterInvalid')
  })
  it('MissingAPIVersion / InvalidAPIVersion', async () => {
    expectSlsError(em, await sendSls(em.url, { omit: ['x-log-apiversion'] }), 400, 'MissingAPIVersion')
    expectSlsError(em, await sendSls(em.url, { headers: { 'x-log-apiversion': '0.5.0' } }), 400, 'InvalidAPIVersion')
  })
  it('MissingContentType / InvalidContentType (415)', async () => {
    expectSlsError(em, await sendSls(em.url, { omit: ['Content-Type'] }), 400, 'MissingContentType')
    expectSlsError(em, await sendSls(em.url, { headers: { 'Content-Type': 'application/json' } }), 415, 'InvalidContentType')
  })
  it('MissingContentLength (411): a chunked body without Content-Length', async () => {
    // Sent after signing, as a client's HTTP layer would: the request is otherwise valid.
    const reply = await sendSls(em.url, { after: h => { h['Transfer-Encoding'] = 'chunked' } })
    expectSlsError(em, reply, 411, 'MissingContentLength')
    // The same request with its length is accepted.
    assert.equal((await sendSls(em.url)).status, 200)
  })
  it('InvalidContentMD5: Content-MD5 of other bytes (either hex case accepted when right)', async () => {
    expectSlsError(em, await sendSls(em.url, { headers: { 'Content-MD5': '875264590688CA6171F6228AF5BBB3D2' } }), 400, 'InvalidContentMD5')
  })
  it('MissingBodyRawSize / InvalidBodyRawSize', async () => {
    expectSlsError(em, await sendSls(em.url, { omit: ['x-log-bodyrawsize'] }), 400, 'MissingBodyRawSize')
    expectSlsError(em, await sendSls(em.url, { headers: { 'x-log-bodyrawsize': '-1' } }), 400, 'InvalidBodyRawSize')
    const raw = sampleSlsBody()
    expectSlsError(em, await sendSls(em.url, { raw, compression: 'none', headers: { 'x-log-bodyrawsize': String(raw.length + 1) } }), 400, 'InvalidBodyRawSize')
    expectSlsError(em, await sendSls(em.url, { raw, compression: 'zlib', headers: { 'x-log-bodyrawsize': String(raw.length + 1) } }), 400, 'InvalidBodyRawSize')
  })
  it('PostBodyUncompressError: lz4 size mismatch, corrupt lz4, corrupt deflate', async () => {
    const raw = sampleSlsBody()
    expectSlsError(em, await sendSls(em.url, { raw, headers: { 'x-log-bodyrawsize': String(raw.length + 3) } }), 400, 'PostBodyUncompressError')
    expectSlsError(em, await sendSls(em.url, { raw: Buffer.alloc(20), sent: Buffer.from([0x10, 0x61, 0x05, 0x00, 0x10, 0x62]), headers: { 'x-log-compresstype': 'lz4' } }), 400, 'PostBodyUncompressError', /offset/)
    const good = lz4Block(sampleSlsBody(30))
    expectSlsError(em, await sendSls(em.url, { raw: sampleSlsBody(30), sent: good.subarray(0, good.length - 4) }), 400, 'PostBodyUncompressError')
    expectSlsError(em, await sendSls(em.url, { raw, sent: Buffer.from('789cdeadbeef', 'hex'), headers: { 'x-log-compresstype': 'deflate' } }), 400, 'PostBodyUncompressError')
  })
  it('deflate setting: zlib-only refuses raw deflate', async () => {
    em.configure({ sls: { deflate: 'zlib' } })
    expectSlsError(em, await sendSls(em.url, { compression: 'deflate-raw' }), 400, 'PostBodyUncompressError')
    em.configure({ sls: { deflate: 'both' } })
  })
  it('InvalidCompressType: zstd', async () => {
    expectSlsError(em, await sendSls(em.url, { compression: 'none', headers: { 'x-log-compresstype': 'zstd' } }), 400, 'InvalidCompressType')
  })
  it('PostBodyInvalid: truncated protobuf, wrong wire type, unknown field, LogGroupList instead of LogGroup', async () => {
    const raw = sampleSlsBody()
    expectSlsError(em, await sendSls(em.url, { raw: raw.subarray(0, raw.length - 1), compression: 'none' }), 400, 'PostBodyInvalid')
    expectSlsError(em, await sendSls(em.url, { raw: log(field(1, 2, Buffer.from('x'))), compression: 'none' }), 400, 'PostBodyInvalid', /wire type/)
    expectSlsError(em, await sendSls(em.url, { raw: Buffer.concat([raw, str(7, 'x')]), compression: 'none' }), 400, 'PostBodyInvalid', /unknown field 7/)
    expectSlsError(em, await sendSls(em.url, { raw: field(1, 2, raw), compression: 'none' }), 400, 'PostBodyInvalid')
  })
  it('PostBodyInvalid: missing required Log.Time, LogContent.Value, LogTag.Key', async () => {
    expectSlsError(em, await sendSls(em.url, { raw: log(content('k', 'v')), compression: 'none' }), 400, 'PostBodyInvalid', /Time is required/)
    expectSlsError(em, await sendSls(em.url, { raw: log(time(now()), field(2, 2, str(1, 'k'))), compression: 'none' }), 400, 'PostBodyInvalid', /Value is required/)
    expectSlsError(em, await sendSls(em.url, { raw: Buffer.concat([log(time(now())), field(6, 2, str(2, 'v'))]), compression: 'none' }), 400, 'PostBodyInvalid', /Key is required/)
  })
  it('PostBodyInvalid: Time beyond uint32', async () => {
    expectSlsError(em, await sendSls(em.url, { raw: log(time(2 ** 33)), compression: 'none' }), 400, 'PostBodyInvalid', /uint32/)
  })
  it('InvalidEncoding: invalid UTF-8 in a value, a key, the topic', async () => {
    const bad = Buffer.from([0xe2, 0x82])
    expectSlsError(em, await sendSls(em.url, { raw: log(time(now()), content('k', bad)), compression: 'none' }), 400, 'InvalidEncoding')
    expectSlsError(em, await sendSls(em.url, { raw: log(time(now()), content(bad, 'v')), compression: 'none' }), 400, 'InvalidEncoding')
    expectSlsError(em, await sendSls(em.url, { raw: Buffer.concat([log(time(now())), str(3, bad)]), compression: 'none' }), 400, 'InvalidEncoding')
  })
  it('InvalidKey: empty key (setting rejectEmptyKeys)', async () => {
    expectSlsError(em, await sendSls(em.url, { raw: log(time(now()), content('', 'v')), compression: 'none' }), 400, 'InvalidKey')
  })
  it('InvalidTimestamp: TimeNs beyond 999999999', async () => {
    expectSlsError(em, await sendSls(em.url, { raw: encodeSls({ logs: [{ time: now(), timeNs: 1_000_000_000, contents: [['a', 'b']] }] }) }), 400, 'InvalidTimestamp')
  })
  it('PostBodyInvalid: log time outside [-168 h, +15 min]; window is a setting', async () => {
    const old = encodeSls({ logs: [{ time: now() - 169 * 3600, contents: [['a', 'b']] }] })
    const future = encodeSls({ logs: [{ time: now() + 20 * 60, contents: [['a', 'b']] }] })
    expectSlsError(em, await sendSls(em.url, { raw: old }), 400, 'PostBodyInvalid', /out of range/)
    expectSlsError(em, await sendSls(em.url, { raw: future }), 400, 'PostBodyInvalid', /out of range/)
    em.configure({ sls: { timeWindow: null } })
    assert.equal((await sendSls(em.url, { raw: old })).status, 200)
  })
  it('PostBodyTooLarge: raw size, value size, log count', async () => {
    em.configure({ sls: { limits: { maxRawBytes: 50 } } })
    expectSlsError(em, await sendSls(em.url, { raw: sampleSlsBody(5) }), 400, 'PostBodyTooLarge')
    em.configure({ sls: { limits: { maxRawBytes: 1 << 20, maxValueBytes: 10 } } })
    expectSlsError(em, await sendSls(em.url, { raw: encodeSls({ logs: [{ time: now(), contents: [['a', 'x'.repeat(11)]] }] }) }), 400, 'PostBodyTooLarge', /value/)
    em.configure({ sls: { limits: { maxValueBytes: 1 << 20, maxLogsPerGroup: 2 } } })
    expectSlsError(em, await sendSls(em.url, { raw: sampleSlsBody(3) }), 400, 'PostBodyTooLarge')
  })
  it('MethodNotAllowed and NotFound paths', async () => {
    const req = buildSls(em.url)
    expectSlsError(em, await send(em.url, { ...req, method: 'PUT' }), 405, 'MethodNotAllowed')
    expectSlsError(em, await send(em.url, { ...req, path: '/logstores/a/b/c' }), 404, 'NotFound')
  })
})
