// Volcengine "HMAC-SHA256" V4 signing, rebuilt from whatever SignedHeaders the client listed
// (the Go SDK signs host/content-type/x-tls-*; the Node SDK leaves host and content-type out).
import { createHash, createHmac } from 'node:crypto'
import { parseAuthorizationParams } from './authorization.js'

export interface TlsAuthorization {
  accessKeyId: string
  shortDate: string
  region: string
  service: string
  terminator: string
  signedHeaders: string[]
  signature: string
}

/** Parses `HMAC-SHA256 Credential=AK/date/region/service/request, SignedHeaders=a;b, Signature=hex`. */
export function parseTlsAuthorization (value: string): TlsAuthorization | null {
  const parsed = parseAuthorizationParams(value, 'HMAC-SHA256')
  if (parsed === null || !parsed.params.SignedHeaders || !parsed.params.Signature) return null
  const { params: parts, credential: cred } = parsed
  return {
    accessKeyId: cred[0]!,
    shortDate: cred[1]!,
    region: cred[2]!,
    service: cred[3]!,
    terminator: cred[4]!,
    signedHeaders: parts.SignedHeaders.split(';'),
    signature: parts.Signature
  }
}

/** RFC 3986 unreserved set kept, everything else %XX (uppercase), space as %20. */
export function uriEncode (s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

/** Path with each segment percent-encoded (from the decoded path). */
export function tlsCanonicalUri (rawPath: string): string {
  let decoded: string
  try { decoded = decodeURIComponent(rawPath) } catch { decoded = rawPath }
  if (decoded === '') return '/'
  return decoded.split('/').map(uriEncode).join('/')
}

/** Keys sorted, `k=v` with both encoded (Go url.Values.Encode with + → %20). */
export function tlsCanonicalQuery (query: URLSearchParams): string {
  const pairs: [string, string][] = []
  for (const [k, v] of query) pairs.push([k, v])
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return pairs.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&')
}

export function tlsCanonicalHeaderValue (name: string, value: string): string {
  let v = value.trim()
  if (name === 'host') v = v.replace(/:(80|443)$/, '')
  return v
}

export interface TlsCanonicalInput {
  method: string
  path: string
  query: URLSearchParams
  /** Lowercased header name → first value. */
  headers: Record<string, string | undefined>
  signedHeaders: string[]
  payloadHash: string
}

export function buildTlsCanonicalRequest (i: TlsCanonicalInput): string {
  let canonHeaders = ''
  for (const name of i.signedHeaders) {
    canonHeaders += `${name}:${tlsCanonicalHeaderValue(name, i.headers[name] ?? '')}\n`
  }
  return [
    i.method.toUpperCase(),
    tlsCanonicalUri(i.path),
    tlsCanonicalQuery(i.query),
    canonHeaders,
    i.signedHeaders.join(';'),
    i.payloadHash
  ].join('\n')
}

export function sha256Hex (data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function tlsStringToSign (xDate: string, scope: string, canonicalRequest: string): string {
  return `HMAC-SHA256\n${xDate}\n${scope}\n${sha256Hex(canonicalRequest)}`
}

export function tlsSigningKey (secret: string, shortDate: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', secret).update(shortDate).digest()
  const kRegion = createHmac('sha256', kDate).update(region).digest()
  const kService = createHmac('sha256', kRegion).update(service).digest()
  return createHmac('sha256', kService).update('request').digest()
}

export function tlsSignature (secret: string, xDate: string, region: string, service: string, canonicalRequest: string): string {
  const shortDate = xDate.slice(0, 8)
  const scope = `${shortDate}/${region}/${service}/request`
  const key = tlsSigningKey(secret, shortDate, region, service)
  return createHmac('sha256', key).update(tlsStringToSign(xDate, scope, canonicalRequest)).digest('hex')
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, or NaN. */
export function parseIsoBasic (s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (!m) return NaN
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
}
