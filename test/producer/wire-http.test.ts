import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { NetworkError, RequestTimeoutError } from '../../packages/producer/src/errors.js'
import { HttpClient } from '../../packages/producer/src/wire/http.js'

const CERT = readFileSync(new URL('../fixtures/wire-selfsigned-cert.pem', import.meta.url))
const KEY = readFileSync(new URL('../fixtures/wire-selfsigned-key.pem', import.meta.url))

async function listen (server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function serve (handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handler(req, res, Buffer.concat(chunks)))
  })
}

const client = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}): HttpClient =>
  new HttpClient({ connectTimeoutMs: 2000, requestTimeoutMs: 2000, ...extra })

test('POST: body, headers (incl. empty value and Host override) reach the server; status, headers and body come back', async (t) => {
  let seen: { headers: IncomingMessage['headers'], rawHeaders: string[], body: Buffer, url: string } | undefined
  const server = serve((req, res, body) => {
    seen = { headers: req.headers, rawHeaders: req.rawHeaders, body, url: req.url ?? '' }
    res.writeHead(400, { 'content-type': 'application/json', 'x-tls-requestid': 'RID1' })
    res.end('{"ErrorCode":"InvalidArgument","ErrorMessage":"bad"}')
  })
  const origin = await listen(server)
  t.after(() => server.close())
  const http = client()
  t.after(() => http.close())
  const res = await http.post({ origin, path: '/PutLogs?TopicId=t', headers: { 'X-Tls-Hashkey': '', Host: 'proj.127.0.0.1', 'Content-Type': 'application/x-protobuf' }, body: Buffer.from('abc') })
  assert.equal(res.status, 400)
  assert.equal(res.headers['x-tls-requestid'], 'RID1')
  assert.equal(res.body, '{"ErrorCode":"InvalidArgument","ErrorMessage":"bad"}')
  assert.equal(seen?.url, '/PutLogs?TopicId=t')
  assert.equal(seen?.headers.host, 'proj.127.0.0.1')
  assert.equal(seen?.headers['x-tls-hashkey'], '')
  assert.equal(seen?.rawHeaders.filter((h) => h.toLowerCase() === 'host').length, 1)
  assert.equal(seen?.body.toString(), 'abc')
})

test('no response within requestTimeoutMs → RequestTimeoutError (retriable)', async (t) => {
  const server = serve(() => { /* never answers */ })
  const origin = await listen(server)
  t.after(() => { server.closeAllConnections(); server.close() })
  const http = client({ requestTimeoutMs: 200 })
  t.after(() => http.destroy())
  await assert.rejects(http.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) }), (error: unknown) => {
    assert.ok(error instanceof RequestTimeoutError)
    assert.equal(error.retriable, true)
    return true
  })
})

/** Rejects if `promise` is still pending after `ms`: a client that hangs fails the test instead of holding it. */
async function within<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

test('a response trickled a byte every 100 ms times out after requestTimeoutMs in all, not per gap', async (t) => {
  // Every gap is far below requestTimeoutMs, so only a bound on the whole attempt ends it.
  const server = serve((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' })
    res.write('{')
    const drip = setInterval(() => res.write(' '), 100)
    res.on('close', () => clearInterval(drip))
  })
  const origin = await listen(server)
  t.after(() => { server.closeAllConnections(); server.close() })
  const http = client({ requestTimeoutMs: 600 })
  t.after(() => http.destroy())
  const started = Date.now()
  await assert.rejects(within(http.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) }), 5000), (error: unknown) => {
    assert.ok(error instanceof RequestTimeoutError, String(error))
    assert.equal(error.code, 'LOGSHIP_REQUEST_TIMEOUT')
    assert.equal(error.retriable, true)
    assert.match(error.message, /requestTimeoutMs \(600 ms\)/)
    return true
  })
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 550 && elapsed < 2500, `timed out after ${elapsed} ms`)
})

test('an endless error body is read only up to 64 KiB, then the connection is closed; the attempt returns at once', async (t) => {
  let written = 0
  let closed: Promise<void> | undefined
  const server = serve((_req, res) => {
    closed = new Promise((resolve) => res.on('close', () => resolve()))
    res.writeHead(503, { 'content-type': 'text/plain' })
    const chunk = Buffer.alloc(16 * 1024, 'e')
    // As fast as the client reads, for ever.
    const pump = (): void => {
      let more = true
      while (more && !res.destroyed) {
        more = res.write(chunk)
        written += chunk.length
      }
      if (!res.destroyed) res.once('drain', pump)
    }
    pump()
  })
  const origin = await listen(server)
  t.after(() => { server.closeAllConnections(); server.close() })
  const http = client({ requestTimeoutMs: 60_000 })
  t.after(() => http.destroy())
  const res = await within(http.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) }), 5000)
  assert.equal(res.status, 503)
  assert.equal(res.body.length, 64 * 1024)
  assert.match(res.body, /^e+$/)
  // The client stopped reading and closed the socket: the server sees its response end.
  await within(closed as Promise<void>, 5000)
  t.diagnostic(`server wrote ${written} bytes before the client closed the connection`)
})

test('connection reset → NetworkError (retriable) with the cause code', async (t) => {
  const server = serve((req) => { req.socket.resetAndDestroy() })
  const origin = await listen(server)
  t.after(() => server.close())
  const http = client()
  t.after(() => http.destroy())
  await assert.rejects(http.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) }), (error: unknown) => {
    assert.ok(error instanceof NetworkError)
    assert.equal(error.retriable, true)
    assert.match(error.causeCode, /ECONNRESET|UND_ERR_SOCKET/)
    return true
  })
})

test('connection refused → NetworkError ECONNREFUSED (retriable)', async (t) => {
  const server = serve(() => {})
  const origin = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  const http = client()
  t.after(() => http.destroy())
  await assert.rejects(http.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) }), (error: unknown) => {
    assert.ok(error instanceof NetworkError)
    assert.equal(error.causeCode, 'ECONNREFUSED')
    assert.equal(error.retriable, true)
    return true
  })
})

test('self-signed https is refused (final, message names `ca`) unless ca is given', async (t) => {
  const server = createHttpsServer({ cert: CERT, key: KEY }, (_req, res) => { res.writeHead(200, { 'x-log-requestid': 'OK1' }); res.end() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const strict = client()
  t.after(() => strict.destroy())
  await assert.rejects(strict.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) }), (error: unknown) => {
    assert.ok(error instanceof NetworkError)
    assert.equal(error.retriable, false)
    assert.equal(error.causeCode, 'DEPTH_ZERO_SELF_SIGNED_CERT')
    assert.match(error.message, /`ca` option/)
    return true
  })
  const trusting = client({ ca: [CERT.toString()] })
  t.after(() => trusting.close())
  const res = await trusting.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) })
  assert.equal(res.status, 200)
  assert.equal(res.headers['x-log-requestid'], 'OK1')
})

test('close() waits for an in-flight request; destroy() aborts one', async (t) => {
  const server = serve((_req, res) => setTimeout(() => res.end('late'), 150))
  const origin = await listen(server)
  t.after(() => { server.closeAllConnections(); server.close() })
  const a = client()
  const pending = a.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) })
  await new Promise((resolve) => setTimeout(resolve, 30))
  await a.close()
  assert.equal((await pending).body, 'late')
  await assert.rejects(a.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) }), { code: 'LOGSHIP_NETWORK_ERROR' })

  const b = client()
  const aborted = b.post({ origin, path: '/', headers: {}, body: Buffer.alloc(1) })
  await new Promise((resolve) => setTimeout(resolve, 30))
  b.destroy()
  await assert.rejects(aborted, (error: unknown) => error instanceof NetworkError && !error.retriable)
})

test('an idle pool does not keep the process alive (child process exits by itself)', () => {
  const helper = fileURLToPath(new URL('./wire-http-idle-child.ts', import.meta.url))
  const started = Date.now()
  const result = spawnSync(process.execPath, ['--import', 'tsx', helper], { encoding: 'utf8', timeout: 20_000 })
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /status 200/)
  // The child's server advertises `Keep-Alive: timeout=60`, which undici honours, so a ref'd idle
  // socket would hold the child for about a minute.
  assert.ok(Date.now() - started < 15_000)
})
