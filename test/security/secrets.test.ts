/**
 * Secrets never appear anywhere. Recognisable credentials are used on every error path we can
 * provoke (bad signature, unknown key id, expired token, connection refused, timeout, certificate
 * failure, DNS failure, a server that echoes them, a credentials provider whose error quotes them,
 * invalid options next to them, winston and pino apps in child processes), and every event,
 * callback Result, thrown error, close summary, stats object, util.inspect of the producer, process
 * warning, and this process's and the children's stdout and stderr are scanned for all three.
 * The key id is scrubbed too: services echo it ("access key id … does not exist").
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { createProducer, type Credentials, type ProducerOptions, type Result } from '@logship/producer'
import { classifyResponse } from '../../packages/producer/src/services/classify.js'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { closedPort, options, record, SERVICES, sleep, type Service } from '../reliability/helpers.js'

const AKID = 'AKID-SENTINEL-123'
const SECRET = 'SECRET-SENTINEL-456'
const TOKEN = 'TOKEN-SENTINEL-789'
const SENTINELS = [AKID, SECRET, TOKEN]
const CREDS = { accessKeyId: AKID, accessKeySecret: SECRET, securityToken: TOKEN }

/** Everything an app could print: JSON (Errors with name, message, stack, cause and own props) and inspect. */
function dump (value: unknown): string {
  let json: string
  try {
    json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return String(v)
      if (v instanceof Error) return { ...v, name: v.name, message: v.message, stack: v.stack, cause: v.cause }
      return v
    }) ?? ''
  } catch (error) {
    json = `(not JSON: ${String(error)})`
  }
  return json + '\n' + inspect(value, { depth: Infinity, showHidden: true })
}

const captured: Array<{ where: string, text: string }> = []
function collect (where: string, value: unknown): void {
  captured.push({ where, text: typeof value === 'string' ? value : dump(value) })
}
function assertClean (prefix = ''): void {
  for (const { where, text } of captured) {
    if (!where.startsWith(prefix)) continue
    for (const s of SENTINELS) {
      const at = text.indexOf(s)
      assert.equal(at, -1, `${where} shows ${s}: …${text.slice(Math.max(0, at - 200), at + 50)}…`)
    }
  }
}

// This process's own output and warnings, for the whole file.
const writes = { out: process.stdout.write, err: process.stderr.write }
before(() => {
  process.stdout.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) { collect('stdout', String(chunk)); return (writes.out as any).call(this, chunk, ...rest) } as typeof process.stdout.write
  process.stderr.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) { collect('stderr', String(chunk)); return (writes.err as any).call(this, chunk, ...rest) } as typeof process.stderr.write
  process.on('warning', (w) => collect('warning', w))
})
after(() => {
  process.stdout.write = writes.out
  process.stderr.write = writes.err
})

const cert = readFileSync(new URL('../fixtures/wire-selfsigned-cert.pem', import.meta.url))
const key = readFileSync(new URL('../fixtures/wire-selfsigned-key.pem', import.meta.url))

let badSignature: Emulator // knows the key id with another secret
let unknownKey: Emulator // does not know the key id
let expired: Emulator // the token has expired
let ok: Emulator // accepts the credentials
let https: Emulator // self-signed certificate
before(async () => {
  badSignature = await startEmulator({ credentials: [{ ...CREDS, accessKeySecret: 'a-different-secret' }] })
  unknownKey = await startEmulator({})
  expired = await startEmulator({ credentials: [{ ...CREDS, expiresAt: Date.now() - 60_000 }] })
  ok = await startEmulator({ credentials: [{ ...CREDS }] })
  https = await startEmulator({ credentials: [{ ...CREDS }], tlsKey: key, tlsCert: cert })
})
after(async () => {
  for (const em of [badSignature, unknownKey, expired, ok, https]) await em.close()
})

/** Runs 5 records through a producer with the sentinel credentials; collects everything observable. */
async function provoke (where: string, o: ProducerOptions): Promise<Result[]> {
  const results: Result[] = []
  let producer
  try {
    producer = createProducer(o)
  } catch (error) {
    collect(`${where}: thrown`, error)
    throw error
  }
  for (const name of ['delivered', 'failed', 'retry', 'drop'] as const) producer.on(name, (e: unknown) => collect(`${where}: ${name} event`, e))
  for (let i = 0; i < 5; i++) producer.send(record(`s${i}`, 10), { callback: (r) => { results.push(r); collect(`${where}: Result`, r) } })
  try {
    await producer.sendAsync({ contents: { id: 'async' } })
  } catch (error) {
    collect(`${where}: sendAsync`, error)
  }
  await producer.flush()
  collect(`${where}: stats`, producer.stats())
  collect(`${where}: inspect(producer)`, producer)
  collect(`${where}: JSON.stringify(producer)`, JSON.stringify(producer))
  collect(`${where}: close summary`, await producer.close({ timeoutMs: 2000 }))
  try {
    producer.send(record('late'))
  } catch (error) {
    collect(`${where}: send after close`, error)
  }
  return results
}

function opts (service: Service, endpoint: string, extra: Partial<ProducerOptions> = {}): ProducerOptions {
  return options(service, endpoint, { ...CREDS, retries: 1, ...extra })
}

for (const service of SERVICES) {
  describe(`${service}: secrets on every error path`, () => {
    const paths: Array<[string, () => Promise<ProducerOptions> | ProducerOptions, RegExp]> = [
      ['bad signature', () => opts(service, badSignature.url), /Signature(DoesNot|Not)Match/],
      ['unknown access key id', () => opts(service, unknownKey.url), /InvalidAccessKeyId/],
      ['expired token', () => opts(service, expired.url), /InvalidSecurityToken|SecurityTokenExpired/],
      ['connection refused', async () => opts(service, `http://127.0.0.1:${await closedPort()}`), /ECONNREFUSED/],
      ['request timeout', () => {
        // undici checks header timeouts on a coarse (about 0.5 s) clock: hold well past it.
        const o = opts(service, ok.url, { requestTimeoutMs: 150, retries: 0 })
        ok.inject({ kind: 'hold', ms: 1500, count: 10, ...(service === 'tls' ? { topicId: o.topicId } : { logstore: o.logstore }) })
        return o
      }, /LOGSHIP_REQUEST_TIMEOUT/],
      ['certificate refused', () => opts(service, https.url), /SELF_SIGNED|CERT/],
      ['DNS failure', () => opts(service, 'http://logship-no-such-host.invalid'), /ENOTFOUND|EAI_AGAIN/],
      ['a server error that echoes the credentials', () => {
        const o = opts(service, ok.url, { retries: 0 })
        ok.inject({ kind: 'error', status: 500, code: 'InternalError', count: 10, message: `internal error for ${AKID} ${SECRET} ${TOKEN}`, ...(service === 'tls' ? { topicId: o.topicId } : { logstore: o.logstore }) })
        return o
      }, /InternalError/]
    ]
    for (const [name, make, code] of paths) {
      it(`${name}: the error names the problem, and no key id, secret or token appears`, async (t) => {
        const where = `${service}/${name}`
        const results = await provoke(where, await make())
        t.diagnostic(`${results[0]?.errorCode}: ${results[0]?.errorMessage.slice(0, 200)}`)
        assert.equal(results.length, 5)
        assert.ok(results.every((r) => !r.successful))
        assert.match(results[0]!.errorCode + ' ' + results[0]!.errorMessage, code)
        assertClean(where)
      })
    }

    it('a credentials provider whose error quotes the credentials: scrubbed', async (t) => {
      let calls = 0
      const provider = (): Credentials => {
        if (calls++ === 0) return { ...CREDS, expiresAt: Date.now() + 200 }
        throw new Error(`STS refresh failed for ${AKID}/${SECRET} with ${TOKEN}`)
      }
      const where = `${service}/provider`
      const o = opts(service, ok.url, { accessKeyId: provider, accessKeySecret: undefined, securityToken: undefined })
      const producer = createProducer(o)
      let first: Result | undefined
      producer.send(record('p0', 10), { callback: (r) => { first = r } })
      await producer.flush()
      assert.equal(first?.successful, true)
      await sleep(250)
      producer.on('failed', (e) => collect(`${where}: failed event`, e))
      producer.on('retry', (e) => collect(`${where}: retry event`, e))
      let failed: Result | undefined
      producer.send(record('p1', 10), { callback: (r) => { failed = r; collect(`${where}: Result`, r) } })
      await producer.close()
      t.diagnostic(`${failed?.errorCode}: ${failed?.errorMessage}`)
      assert.equal(failed?.successful, false)
      assert.equal(failed?.errorCode, 'LOGSHIP_CREDENTIALS_ERROR')
      assert.match(failed!.errorMessage, /credentials provider failed: Error: STS refresh failed for \[redacted\]\/\[redacted\] with \[redacted\]/)
      assertClean(where)
    })

    it('invalid options next to the credentials: the errors name the option, never the credentials', () => {
      const where = `${service}/options`
      const bad: Array<Partial<ProducerOptions> & Record<string, unknown>> = [
        { compression: 'bogus' as never },
        { endpoint: `https://${AKID}:${SECRET}@example.com` },
        { accessKeySecret: 12345 as never },
        { securityToken: { token: TOKEN } as never },
        { totalSizeInBytes: -1 },
        { tags: { env: 42 } as never },
        { maxRetryBackoffMs: 1, baseRetryBackoffMs: 100 }
      ]
      for (const extra of bad) {
        assert.throws(() => createProducer({ ...opts(service, ok.url), ...extra }), (error: Error & { code?: string }) => {
          collect(`${where}: ${Object.keys(extra).join(',')}`, error)
          return error.code === 'LOGSHIP_INVALID_OPTION'
        })
      }
      assertClean(where)
    })
  })
}

describe('an endpoint with user info is refused without quoting it, even one that is no valid URL or not http(s)', () => {
  const ENDPOINTS = [
    `https://${AKID}:${SECRET}@example.com:99999`, // the port does not parse
    `ftp://${AKID}:${SECRET}@example.com`, // not http(s)
    `socks5://${AKID}:${SECRET}@proxy:1080`, // not http(s)
    `${AKID}:${SECRET}@example.com:99999`, // no scheme
    `https://${AKID}:${SECRET}/#x@example.com` // a secret holding '/' or '#', where a URL parser ends the user info
  ]
  const SHOWN = /invalid option endpoint[^\n]*: a URL with user info, "([a-z0-9]+:\/\/)?\*\*\*@/

  it('createProducer: InvalidOptionError for endpoint, user info shown as ***', () => {
    for (const service of SERVICES) {
      for (const endpoint of ENDPOINTS) {
        assert.throws(() => createProducer({ ...options(service, 'http://127.0.0.1:9', CREDS), endpoint }), (error: Error & { code?: string, option?: string }) => {
          collect(`endpoint/producer: ${service}`, error)
          assert.equal(error.code, 'LOGSHIP_INVALID_OPTION')
          assert.equal(error.option, 'endpoint')
          assert.match(error.message, SHOWN)
          return true
        })
      }
    }
    assertClean('endpoint/producer')
  })

  it('the pino worker\'s error event', async () => {
    const { default: pino } = await import('pino')
    await Promise.all(ENDPOINTS.slice(0, 3).map(async (endpoint) => {
      const transport = pino.transport({ target: '@logship/pino', options: { ...options('tls', 'http://127.0.0.1:9', CREDS), endpoint } })
      const [error] = await once(transport, 'error') as [Error]
      collect('endpoint/pino-worker', error)
      assert.match(error.message, SHOWN)
    }))
    assertClean('endpoint/pino-worker')
  })

  it('the logship-pino CLI: exits 1, from the environment and from a flag', async () => {
    const CLI = fileURLToPath(new URL('../../packages/pino/dist/cli.js', import.meta.url))
    const runs = [
      ...ENDPOINTS.slice(0, 3).map((endpoint) => ({ args: [] as string[], env: { LOGSHIP_ENDPOINT: endpoint } })),
      { args: ['--endpoint', ENDPOINTS[0]], env: {} }
    ]
    await Promise.all(runs.map(async ({ args, env }) => {
      const cli = spawn(process.execPath, [CLI, '--service', 'tls', '--region', 'r', '--topic-id', 't', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      cli.stdout.on('data', (d: Buffer) => { out += d.toString() })
      cli.stderr.on('data', (d: Buffer) => { out += d.toString() })
      const [code] = await once(cli, 'close') as [number | null]
      collect('endpoint/cli', out)
      assert.equal(code, 1, out)
      assert.match(out, SHOWN)
    }))
    assertClean('endpoint/cli')
  })
})

describe('adapters in child processes', () => {
  const CHILD = fileURLToPath(new URL('./fixtures/secret-child.mjs', import.meta.url))
  function run (mode: string, o: ProducerOptions): Promise<{ code: number | null, out: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD, mode], { env: { ...process.env, LOGSHIP_TEST_OPTIONS: JSON.stringify(o) }, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (d: Buffer) => { out += d.toString() })
      child.stderr.on('data', (d: Buffer) => { out += d.toString() })
      child.on('error', reject)
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }) })
    })
  }

  // One app per adapter mode, all at once (each spends most of its time starting up). The service
  // does not know the key id and echoes it in its error message.
  const MODES: Array<[string, Service]> = [['winston-worker', 'tls'], ['winston-in-process', 'sls'], ['pino-in-process', 'tls'], ['pino-worker', 'sls']]
  const all = new Map<string, Promise<{ code: number | null, out: string }>>()
  before(() => {
    for (const [mode, service] of MODES) all.set(mode, run(mode, opts(service, unknownKey.url, { closeTimeoutMs: 8000 })))
  })
  for (const [mode] of MODES) {
    it(`${mode}: stdout and stderr of an app whose credentials are refused show no key id, secret or token`, async (t) => {
      const r = await all.get(mode)!
      collect(`${mode}/output`, r.out)
      t.diagnostic(`exit code ${r.code}, ${r.out.length} bytes of output scanned`)
      assert.match(r.out, /InvalidAccessKeyId/, 'the failure was reported')
      assert.match(r.out, /\[redacted\]/, 'the echoed key id was scrubbed')
      assertClean(`${mode}/`)
    })
  }
})

it('nothing in this process\'s stdout, stderr or process warnings', () => {
  assert.ok(captured.length > 0)
  assertClean('stdout')
  assertClean('stderr')
  assertClean('warning')
})

describe('secrets are scrubbed before a text is cut', () => {
  // A secret straddling the cut would keep its first characters if the text were cut first.
  it('a non-JSON error body echoing the token across its 500-character cut', () => {
    for (const service of SERVICES) {
      const outcome = classifyResponse(service, { status: 400, headers: {}, body: 'E'.repeat(495) + TOKEN }, SENTINELS)
      collect(`cut/${service}`, outcome)
      assert.match(outcome.errorMessage, /^non-JSON error body: E{495}\[reda$/)
      assert.ok(!outcome.errorMessage.includes(TOKEN.slice(0, 4)), outcome.errorMessage.slice(-30))
    }
    assertClean('cut/')
  })

  it('a credentials provider whose error quotes a secret across its 300-character cut', async (t) => {
    let calls = 0
    const provider = (): Credentials => {
      if (calls++ === 0) return { ...CREDS, expiresAt: Date.now() + 200 }
      // "Error: " and 285 characters, then the secret: a cut at 300 would keep "SECRET-S".
      throw new Error('x'.repeat(285) + SECRET)
    }
    const producer = createProducer(opts('tls', ok.url, { accessKeyId: provider, accessKeySecret: undefined, securityToken: undefined }))
    producer.send(record('p0', 10))
    await producer.flush()
    await sleep(250)
    let failed: Result | undefined
    producer.send(record('p1', 10), { callback: (r) => { failed = r } })
    await producer.close()
    t.diagnostic(`${failed?.errorCode}: …${failed?.errorMessage.slice(-40)}`)
    assert.equal(failed?.errorCode, 'LOGSHIP_CREDENTIALS_ERROR')
    assert.match(failed!.errorMessage, /x{285}\[redac/)
    assert.ok(!failed!.errorMessage.includes(SECRET.slice(0, 4)), failed!.errorMessage.slice(-40))
  })
})

/**
 * A server (a proxy, a gateway, a debugging endpoint) whose error body echoes the request's headers,
 * the Authorization header with the signature included, after `delayMs`.
 */
async function echoingServer (status: number, code: string, delayMs = 0): Promise<{ url: string, signatures: string[], close: () => Promise<void> }> {
  const signatures: string[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const authorization = req.headers.authorization ?? ''
      signatures.push(/Signature=([^,\s]+)/.exec(authorization)?.[1] ?? authorization.slice(authorization.lastIndexOf(':') + 1))
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' })
        // Both services' field names, so that either one reads the code and the echoed message.
        res.end(JSON.stringify({ ErrorCode: code, ErrorMessage: `echo: ${JSON.stringify(req.headers)}`, errorCode: code, errorMessage: `echo: ${JSON.stringify(req.headers)}` }))
      }, delayMs)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, signatures, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

describe('an error body that echoes the request\'s headers', () => {
  const SIGNED: Array<[Service, Partial<ProducerOptions>, string]> = [['tls', {}, 'tls'], ['sls', { signatureVersion: 'v1' }, 'sls v1'], ['sls', { signatureVersion: 'v4' }, 'sls v4']]
  for (const [service, signing, label] of SIGNED) {
    for (const [status, code] of [[401, 'SignatureDoesNotMatch'], [500, 'InternalError']] as const) {
      it(`${label}, ${status} ${code}: neither the signature nor the credentials appear`, async () => {
        const server = await echoingServer(status, code)
        const where = `echo/${label}/${status}`
        try {
          const results = await provoke(where, opts(service, server.url, { retries: 0, ...signing }))
          assert.equal(results[0]?.errorCode, code)
          assert.match(results[0]!.errorMessage, /echo: .*authorization/i, 'the echoed headers are there, scrubbed')
          assert.ok(server.signatures.length > 0 && server.signatures.every((s) => s.length >= 20))
          for (const { where: w, text } of captured.filter((c) => c.where.startsWith(where))) {
            for (const signature of server.signatures) assert.ok(!text.includes(signature), `${w} shows the signature ${signature}`)
          }
          assertClean(where)
        } finally {
          await server.close()
        }
      })
    }
  }

  it('credentials rotated while the request was in flight: the ones it was signed with are scrubbed too', async () => {
    const server = await echoingServer(500, 'InternalError', 300)
    const where = 'echo/rotated'
    try {
      const producer = createProducer(opts('tls', server.url, { retries: 0 }))
      producer.on('failed', (e) => collect(`${where}: failed event`, e))
      let result: Result | undefined
      producer.send(record('r0', 10), { callback: (r) => { result = r; collect(`${where}: Result`, r) } })
      void producer.flush()
      await sleep(150)
      producer.setCredentials({ accessKeyId: 'AKID-NEW-0001', accessKeySecret: 'SECRET-NEW-0002', securityToken: 'TOKEN-NEW-0003' })
      await producer.close()
      assert.equal(result?.errorCode, 'InternalError')
      assert.match(result!.errorMessage, /"x-security-token":"\[redacted\]"/)
      assertClean(where)
    } finally {
      await server.close()
    }
  })
})

describe('a credentials provider whose answer cannot be read', () => {
  const cases: Array<[string, () => Credentials, RegExp]> = [
    ['a getter that throws undefined', () => ({ get accessKeyId (): string { throw undefined } }) as unknown as Credentials, /answer could not be read: undefined/],
    ['a getter that throws an Error quoting the token', () => ({ ...CREDS, get accessKeySecret (): string { throw new Error(`STS refresh failed, old token ${TOKEN}`) } }), /answer could not be read: Error: STS refresh failed, old token \[redacted\]/],
    ['an Error whose message getter throws, thrown by the provider', () => { throw Object.defineProperty(new Error('x'), 'message', { get () { throw new Error('no') } }) }, /provider failed: an Error that could not be read/]
  ]
  for (const [name, second, expected] of cases) {
    it(`${name}: the batch fails with LOGSHIP_CREDENTIALS_ERROR, the process goes on, nothing leaks`, async () => {
      let calls = 0
      const provider = (): Credentials => calls++ === 0 ? { ...CREDS, expiresAt: Date.now() + 200 } : second()
      const where = `provider-answer/${name}`
      const producer = createProducer(opts('tls', ok.url, { accessKeyId: provider, accessKeySecret: undefined, securityToken: undefined, retries: 0 }))
      producer.send(record('a0', 10))
      await producer.flush()
      await sleep(250)
      let failed: Result | undefined
      producer.send(record('a1', 10), { callback: (r) => { failed = r; collect(`${where}: Result`, r) } })
      await producer.close()
      assert.equal(failed?.errorCode, 'LOGSHIP_CREDENTIALS_ERROR')
      assert.match(failed!.errorMessage, expected)
      assertClean(where)
    })
  }
})

for (const [service, signing] of [['tls', {}], ['sls', { signatureVersion: 'v4' }]] as const) it(`${service}: neither inspect() without the producer's own custom inspect nor a serializer that walks its own keys comes upon the credentials`, async () => {
  const producer = createProducer(opts(service, ok.url, { accessKeyId: AKID, accessKeySecret: SECRET, securityToken: TOKEN, ...signing }))
  producer.send(record('walk', 10))
  await producer.flush()
  collect(`walk ${service}: inspect without customInspect`, inspect(producer, { customInspect: false, depth: Infinity }))
  // What a crash reporter's serializer does: every own enumerable key, as deep as it goes.
  const seen = new Set<object>()
  const strings: string[] = []
  const walk = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 20) return
    seen.add(value)
    for (const key of Object.keys(value)) {
      let v: unknown
      try { v = (value as Record<string, unknown>)[key] } catch { continue }
      if (typeof v === 'string') strings.push(v)
      else walk(v, depth + 1)
    }
    if (value instanceof Map) for (const v of value.values()) walk(v, depth + 1)
  }
  walk(producer, 0)
  assert.ok(strings.length > 10, 'the walk reached the producer\'s parts')
  collect(`walk ${service}: own keys`, strings.join('\n'))
  await producer.close()
  assertClean(`walk ${service}:`)
})
