/**
 * Aliyun SLS request signing, as the Go SDK does it: v1 (HMAC-SHA1, the default) and
 * v4 (SLS4-HMAC-SHA256). Protocol doc §2.1 and §2.3.
 */
import { createHash, createHmac } from 'node:crypto'
import { uriEncode } from './tls-signer.js'

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
export const SLS_V4_ALGORITHM = 'SLS4-HMAC-SHA256'

export interface SlsV1Input {
  verb: string
  /** Uppercase hex MD5 of the sent body, or '' without a body. */
  contentMd5: string
  contentType: string
  /** The Date header (RFC 1123, GMT). */
  date: string
  /** All request headers; only x-log-* and x-acs-* are signed. */
  headers: ReadonlyArray<readonly [string, string]>
  path: string
  /** Decoded query parameters. */
  query: ReadonlyArray<readonly [string, string]>
}

const byKey = (a: readonly [string, string], b: readonly [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

export function slsV1StringToSign (input: SlsV1Input): string {
  const signed: Array<[string, string]> = []
  for (const [name, value] of input.headers) {
    const lower = name.trim().toLowerCase()
    if (lower.startsWith('x-log-') || lower.startsWith('x-acs-')) signed.push([lower, value.trim()])
  }
  signed.sort(byKey)
  let resource = input.path
  if (input.query.length > 0) resource += '?' + [...input.query].sort(byKey).map(([k, v]) => `${k}=${v}`).join('&')
  return [
    input.verb,
    input.contentMd5,
    input.contentType,
    input.date,
    ...signed.map(([k, v]) => `${k}:${v}`),
    resource
  ].join('\n')
}

export function slsV1Signature (stringToSign: string, secret: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64')
}

export function slsV1Authorization (accessKeyId: string, signature: string): string {
  return `LOG ${accessKeyId}:${signature}`
}

/** Go's time.RFC1123 in GMT: `Mon, 02 Jan 2006 15:04:05 GMT` (what Date#toUTCString produces). */
export function formatRfc1123 (date: Date): string {
  return date.toUTCString()
}

export interface SlsV4Input {
  verb: string
  /** The escaped path as sent. */
  path: string
  /** Decoded query parameters; one value per key is used. */
  query: ReadonlyArray<readonly [string, string]>
  /** All request headers; content-type, host, x-log-* and x-acs-* (not x-log-meta-*) are signed. */
  headers: ReadonlyArray<readonly [string, string]>
  /** hex SHA-256 of the body (EMPTY_SHA256 for none), also sent as x-log-content-sha256. */
  bodySha256: string
  /** x-log-date, `yyyyMMddTHHmmssZ`. */
  dateTime: string
  region: string
  accessKeyId: string
  secret: string
}

function v4SignsHeader (lower: string): boolean {
  if (lower.startsWith('x-log-meta-')) return false
  return lower.startsWith('x-log-') || lower.startsWith('x-acs-') || lower === 'host' || lower === 'content-type'
}

export function slsV4CanonicalRequest (input: SlsV4Input): { canonicalRequest: string, signedHeaders: string } {
  const signed = new Map<string, string>()
  for (const [name, value] of input.headers) {
    const lower = name.toLowerCase()
    if (!v4SignsHeader(lower)) continue
    // Go signs values untrimmed; a scheme in Host is dropped.
    signed.set(lower, lower === 'host' ? value.replace(/^https?:\/\//, '') : value)
  }
  const names = [...signed.keys()].sort()
  let headerBlock = ''
  for (const name of names) headerBlock += `${name}:${signed.get(name) ?? ''}\n`
  const params = new Map<string, string>()
  for (const [k, v] of input.query) if (!params.has(k)) params.set(k, v)
  const query = [...params.keys()].sort().map((k) => {
    const v = uriEncode(params.get(k) ?? '')
    return v === '' ? k : `${k}=${v}`
  }).join('&')
  const signedHeaders = names.join(';')
  const canonicalRequest = [input.verb, input.path, query, headerBlock, signedHeaders, input.bodySha256].join('\n')
  return { canonicalRequest, signedHeaders }
}

export class SlsV4SigningKeyCache {
  /** A true private field: it holds the secret (see credentials.ts). */
  #last: { secret: string, date: string, region: string, key: Buffer } | undefined

  get (secret: string, date: string, region: string): Buffer {
    const last = this.#last
    if (last !== undefined && last.secret === secret && last.date === date && last.region === region) return last.key
    const kDate = hmac('aliyun_v4' + secret, date)
    const kRegion = hmac(kDate, region)
    const kService = hmac(kRegion, 'sls')
    const key = hmac(kService, 'aliyun_v4_request')
    this.#last = { secret, date, region, key }
    return key
  }
}

function hmac (key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

export function slsV4Sign (input: SlsV4Input, cache: SlsV4SigningKeyCache = new SlsV4SigningKeyCache()): { authorization: string, signature: string, canonicalRequest: string, stringToSign: string } {
  const { canonicalRequest } = slsV4CanonicalRequest(input)
  const date = input.dateTime.slice(0, 8)
  const scope = `${date}/${input.region}/sls/aliyun_v4_request`
  const stringToSign = [SLS_V4_ALGORITHM, input.dateTime, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n')
  const signature = createHmac('sha256', cache.get(input.secret, date, input.region)).update(stringToSign).digest('hex')
  return { authorization: `${SLS_V4_ALGORITHM} Credential=${input.accessKeyId}/${scope},Signature=${signature}`, signature, canonicalRequest, stringToSign }
}
