// Aliyun SLS signatures: v1 (`LOG ak:base64(HMAC-SHA1)`) and v4 (`SLS4-HMAC-SHA256`).
import { createHash, createHmac } from 'node:crypto'
import { parseAuthorizationParams } from './authorization.js'

// ---- v1 -------------------------------------------------------------------------------------

export interface SlsV1Input {
  method: string
  contentMd5: string
  contentType: string
  /** x-log-date ?? Date */
  date: string
  /** Lowercased header name → value. */
  headers: Record<string, string | undefined>
  /** The path as sent (escaped). */
  path: string
  query: URLSearchParams
}

/** `x-log-*`/`x-acs-*` lowercased, trimmed, sorted, `\n`-joined; x-log-date never included. */
export function slsV1CanonicalHeaders (headers: Record<string, string | undefined>): string {
  const names: string[] = []
  for (const raw of Object.keys(headers)) {
    const name = raw.trim().toLowerCase()
    if ((name.startsWith('x-log-') || name.startsWith('x-acs-')) && name !== 'x-log-date' && headers[raw] !== undefined) names.push(raw)
  }
  names.sort((a, b) => {
    const x = a.trim().toLowerCase()
    const y = b.trim().toLowerCase()
    return x < y ? -1 : x > y ? 1 : 0
  })
  return names.map(n => `${n.trim().toLowerCase()}:${String(headers[n]).trim()}`).join('\n')
}

/** Path + `?k=v&…` with decoded values, sorted by key; empty value gives `k=`. */
export function slsV1Resource (path: string, query: URLSearchParams): string {
  const seen = new Map<string, string>()
  for (const [k, v] of query) if (!seen.has(k)) seen.set(k, v)
  const keys = [...seen.keys()].sort()
  if (keys.length === 0) return path
  return path + '?' + keys.map(k => `${k}=${seen.get(k)}`).join('&')
}

export function slsV1StringToSign (i: SlsV1Input): string {
  return [
    i.method.toUpperCase(),
    i.contentMd5,
    i.contentType,
    i.date,
    slsV1CanonicalHeaders(i.headers),
    slsV1Resource(i.path, i.query)
  ].join('\n')
}

export function slsV1Signature (secret: string, stringToSign: string): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(Buffer.from(stringToSign, 'utf8')).digest('base64')
}

/** `LOG <akid>:<sig>` → parts, or null. */
export function parseSlsV1Authorization (value: string): { accessKeyId: string, signature: string } | null {
  const m = /^LOG\s+([^:\s]+):(\S+)$/.exec(value.trim())
  return m ? { accessKeyId: m[1]!, signature: m[2]! } : null
}

// ---- v4 -------------------------------------------------------------------------------------

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/** Go url.QueryEscape with `+` → `%20`. */
export function slsPercentEncode (s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

export function slsV4IsSignedHeader (name: string): boolean {
  if (name.startsWith('x-log-meta-')) return false
  return name.startsWith('x-log-') || name.startsWith('x-acs-') || name === 'host' || name === 'content-type'
}

export interface SlsV4Input {
  method: string
  /** The path as sent (escaped). */
  path: string
  query: URLSearchParams
  /** Header name → value (names are lowercased here). */
  headers: Record<string, string | undefined>
  payloadHash: string
}

export function slsV4CanonicalQuery (query: URLSearchParams): string {
  const seen = new Map<string, string>()
  for (const [k, v] of query) if (!seen.has(k)) seen.set(k, v)
  const keys = [...seen.keys()].sort()
  return keys.map(k => {
    const v = slsPercentEncode(seen.get(k)!)
    return v.length ? `${k}=${v}` : k
  }).join('&')
}

export function buildSlsV4CanonicalRequest (i: SlsV4Input): { canonicalRequest: string, signedHeaders: string } {
  const signed = new Map<string, string>()
  for (const [raw, v] of Object.entries(i.headers)) {
    const name = raw.toLowerCase()
    if (v !== undefined && slsV4IsSignedHeader(name)) signed.set(name, name === 'host' ? v.replace(/^https?:\/\//, '') : v)
  }
  const names = [...signed.keys()].sort()
  const canonHeaders = names.map(n => `${n}:${signed.get(n)}\n`).join('')
  const signedHeaders = names.join(';')
  const canonicalRequest = [
    i.method.toUpperCase(),
    i.path,
    slsV4CanonicalQuery(i.query),
    canonHeaders,
    signedHeaders,
    i.payloadHash
  ].join('\n')
  return { canonicalRequest, signedHeaders }
}

export function slsV4Scope (date: string, region: string): string {
  return `${date}/${region}/sls/aliyun_v4_request`
}

export function slsV4StringToSign (dateTime: string, scope: string, canonicalRequest: string): string {
  return `SLS4-HMAC-SHA256\n${dateTime}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`
}

export function slsV4SigningKey (secret: string, date: string, region: string): Buffer {
  const kDate = createHmac('sha256', 'aliyun_v4' + secret).update(date).digest()
  const kRegion = createHmac('sha256', kDate).update(region).digest()
  const kService = createHmac('sha256', kRegion).update('sls').digest()
  return createHmac('sha256', kService).update('aliyun_v4_request').digest()
}

export function slsV4Signature (secret: string, dateTime: string, region: string, canonicalRequest: string): string {
  const date = dateTime.slice(0, 8)
  const key = slsV4SigningKey(secret, date, region)
  return createHmac('sha256', key).update(slsV4StringToSign(dateTime, slsV4Scope(date, region), canonicalRequest)).digest('hex')
}

/** `SLS4-HMAC-SHA256 Credential=<akid>/<date>/<region>/sls/aliyun_v4_request,Signature=<hex>`. */
export function parseSlsV4Authorization (value: string): { accessKeyId: string, date: string, region: string, product: string, terminator: string, signature: string } | null {
  const parsed = parseAuthorizationParams(value, 'SLS4-HMAC-SHA256')
  if (parsed === null || !parsed.params.Signature) return null
  const { params: parts, credential: cred } = parsed
  return { accessKeyId: cred[0]!, date: cred[1]!, region: cred[2]!, product: cred[3]!, terminator: cred[4]!, signature: parts.Signature }
}
