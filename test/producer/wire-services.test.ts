import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inflateSync } from 'node:zlib'
import { test, type TestContext } from 'node:test'
import { createWire } from '../../packages/producer/src/services/index.js'
import { volcSign } from '../../packages/producer/src/services/tls-signer.js'
import { slsV1Signature, slsV1StringToSign } from '../../packages/producer/src/services/sls-signer.js'
import type { SealedBatch, Wire } from '../../packages/producer/src/transport.js'
import type { Credentials } from '../../packages/producer/src/types.js'
import { lz4DecodeBlock, SlsLogGroup, slsOptions, TlsLogGroupList, tlsOptions } from './wire-helpers.js'

interface Seen { method: string, url: string, headers: IncomingMessage['headers'], body: Buffer }
type Reply = { status: number, headers?: Record<string, string>, body?: string }

async function fakeService (t: TestContext, replies: Reply[]): Promise<{ origin: string, port: number, seen: Seen[] }> {
  const seen: Seen[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) })
      const reply = replies.length > 1 ? replies.shift()! : replies[0]
      res.writeHead(reply.status, reply.headers ?? {})
      res.end(reply.body ?? '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const port = (server.address() as AddressInfo).port
  return { origin: `http://127.0.0.1:${port}`, port, seen }
}

/** Record times a minute ago, on a whole second: inside SLS's window of accepted times whenever the tests run. */
const BASE_MS = Math.floor(Date.now() / 1000) * 1000 - 60_000

function batchOf (wire: Wire, records: Array<Record<string, unknown>>, overrides?: Parameters<Wire['destination']>[0]): SealedBatch {
  const destination = wire.destination(overrides)
  const parts = records.map((contents, i) => Buffer.from(wire.encodeLog({ ms: BASE_MS + i, subMsNs: i * 7 }, contents)))
  const entries = Buffer.concat(parts)
  return { destination, entries, logCount: records.length, minTimeMs: BASE_MS, maxTimeMs: BASE_MS + records.length - 1, bodyBytes: wire.bodySize(destination, entries.length) }
}

test('TLS: a full PutLogs over HTTP, verified the way a server would', async (t) => {
  const svc = await fakeService(t, [{ status: 200, headers: { 'x-tls-requestid': 'REQ-1' } }])
  const wire = createWire(tlsOptions({ endpoint: svc.origin, hashKey: '' }))
  t.after(() => wire.close())
  const batch = batchOf(wire, [{ level: 'info', msg: 'héllo' }, { level: 'warn', n: 2 }])
  const outcome = await wire.send(batch)
  assert.deepEqual(outcome, { ok: true, status: 200, requestId: 'REQ-1' })
  const req = svc.seen[0]
  assert.equal(req.method, 'POST')
  assert.equal(req.url, '/PutLogs?TopicId=0fd2bd7e-1234-4f6a-9abc-0123456789ab')
  const h = req.headers
  assert.equal(h['content-type'], 'application/x-protobuf')
  assert.equal(h['x-tls-compresstype'], 'lz4')
  assert.equal(h['x-tls-hashkey'], '')
  assert.equal(h['x-tls-apiversion'], '0.3.0')
  assert.equal(h['log-count'], '2')
  assert.equal(h['earliest-log-time'], String(BASE_MS))
  assert.equal(h['latest-log-time'], String(BASE_MS + 1))
  assert.equal(h['content-md5'], createHash('md5').update(req.body).digest('hex').toUpperCase())
  assert.equal(h['x-content-sha256'], createHash('sha256').update(req.body).digest('hex'))
  const raw = lz4DecodeBlock(req.body, Number(h['x-tls-bodyrawsize']))
  assert.equal(raw.length, batch.bodyBytes)
  const group = (TlsLogGroupList.toObject(TlsLogGroupList.decode(raw), { longs: Number }) as any).LogGroups[0]
  assert.equal(group.Source, '127.0.0.1')
  assert.equal(group.FileName, 'app.log')
  assert.deepEqual(group.Logs.map((l: any) => [l.Time, l.TimeNs ?? 0, l.Contents.map((c: any) => `${c.Key}=${c.Value}`)]), [
    [BASE_MS, 0, ['level=info', 'msg=héllo']], [BASE_MS + 1, 7, ['level=warn', 'n=2']]
  ])
  // Re-derive the signature from what arrived, signing the headers named in SignedHeaders.
  const auth = String(h.authorization)
  const signedNames = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';')
  assert.deepEqual(signedNames, ['content-md5', 'content-type', 'host', 'x-content-sha256', 'x-date', 'x-tls-apiversion', 'x-tls-bodyrawsize', 'x-tls-compresstype', 'x-tls-hashkey'])
  const expected = volcSign({
    method: 'POST', path: '/PutLogs', query: [['TopicId', '0fd2bd7e-1234-4f6a-9abc-0123456789ab']],
    headers: signedNames.map((n) => [n, String(h[n])]), bodySha256: String(h['x-content-sha256']), xDate: String(h['x-date']),
    region: 'cn-beijing', service: 'TLS', accessKeyId: 'AKLTexampleAccessKeyId', secretKey: 'exampleSecretAccessKey=='
  })
  assert.equal(auth, expected.authorization)
  assert.equal(h.host, `127.0.0.1:${svc.port}`)
})

test('retries reuse the cached body and only re-sign (X-Date changes)', async (t) => {
  const svc = await fakeService(t, [{ status: 500, body: '{"ErrorCode":"InternalError","ErrorMessage":"x"}' }, { status: 200 }])
  let now = Date.parse('2024-01-02T03:04:05Z')
  const wire = createWire(tlsOptions({ endpoint: svc.origin, compression: 'deflate' }), { now: () => now })
  t.after(() => wire.close())
  const batch = batchOf(wire, [{ a: 'b' }])
  const first = await wire.send(batch)
  assert.equal(first.ok, false)
  assert.equal(first.ok === false && first.retriable, true)
  const cached = batch.cache
  assert.ok(cached !== undefined)
  now += 61_000
  const second = await wire.send(batch)
  assert.equal(second.ok, true)
  assert.equal(batch.cache, cached)
  assert.deepEqual(svc.seen[0].body, svc.seen[1].body)
  assert.equal(svc.seen[0].headers['x-tls-compresstype'], 'zlib')
  assert.equal(inflateSync(svc.seen[0].body).length, Number(svc.seen[0].headers['x-tls-bodyrawsize']))
  assert.equal(svc.seen[0].headers['x-date'], '20240102T030405Z')
  assert.equal(svc.seen[1].headers['x-date'], '20240102T030506Z')
  assert.notEqual(svc.seen[0].headers.authorization, svc.seen[1].headers.authorization)
})

test('deflate: once a batch\'s body is built, its entries go back (a retrying batch holds only the compressed body)', async (t) => {
  const svc = await fakeService(t, [{ status: 500, body: '{"ErrorCode":"InternalError","ErrorMessage":"x"}' }, { status: 200 }])
  const wire = createWire(tlsOptions({ endpoint: svc.origin, compression: 'deflate' }))
  t.after(() => wire.close())
  const batch = batchOf(wire, [{ a: 'b' }, { c: 'd' }])
  let released = 0
  // As the accumulator's batch does: the entry memory goes back to its pool, and the entries are gone.
  batch.releaseEntries = () => {
    released++
    ;(batch as { entries: Uint8Array }).entries = new Uint8Array(0)
  }
  assert.equal((await wire.send(batch)).ok, false)
  assert.equal(released, 1)
  assert.equal((await wire.send(batch)).ok, true)
  assert.equal(released, 1)
  assert.deepEqual(svc.seen[1].body, svc.seen[0].body)
  assert.equal(inflateSync(svc.seen[1].body).length, Number(svc.seen[1].headers['x-tls-bodyrawsize']))
})

const TABLE: Array<{ service: 'tls' | 'sls', reply: Reply, retriable: boolean, code: string, match?: RegExp, retryAfterMs?: number }> = [
  { service: 'tls', reply: { status: 429, headers: { 'retry-after': '3', 'x-tls-requestid': 'R429' }, body: '{"ErrorCode":"ExceedQPSLimit","ErrorMessage":"slow down"}' }, retriable: true, code: 'ExceedQPSLimit', retryAfterMs: 3000 },
  { service: 'tls', reply: { status: 503, body: '<html>bad gateway</html>' }, retriable: true, code: 'BadResponse', match: /non-JSON/ },
  { service: 'tls', reply: { status: 401, body: '{"errorcode":"SignatureDoesNotMatch","errormessage":"sig"}' }, retriable: false, code: 'SignatureDoesNotMatch', match: /authentication failed/ },
  { service: 'tls', reply: { status: 403, body: '{"ErrorCode":"InvalidAccessKeyId","ErrorMessage":"who"}' }, retriable: false, code: 'InvalidAccessKeyId', match: /accessKeyId/ },
  { service: 'tls', reply: { status: 400, body: '{"ErrorCode":"InvalidArgument","ErrorMessage":"no"}' }, retriable: false, code: 'InvalidArgument' },
  { service: 'tls', reply: { status: 404, body: '' }, retriable: false, code: 'BadResponse', match: /empty error body/ },
  { service: 'sls', reply: { status: 403, headers: { 'x-log-requestid': '5642FC23' }, body: '{"errorCode":"WriteQuotaExceed","errorMessage":"quota"}' }, retriable: true, code: 'WriteQuotaExceed' },
  { service: 'sls', reply: { status: 403, body: '{"errorCode":"ShardWriteQuotaExceed","errorMessage":"quota"}' }, retriable: true, code: 'ShardWriteQuotaExceed' },
  { service: 'sls', reply: { status: 403, body: '{"errorCode":"ExceedQuota","errorMessage":"quota"}' }, retriable: true, code: 'ExceedQuota' },
  { service: 'sls', reply: { status: 403, body: '{"errorCode":"ProjectQuotaExceed","errorMessage":"project quota"}' }, retriable: true, code: 'ProjectQuotaExceed' },
  { service: 'sls', reply: { status: 403, body: '{"errorCode":"ProjectForbidden","errorMessage":"no"}' }, retriable: false, code: 'ProjectForbidden' },
  { service: 'sls', reply: { status: 401, body: '{"errorCode":"SignatureNotMatch","errorMessage":"signature not match, server string to sign is: x-acs-security-token:SECRET-TOKEN-1234 with mockAccessKeySecret"}' }, retriable: false, code: 'SignatureNotMatch', match: /authentication failed/ },
  { service: 'sls', reply: { status: 500, body: '{"errorCode":"InternalServerError","errorMessage":"oops"}' }, retriable: true, code: 'InternalServerError' },
  { service: 'sls', reply: { status: 400, body: 'Bad Request' }, retriable: false, code: 'BadResponse' }
]

for (const row of TABLE) {
  test(`classify ${row.service} ${row.reply.status} ${row.code} → ${row.retriable ? 'retriable' : 'final'}`, async (t) => {
    const svc = await fakeService(t, [row.reply])
    const options = row.service === 'tls'
      ? tlsOptions({ endpoint: svc.origin })
      : slsOptions({ endpoint: svc.origin, securityToken: 'SECRET-TOKEN-1234' })
    const wire = createWire(options)
    t.after(() => wire.close())
    const outcome = await wire.send(batchOf(wire, [{ a: 'b' }]))
    assert.equal(outcome.ok, false)
    if (outcome.ok) return
    assert.equal(outcome.status, row.reply.status)
    assert.equal(outcome.retriable, row.retriable)
    assert.equal(outcome.error.retriable, row.retriable)
    assert.equal(outcome.errorCode, row.code)
    assert.equal(outcome.error.code, 'LOGSHIP_HTTP_ERROR')
    if (row.match !== undefined) assert.match(outcome.errorMessage, row.match)
    if (row.retryAfterMs !== undefined) assert.equal(outcome.retryAfterMs, row.retryAfterMs)
    const requestId = row.reply.headers?.['x-tls-requestid'] ?? row.reply.headers?.['x-log-requestid'] ?? ''
    assert.equal(outcome.requestId, requestId)
    for (const text of [outcome.errorMessage, outcome.error.message, JSON.stringify(outcome)]) {
      assert.ok(!text.includes('SECRET-TOKEN-1234') && !text.includes('mockAccessKeySecret') && !text.includes('exampleSecretAccessKey'), text)
    }
  })
}

test('network failures never reject: refused → retriable NetworkError outcome with status 0', async () => {
  const wire = createWire(tlsOptions({ endpoint: 'http://127.0.0.1:1' }))
  const outcome = await wire.send(batchOf(wire, [{ a: 'b' }]))
  assert.equal(outcome.ok, false)
  if (!outcome.ok) {
    assert.equal(outcome.status, 0)
    assert.equal(outcome.retriable, true)
    assert.equal(outcome.errorCode, 'ECONNREFUSED')
    assert.equal(outcome.error.code, 'LOGSHIP_NETWORK_ERROR')
  }
  wire.destroy()
  const after = await wire.send(batchOf(wire, [{ a: 'b' }]))
  assert.equal(after.ok === false && after.retriable, false)
})

test('SLS to an IP endpoint: connects there with Host <project>.<ip:port>; lb and route paths; v1 signature checks out', async (t) => {
  const svc = await fakeService(t, [{ status: 200, headers: { 'x-log-requestid': 'SLSREQ' } }])
  const wire = createWire(slsOptions({ endpoint: svc.origin, topic: 'tp', tags: { env: 'test' }, hashKey: '127.0.0.1', buckets: 64 }))
  t.after(() => wire.close())
  const batch = batchOf(wire, [{ k: 'v' }])
  const outcome = await wire.send(batch)
  assert.deepEqual(outcome, { ok: true, status: 200, requestId: 'SLSREQ' })
  const req = svc.seen[0]
  assert.equal(req.headers.host, `demo.127.0.0.1:${svc.port}`)
  assert.equal(req.url, '/logstores/app_log/shards/route?key=f4000000000000000000000000000000')
  assert.equal(req.headers['x-log-apiversion'], '0.6.0')
  assert.equal(req.headers['x-log-compresstype'], 'lz4')
  assert.equal(req.headers['x-log-signaturemethod'], 'hmac-sha1')
  assert.equal(req.headers['content-md5'], createHash('md5').update(req.body).digest('hex').toUpperCase())
  const raw = lz4DecodeBlock(req.body, Number(req.headers['x-log-bodyrawsize']))
  const group = SlsLogGroup.toObject(SlsLogGroup.decode(raw)) as any
  assert.equal(group.Topic, 'tp')
  assert.equal(group.Source, '10.230.201.117')
  assert.deepEqual(group.LogTags, [{ Key: 'env', Value: 'test' }])
  assert.equal(group.Logs[0].Time, BASE_MS / 1000)
  const sts = slsV1StringToSign({
    verb: 'POST', contentMd5: String(req.headers['content-md5']), contentType: 'application/x-protobuf', date: String(req.headers.date),
    headers: Object.entries(req.headers).map(([k, v]) => [k, String(v)]), path: '/logstores/app_log/shards/route', query: [['key', 'f4000000000000000000000000000000']]
  })
  assert.equal(req.headers.authorization, `LOG mockAccessKeyID:${slsV1Signature(sts, 'mockAccessKeySecret')}`)

  const lb = createWire(slsOptions({ endpoint: svc.origin, compression: 'deflate' }))
  t.after(() => lb.close())
  await lb.send(batchOf(lb, [{ k: 'v' }]))
  assert.equal(svc.seen[1].url, '/logstores/app_log/shards/lb')
  assert.equal(svc.seen[1].headers['x-log-compresstype'], 'deflate')
  assert.equal(inflateSync(svc.seen[1].body).length, Number(svc.seen[1].headers['x-log-bodyrawsize']))
})

test('credentials provider: first use, re-called once after an auth failure, and the wire says to send again (which uses the new ones)', async (t) => {
  const svc = await fakeService(t, [{ status: 401, body: '{"ErrorCode":"InvalidSecurityToken","ErrorMessage":"expired"}' }, { status: 200 }])
  let calls = 0
  const provider = async (): Promise<Credentials> => {
    calls++
    return { accessKeyId: `AK${calls}`, accessKeySecret: `SK-secret-${calls}`, securityToken: `TOKEN-${calls}` }
  }
  const wire = createWire(tlsOptions({ endpoint: svc.origin, accessKeyId: provider }))
  t.after(() => wire.close())
  const batch = batchOf(wire, [{ a: 'b' }])
  // The refused request is an attempt of its own: the sender sends again at once (engine-retry tests).
  const refused = await wire.send(batch)
  assert.equal(refused.ok, false)
  assert.equal(!refused.ok && refused.renewedCredentials, true)
  assert.equal(calls, 2)
  const outcome = await wire.send(batch)
  assert.equal(outcome.ok, true)
  assert.equal(calls, 2)
  assert.equal(svc.seen[0].headers['x-security-token'], 'TOKEN-1')
  assert.equal(svc.seen[1].headers['x-security-token'], 'TOKEN-2')
  assert.match(String(svc.seen[1].headers.authorization), /Credential=AK2\//)
})

test('a credentials provider that never answers fails the attempt after requestTimeoutMs (retriable) and is called again next attempt', async (t) => {
  const svc = await fakeService(t, [{ status: 200 }])
  let calls = 0
  const provider = (): Promise<Credentials> => { calls++; return new Promise<Credentials>(() => {}) }
  const wire = createWire(tlsOptions({ endpoint: svc.origin, accessKeyId: provider, requestTimeoutMs: 200 }))
  t.after(() => wire.close())
  const started = Date.now()
  const outcome = await wire.send(batchOf(wire, [{ a: 'b' }]))
  const elapsed = Date.now() - started
  assert.equal(outcome.ok, false)
  assert.equal(outcome.ok ? '' : outcome.error.code, 'LOGSHIP_CREDENTIALS_ERROR')
  assert.equal(outcome.ok ? true : outcome.retriable, true)
  assert.match(outcome.ok ? '' : outcome.errorMessage, /did not answer within 200 ms/)
  assert.ok(elapsed >= 190 && elapsed < 2000, `took ${elapsed} ms`)
  assert.equal(calls, 1)
  const again = await wire.send(batchOf(wire, [{ a: 'b' }]))
  assert.equal(again.ok, false)
  assert.equal(calls, 2, 'the next attempt calls the provider again')
  assert.equal(svc.seen.length, 0)
})

test('a credentials provider answering after the bound: that attempt fails, the late answer is kept and used next, never over newer ones', async (t) => {
  const svc = await fakeService(t, [{ status: 200 }])
  let calls = 0
  const answers: Array<(c: Credentials) => void> = []
  const provider = (): Promise<Credentials> => {
    calls++
    return new Promise<Credentials>((resolve) => { answers.push(resolve) })
  }
  const wire = createWire(tlsOptions({ endpoint: svc.origin, accessKeyId: provider, requestTimeoutMs: 150 }))
  t.after(() => wire.close())
  const first = await wire.send(batchOf(wire, [{ a: 'b' }]))
  assert.equal(first.ok ? '' : first.error.code, 'LOGSHIP_CREDENTIALS_ERROR')
  // A second call (the next attempt) is waited for while the first one's answer comes late.
  const second = wire.send(batchOf(wire, [{ a: 'c' }]))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(calls, 2)
  answers[0]({ accessKeyId: 'AK-late', accessKeySecret: 'SK-late-secret', securityToken: 'TOKEN-late' })
  const secondOutcome = await second
  assert.equal(secondOutcome.ok, true, 'the late answer serves the attempt waiting for the next call')
  assert.match(String(svc.seen[0].headers.authorization), /Credential=AK-late\//)
  // The second call answers late too: newer than the first, so it is applied.
  answers[1]({ accessKeyId: 'AK-second', accessKeySecret: 'SK-second-secret' })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal((await wire.send(batchOf(wire, [{ a: 'd' }]))).ok, true)
  assert.match(String(svc.seen[1].headers.authorization), /Credential=AK-second\//)
  assert.equal(calls, 2, 'no further provider call: the late answers are used')
  // setCredentials() is newer than any answer of a call started before it.
  wire.setCredentials({ accessKeyId: 'AK-set', accessKeySecret: 'SK-set-secret', expiresAt: Date.now() - 1 })
  const third = await wire.send(batchOf(wire, [{ a: 'e' }])) // expired: calls the provider, which times out
  assert.equal(third.ok ? '' : third.error.code, 'LOGSHIP_CREDENTIALS_ERROR')
  assert.equal(calls, 3)
  wire.setCredentials({ accessKeyId: 'AK-set2', accessKeySecret: 'SK-set2-secret' })
  answers[2]({ accessKeyId: 'AK-stale', accessKeySecret: 'SK-stale-secret' })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal((await wire.send(batchOf(wire, [{ a: 'f' }]))).ok, true)
  assert.match(String(svc.seen[2].headers.authorization), /Credential=AK-set2\//, 'a stale late answer does not replace newer credentials')
})

test('credentials provider returning the same credentials after an auth failure: no re-send, final error', async (t) => {
  const svc = await fakeService(t, [{ status: 401, body: '{"errorCode":"Unauthorized","errorMessage":"no"}' }])
  let calls = 0
  const wire = createWire(slsOptions({ endpoint: svc.origin, accessKeyId: () => { calls++; return { accessKeyId: 'A', accessKeySecret: 'S-secret' } } }))
  t.after(() => wire.close())
  const outcome = await wire.send(batchOf(wire, [{ a: 'b' }]))
  assert.equal(outcome.ok === false && outcome.retriable, false)
  assert.equal(calls, 2)
  assert.equal(svc.seen.length, 1)
})

test('credentials: refreshed before expiresAt (margin), concurrent refreshes coalesce, failures keep unexpired ones', async (t) => {
  const svc = await fakeService(t, [{ status: 200 }])
  let now = 1_000_000
  let calls = 0
  let fail = false
  const provider = async (): Promise<Credentials> => {
    calls++
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (fail) throw new Error('sts down')
    return { accessKeyId: `AK${calls}`, accessKeySecret: 'secret-value', expiresAt: now + 3_600_000 }
  }
  const wire = createWire(tlsOptions({ endpoint: svc.origin, accessKeyId: provider }), { now: () => now })
  t.after(() => wire.close())
  const b = batchOf(wire, [{ a: 'b' }])
  await Promise.all([wire.send(b), wire.send(b), wire.send(b)])
  assert.equal(calls, 1)
  now += 3_600_000 - 6 * 60_000 // 6 min before expiry: still fine
  await wire.send(b)
  assert.equal(calls, 1)
  now += 2 * 60_000 // 4 min before expiry: inside the 5 min margin
  await wire.send(b)
  assert.equal(calls, 2)
  assert.match(String(svc.seen.at(-1)!.headers.authorization), /Credential=AK2\//)
  fail = true
  now += 3_600_000 - 4 * 60_000
  const kept = await wire.send(b) // refresh fails, but AK2 has not expired
  assert.equal(kept.ok, true)
  now += 10 * 60_000 // expired and the provider still fails
  const failed = await wire.send(b)
  assert.equal(failed.ok, false)
  if (!failed.ok) {
    assert.equal(failed.error.code, 'LOGSHIP_CREDENTIALS_ERROR')
    assert.equal(failed.retriable, true)
    assert.ok(!failed.errorMessage.includes('secret-value'))
  }
})

test('setCredentials rotates at run time', async (t) => {
  const svc = await fakeService(t, [{ status: 200 }])
  const wire = createWire(slsOptions({ endpoint: svc.origin }))
  t.after(() => wire.close())
  const b = batchOf(wire, [{ a: 'b' }])
  await wire.send(b)
  wire.setCredentials({ accessKeyId: 'ROTATED', accessKeySecret: 'new-secret', securityToken: 'tok' })
  await wire.send(b)
  assert.match(String(svc.seen[0].headers.authorization), /^LOG mockAccessKeyID:/)
  assert.match(String(svc.seen[1].headers.authorization), /^LOG ROTATED:/)
  assert.equal(svc.seen[1].headers['x-acs-security-token'], 'tok')
})

test('credentials with whitespace or a line break (from a provider or setCredentials) are refused without quoting them', async (t) => {
  const svc = await fakeService(t, [{ status: 200 }])
  const bad = [
    { accessKeyId: 'AK-from-file\n', accessKeySecret: 'good-secret-1' },
    { accessKeyId: 'AK', accessKeySecret: 'secret-from-env-file\r\n' },
    { accessKeyId: 'AK', accessKeySecret: 'good-secret-2', securityToken: 'TOKEN with space' },
    { accessKeyId: 'AK', accessKeySecret: 'good-secret-3', securityToken: 'tok\u00e9n' }
  ]
  for (const credentials of bad) {
    const wire = createWire(tlsOptions({ endpoint: svc.origin, accessKeyId: async () => credentials }))
    const outcome = await wire.send(batchOf(wire, [{ a: 'b' }]))
    assert.equal(outcome.ok, false)
    if (!outcome.ok) {
      assert.equal(outcome.error.code, 'LOGSHIP_CREDENTIALS_ERROR')
      assert.match(outcome.errorMessage, /accessKeyId|accessKeySecret|securityToken/)
      for (const value of Object.values(credentials)) assert.ok(!outcome.errorMessage.includes(value.trim()), outcome.errorMessage)
    }
    assert.throws(() => wire.setCredentials(credentials), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'LOGSHIP_CREDENTIALS_ERROR')
      for (const value of Object.values(credentials)) assert.ok(!error.message.includes(value.trim()), error.message)
      return true
    })
    wire.destroy()
  }
  assert.equal(svc.seen.length, 0, 'no request was made with them')
})

test('destinations: default, per-call overrides, stable keys, invalid overrides', () => {
  const tls = createWire(tlsOptions())
  assert.equal(tls.destination(undefined), tls.destination({ callback: () => {} }))
  const other = tls.destination({ source: 'a|b' })
  assert.equal(other.source, 'a|b')
  assert.equal(tls.destination({ source: 'a|b' }), other)
  assert.notEqual(tls.destination({ source: 'a', filename: 'b|app.log' }).key, other.key)
  assert.throws(() => tls.destination({ topicId: '' }), { code: 'LOGSHIP_INVALID_RECORD' })
  assert.throws(() => tls.destination({ source: 5 as never }), { code: 'LOGSHIP_INVALID_RECORD' })
  assert.throws(() => tls.destination({ hashKey: 'abc' }), { code: 'LOGSHIP_INVALID_RECORD' })
  assert.equal(tls.destination({ hashKey: '8'.repeat(32) }).hashKey, '8'.repeat(32))
  const sls = createWire(slsOptions({ adjustShardHash: false }))
  const d = sls.destination({ logstore: 'other', hashKey: 'abc', topic: 't' })
  assert.deepEqual([d.project, d.logstore, d.hashKey, d.topic], ['demo', 'other', 'abc', 't'])
  // A per-call project becomes the request's host name (<project>.<endpoint>).
  for (const project of ['my_project', 'a.b', 'bad project', '-x', 'x-', 'x'.repeat(64), 'proj\n']) {
    assert.throws(() => sls.destination({ project }), { code: 'LOGSHIP_INVALID_RECORD' }, project)
  }
  assert.equal(sls.destination({ project: 'Other-Proj2' }).project, 'Other-Proj2')
  // Names that go into the URL: percent-encoding throws on an unpaired surrogate, which would fail every batch.
  assert.throws(() => tls.destination({ topicId: 'topic-\uD800' }), { code: 'LOGSHIP_INVALID_RECORD', message: /topicId has an unpaired UTF-16 surrogate/ })
  assert.throws(() => sls.destination({ logstore: '\uDC00store' }), { code: 'LOGSHIP_INVALID_RECORD', message: /logstore/ })
  assert.throws(() => sls.destination({ hashKey: 'user-\uD83D' }), { code: 'LOGSHIP_INVALID_RECORD', message: /hashKey/ })
  assert.equal(sls.destination({ logstore: 'store-😀', hashKey: 'user-😀' }).hashKey, 'user-😀')
  assert.equal(sls.limits.maxLogsPerBatch, 40_960)
  tls.destroy()
  sls.destroy()
})
