// Volcengine TLS: POST /PutLogs?TopicId=… — authenticate, check headers, decompress, decode, store.
import { ServiceError } from './errors.js'
import { decodeLz4Block } from './lz4-block.js'
import { DecodeError, decodeTlsLogGroupList } from './protobuf-decode.js'
import type { DecodeFailure } from './protobuf-decode.js'
import { findCredential, inflateZlib, md5Hex, parseSize, redactedHeaders, sameHex, sha256HexOf } from './service-request.js'
import type { ServiceOutcome, ServiceRequest } from './service-request.js'
import type { EmulatorSettings, TlsSettings } from './settings.js'
import type { StoredLog } from './store.js'
import { buildTlsCanonicalRequest, parseIsoBasic, parseTlsAuthorization, tlsSignature } from './tls-signature.js'

const DECODE_CODES: Record<DecodeFailure, string> = {
  malformed: 'DeserializeFailed',
  missingRequired: 'DeserializeFailed',
  unknownField: 'DeserializeFailed',
  utf8: 'InvalidArgument',
  logTooLarge: 'LogSizeTooLarge',
  tooManyLogs: 'TooManyLogs',
  valueTooLarge: 'LogSizeTooLarge',
  keyTooLarge: 'InvalidArgument',
  emptyKey: 'InvalidArgument',
  timeNs: 'InvalidArgument',
  timeRange: 'InvalidArgument'
}

interface AuthResult { accessKeyId: string, auth: string, signedHeaders?: string }

function authenticate (req: ServiceRequest, s: EmulatorSettings): AuthResult {
  const h = req.headers
  const t = s.tls
  const authz = h.authorization
  if (authz === undefined) {
    const apiKey = h['x-tls-anonymous-identity']
    if (apiKey !== undefined && apiKey !== '') {
      if (!t.apiKeys.includes(apiKey)) throw new ServiceError('AuthFailed', 'unknown API key in x-tls-anonymous-identity')
      return { accessKeyId: '', auth: 'tls-apikey' }
    }
    throw new ServiceError('AuthFailed', 'missing Authorization header')
  }
  const a = parseTlsAuthorization(authz)
  if (!a) throw new ServiceError('AuthFailed', 'malformed Authorization header (expected HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…)')
  const cred = findCredential(s.credentials, a.accessKeyId, 'tls')
  if (!cred) throw new ServiceError('InvalidAccessKeyId', `access key id ${a.accessKeyId} does not exist`)

  const xDate = h['x-date']
  if (xDate === undefined) throw new ServiceError('AuthFailed', 'missing X-Date header')
  const when = parseIsoBasic(xDate)
  if (Number.isNaN(when)) throw new ServiceError('AuthFailed', `X-Date ${xDate} is not YYYYMMDDTHHMMSSZ`)
  const skew = Math.abs(s.clock() - when) / 1000
  if (skew > t.maxSkewSec) throw new ServiceError('RequestTimeTooSkewed', `X-Date ${xDate} differs from server time by ${Math.round(skew)} s (max ${t.maxSkewSec} s)`)

  const token = h['x-security-token']
  if (cred.securityToken !== undefined) {
    if (token === undefined) throw new ServiceError('InvalidSecurityToken', 'this access key requires X-Security-Token')
    if (token !== cred.securityToken) throw new ServiceError('InvalidSecurityToken', 'X-Security-Token is not valid for this access key')
    if (cred.expiresAt !== undefined && s.clock() >= cred.expiresAt) throw new ServiceError(t.expiredTokenCode, 'the security token has expired')
  } else if (token !== undefined && token !== '') {
    throw new ServiceError('InvalidSecurityToken', 'X-Security-Token sent with a permanent access key')
  }

  if (a.shortDate !== xDate.slice(0, 8)) throw new ServiceError('SignatureDoesNotMatch', `credential scope date ${a.shortDate} does not match X-Date`)
  if (a.service !== 'TLS' || a.terminator !== 'request') throw new ServiceError('SignatureDoesNotMatch', `credential scope must end with /TLS/request, got /${a.service}/${a.terminator}`)
  if (t.region !== null && a.region !== t.region) throw new ServiceError('SignatureDoesNotMatch', `credential scope region ${a.region} is not ${t.region}`)
  if (!a.signedHeaders.includes('x-date')) throw new ServiceError('SignatureDoesNotMatch', 'x-date must be a signed header')
  if (token !== undefined && !a.signedHeaders.includes('x-security-token')) throw new ServiceError('SignatureDoesNotMatch', 'x-security-token must be a signed header')
  for (const name of a.signedHeaders) {
    if (name !== name.toLowerCase() || h[name] === undefined) throw new ServiceError('SignatureDoesNotMatch', `signed header ${name} is not in the request`)
  }

  const bodyHash = sha256HexOf(req.body)
  const payloadHash = h['x-content-sha256'] ?? bodyHash
  if (t.verifyContentSha256 && payloadHash !== bodyHash) throw new ServiceError('SignatureDoesNotMatch', 'X-Content-Sha256 does not match the body')
  const canonical = buildTlsCanonicalRequest({ method: req.method, path: req.path, query: req.query, headers: h, signedHeaders: a.signedHeaders, payloadHash })
  const expected = tlsSignature(cred.accessKeySecret, xDate, a.region, a.service, canonical)
  if (expected !== a.signature.toLowerCase()) throw new ServiceError('SignatureDoesNotMatch', 'the request signature does not match')
  return { accessKeyId: a.accessKeyId, auth: 'tls-v4', signedHeaders: a.signedHeaders.join(';') }
}

function decompress (req: ServiceRequest, t: TlsSettings, rawSize: number): { raw: Buffer, compression: string } {
  const header = req.headers['x-tls-compresstype']
  const type = header === undefined || header === '' ? 'none' : header.toLowerCase()
  if (!t.compressTypes.includes(type)) throw new ServiceError('InvalidArgument', `x-tls-compresstype ${header} is not supported`)
  if (type === 'lz4') {
    try {
      return { raw: decodeLz4Block(req.body, rawSize), compression: 'lz4' }
    } catch (e) {
      throw new ServiceError('DeserializeFailed', `lz4 decompression failed: ${(e as Error).message}`)
    }
  }
  if (type === 'zlib') {
    let raw: Buffer
    try {
      raw = inflateZlib(req.body, rawSize)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ServiceError('InvalidArgument', `zlib body inflates beyond x-tls-bodyrawsize ${rawSize}`)
      throw new ServiceError('DeserializeFailed', `zlib decompression failed: ${(e as Error).message}`)
    }
    if (raw.length !== rawSize) throw new ServiceError('InvalidArgument', `x-tls-bodyrawsize ${rawSize} does not match the inflated size ${raw.length}`)
    return { raw, compression: 'zlib' }
  }
  if (req.body.length !== rawSize) throw new ServiceError('InvalidArgument', `x-tls-bodyrawsize ${rawSize} does not match the body size ${req.body.length}`)
  return { raw: req.body, compression: 'none' }
}

export function handleTls (req: ServiceRequest, s: EmulatorSettings): ServiceOutcome {
  const t = s.tls
  const h = req.headers
  if (req.path !== '/PutLogs') throw new ServiceError('NotFound', `unknown action path ${req.path}`)
  if (req.method !== 'POST') throw new ServiceError('MethodNotAllowed', `PutLogs needs POST, got ${req.method}`)
  const topicId = req.query.get('TopicId')
  if (!topicId) throw new ServiceError('InvalidArgument', 'missing TopicId query parameter')

  const auth = authenticate(req, s)
  if (!t.autoCreate && !t.topics.includes(topicId)) throw new ServiceError('TopicNotExist', `topic ${topicId} does not exist`)

  const contentType = h['content-type']
  if (contentType === undefined || contentType.split(';')[0]!.trim().toLowerCase() !== 'application/x-protobuf') {
    throw new ServiceError('InvalidArgument', `Content-Type must be application/x-protobuf, got ${contentType ?? '(none)'}`)
  }
  const apiVersion = h['x-tls-apiversion']
  if (apiVersion !== undefined && !t.apiVersions.includes(apiVersion)) throw new ServiceError('InvalidArgument', `x-tls-apiversion ${apiVersion} is not supported`)
  const md5 = h['content-md5']
  if (md5 !== undefined) {
    if (!sameHex(md5, md5Hex(req.body))) throw new ServiceError('ErrLogMD5CheckFailed', 'Content-MD5 does not match the body')
  } else if (t.requireContentMd5) throw new ServiceError('InvalidArgument', 'missing Content-MD5 header')

  const rawSize = parseSize(h['x-tls-bodyrawsize'])
  if (Number.isNaN(rawSize)) throw new ServiceError('InvalidArgument', `x-tls-bodyrawsize missing or not a number: ${h['x-tls-bodyrawsize'] ?? '(none)'}`)
  if (t.limits.maxBodyBytes !== null && req.body.length > t.limits.maxBodyBytes) throw new ServiceError('LogGroupListSizeTooLarge', `body of ${req.body.length} bytes exceeds ${t.limits.maxBodyBytes}`)
  if (t.limits.maxRawBytes !== null && rawSize > t.limits.maxRawBytes) throw new ServiceError('LogGroupListSizeTooLarge', `x-tls-bodyrawsize ${rawSize} exceeds ${t.limits.maxRawBytes}`)

  const hashKey = h['x-tls-hashkey']
  if (t.validateHashKey && hashKey !== undefined && hashKey !== '' && !/^[0-9a-fA-F]{32}$/.test(hashKey)) {
    throw new ServiceError('InvalidArgument', `x-tls-hashkey must be 32 hex digits, got ${hashKey}`)
  }

  const { raw, compression } = decompress(req, t, rawSize)
  let decoded
  try {
    decoded = decodeTlsLogGroupList(raw, {
      materialize: s.store,
      rejectUnknownFields: t.rejectUnknownFields,
      rejectEmptyKeys: t.rejectEmptyKeys,
      maxLogBytes: t.limits.maxLogBytes,
      maxLogsPerGroup: t.limits.maxLogsPerGroup,
      maxKeyBytes: t.limits.maxKeyBytes,
      maxValueBytes: t.limits.maxValueBytes,
      timeNsMax: t.timeNsMax
    })
  } catch (e) {
    if (e instanceof DecodeError) throw new ServiceError(DECODE_CODES[e.kind], e.message)
    throw e
  }
  if (t.rejectEmptyRequest && decoded.logCount === 0) throw new ServiceError('InvalidArgument', 'the request holds no logs')

  const common = { service: 'tls' as const, topicId, hashKey: hashKey || undefined, requestId: req.requestId, receivedAt: req.receivedAt }
  let logs: StoredLog[] | null = null
  if (s.store) {
    logs = []
    decoded.groups.forEach((g, groupIndex) => {
      for (const l of g.logs) {
        const stored: StoredLog = { ...common, time: l.time, contents: l.contents, tags: g.tags, groupIndex, compression }
        if (l.timeExact !== undefined) stored.timeExact = l.timeExact
        if (l.timeNs !== undefined) stored.timeNs = l.timeNs
        if (g.source !== undefined) stored.source = g.source
        if (g.filename !== undefined) stored.filename = g.filename
        if (g.contextFlow !== undefined) stored.contextFlow = g.contextFlow
        logs!.push(stored)
      }
    })
  }
  return {
    logs,
    record: {
      ...common,
      compression,
      bodyBytes: req.body.length,
      rawBytes: raw.length,
      logCount: decoded.logCount,
      groupCount: decoded.groupCount,
      accessKeyId: auth.accessKeyId,
      auth: auth.auth,
      signedHeaders: auth.signedHeaders,
      headers: s.store ? redactedHeaders(h) : {}
    }
  }
}
