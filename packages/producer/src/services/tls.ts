/**
 * Volcengine TLS PutLogs: `POST {endpoint}/PutLogs?TopicId=…`, LogGroupList body, the Go SDK's
 * headers (protocol doc §1.2) and V4 signature over the header set Go signs.
 *
 * Choice: with compression 'none' no x-tls-compresstype header is sent. The API docs call the
 * header optional with "not compressed" as the default, and the official Node SDK omits it too;
 * `none` as a value is only known from the C SDK (doc §5 question 3).
 */
import { InvalidRecordError } from '../errors.js'
import { TLS_HASH_KEY, type ResolvedOptions } from '../options.js'
import type { Destination, SealedBatch } from '../transport.js'
import type { SendOptions } from '../types.js'
import type { BuiltBody } from '../wire/body.js'
import type { HttpRequest } from '../wire/http.js'
import type { GroupFields } from '../wire/protobuf.js'
import type { CurrentCredentials } from './credentials.js'
import { destinationKey, overrideRequestName, overrideString, ServiceWire, type ServiceProtocol, type WireDeps } from './service-wire.js'
import { formatXDate, goSignsHeader, uriEncode, VolcSigningKeyCache, volcSign } from './tls-signer.js'

export const TLS_API_VERSION = '0.3.0'
export const TLS_SERVICE = 'TLS'
const COMPRESS_HEADER = { lz4: 'lz4', deflate: 'zlib' } as const

export class TlsProtocol implements ServiceProtocol {
  readonly service = 'tls' as const
  readonly needsMd5 = true
  readonly needsSha256 = true
  private readonly options: ResolvedOptions
  private readonly keys = new VolcSigningKeyCache()

  constructor (options: ResolvedOptions) {
    this.options = options
  }

  resolve (overrides: SendOptions | undefined): Destination {
    const o = this.options
    const topicId = overrideRequestName(overrides, 'topicId', o.topicId)
    if (topicId === '') throw new InvalidRecordError('topicId is empty: a TLS destination needs a topic id')
    // 32 hex digits (TLS_HASH_KEY below) leave no room for an unpaired surrogate: no second check.
    const hashKey = overrideString(overrides, 'hashKey', o.hashKey)
    // The producer's own hashKey was checked once in resolveOptions; a per-call one is checked here,
    // so a bad key fails its own send() instead of every batch it would join.
    if (hashKey !== o.hashKey && hashKey !== '' && !TLS_HASH_KEY.test(hashKey)) {
      throw new InvalidRecordError('hashKey must be 32 hex digits for TLS (a position on the shard ring), or empty')
    }
    const source = overrideString(overrides, 'source', o.source)
    const filename = overrideString(overrides, 'filename', o.filename)
    return { service: 'tls', key: destinationKey([topicId, hashKey, source, filename]), topicId, hashKey, source, filename }
  }

  groupFields (destination: Destination): GroupFields {
    return { source: destination.source, filename: destination.filename ?? '', tags: this.options.tags }
  }

  request (batch: SealedBatch, body: BuiltBody, credentials: CurrentCredentials, now: Date): HttpRequest {
    const endpoint = this.options.endpoint
    const topicId = batch.destination.topicId ?? ''
    const xDate = formatXDate(now)
    // Insertion order mirrors the Go SDK's; names in Go's canonical MIME case.
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-protobuf',
      'X-Tls-Bodyrawsize': String(body.rawSize)
    }
    if (body.compression !== 'none') headers['X-Tls-Compresstype'] = COMPRESS_HEADER[body.compression]
    headers['X-Tls-Hashkey'] = batch.destination.hashKey ?? ''
    headers['Log-Count'] = String(batch.logCount)
    headers['Earliest-Log-Time'] = String(Math.floor(batch.minTimeMs))
    headers['Latest-Log-Time'] = String(Math.floor(batch.maxTimeMs))
    headers['X-Tls-Apiversion'] = TLS_API_VERSION
    headers['User-Agent'] = this.options.userAgent
    headers['Content-Md5'] = body.md5Hex
    headers['X-Date'] = xDate
    headers['X-Content-Sha256'] = body.sha256Hex
    if (credentials.securityToken !== '') headers['X-Security-Token'] = credentials.securityToken
    const signed: Array<[string, string]> = [['host', endpoint.host]]
    for (const name of Object.keys(headers)) if (goSignsHeader(name.toLowerCase())) signed.push([name, headers[name]])
    const { authorization } = volcSign({
      method: 'POST',
      path: '/PutLogs',
      query: [['TopicId', topicId]],
      headers: signed,
      bodySha256: body.sha256Hex,
      xDate,
      region: this.options.region,
      service: TLS_SERVICE,
      accessKeyId: credentials.accessKeyId,
      secretKey: credentials.accessKeySecret
    }, this.keys)
    headers.Authorization = authorization
    return { origin: endpoint.origin, path: `/PutLogs?TopicId=${uriEncode(topicId)}`, headers, body: body.body }
  }
}

export function createTlsWire (options: ResolvedOptions, deps?: WireDeps): ServiceWire {
  return new ServiceWire(new TlsProtocol(options), options, deps)
}
