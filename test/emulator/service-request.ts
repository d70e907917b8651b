// The parsed request both service handlers work on, and helpers they share.
import { createHash } from 'node:crypto'
import { inflateRawSync, inflateSync } from 'node:zlib'
import type { Credential } from './settings.js'
import type { RequestRecord, StoredLog } from './store.js'

export interface ServiceRequest {
  method: string
  rawUrl: string
  /** Path exactly as sent (still percent-encoded). */
  path: string
  query: URLSearchParams
  /** Lowercased header name → first value. */
  headers: Record<string, string | undefined>
  body: Buffer
  receivedAt: number
  requestId: string
}

export interface ServiceOutcome {
  record: RequestRecord
  logs: StoredLog[] | null
}

export function md5Hex (data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex')
}

export function sha256HexOf (data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function findCredential (list: Credential[], accessKeyId: string, service: 'tls' | 'sls'): Credential | undefined {
  return list.find(c => c.accessKeyId === accessKeyId && (!c.services || c.services.includes(service)))
}

/** A non-negative decimal integer header, or NaN. */
export function parseSize (v: string | undefined): number {
  if (v === undefined || !/^\d{1,15}$/.test(v.trim())) return NaN
  return Number(v.trim())
}

/** zlib (RFC1950) stream, output size must equal rawSize. Throws on corrupt data. */
export function inflateZlib (body: Buffer, rawSize: number): Buffer {
  return inflateSync(body, { maxOutputLength: Math.max(1, rawSize + 1) })
}

/** Raw deflate (RFC1951) stream. Throws on corrupt data. */
export function inflateRaw (body: Buffer, rawSize: number): Buffer {
  return inflateRawSync(body, { maxOutputLength: Math.max(1, rawSize + 1) })
}

const REDACT = new Set(['authorization', 'x-security-token', 'x-acs-security-token', 'x-tls-anonymous-identity'])

export function redactedHeaders (h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = REDACT.has(k) ? '***' : v
  return out
}

/** Time-constant-ish string comparison is not needed on loopback; plain equality is enough. */
export function sameHex (a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
