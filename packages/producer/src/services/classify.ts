/**
 * Turns a response or a transport failure into an AttemptOutcome: error-body parsing, request ids,
 * Retry-After, and each service's retry classification (protocol docs §3.5). The engine applies
 * the user's noRetryStatusCodes on top.
 */
import { HttpError, LogshipError, NetworkError, serviceErrorCode } from '../errors.js'
import type { ServiceName } from '../types.js'
import type { AttemptOutcome } from '../transport.js'
import type { HttpResponse } from '../wire/http.js'
import { redact } from './credentials.js'

export const REQUEST_ID_HEADER: Readonly<Record<ServiceName, string>> = { tls: 'x-tls-requestid', sls: 'x-log-requestid' }

/** The code given to error responses whose body is not the service's JSON error. */
export const BAD_RESPONSE = 'BadResponse'

/** Codes meaning "these credentials or this signature are not accepted": final, and worth a provider refresh. */
const AUTH_CODES: Readonly<Record<ServiceName, ReadonlySet<string>>> = {
  tls: new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidSecurityToken', 'AuthFailed', 'RequestExpired', 'AccessDenied']),
  sls: new Set(['Unauthorized', 'InvalidAccessKeyId', 'SignatureNotMatch', 'SignatureDoesNotMatch', 'SecurityTokenExpired', 'InvalidSecurityToken', 'ExpiredToken'])
}

/**
 * SLS throttling answers 403: the quota frees up, so they are retriable. The first two are what a
 * logstore or shard over its write quota answers; `ExceedQuota` and `ProjectQuotaExceed` (a
 * project over its quota) are retried by the Java producer's allowlist, and the Go producer retries
 * every 403.
 */
const SLS_THROTTLE_CODES = new Set(['WriteQuotaExceed', 'ShardWriteQuotaExceed', 'ExceedQuota', 'ProjectQuotaExceed'])
const CLOCK_CODES = new Set(['RequestTimeTooSkewed', 'RequestTimeExpired'])

export function header (headers: HttpResponse['headers'], name: string): string {
  const value = headers[name]
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '')
}

/**
 * `{code, message}` from an error body. TLS sends ErrorCode/ErrorMessage (Go decodes any case),
 * SLS errorCode/errorMessage; both are matched case-insensitively. Anything else is BadResponse.
 */
export function parseErrorBody (body: string): { code: string, message: string } {
  try {
    const parsed: unknown = JSON.parse(body)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const fields = parsed as Record<string, unknown>
      const code = field(fields, 'errorcode')
      if (code !== undefined) return { code, message: field(fields, 'errormessage') ?? '' }
    }
  } catch {
    // not JSON
  }
  const text = body.trim()
  return { code: BAD_RESPONSE, message: text === '' ? 'empty error body' : `non-JSON error body: ${text.slice(0, 500)}` }
}

function field (fields: Record<string, unknown>, lowerName: string): string | undefined {
  for (const key of Object.keys(fields)) {
    const value = fields[key]
    if (key.toLowerCase() === lowerName && typeof value === 'string') return value
  }
  return undefined
}

/** Milliseconds to wait from a Retry-After header (seconds or an HTTP date), if present and sane. */
export function parseRetryAfter (value: string, now: number = Date.now()): number | undefined {
  const text = value.trim()
  if (text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

export function isAuthFailure (service: ServiceName, status: number, code: string): boolean {
  // TLS answers a skewed clock with 401 too: new credentials would not help, the clock hint would.
  if (CLOCK_CODES.has(code)) return false
  return status === 401 || AUTH_CODES[service].has(code)
}

export function isRetriableStatus (service: ServiceName, status: number, code: string): boolean {
  if (status === 429 || status >= 500) return true
  return service === 'sls' && status === 403 && SLS_THROTTLE_CODES.has(code)
}

/** A non-2xx response as a failed attempt. `secrets` are scrubbed from the server's message. */
export function classifyResponse (service: ServiceName, response: HttpResponse, secrets: readonly string[]): AttemptOutcome & { ok: false } {
  const { status } = response
  const requestId = header(response.headers, REQUEST_ID_HEADER[service])
  // Secrets are scrubbed from the whole body before anything is cut from it (a secret straddling the
  // cut would escape a later scrub), and again after parsing, in case JSON escapes hid one.
  const parsed = parseErrorBody(redact(response.body, secrets))
  const code = redact(parsed.code, secrets)
  let message = redact(parsed.message, secrets)
  const auth = isAuthFailure(service, status, code)
  const retriable = !auth && isRetriableStatus(service, status, code)
  if (auth) message = `authentication failed: the service rejected the credentials or signature (check accessKeyId, accessKeySecret and securityToken, and that the token has not expired): ${message}`
  else if (CLOCK_CODES.has(code)) message = `the request time was rejected; check this machine's clock: ${message}`
  const retryAfter = parseRetryAfter(header(response.headers, 'retry-after'))
  const error = new HttpError(status, code, message, requestId, retriable)
  const outcome: AttemptOutcome & { ok: false } = { ok: false, retriable, status, errorCode: code, errorMessage: message, requestId, error }
  if (retryAfter !== undefined) outcome.retryAfterMs = retryAfter
  return outcome
}

/** A failure with no response: network errors and timeouts carry their own retriable flag. */
export function classifyError (error: unknown, secrets: readonly string[]): AttemptOutcome & { ok: false } {
  const logshipError = error instanceof LogshipError
    ? error
    : new NetworkError('INTERNAL', redact(error instanceof Error ? error.message : String(error), secrets), false)
  const errorCode = serviceErrorCode(logshipError)
  return {
    ok: false,
    retriable: logshipError.retriable,
    status: 0,
    errorCode,
    errorMessage: logshipError.message,
    requestId: '',
    error: logshipError
  }
}
