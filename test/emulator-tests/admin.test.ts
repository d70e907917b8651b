// The HTTP admin API, the CLI as a child process, and counting mode.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { createInterface } from 'node:readline'
import { startEmulator } from '../emulator/index.js'
import { getJson, send } from './helpers/http.js'
import { LOGSTORE, PROJECT, TOPIC, sampleTlsBody, sendSls, sendTls } from './helpers/requests.js'

const CLI = fileURLToPath(new URL('../emulator/cli.ts', import.meta.url))

async function startCli (args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): Promise<{ child: ChildProcess, info: any }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: [stdin, 'pipe', 'inherit'], cwd: fileURLToPath(new URL('..', import.meta.url)) })
  const rl = createInterface({ input: child.stdout! })
  const [line] = await once(rl, 'line') as [string]
  rl.close()
  return { child, info: JSON.parse(line) }
}

describe('CLI child process and HTTP admin API', () => {
  let child: ChildProcess
  let url: string
  before(async () => {
    const started = await startCli(['--port', '0', '--host', '127.0.0.1', '--access-key-id', 'test-ak', '--access-key-secret', 'test-secret', '--topic', TOPIC, '--project', `${PROJECT}:${LOGSTORE}`])
    child = started.child
    url = started.info.url
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(started.info.tlsAutoCreate, false)
  })
  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  })

  it('stores over HTTP and answers queries', async () => {
    assert.equal((await sendTls(url, { raw: sampleTlsBody(2), hashKey: 'ffffffffffffffffffffffffffffffff' })).status, 200)
    assert.equal((await sendSls(url)).status, 200)
    assert.equal((await sendTls(url, { topicId: 'unknown' })).status, 404)
    const tls = await getJson(url, `/__emulator/logs?service=tls&topicId=${TOPIC}`)
    assert.equal(tls.count, 2)
    assert.deepEqual(tls.logs[0].contents, [['level', 'info'], ['msg', 'hello 0']])
    assert.equal(tls.logs[0].hashKey, 'ffffffffffffffffffffffffffffffff')
    const sls = await getJson(url, `/__emulator/logs?service=sls&project=${PROJECT}&logstore=${LOGSTORE}&limit=1`)
    assert.equal(sls.count, 1)
    const reqs = await getJson(url, '/__emulator/requests?service=sls')
    assert.equal(reqs.requests[0].auth, 'sls-v1')
    const stats = await getJson(url, '/__emulator/stats')
    assert.equal(stats.requests, 3)
    assert.equal(stats.accepted, 2)
    assert.equal(stats.acceptedLogs, 4)
    assert.deepEqual(stats.rejectedByCode, { TopicNotExist: 1 })
    assert.ok(stats.bytesRaw > 0 && stats.bytesCompressed > 0)
    const rej = await getJson(url, '/__emulator/rejections?code=TopicNotExist')
    assert.equal(rej.count, 1)
    const health = await getJson(url, '/__emulator/health')
    assert.equal(health.ok, true)
  })

  it('injects, lists and clears faults over HTTP', async () => {
    const { ids } = await getJson(url, '/__emulator/faults', 'POST', [{ kind: 'error', status: 429, code: 'ExceedQPSLimit', service: 'tls', count: 3 }, { kind: 'latency', ms: 1, service: 'sls' }])
    assert.equal(ids.length, 2)
    const listed = await getJson(url, '/__emulator/faults')
    assert.equal(listed.faults.length, 2)
    const r = await sendTls(url)
    assert.equal(r.status, 429)
    assert.equal(r.json.ErrorCode, 'ExceedQPSLimit')
    await getJson(url, `/__emulator/faults?id=${ids[0]}`, 'DELETE')
    assert.equal((await sendTls(url)).status, 200)
    await getJson(url, '/__emulator/faults', 'DELETE')
    assert.equal((await getJson(url, '/__emulator/faults')).faults.length, 0)
    const bad = await send(url, { path: '/__emulator/faults', body: JSON.stringify({ kind: 'bogus' }) })
    assert.equal(bad.status, 400)
    const stats = await getJson(url, '/__emulator/stats')
    assert.equal(stats.faultsInjected.error, 1)
  })

  it('reads and patches settings over HTTP (secrets redacted)', async () => {
    const s = await getJson(url, '/__emulator/settings')
    assert.equal(s.credentials[0].accessKeySecret, '***')
    assert.deepEqual(s.tls.topics, [TOPIC])
    await getJson(url, '/__emulator/settings', 'PATCH', { tls: { topics: [TOPIC, 'topic-2'] } })
    assert.equal((await sendTls(url, { topicId: 'topic-2' })).status, 200)
  })

  it('resets over HTTP', async () => {
    await getJson(url, '/__emulator/reset', 'POST')
    const stats = await getJson(url, '/__emulator/stats')
    assert.equal(stats.requests, 0)
    assert.equal((await getJson(url, '/__emulator/logs')).count, 0)
  })

  it('stops on SIGTERM', async () => {
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
  })

  it('stops when a piped stdin ends', async () => {
    const { child: c2, info } = await startCli(['--count-only'], 'pipe')
    assert.equal(info.store, false)
    assert.equal(info.accessKeyId, 'emulator-ak')
    c2.stdin!.end()
    const [code] = await once(c2, 'exit')
    assert.equal(code, 0)
  })
})

describe('counting mode (store: false)', () => {
  it('decodes and counts, keeps nothing, still refuses bad bodies', async () => {
    const em = await startEmulator({ store: false, credentials: [{ accessKeyId: 'test-ak', accessKeySecret: 'test-secret' }] })
    try {
      assert.equal((await sendTls(em.url, { raw: sampleTlsBody(5) })).status, 200)
      assert.equal((await sendSls(em.url)).status, 200)
      const bad = sampleTlsBody(2)
      assert.equal((await sendTls(em.url, { raw: bad.subarray(0, bad.length - 1), compression: 'none' })).status, 400)
      assert.equal(em.logs().length, 0)
      assert.equal(em.requests().length, 0)
      const s = em.stats()
      assert.equal(s.acceptedLogs, 7)
      assert.equal(s.accepted, 2)
      assert.equal(s.rejected, 1)
    } finally {
      await em.close()
    }
  })
})
