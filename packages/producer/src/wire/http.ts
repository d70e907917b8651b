/**
 * POST over undici: one keep-alive Pool per origin, no retries (a Pool never retries; retrying is
 * the sender's decision), timeouts from the options, errors mapped to LogshipErrors.
 * Idle pooled sockets are unref'd by undici, so an idle client does not keep the process alive.
 */
import { EventEmitter } from 'node:events'
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls'
import { Pool } from 'undici'
import { LogshipError, NetworkError, RequestTimeoutError } from '../errors.js'

export interface HttpClientOptions {
  connectTimeoutMs: number
  requestTimeoutMs: number
  /** Extra trusted CAs, added to Node's bundled roots. */
  ca?: ReadonlyArray<string | Buffer>
  /** Most sockets per origin. */
  connections?: number
}

export interface HttpRequest {
  /** `scheme://host[:port]` to connect to. */
  origin: string
  /** Path and query. */
  path: string
  /** Header name → value; a `host` entry overrides the Host header. */
  headers: Record<string, string>
  body: Buffer
}

export interface HttpResponse {
  status: number
  /** Lowercased names. */
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Error bodies are short JSON; cap what is read of anything else. */
const MAX_BODY_BYTES = 64 * 1024

/** OpenSSL/Node codes of certificate failures: retrying cannot fix them. */
const CERT_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_REVOKED', 'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH'
])

export class HttpClient {
  private readonly options: HttpClientOptions
  private readonly pools = new Map<string, Pool>()
  private closed = false

  constructor (options: HttpClientOptions) {
    this.options = options
  }

  /** Resolves with any HTTP status; rejects only with a LogshipError (no usable response). */
  async post (request: HttpRequest): Promise<HttpResponse> {
    if (this.closed) throw new NetworkError('CLIENT_CLOSED', 'the HTTP client is closed', false)
    // requestTimeoutMs bounds the whole attempt (connect, send, the full response). undici's
    // headersTimeout/bodyTimeout only bound the gaps between bytes, so a server trickling a byte at a
    // time would hold the attempt, and its sender slot, for ever. Cleared below and unref'd, so it
    // neither piles up nor keeps the process alive.
    const { requestTimeoutMs } = this.options
    // undici takes an EventEmitter as the signal too: an AbortController per attempt raised the
    // 60 s outage benchmark's peak RSS from 119 to 131 MiB (many short failing attempts), this does not.
    const abort = new EventEmitter()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      abort.emit('abort')
    }, requestTimeoutMs)
    timer.unref()
    try {
      const response = await this.pool(request.origin).request({
        method: 'POST',
        path: request.path,
        headers: request.headers,
        body: request.body,
        signal: abort
      })
      const body = await readCapped(response.body, MAX_BODY_BYTES)
      return { status: response.statusCode, headers: response.headers, body }
    } catch (error) {
      // Whatever undici made of the abort (an AbortError, a destroyed body), it was our timeout.
      throw timedOut ? new RequestTimeoutError(requestTimeoutMs) : toLogshipError(error, this.options)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Lets in-flight requests finish, then closes every socket. */
  async close (): Promise<void> {
    this.closed = true
    const pools = [...this.pools.values()]
    this.pools.clear()
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)))
  }

  /** Aborts in-flight requests and closes every socket now. */
  destroy (): void {
    this.closed = true
    const pools = [...this.pools.values()]
    this.pools.clear()
    for (const pool of pools) pool.destroy().catch(() => undefined)
  }

  private pool (origin: string): Pool {
    let pool = this.pools.get(origin)
    if (pool === undefined) {
      const { ca, connectTimeoutMs, requestTimeoutMs, connections } = this.options
      // undici checks the certificate against the Host header; SLS on an IP or localhost endpoint
      // sends `Host: <project>.<ip>`, which no certificate can match. Check it against the host
      // actually connected to (the same name whenever Host and origin agree).
      const hostname = new URL(origin).hostname.replace(/^\[|\]$/g, '')
      const identity = (_name: string, cert: PeerCertificate): Error | undefined => checkServerIdentity(hostname, cert)
      pool = new Pool(origin, {
        connections: connections ?? null,
        // Only a backstop: post() bounds the whole attempt by requestTimeoutMs itself.
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
        // Passing `ca` replaces Node's roots; keep them so a private CA is added, not substituted.
        connect: ca === undefined
          ? { timeout: connectTimeoutMs, checkServerIdentity: identity }
          : { timeout: connectTimeoutMs, ca: [...rootCertificates, ...ca], checkServerIdentity: identity }
      })
      this.pools.set(origin, pool)
    }
    return pool
  }
}

/**
 * The body as text, reading at most `max` bytes: a huge or endless body stops being read (and its
 * socket is closed) at the cap instead of being held whole in memory or holding the attempt open.
 */
async function readCapped (body: AsyncIterable<Buffer> & { destroy: () => unknown }, max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= max) {
      // The rest is neither read nor kept; undici closes the socket rather than reuse it.
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks, size).toString('utf8', 0, Math.min(size, max))
}

export function toLogshipError (error: unknown, options: Pick<HttpClientOptions, 'connectTimeoutMs' | 'requestTimeoutMs'>): LogshipError {
  if (error instanceof LogshipError) return error
  const code = errorCode(error)
  const message = error instanceof Error ? error.message : String(error)
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new RequestTimeoutError(options.requestTimeoutMs)
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new NetworkError(code, `could not connect within connectTimeoutMs (${options.connectTimeoutMs} ms)`)
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      return new NetworkError(code, 'the HTTP client was closed or destroyed during the request', false)
    case 'UND_ERR_INVALID_ARG':
    case 'ERR_INVALID_ARG_TYPE':
    case 'ERR_INVALID_ARG_VALUE':
    case 'ERR_INVALID_CHAR':
    case 'ERR_INVALID_URL':
      return new NetworkError(code, `the request could not be built: ${message}`, false)
  }
  if (CERT_ERRORS.has(code)) {
    return new NetworkError(code, `the server's TLS certificate was rejected (${message}); if it is signed by a private or test CA, pass that CA certificate in the \`ca\` option`, false)
  }
  return new NetworkError(code, message === '' ? code : message)
}

/** The most specific code: undici wraps socket errors, Node wraps happy-eyeballs failures in AggregateError. */
function errorCode (error: unknown): string {
  if (error === null || typeof error !== 'object') return 'UNKNOWN'
  const own = (error as { code?: unknown }).code
  const cause = (error as { cause?: unknown }).cause
  if (own === 'UND_ERR_SOCKET' && cause !== null && typeof cause === 'object') {
    const causeCode = (cause as { code?: unknown }).code
    if (typeof causeCode === 'string') return causeCode
  }
  if (typeof own === 'string') return own
  if (error instanceof AggregateError && error.errors.length > 0) return errorCode(error.errors[0])
  return 'UNKNOWN'
}
