// Assertions for refusals: status, JSON error code and the request-id header.
import assert from 'node:assert/strict'
import type { Emulator } from '../../emulator/index.js'
import type { Reply } from './http.js'

export function expectTlsError (em: Emulator, r: Reply, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.ErrorCode, code, r.text)
  assert.equal(typeof r.json?.ErrorMessage, 'string')
  if (message) assert.match(r.json.ErrorMessage, message)
  const rid = r.headers['x-tls-requestid']
  assert.ok(typeof rid === 'string' && rid.length > 0, 'X-Tls-Requestid header')
  assert.ok(em.rejections({ service: 'tls', code }).some(x => x.requestId === rid), 'rejection recorded')
}

export function expectSlsError (em: Emulator, r: Reply, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${r.text}`)
  assert.equal(r.json?.errorCode, code, r.text)
  assert.equal(typeof r.json?.errorMessage, 'string')
  if (message) assert.match(r.json.errorMessage, message)
  const rid = r.headers['x-log-requestid']
  assert.match(String(rid), /^[0-9A-F]{24}$/, 'x-log-requestid header')
  assert.ok(em.rejections({ service: 'sls', code }).some(x => x.requestId === rid), 'rejection recorded')
}
