// The official SDKs talk to the emulator: @volcengine/openapi (TlsService.PutLogs and its TLS
// Producer, over HTTPS) and @alicloud/log (postLogStoreLogs). Their logs are stored as sent.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { globalAgent as httpsGlobalAgent } from 'node:https'
import { Agent as HttpAgent } from 'node:http'
import type { LookupFunction } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createRequire } from 'node:module'
import { startEmulator } from '../emulator/index.js'
import type { Emulator } from '../emulator/index.js'

const require = createRequire(import.meta.url)
const { tlsOpenapi } = require('@volcengine/openapi')
const SlsClient = require('@alicloud/log')

const AK = 'interop-ak'
const SK = 'interop-secret'
const TOPIC = 'topic-interop'

describe('@volcengine/openapi TlsService.PutLogs', () => {
  let em: Emulator
  before(async () => { em = await startEmulator({ credentials: [{ accessKeyId: AK, accessKeySecret: SK }], tls: { topics: [TOPIC] } }) })
  after(() => em.close())

  for (const CompressType of ['lz4', 'zlib', undefined] as const) {
    it(`is accepted with CompressType ${CompressType ?? '(none)'}`, async () => {
      em.reset()
      const service = new tlsOpenapi.TlsService({ host: `127.0.0.1:${em.port}`, protocol: 'http:', region: 'cn-beijing', accessKeyId: AK, secretKey: SK })
      const t = Date.now()
      const logs = Array.from({ length: 20 }, (_, i) => ({ Time: t + i, Contents: [{ Key: 'msg', Value: `hello hello hello ${i}` }, { Key: 'level', Value: 'info' }] }))
      const LogGroupList = Buffer.from(await tlsOpenapi.TlsService.objToProtoBuffer({ LogGroups: [{ Logs: logs, Source: 'sdk', FileName: 'f.log', LogTags: [{ Key: 'k', Value: 'v' }] }] }))
      const res = await service.PutLogs({ TopicId: TOPIC, CompressType, LogGroupList, HashKey: 'abcdefabcdefabcdefabcdefabcdefab' })
      assert.equal(res, '')
      const stored = em.logs({ topicId: TOPIC })
      assert.equal(stored.length, 20)
      assert.deepEqual(stored[3]!.contents, [['msg', 'hello hello hello 3'], ['level', 'info']])
      assert.equal(stored[3]!.time, t + 3)
      assert.equal(stored[0]!.source, 'sdk')
      assert.equal(stored[0]!.filename, 'f.log')
      assert.deepEqual(stored[0]!.tags, [['k', 'v']])
      assert.equal(stored[0]!.hashKey, 'abcdefabcdefabcdefabcdefabcdefab')
      assert.equal(stored[0]!.compression, CompressType ?? 'none')
      const [req] = em.requests({ service: 'tls' })
      assert.equal(req!.signedHeaders?.includes('host'), false)
    })
  }

  it('a wrong secret is refused with SignatureDoesNotMatch', async () => {
    const service = new tlsOpenapi.TlsService({ host: `127.0.0.1:${em.port}`, protocol: 'http:', region: 'cn-beijing', accessKeyId: AK, secretKey: 'bad' })
    const LogGroupList = Buffer.from(await tlsOpenapi.TlsService.objToProtoBuffer({ LogGroups: [{ Logs: [{ Time: Date.now(), Contents: [{ Key: 'a', Value: 'b' }] }] }] }))
    await assert.rejects(service.PutLogs({ TopicId: TOPIC, CompressType: 'lz4', LogGroupList }), (e: any) => e.response?.status === 401 && e.response?.data?.ErrorCode === 'SignatureDoesNotMatch')
  })
})

describe('@volcengine/openapi TLS Producer over HTTPS', () => {
  let em: Emulator
  let dir: string
  let savedCa: unknown
  let haveOpenssl = true
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emu-tls-'))
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    } catch {
      haveOpenssl = false
      return
    }
    const cert = readFileSync(join(dir, 'cert.pem'))
    em = await startEmulator({ credentials: [{ accessKeyId: AK, accessKeySecret: SK }], tls: { topics: [TOPIC] }, tlsCert: cert, tlsKey: readFileSync(join(dir, 'key.pem')) })
    // the Producer hard-codes https: trust the throwaway certificate for this process only
    savedCa = httpsGlobalAgent.options.ca
    httpsGlobalAgent.options.ca = cert
  })
  after(async () => {
    httpsGlobalAgent.options.ca = savedCa as string
    await em?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('SendLog/SendLogs batches arrive and the callbacks succeed', async (t) => {
    if (!haveOpenssl) return t.skip('openssl not available')
    assert.match(em.url, /^https:/)
    const producer = new tlsOpenapi.Producer({ Endpoint: `127.0.0.1:${em.port}`, Region: 'cn-beijing', AccessKeyID: AK, AccessKeySecret: SK, LingerTime: 100, MaxBatchCount: 50 })
    producer.Start()
    let ok = 0
    let failed = 0
    const cb = { Success: () => { ok++ }, Fail: () => { failed++ } }
    const base = Date.now()
    for (let i = 0; i < 30; i++) await producer.SendLog('', TOPIC, 'prod-src', 'prod.log', { Time: base + i, Contents: [{ Key: 'i', Value: String(i) }] }, cb)
    await producer.SendLogs('', TOPIC, 'prod-src', 'prod.log', { Logs: [{ Time: base, Contents: [{ Key: 'group', Value: 'yes' }] }] }, cb)
    await producer.Close()
    assert.equal(failed, 0)
    assert.ok(ok >= 1)
    const stored = em.logs({ topicId: TOPIC })
    assert.equal(stored.length, 31)
    assert.deepEqual(stored.filter(l => l.contents[0]![0] === 'i').map(l => Number(l.contents[0]![1])), Array.from({ length: 30 }, (_, i) => i))
    assert.equal(stored[0]!.source, 'prod-src')
    assert.equal(stored[0]!.filename, 'prod.log')
    assert.ok(stored.every(l => l.compression === 'lz4'))
  })
})

describe('@alicloud/log postLogStoreLogs', () => {
  let em: Emulator
  // The SDK always connects to <project>.<endpoint>; resolve every name to loopback.
  const lookup: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string, family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }])
    else cb(null, '127.0.0.1', 4)
  }
  const agent = new HttpAgent({ lookup } as ConstructorParameters<typeof HttpAgent>[0])
  before(async () => { em = await startEmulator({ credentials: [{ accessKeyId: AK, accessKeySecret: SK }, { accessKeyId: 'STS.i', accessKeySecret: 'sts', securityToken: 'tkn' }], sls: { projects: { 'my-proj': ['my-store'] } } }) })
  after(async () => {
    agent.destroy()
    await em.close()
  })

  it('is accepted and stored as sent (plain and STS credentials)', async () => {
    const sec = Math.floor(Date.now() / 1000)
    for (const creds of [{ accessKeyId: AK, accessKeySecret: SK }, { accessKeyId: 'STS.i', accessKeySecret: 'sts', securityToken: 'tkn' }]) {
      const client = new SlsClient({ ...creds, endpoint: `127.0.0.1:${em.port}` })
      const res = await client.postLogStoreLogs('my-proj', 'my-store', {
        logs: [{ timestamp: sec, content: { level: 'info', msg: 'hello sls' } }, { timestamp: sec, timestampNsPart: 42, content: { n: '2' } }],
        tags: [{ env: 'interop' }],
        topic: 'tp',
        source: 'src'
      }, { agent })
      assert.equal(res, '')
    }
    const stored = em.logs({ project: 'my-proj', logstore: 'my-store' })
    assert.equal(stored.length, 4)
    assert.deepEqual(stored[0]!.contents, [['level', 'info'], ['msg', 'hello sls']])
    assert.equal(stored[1]!.timeNs, 42)
    assert.equal(stored[0]!.time, sec)
    assert.equal(stored[0]!.topic, 'tp')
    assert.equal(stored[0]!.source, 'src')
    assert.deepEqual(stored[0]!.tags, [['env', 'interop']])
    assert.equal(em.requests({ service: 'sls' })[0]!.route, 'lb')
  })

  it('an unknown logstore comes back as the SDK error LogStoreNotExist', async () => {
    const client = new SlsClient({ accessKeyId: AK, accessKeySecret: SK, endpoint: `127.0.0.1:${em.port}` })
    await assert.rejects(client.postLogStoreLogs('my-proj', 'nope', { logs: [{ timestamp: Math.floor(Date.now() / 1000), content: { a: 'b' } }] }, { agent }),
      (e: any) => e.code === 'LogStoreNotExist' && /^[0-9A-F]{24}$/.test(e.requestid))
  })
})
