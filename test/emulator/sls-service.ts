// Aliyun SLS: POST /logstores/{ls}[/shards/lb | /shards/route?key=…], project from the Host prefix.
import { ServiceError } from './errors.js'
import { decodeLz4Block } from './lz4-block.js'
import { DecodeError, decodeSlsLogGroup } from './protobuf-decode.js'
import type { DecodeFailure } from './protobuf-decode.js'
import { findCredential, inflateRaw, inflateZlib, md5Hex, parseSize, redactedHeaders, sameHex, sha256HexOf } from './service-request.js'
import type { ServiceOutcome, ServiceRequest } from './service-request.js'
import type { Credential, EmulatorSettings, SlsSettings } from './settings.js'
import {
  EMPTY_SHA256, buildSlsV4CanonicalRequest, parseSlsV1Authorization, parseSlsV4Authorization,
  slsV1Signature, slsV1StringToSign, slsV4Signature
} from './sls-signature.js'
import type { StoredLog } from './store.js'
import { parseIsoBasic } from './tls-signature.js'

const DECODE_CODES: Record<DecodeFailure, string> = {
  malformed: 'PostBodyInvalid',
  missingRequired: 'PostBodyInvalid',
  unknownField: 'PostBodyInvalid',
  utf8: 'InvalidEncoding',
  logTooLarge: 'PostBodyTooLarge',
  tooManyLogs: 'PostBodyTooLarge',
  valueTooLarge: 'PostBodyTooLarge',
  keyTooLarge: 'InvalidKey',
  emptyKey: 'InvalidKey',
  timeNs: 'InvalidTimestamp',
  timeRange: 'PostBodyInvalid'
}

export interface SlsRoute { logstore: string, route: 'plain' | 'lb' | 'route' }

export function parseSlsPath (path: string): SlsRoute | null {
  const m = /^\/logstores\/([^/]+)(?:\/shards\/(lb|route))?$/.exec(path)
  if (!m) return null
  let logstore: string
  try { logstore = decodeURIComponent(m[1]!) } catch { return null }
  return { logstore, route: (m[2] as 'lb' | 'route' | undefined) ?? 'plain' }
}

/** `<project>.<endpoint host>[:port]` → project; null for a bare IP, localhost or no dot. */
export function projectFromHost (host: string | undefined): string | null {
  if (!host || host.startsWith('[')) return null
  const hostname = host.replace(/:\d+$/, '')
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(hostname)) return null
  const dot = hostname.indexOf('.')
  if (dot <= 0 || dot === hostname.length - 1) return null
  return hostname.slice(0, dot)
}

const RFC1123 = /^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/

function parseDate (v: string): number {
  if (RFC1123.test(v)) return Date.parse(v)
  return parseIsoBasic(v)
}

function checkSkew (when: number, s: EmulatorSettings, what: string): void {
  const skew = Math.abs(s.clock() - when) / 1000
  if (skew > s.sls.maxSkewSec) throw new ServiceError(s.sls.skewCode, `${what} differs from server time by ${Math.round(skew)} s (max ${s.sls.maxSkewSec} s)`)
}

function checkToken (req: ServiceRequest, cred: Credential, s: EmulatorSettings): void {
  const token = req.headers['x-acs-security-token']
  if (cred.securityToken !== undefined) {
    if (token === undefined || token !== cred.securityToken) throw new ServiceError(s.sls.invalidTokenCode, 'x-acs-security-token is missing or not valid for this access key')
    if (cred.expiresAt !== undefined && s.clock() >= cred.expiresAt) throw new ServiceError(s.sls.expiredTokenCode, 'the security token has expired')
  } else if (token !== undefined && token !== '') {
    throw new ServiceError(s.sls.invalidTokenCode, 'x-acs-security-token sent with a permanent access key')
  }
}

interface AuthResult { accessKeyId: string, auth: string, signedHeaders?: string }

function authV1 (req: ServiceRequest, s: EmulatorSettings, authz: string): AuthResult {
  const h = req.headers
  const a = parseSlsV1Authorization(authz)
  if (!a) throw new ServiceError('Unauthorized', 'malformed Authorization header (expected LOG <akid>:<signature>)')
  const method = h['x-log-signaturemethod']
  if (method === undefined) throw new ServiceError('MissingSignatureMethod', 'x-log-signaturemethod does not exist in http header')
  if (method !== 'hmac-sha1') throw new ServiceError('InvalidSignatureMethod', `signature method ${method} is not supported`)
  const date = h['x-log-date'] ?? h.date
  if (date === undefined) throw new ServiceError('MissingDate', 'Date does not exist in http header')
  const when = parseDate(date)
  if (Number.isNaN(when)) throw new ServiceError('InvalidDateFormat', `Date ${date} must follow RFC822`)
  const cred = findCredential(s.credentials, a.accessKeyId, 'sls')
  if (!cred) throw new ServiceError('InvalidAccessKeyId', `access key id ${a.accessKeyId} does not exist`)
  checkSkew(when, s, `request time ${date}`)
  checkToken(req, cred, s)
  const input = { method: req.method, contentMd5: h['content-md5'] ?? '', contentType: h['content-type'] ?? '', date, headers: h, query: req.query }
  let ok = slsV1Signature(cred.accessKeySecret, slsV1StringToSign({ ...input, path: req.path })) === a.signature
  if (!ok && req.path.includes('%')) {
    let decoded = req.path
    try { decoded = decodeURIComponent(req.path) } catch { /* keep the raw path */ }
    ok = slsV1Signature(cred.accessKeySecret, slsV1StringToSign({ ...input, path: decoded })) === a.signature
  }
  if (!ok) throw new ServiceError('SignatureNotMatch', 'signature does not match')
  return { accessKeyId: a.accessKeyId, auth: 'sls-v1' }
}

function authV4 (req: ServiceRequest, s: EmulatorSettings, authz: string): AuthResult {
  const h = req.headers
  const a = parseSlsV4Authorization(authz)
  if (!a) throw new ServiceError('Unauthorized', 'malformed Authorization header (expected SLS4-HMAC-SHA256 Credential=…,Signature=…)')
  const dateTime = h['x-log-date']
  if (dateTime === undefined) throw new ServiceError('MissingDate', 'x-log-date does not exist in http header')
  const when = parseIsoBasic(dateTime)
  if (Number.isNaN(when)) throw new ServiceError('InvalidDateFormat', `x-log-date ${dateTime} must be YYYYMMDDTHHMMSSZ`)
  const cred = findCredential(s.credentials, a.accessKeyId, 'sls')
  if (!cred) throw new ServiceError('InvalidAccessKeyId', `access key id ${a.accessKeyId} does not exist`)
  checkSkew(when, s, `x-log-date ${dateTime}`)
  checkToken(req, cred, s)
  if (a.date !== dateTime.slice(0, 8)) throw new ServiceError('SignatureNotMatch', `credential scope date ${a.date} does not match x-log-date`)
  if (a.product !== 'sls' || a.terminator !== 'aliyun_v4_request') throw new ServiceError('SignatureNotMatch', 'credential scope must end with /sls/aliyun_v4_request')
  if (s.sls.region !== null && a.region !== s.sls.region) throw new ServiceError('SignatureNotMatch', `credential scope region ${a.region} is not ${s.sls.region}`)
  const payloadHash = h['x-log-content-sha256']
  if (payloadHash === undefined) throw new ServiceError('SignatureNotMatch', 'x-log-content-sha256 does not exist in http header')
  if (s.sls.verifyContentSha256) {
    const actual = req.body.length === 0 ? EMPTY_SHA256 : sha256HexOf(req.body)
    if (payloadHash !== actual) throw new ServiceError('SignatureNotMatch', 'x-log-content-sha256 does not match the body')
  }
  const { canonicalRequest, signedHeaders } = buildSlsV4CanonicalRequest({ method: req.method, path: req.path, query: req.query, headers: h, payloadHash })
  if (slsV4Signature(cred.accessKeySecret, dateTime, a.region, canonicalRequest) !== a.signature.toLowerCase()) {
    throw new ServiceError('SignatureNotMatch', 'signature does not match')
  }
  return { accessKeyId: a.accessKeyId, auth: 'sls-v4', signedHeaders }
}

function authenticate (req: ServiceRequest, s: EmulatorSettings): AuthResult {
  const authz = req.headers.authorization
  if (authz === undefined || authz.trim() === '') throw new ServiceError('Unauthorized', 'Authorization does not exist in http header')
  if (/^LOG\s/.test(authz)) {
    if (!s.sls.signatureVersions.includes('v1')) throw new ServiceError('Unauthorized', 'signature v1 is disabled')
    return authV1(req, s, authz)
  }
  if (/^SLS4-HMAC-SHA256\s/.test(authz)) {
    if (!s.sls.signatureVersions.includes('v4')) throw new ServiceError('Unauthorized', 'signature v4 is disabled')
    return authV4(req, s, authz)
  }
  throw new ServiceError('Unauthorized', 'unsupported Authorization scheme')
}

function decompress (req: ServiceRequest, c: SlsSettings, rawSize: number): { raw: Buffer, compression: string } {
  const header = req.headers['x-log-compresstype']
  const type = header === undefined || header === '' ? 'none' : header.toLowerCase()
  if (!c.compressTypes.includes(type)) throw new ServiceError('InvalidCompressType', `x-log-compresstype ${header} is unsupported`)
  if (type === 'lz4') {
    try {
      return { raw: decodeLz4Block(req.body, rawSize), compression: 'lz4' }
    } catch (e) {
      throw new ServiceError('PostBodyUncompressError', `lz4 decompression failed: ${(e as Error).message}`)
    }
  }
  if (type === 'deflate') {
    const attempts: Array<['deflate-zlib' | 'deflate-raw', typeof inflateZlib]> = []
    if (c.deflate !== 'raw') attempts.push(['deflate-zlib', inflateZlib])
    if (c.deflate !== 'zlib') attempts.push(['deflate-raw', inflateRaw])
    let lastError: Error | undefined
    for (const [name, fn] of attempts) {
      let raw: Buffer
      try {
        raw = fn(req.body, rawSize)
      } catch (e) {
        lastError = e as Error
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ServiceError('InvalidBodyRawSize', `deflate body inflates beyond x-log-bodyrawsize ${rawSize}`)
        continue
      }
      if (raw.length !== rawSize) throw new ServiceError('InvalidBodyRawSize', `x-log-bodyrawsize ${rawSize} does not match the inflated size ${raw.length}`)
      return { raw, compression: name }
    }
    throw new ServiceError('PostBodyUncompressError', `deflate decompression failed: ${lastError?.message ?? 'disabled'}`)
  }
  if (req.body.length !== rawSize) throw new ServiceError('InvalidBodyRawSize', `x-log-bodyrawsize ${rawSize} does not match the body size ${req.body.length}`)
  return { raw: req.body, compression: 'none' }
}

export function handleSls (req: ServiceRequest, s: EmulatorSettings): ServiceOutcome {
  const c = s.sls
  const h = req.headers
  const route = parseSlsPath(req.path)
  if (!route) throw new ServiceError('NotFound', `unknown path ${req.path}`)
  if (req.method !== 'POST') throw new ServiceError('MethodNotAllowed', `PutLogs needs POST, got ${req.method}`)
  if (h.host === undefined) throw new ServiceError('MissingHost', 'Host does not exist in http header')
  const project = projectFromHost(h.host)
  const apiVersion = h['x-log-apiversion']
  if (apiVersion === undefined) throw new ServiceError('MissingAPIVersion', 'x-log-apiversion does not exist in http header')
  if (!c.apiVersions.includes(apiVersion)) throw new ServiceError('InvalidAPIVersion', `x-log-apiversion ${apiVersion} is unsupported`)

  const auth = authenticate(req, s)
  if (project === null) throw new ServiceError('ProjectNotExists', `Host ${h.host} does not start with <project>.`)
  if (!c.autoCreate && !Object.hasOwn(c.projects, project)) throw new ServiceError('ProjectNotExists', `The Project does not exist : ${project}`)
  if (!c.autoCreate && !c.projects[project]!.includes(route.logstore)) throw new ServiceError('LogStoreNotExist', `logstore ${route.logstore} does not exist`)
  let hashKey: string | undefined
  if (route.route === 'route') {
    hashKey = req.query.get('key') ?? undefined
    if (!hashKey) throw new ServiceError('ParameterInvalid', 'shards/route needs a key query parameter')
  }

  // A chunked body (no Content-Length) is refused before it is read: SLS's common error 411.
  if (h['content-length'] === undefined) throw new ServiceError('MissingContentLength', 'Content-Length does not exist in http header')
  const contentType = h['content-type']
  if (contentType === undefined) throw new ServiceError('MissingContentType', 'Content-Type does not exist in http header when body is not empty')
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/x-protobuf') throw new ServiceError('InvalidContentType', `Content-Type ${contentType} is unsupported`)
  const md5 = h['content-md5']
  if (md5 !== undefined) {
    if (!sameHex(md5, md5Hex(req.body))) throw new ServiceError(c.md5MismatchCode, 'Content-MD5 does not match the body')
  } else if (c.requireContentMd5) throw new ServiceError(c.md5MismatchCode, 'Content-MD5 does not exist in http header')

  const rawHeader = h['x-log-bodyrawsize']
  if (rawHeader === undefined) throw new ServiceError('MissingBodyRawSize', 'x-log-bodyrawsize does not exist in header')
  const rawSize = parseSize(rawHeader)
  if (Number.isNaN(rawSize)) throw new ServiceError('InvalidBodyRawSize', `x-log-bodyrawsize ${rawHeader} is invalid`)
  if (c.limits.maxRawBytes !== null && rawSize > c.limits.maxRawBytes) throw new ServiceError('PostBodyTooLarge', `body raw size ${rawSize} exceeds ${c.limits.maxRawBytes}`)
  if (c.limits.maxBodyBytes !== null && req.body.length > c.limits.maxBodyBytes) throw new ServiceError('PostBodyTooLarge', `body size ${req.body.length} exceeds ${c.limits.maxBodyBytes}`)

  const { raw, compression } = decompress(req, c, rawSize)
  const nowSec = Math.floor(s.clock() / 1000)
  let decoded
  try {
    decoded = decodeSlsLogGroup(raw, {
      materialize: s.store,
      rejectUnknownFields: c.rejectUnknownFields,
      rejectEmptyKeys: c.rejectEmptyKeys,
      maxLogsPerGroup: c.limits.maxLogsPerGroup,
      maxKeyBytes: c.limits.maxKeyBytes,
      maxValueBytes: c.limits.maxValueBytes,
      timeNsMax: c.timeNsMax,
      timeRange: c.timeWindow ? { min: nowSec - c.timeWindow.pastSec, max: nowSec + c.timeWindow.futureSec } : null
    })
  } catch (e) {
    if (e instanceof DecodeError) throw new ServiceError(e.kind === 'timeRange' ? c.timeWindowCode : DECODE_CODES[e.kind], e.message)
    throw e
  }
  if (c.rejectEmptyRequest && decoded.logCount === 0) throw new ServiceError('PostBodyInvalid', 'the LogGroup holds no logs')

  const common = { service: 'sls' as const, project, logstore: route.logstore, hashKey, requestId: req.requestId, receivedAt: req.receivedAt }
  let logs: StoredLog[] | null = null
  if (s.store) {
    logs = []
    const g = decoded.groups[0]!
    for (const l of g.logs) {
      const stored: StoredLog = { ...common, time: l.time, contents: l.contents, tags: g.tags, groupIndex: 0, compression }
      if (l.timeNs !== undefined) stored.timeNs = l.timeNs
      if (g.source !== undefined) stored.source = g.source
      if (g.topic !== undefined) stored.topic = g.topic
      logs.push(stored)
    }
  }
  return {
    logs,
    record: {
      ...common,
      route: route.route,
      compression,
      bodyBytes: req.body.length,
      rawBytes: raw.length,
      logCount: decoded.logCount,
      groupCount: 1,
      accessKeyId: auth.accessKeyId,
      auth: auth.auth,
      signedHeaders: auth.signedHeaders,
      headers: s.store ? redactedHeaders(h) : {}
    }
  }
}
