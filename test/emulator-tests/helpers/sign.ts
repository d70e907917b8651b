// Small independent test signers (deliberately not shared with the emulator's verifiers).
import { createHash, createHmac } from 'node:crypto'

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()
const hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())

export function isoBasic (ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

/**
 * Volcengine V4: signs the headers named in `signed` (lowercase names, must be present in
 * `headers`); adds X-Date, X-Content-Sha256 (unless given), X-Security-Token and Authorization.
 */
export function signTls (o: {
  method?: string, path?: string, query: Record<string, string>, headers: Record<string, string>, body: Buffer,
  ak: string, sk: string, token?: string, region?: string, now?: number, signed?: string[], contentSha256?: string
}): Record<string, string> {
  const h: Record<string, string> = { ...o.headers }
  const xDate = isoBasic(o.now ?? Date.now())
  h['X-Date'] = xDate
  h['X-Content-Sha256'] = o.contentSha256 ?? hex(o.body)
  if (o.token) h['X-Security-Token'] = o.token
  const lower: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) lower[k.toLowerCase()] = v
  const names = (o.signed ?? Object.keys(lower).filter(n => n === 'host' || n === 'content-type' || n === 'content-md5' || n.startsWith('x-'))).slice().sort()
  const canonHeaders = names.map(n => `${n}:${(lower[n] ?? '').trim()}\n`).join('')
  const query = Object.keys(o.query).sort().map(k => `${enc(k)}=${enc(o.query[k]!)}`).join('&')
  const canonical = [o.method ?? 'POST', o.path ?? '/PutLogs', query, canonHeaders, names.join(';'), h['X-Content-Sha256']].join('\n')
  const region = o.region ?? 'cn-beijing'
  const scope = `${xDate.slice(0, 8)}/${region}/TLS/request`
  const sts = `HMAC-SHA256\n${xDate}\n${scope}\n${hex(canonical)}`
  const key = hmac(hmac(hmac(hmac(o.sk, xDate.slice(0, 8)), region), 'TLS'), 'request')
  h.Authorization = `HMAC-SHA256 Credential=${o.ak}/${scope}, SignedHeaders=${names.join(';')}, Signature=${createHmac('sha256', key).update(sts).digest('hex')}`
  return h
}

/** SLS v1: `LOG ak:base64(hmac-sha1)`; adds Date (unless given) and x-log-signaturemethod. */
export function signSlsV1 (o: {
  method?: string, path: string, query?: Record<string, string>, headers: Record<string, string>,
  ak: string, sk: string, now?: number
}): Record<string, string> {
  const h: Record<string, string> = { ...o.headers }
  if (!Object.keys(h).some(k => k.toLowerCase() === 'date')) h.Date = new Date(o.now ?? Date.now()).toUTCString()
  h['x-log-signaturemethod'] = 'hmac-sha1'
  const get = (n: string): string => Object.entries(h).find(([k]) => k.toLowerCase() === n)?.[1] ?? ''
  const canon = Object.keys(h).map(k => k.toLowerCase()).filter(k => (k.startsWith('x-log-') || k.startsWith('x-acs-')) && k !== 'x-log-date').sort()
    .map(k => `${k}:${get(k).trim()}`).join('\n')
  const q = o.query ?? {}
  const qs = Object.keys(q).sort().map(k => `${k}=${q[k]}`).join('&')
  const resource = o.path + (qs ? `?${qs}` : '')
  const date = get('x-log-date') || get('date')
  const sts = [o.method ?? 'POST', get('content-md5'), get('content-type'), date, canon, resource].join('\n')
  h.Authorization = `LOG ${o.ak}:${createHmac('sha1', o.sk).update(sts).digest('base64')}`
  return h
}

/** SLS v4: adds x-log-date, x-log-content-sha256 and Authorization. `host` must be in headers. */
export function signSlsV4 (o: {
  method?: string, path: string, query?: Record<string, string>, headers: Record<string, string>, body: Buffer,
  ak: string, sk: string, region: string, now?: number, contentSha256?: string
}): Record<string, string> {
  const h: Record<string, string> = { ...o.headers }
  const dt = isoBasic(o.now ?? Date.now())
  h['x-log-date'] = dt
  h['x-log-content-sha256'] = o.contentSha256 ?? hex(o.body)
  const lower: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) lower[k.toLowerCase()] = v
  const names = Object.keys(lower).filter(n => !n.startsWith('x-log-meta-') && (n.startsWith('x-log-') || n.startsWith('x-acs-') || n === 'host' || n === 'content-type')).sort()
  const q = o.query ?? {}
  const qs = Object.keys(q).sort().map(k => (q[k] ? `${k}=${enc(q[k]!)}` : k)).join('&')
  const canonical = [o.method ?? 'POST', o.path, qs, names.map(n => `${n}:${lower[n]}\n`).join(''), names.join(';'), h['x-log-content-sha256']].join('\n')
  const date = dt.slice(0, 8)
  const scope = `${date}/${o.region}/sls/aliyun_v4_request`
  const sts = `SLS4-HMAC-SHA256\n${dt}\n${scope}\n${hex(canonical)}`
  const key = hmac(hmac(hmac(hmac('aliyun_v4' + o.sk, date), o.region), 'sls'), 'aliyun_v4_request')
  h.Authorization = `SLS4-HMAC-SHA256 Credential=${o.ak}/${scope},Signature=${createHmac('sha256', key).update(sts).digest('hex')}`
  return h
}
