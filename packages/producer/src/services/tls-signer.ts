/**
 * Volcengine V4 signing ("HMAC-SHA256"), as the Go SDK's base/sign.go does it (protocol doc §2.1).
 * The header set to sign is the caller's choice; goSignsHeader() is the Go SDK's rule.
 */
import { createHash, createHmac } from 'node:crypto'

export const VOLC_ALGORITHM = 'HMAC-SHA256'

export interface VolcSignInput {
  method: string
  /** The request path as sent; each segment is re-encoded for the canonical URI. */
  path: string
  /** Decoded query parameters. */
  query: ReadonlyArray<readonly [string, string]>
  /** The headers to sign (any case); the caller must include host, x-date and x-content-sha256. */
  headers: ReadonlyArray<readonly [string, string]>
  bodySha256: string
  /** `YYYYMMDD'T'HHMMSS'Z'`. */
  xDate: string
  region: string
  service: string
  accessKeyId: string
  secretKey: string
}

export interface VolcSignature {
  authorization: string
  signature: string
  signedHeaders: string
  canonicalRequest: string
  stringToSign: string
}

/** Go signs Content-Type, Content-Md5, Host, X-Security-Token and every `X-…` header. */
export function goSignsHeader (lowerName: string): boolean {
  return lowerName.startsWith('x-') || lowerName === 'content-type' || lowerName === 'content-md5' || lowerName === 'host'
}

export function formatXDate (date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

/** Unreserved characters stay; everything else is %XX with uppercase hex (Go url.QueryEscape, `+` as %20). */
export function uriEncode (text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

function canonicalUri (path: string): string {
  if (path === '') return '/'
  return path.split('/').map((segment) => uriEncode(safeDecode(segment))).join('/')
}

function safeDecode (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function canonicalQuery (query: ReadonlyArray<readonly [string, string]>): string {
  // Stable sort by key keeps repeated keys in their given order, like url.Values.Encode.
  return [...query].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&')
}

function canonicalHost (value: string): string {
  return value.endsWith(':80') || value.endsWith(':443') ? value.slice(0, value.lastIndexOf(':')) : value
}

export function volcCanonicalRequest (input: VolcSignInput): { canonicalRequest: string, signedHeaders: string } {
  const seen = new Map<string, string>()
  for (const [name, value] of input.headers) {
    const lower = name.toLowerCase()
    if (seen.has(lower)) continue // Go signs the first value only
    seen.set(lower, lower === 'host' ? canonicalHost(value.trim()) : value.trim())
  }
  const names = [...seen.keys()].sort()
  let headerBlock = ''
  for (const name of names) headerBlock += `${name}:${seen.get(name) ?? ''}\n`
  const signedHeaders = names.join(';')
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    canonicalQuery(input.query),
    headerBlock,
    signedHeaders,
    input.bodySha256
  ].join('\n')
  return { canonicalRequest, signedHeaders }
}

/** Derived signing keys change once a day per region; deriving costs four HMACs, so keep the last one. */
export class VolcSigningKeyCache {
  /** A true private field: it holds the secret (see credentials.ts). */
  #last: { secret: string, date: string, region: string, service: string, key: Buffer } | undefined

  get (secret: string, shortDate: string, region: string, service: string): Buffer {
    const last = this.#last
    if (last !== undefined && last.secret === secret && last.date === shortDate && last.region === region && last.service === service) return last.key
    const kDate = hmac(secret, shortDate)
    const kRegion = hmac(kDate, region)
    const kService = hmac(kRegion, service)
    const key = hmac(kService, 'request')
    this.#last = { secret, date: shortDate, region, service, key }
    return key
  }
}

function hmac (key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

export function volcSign (input: VolcSignInput, cache: VolcSigningKeyCache = new VolcSigningKeyCache()): VolcSignature {
  const { canonicalRequest, signedHeaders } = volcCanonicalRequest(input)
  const shortDate = input.xDate.slice(0, 8)
  const scope = `${shortDate}/${input.region}/${input.service}/request`
  const stringToSign = [
    VOLC_ALGORITHM,
    input.xDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex')
  ].join('\n')
  const key = cache.get(input.secretKey, shortDate, input.region, input.service)
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex')
  const authorization = `${VOLC_ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return { authorization, signature, signedHeaders, canonicalRequest, stringToSign }
}
