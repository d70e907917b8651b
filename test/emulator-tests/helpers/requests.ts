// Builders for valid, signed TLS and SLS requests; refusal tests change one thing at a time.
import { createHash } from 'node:crypto'
import { deflateRawSync, deflateSync } from 'node:zlib'
import { send } from './http.js'
import type { Reply } from './http.js'
import { signSlsV1, signSlsV4, signTls } from './sign.js'
import { encodeSls, encodeTls, lz4Block, lz4LiteralOnly } from './wire.js'

export const AK = 'test-ak'
export const SK = 'test-secret'
export const TOPIC = '0fd2bd7e-1234-4f6a-9abc-0123456789ab'
export const PROJECT = 'proj-a'
export const LOGSTORE = 'store-a'

export const md5Hex = (b: Buffer): string => createHash('md5').update(b).digest('hex')

export function sampleTlsBody (n = 2): Buffer {
  const now = Date.now()
  return encodeTls([{
    source: '10.0.0.1',
    filename: 'app.log',
    tags: [['env', 'test']],
    logs: Array.from({ length: n }, (_, i) => ({ time: now + i, timeNs: 123, contents: [['level', 'info'], ['msg', `hello ${i}`]] as Array<[string, string]> }))
  }])
}

export function sampleSlsBody (n = 2): Buffer {
  const sec = Math.floor(Date.now() / 1000)
  return encodeSls({
    topic: 'tp',
    source: '10.0.0.2',
    tags: [['env', 'test']],
    logs: Array.from({ length: n }, (_, i) => ({ time: sec, timeNs: 5000 + i, contents: [['level', 'warn'], ['msg', `hi ${i}`]] as Array<[string, string]> }))
  })
}

export type Compression = 'lz4' | 'literal' | 'zlib' | 'deflate' | 'deflate-raw' | 'none' | 'absent'

function compress (raw: Buffer, c: Compression): Buffer {
  switch (c) {
    case 'lz4': return lz4Block(raw)
    case 'literal': return lz4LiteralOnly(raw)
    case 'zlib': case 'deflate': return deflateSync(raw)
    case 'deflate-raw': return deflateRawSync(raw)
    default: return raw
  }
}

export interface TlsOpts {
  raw?: Buffer
  compression?: Compression
  /** Replace the bytes actually sent (after compression). */
  sent?: Buffer
  topicId?: string
  ak?: string
  sk?: string
  token?: string
  now?: number
  hashKey?: string
  /** Extra/overriding headers before signing. */
  headers?: Record<string, string>
  /** Remove these headers before signing. */
  omit?: string[]
  /** Applied after signing (to tamper). */
  after?: (h: Record<string, string>) => void
  signed?: string[]
  contentSha256?: string
}

export function buildTls (baseUrl: string, o: TlsOpts = {}): { path: string, headers: Record<string, string>, body: Buffer } {
  const raw = o.raw ?? sampleTlsBody()
  const compression = o.compression ?? 'lz4'
  const body = o.sent ?? compress(raw, compression)
  const topicId = o.topicId ?? TOPIC
  let headers: Record<string, string> = {
    Host: new URL(baseUrl).host,
    'Content-Type': 'application/x-protobuf',
    'Content-Md5': md5Hex(body).toUpperCase(),
    'X-Tls-Apiversion': '0.3.0',
    'X-Tls-Bodyrawsize': String(raw.length),
    'X-Tls-Hashkey': o.hashKey ?? ''
  }
  const ct = compression === 'literal' ? 'lz4' : compression
  if (ct !== 'absent') headers['X-Tls-Compresstype'] = ct
  headers = { ...headers, ...o.headers }
  for (const k of o.omit ?? []) delete headers[k]
  const signedHeaders = signTls({
    query: { TopicId: topicId }, headers, body, ak: o.ak ?? AK, sk: o.sk ?? SK, token: o.token, now: o.now, signed: o.signed, contentSha256: o.contentSha256
  })
  o.after?.(signedHeaders)
  return { path: `/PutLogs?TopicId=${encodeURIComponent(topicId)}`, headers: signedHeaders, body }
}

export function sendTls (baseUrl: string, o: TlsOpts = {}): Promise<Reply> {
  return send(baseUrl, buildTls(baseUrl, o))
}

export interface SlsOpts {
  raw?: Buffer
  compression?: Compression
  sent?: Buffer
  project?: string
  logstore?: string
  route?: 'plain' | 'lb' | 'route'
  key?: string
  ak?: string
  sk?: string
  token?: string
  now?: number
  version?: 'v1' | 'v4'
  region?: string
  headers?: Record<string, string>
  omit?: string[]
  after?: (h: Record<string, string>) => void
  host?: string
  contentSha256?: string
}

export function buildSls (baseUrl: string, o: SlsOpts = {}): { path: string, headers: Record<string, string>, body: Buffer } {
  const raw = o.raw ?? sampleSlsBody()
  const compression = o.compression ?? 'lz4'
  const body = o.sent ?? compress(raw, compression)
  const logstore = o.logstore ?? LOGSTORE
  const route = o.route ?? 'lb'
  const path = route === 'plain' ? `/logstores/${logstore}` : `/logstores/${logstore}/shards/${route}`
  const query: Record<string, string> = route === 'route' ? { key: o.key ?? '80000000000000000000000000000000' } : {}
  let headers: Record<string, string> = {
    Host: o.host ?? `${o.project ?? PROJECT}.${new URL(baseUrl).host}`,
    'Content-Type': 'application/x-protobuf',
    'x-log-apiversion': '0.6.0',
    'x-log-bodyrawsize': String(raw.length)
  }
  if ((o.version ?? 'v1') === 'v1') headers['Content-MD5'] = md5Hex(body).toUpperCase()
  const ct = compression === 'literal' ? 'lz4' : compression === 'zlib' || compression === 'deflate-raw' ? 'deflate' : compression
  if (ct !== 'none' && ct !== 'absent') headers['x-log-compresstype'] = ct
  if (o.token) headers['x-acs-security-token'] = o.token
  headers = { ...headers, ...o.headers }
  for (const k of o.omit ?? []) delete headers[k]
  const signed = (o.version ?? 'v1') === 'v1'
    ? signSlsV1({ path, query, headers, ak: o.ak ?? AK, sk: o.sk ?? SK, now: o.now })
    : signSlsV4({ path, query, headers, body, ak: o.ak ?? AK, sk: o.sk ?? SK, now: o.now, region: o.region ?? 'cn-hangzhou', contentSha256: o.contentSha256 })
  o.after?.(signed)
  const qs = new URLSearchParams(query).toString()
  return { path: qs ? `${path}?${qs}` : path, headers: signed, body }
}

export function sendSls (baseUrl: string, o: SlsOpts = {}): Promise<Reply> {
  return send(baseUrl, buildSls(baseUrl, o))
}
