// Every example in examples/ runs as documented, as a child process, against the emulator (itself
// a child process): exit code 0, and the emulator stored exactly the records the example logged,
// counted by their unique ids. Also the examples' own zero-config fallback, and `pnpm demo` in
// both of its modes. Needs the built packages (`pnpm -s build`).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const AK = 'examples-test-ak'
const SK = 'examples-test-sk'

interface StoredLog { service: string, topicId?: string, project?: string, logstore?: string, contents: Array<[string, string]>, [key: string]: unknown }
interface RunResult { code: number | null, signal: string | null, stdout: string, stderr: string }

let emulator: ChildProcess
let url: string

before(async () => {
  emulator = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.ts', '--port', '0', '--access-key-id', AK, '--access-key-secret', SK],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    emulator.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
    createInterface({ input: emulator.stdout! }).once('line', resolve)
  })
  url = (JSON.parse(line) as { url: string }).url
})

after(async () => {
  const gone = new Promise((resolve) => emulator.once('exit', resolve))
  emulator.kill('SIGTERM')
  await gone
})

/** The environment without any credentials of either service. */
function cleanEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VOLCENGINE_') && !key.startsWith('ALIBABA_CLOUD_') && !key.startsWith('LOGSHIP_') && !key.startsWith('DEMO_')) env[key] = value
  }
  return env
}

/** The environment a user sets for the real service, pointed at the test emulator. */
function tlsEnv (topicId: string): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    VOLCENGINE_ACCESS_KEY_ID: AK, VOLCENGINE_ACCESS_KEY_SECRET: SK, VOLCENGINE_ENDPOINT: url, VOLCENGINE_REGION: 'cn-beijing', VOLCENGINE_TLS_TOPIC_ID: topicId
  }
}
function slsEnv (project: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    ALIBABA_CLOUD_ACCESS_KEY_ID: AK, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SK, ALIBABA_CLOUD_SLS_ENDPOINT: url, ALIBABA_CLOUD_SLS_PROJECT: project, ALIBABA_CLOUD_SLS_LOGSTORE: 'logs',
    ...extra
  }
}

function run (command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${args.join(' ')} timed out\n${stdout}\n${stderr}`)) }, timeoutMs)
    child.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }) })
  })
}

async function admin<T> (path: string): Promise<T> {
  const response = await fetch(`${url}/__emulator/${path}`)
  assert.equal(response.status, 200, path)
  return await response.json() as T
}

async function logs (query: Record<string, string>): Promise<StoredLog[]> {
  return (await admin<{ logs: StoredLog[] }>(`logs?${new URLSearchParams(query)}`)).logs
}

const field = (log: StoredLog, key: string): string | undefined => log.contents.find(([k]) => k === key)?.[1]

/** The `seq` values of the stored logs; asserts each is there exactly once and all are 0..count-1. */
function assertSeqs (stored: StoredLog[], count: number, example: string): void {
  const seqs = stored.map((log) => {
    assert.equal(field(log, 'example'), example)
    return Number(field(log, 'seq'))
  }).sort((a, b) => a - b)
  assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i))
}

function ok (result: RunResult): void {
  assert.equal(result.code, 0, `exit ${result.code} ${result.signal ?? ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`)
}

describe('examples against the env-configured service (the emulator standing in)', () => {
  test('producer-tls.mjs: callbacks, sendAsync, flush, close', async () => {
    const result = await run(process.execPath, ['examples/producer-tls.mjs'], tlsEnv('ex-producer-tls'))
    ok(result)
    assert.match(result.stdout, /close\(\): \{ delivered: 100, failed: 0, dropped: 0, pending: 0, timedOut: false \}/)
    const stored = await logs({ service: 'tls', topicId: 'ex-producer-tls' })
    assertSeqs(stored, 100, 'producer-tls')
    assert.equal(stored[0].filename, 'producer-tls.mjs')
  })

  test('producer-sls.mjs, signed with v4 when ALIBABA_CLOUD_REGION is set', async () => {
    const result = await run(process.execPath, ['examples/producer-sls.mjs'], slsEnv('ex-producer-sls', { ALIBABA_CLOUD_REGION: 'cn-hangzhou' }))
    ok(result)
    assert.match(result.stdout, /100 of 100 records delivered/)
    const stored = await logs({ service: 'sls', project: 'ex-producer-sls', logstore: 'logs' })
    assertSeqs(stored, 100, 'producer-sls')
    assert.equal(stored[0].topic, 'payments')
    const { requests } = await admin<{ requests: Array<{ auth: string }> }>('requests?service=sls&project=ex-producer-sls')
    assert.ok(requests.length > 0 && requests.every((r) => r.auth === 'sls-v4'))
  })

  test('pino-worker.mjs: pino.transport worker target, flush', async () => {
    ok(await run(process.execPath, ['examples/pino-worker.mjs'], tlsEnv('ex-pino-worker')))
    const stored = await logs({ service: 'tls', topicId: 'ex-pino-worker' })
    assertSeqs(stored, 50, 'pino-worker')
    const last = stored.find((log) => field(log, 'seq') === '49')!
    assert.equal(field(last, 'level'), 'error')
    assert.equal(field(last, 'err.type'), 'TypeError')
  })

  test('pino-in-process.mjs (SLS): stream.flush, stream.close, custom level', async () => {
    ok(await run(process.execPath, ['examples/pino-in-process.mjs'], slsEnv('ex-pino-in-process')))
    const stored = await logs({ service: 'sls', project: 'ex-pino-in-process' })
    assertSeqs(stored, 50, 'pino-in-process')
    assert.equal(field(stored.find((log) => field(log, 'seq') === '49')!, 'level'), 'audit')
  })

  test('winston.mjs: logger.end() then finish means delivered', async () => {
    const result = await run(process.execPath, ['examples/winston.mjs'], tlsEnv('ex-winston'))
    ok(result)
    assert.match(result.stdout, /close summary: \{ delivered: 50, failed: 0, dropped: 0, pending: 0, timedOut: false \}/)
    assertSeqs(await logs({ service: 'tls', topicId: 'ex-winston' }), 50, 'winston')
  })

  for (const service of ['tls', 'sls'] as const) {
    test(`cli-pipeline.sh (${service}): node app | logship-pino`, async () => {
      const env = service === 'tls' ? tlsEnv('ex-cli') : slsEnv('ex-cli')
      const result = await run('sh', ['examples/cli-pipeline.sh'], env)
      ok(result)
      assert.match(result.stderr, /logship-pino: 50 records accepted, 50 delivered, 0 failed/)
      const stored = await logs(service === 'tls' ? { service, topicId: 'ex-cli' } : { service, project: 'ex-cli' })
      const plain = stored.filter((log) => field(log, 'example') === undefined)
      assert.deepEqual(plain.map((log) => field(log, 'msg')), ['plain text line, seq 49'])
      assertSeqs(stored.filter((log) => field(log, 'example') !== undefined), 49, 'cli')
    })
  }

  test('http-server.mjs: logs every request, SIGTERM loses none (in-flight ones included)', async () => {
    const child = spawn(process.execPath, ['examples/http-server.mjs'], { cwd: ROOT, env: tlsEnv('ex-http'), stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const lines = createInterface({ input: child.stdout })
    const server = await new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => { const m = /listening on (http:\/\/\S+),/.exec(line); if (m) resolve(m[1]) })
      void exited.then((code) => reject(new Error(`server exited early with ${code}: ${stderr}`)))
    })
    const ids = Array.from({ length: 30 }, (_, i) => `req-${i}`)
    const quick = ids.slice(0, 25)
    const slow = ids.slice(25)
    await Promise.all(quick.map(async (id, i) => {
      const response = await fetch(`${server}/${i % 5 === 0 ? 'missing' : `orders/${i}`}`, { headers: { 'x-request-id': id } })
      await response.text()
    }))
    // Requests still being handled when SIGTERM arrives must complete and be logged too: the server
    // sends the headers at once and the body after the delay, so these are in flight.
    const inFlight = await Promise.all(slow.map((id) => fetch(`${server}/orders/9?delay=500`, { headers: { 'x-request-id': id } })))
    child.kill('SIGTERM')
    const bodies = await Promise.all(inFlight.map(async (response) => await response.json() as { ok: boolean }))
    assert.deepEqual(bodies.map((body) => body.ok), slow.map(() => true))
    assert.equal(await exited, 0, stderr)

    const stored = await logs({ service: 'tls', topicId: 'ex-http' })
    const requests = stored.filter((log) => field(log, 'msg') === 'request completed')
    assert.deepEqual(requests.map((log) => field(log, 'reqId')).sort(), [...ids].sort())
    assert.equal(requests.filter((log) => field(log, 'status') === '404').length, 5)
    assert.ok(stored.some((log) => field(log, 'msg') === 'server started'))
    assert.ok(stored.some((log) => field(log, 'msg') === 'server stopped' && field(log, 'signal') === 'SIGTERM'))
  })
})

describe('zero-config: with no credentials, examples start their own emulator', () => {
  test('producer-tls.mjs ships to an emulator it starts and shows what arrived', async () => {
    const result = await run(process.execPath, ['examples/producer-tls.mjs'], cleanEnv())
    ok(result)
    assert.match(result.stdout, /the local emulator at http:\/\/127\.0\.0\.1:\d+/)
    assert.match(result.stdout, /The emulator stored 100 record\(s\) \(expected 100\)/)
  })

  test('cli-pipeline.sh starts the emulator in the background', async () => {
    const result = await run('sh', ['examples/cli-pipeline.sh'], cleanEnv())
    ok(result)
    assert.match(result.stdout, /the emulator stored 50 records/)
  })
})

/** The demo's summary rows: logger, service, sent, received/acknowledged, … */
function summaryRows (stdout: string): string[][] {
  return stdout.split('\n').map((line) => line.trim().split(/\s+/)).filter((cells) => ['pino', 'winston', 'producer'].includes(cells[0]) && ['TLS', 'SLS'].includes(cells[1]))
}

describe('pnpm demo (examples/demo.ts)', () => {
  test('zero-config: emulator, outage, everything received, per logger and service', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { ...cleanEnv(), DEMO_RUN_MS: '3000' }, 45_000)
    ok(result)
    assert.match(result.stdout, /No credentials in the environment: started the logship emulator/)
    assert.match(result.stdout, /✗ outage: the emulator answers 503/)
    assert.match(result.stdout, /✓ Every record sent was received and stored exactly once/)
    const rows = summaryRows(result.stdout)
    assert.equal(rows.length, 6)
    for (const [via, service, sent, received, duplicates] of rows) {
      assert.ok(Number(sent) > 0, `${via} ${service} sent`)
      assert.equal(received, sent, `${via} ${service}`)
      assert.equal(duplicates, '0')
    }
    assert.match(result.stdout, /pino → TLS\n {2}TLS topic demo-topic/)
    assert.match(result.stdout, /winston → SLS\n {2}SLS demo-project\/app-logs/)
    // The progress line printed once the app has exited is its final count: every record sent is stored.
    const final = /example app exited with code 0\n.*sent pino (\d+), winston (\d+), producer (\d+) \| emulator stored TLS (\d+), SLS (\d+)/.exec(result.stdout)
    assert.ok(final !== null, 'a final progress line after the app exited')
    const [pino, winston, producer, tls, sls] = final.slice(1).map(Number)
    assert.equal(tls, pino + winston + producer)
    assert.equal(sls, pino + winston + producer)
    assert.equal(String(pino), rows[0][2])
  })

  test('with credentials in the environment it ships there instead, and says so', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { ...tlsEnv('ex-demo'), DEMO_RUN_MS: '1500' }, 45_000)
    ok(result)
    assert.match(result.stdout, /shipping to the REAL service: Volcengine TLS topic ex-demo/)
    assert.doesNotMatch(result.stdout, /✗ outage/)
    const rows = summaryRows(result.stdout)
    assert.deepEqual(rows.map((r) => `${r[0]} ${r[1]}`), ['pino TLS', 'winston TLS', 'producer TLS'])
    const stored = await logs({ service: 'tls', topicId: 'ex-demo' })
    for (const [via, , sent, acknowledged] of rows) {
      assert.equal(acknowledged, sent)
      const ids = new Set(stored.filter((log) => field(log, 'via') === via).map((log) => field(log, 'id')))
      assert.equal(ids.size, Number(sent), via)
    }
  })
})
