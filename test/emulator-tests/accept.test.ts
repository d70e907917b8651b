// Valid requests in every accepted shape are stored exactly as sent.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { startEmulator } from '../emulator/index.js'
import type { Emulator } from '../emulator/index.js'
import { AK, LOGSTORE, PROJECT, SK, TOPIC, md5Hex, sampleSlsBody, sampleTlsBody, sendSls, sendTls } from './helpers/requests.js'
import { encodeSls, encodeTls, lz4Block } from './helpers/wire.js'

let em: Emulator
before(async () => {
  em = await startEmulator({
    credentials: [{ accessKeyId: AK, accessKeySecret: SK }],
    tls: { topics: [TOPIC] },
    sls: { projects: { [PROJECT]: [LOGSTORE] } }
  })
})
after(() => em.close())
beforeEach(() => em.reset())

describe('TLS accepted', () => {
  for (const compression of ['lz4', 'literal', 'zlib', 'none', 'absent'] as const) {
    it(`stores a ${compression} request`, async () => {
      const raw = sampleTlsBody(3)
      const r = await sendTls(em.url, { raw, compression, hashKey: '0123456789abcdef0123456789ABCDEF' })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.text, '')
      const rid = r.headers['x-tls-requestid']
      assert.ok(typeof rid === 'string' && rid.length > 0)
      const logs = em.logs({ service: 'tls', topicId: TOPIC })
      assert.equal(logs.length, 3)
      assert.deepEqual(logs[1]!.contents, [['level', 'info'], ['msg', 'hello 1']])
      assert.equal(logs[0]!.timeNs, 123)
      assert.equal(logs[0]!.source, '10.0.0.1')
      assert.equal(logs[0]!.filename, 'app.log')
      assert.deepEqual(logs[0]!.tags, [['env', 'test']])
      assert.equal(logs[0]!.hashKey, '0123456789abcdef0123456789ABCDEF')
      assert.equal(logs[0]!.requestId, rid)
      assert.equal(logs[0]!.compression, compression === 'literal' ? 'lz4' : compression === 'absent' ? 'none' : compression)
      const s = em.stats()
      assert.equal(s.byService.tls.accepted, 1)
      assert.equal(s.byService.tls.acceptedLogs, 3)
      assert.equal(s.bytesRaw, raw.length)
    })
  }

  it('keeps several LogGroups, ContextFlow, large int64 times and the Go empty hash key', async () => {
    const raw = encodeTls([
      { logs: [{ time: 1704164645000, contents: [['a', '1']] }], source: 's1', contextFlow: 'cf' },
      { logs: [{ time: Number(1704164645123456768n), contents: [['b', 'ü€😀']] }, { time: 5, contents: [] }] }
    ])
    const r = await sendTls(em.url, { raw })
    assert.equal(r.status, 200, r.text)
    const logs = em.logs({ topicId: TOPIC })
    assert.equal(logs.length, 3)
    assert.equal(logs[0]!.contextFlow, 'cf')
    assert.equal(logs[1]!.groupIndex, 1)
    assert.equal(logs[1]!.timeExact, '1704164645123456768')
    assert.deepEqual(logs[1]!.contents, [['b', 'ü€😀']])
    assert.equal(logs[0]!.hashKey, undefined)
    const req = em.requests({ service: 'tls' })[0]!
    assert.equal(req.groupCount, 2)
    assert.equal(req.headers['x-tls-hashkey'], '')
    assert.equal(req.headers.authorization, '***')
  })

  it('accepts an STS credential with its token', async () => {
    em.configure({ credentials: [{ accessKeyId: AK, accessKeySecret: SK }, { accessKeyId: 'sts-ak', accessKeySecret: 'sts-sk', securityToken: 'tok', expiresAt: Date.now() + 60_000 }] })
    const r = await sendTls(em.url, { ak: 'sts-ak', sk: 'sts-sk', token: 'tok' })
    assert.equal(r.status, 200, r.text)
    em.configure({ credentials: [{ accessKeyId: AK, accessKeySecret: SK }] })
  })

  it('accepts the Node SDK header set (host and content-type unsigned, wrong X-Content-Sha256)', async () => {
    const raw = sampleTlsBody()
    const sent = lz4Block(raw)
    const r = await sendTls(em.url, {
      raw,
      sent,
      omit: ['X-Tls-Hashkey'],
      headers: { 'X-Tls-Apiversion': '0.2.0', 'Content-Md5': md5Hex(sent) },
      contentSha256: 'a'.repeat(64),
      signed: ['content-md5', 'x-content-sha256', 'x-date', 'x-tls-apiversion', 'x-tls-bodyrawsize', 'x-tls-compresstype']
    })
    assert.equal(r.status, 200, r.text)
  })
})

describe('SLS accepted', () => {
  const cases = [
    { version: 'v1', route: 'lb', compression: 'lz4' },
    { version: 'v1', route: 'plain', compression: 'literal' },
    { version: 'v1', route: 'route', compression: 'none' },
    { version: 'v1', route: 'lb', compression: 'zlib' },
    { version: 'v1', route: 'lb', compression: 'deflate-raw' },
    { version: 'v4', route: 'lb', compression: 'lz4' },
    { version: 'v4', route: 'route', compression: 'none' }
  ] as const
  for (const c of cases) {
    it(`stores a ${c.version} ${c.route} ${c.compression} request`, async () => {
      const raw = sampleSlsBody(2)
      const r = await sendSls(em.url, { raw, version: c.version, route: c.route, compression: c.compression })
      assert.equal(r.status, 200, r.text)
      const rid = r.headers['x-log-requestid']
      assert.match(String(rid), /^[0-9A-F]{24}$/)
      const logs = em.logs({ service: 'sls', project: PROJECT, logstore: LOGSTORE })
      assert.equal(logs.length, 2)
      assert.deepEqual(logs[1]!.contents, [['level', 'warn'], ['msg', 'hi 1']])
      assert.equal(logs[1]!.timeNs, 5001)
      assert.equal(logs[0]!.topic, 'tp')
      assert.equal(logs[0]!.source, '10.0.0.2')
      assert.deepEqual(logs[0]!.tags, [['env', 'test']])
      assert.equal(logs[0]!.hashKey, c.route === 'route' ? '80000000000000000000000000000000' : undefined)
      const expected = { lz4: 'lz4', literal: 'lz4', none: 'none', zlib: 'deflate-zlib', 'deflate-raw': 'deflate-raw' }[c.compression]
      assert.equal(logs[0]!.compression, expected)
      const req = em.requests({ service: 'sls' })[0]!
      assert.equal(req.auth, c.version === 'v1' ? 'sls-v1' : 'sls-v4')
      assert.equal(req.route, c.route)
    })
  }

  it('accepts x-log-date instead of Date for v1 and keeps it out of the canonical headers', async () => {
    const date = new Date().toUTCString()
    const r = await sendSls(em.url, { headers: { 'x-log-date': date, Date: 'Mon, 3 Jan 2010 08:33:47 GMT' } })
    assert.equal(r.status, 200, r.text)
  })

  it('accepts an STS credential with x-acs-security-token', async () => {
    em.configure({ credentials: [{ accessKeyId: 'STS.x', accessKeySecret: 'sk2', securityToken: 'tok2', expiresAt: Date.now() + 60_000 }] })
    const r = await sendSls(em.url, { ak: 'STS.x', sk: 'sk2', token: 'tok2' })
    assert.equal(r.status, 200, r.text)
    em.configure({ credentials: [{ accessKeyId: AK, accessKeySecret: SK }] })
  })

  it('accepts an empty topic written as an empty string (Go layout)', async () => {
    const raw = encodeSls({ topic: '', source: 's', logs: [{ time: Math.floor(Date.now() / 1000), contents: [['k', '']] }] })
    const r = await sendSls(em.url, { raw })
    assert.equal(r.status, 200, r.text)
    assert.equal(em.logs({ service: 'sls' })[0]!.topic, '')
  })
})
