/**
 * Aliyun SLS PutLogs: `POST /logstores/{ls}/shards/lb` (or `/shards/route?key=` with a hash key)
 * on `<project>.<endpoint host>`, the LogGroup as body, headers per protocol doc §1.2, v1 or v4
 * signature. For an IP or localhost endpoint (the emulator) the connection goes to the endpoint
 * itself with `Host: <project>.<host[:port]>`, as the older official JS SDK does.
 */
import { isIP } from 'node:net'
import { InvalidRecordError } from '../errors.js'
import { DNS_LABEL, type ResolvedOptions } from '../options.js'
import type { Destination, SealedBatch } from '../transport.js'
import type { SendOptions } from '../types.js'
import type { BuiltBody } from '../wire/body.js'
import type { HttpRequest } from '../wire/http.js'
import type { GroupFields } from '../wire/protobuf.js'
import { adjustShardHash } from './adjust-hash.js'
import type { CurrentCredentials } from './credentials.js'
import { destinationKey, overrideRequestName, overrideString, ServiceWire, type ServiceProtocol, type WireDeps } from './service-wire.js'
import { formatRfc1123, slsV1Authorization, slsV1Signature, slsV1StringToSign, SlsV4SigningKeyCache, slsV4Sign } from './sls-signer.js'
import { SLS_TIME_WINDOW } from './time-window.js'
import { formatXDate } from './tls-signer.js'

export const SLS_API_VERSION = '0.6.0'

export function isDirectHost (hostname: string): boolean {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  return bare === 'localhost' || isIP(bare) !== 0
}

export class SlsProtocol implements ServiceProtocol {
  readonly service = 'sls' as const
  readonly needsMd5: boolean
  readonly needsSha256: boolean
  readonly timeWindow = SLS_TIME_WINDOW
  private readonly options: ResolvedOptions
  private readonly v4: boolean
  private readonly keys = new SlsV4SigningKeyCache()
  private readonly direct: boolean

  constructor (options: ResolvedOptions) {
    this.options = options
    this.v4 = options.signatureVersion === 'v4'
    this.needsMd5 = !this.v4
    this.needsSha256 = this.v4
    this.direct = isDirectHost(options.endpoint.hostname)
  }

  resolve (overrides: SendOptions | undefined): Destination {
    const o = this.options
    const project = overrideString(overrides, 'project', o.project)
    const logstore = overrideRequestName(overrides, 'logstore', o.logstore)
    if (project === '') throw new InvalidRecordError('project is empty: an SLS destination needs a project')
    // The producer's own project was checked once in resolveOptions; a per-call one here, since it
    // becomes the request's host name and a bad one would fail every batch it joins.
    if (project !== o.project && !DNS_LABEL.test(project)) {
      throw new InvalidRecordError('project must be an SLS project name: letters, digits and hyphens, at most 63, not starting or ending with a hyphen')
    }
    if (logstore === '') throw new InvalidRecordError('logstore is empty: an SLS destination needs a logstore')
    const topic = overrideString(overrides, 'topic', o.topic)
    const source = overrideString(overrides, 'source', o.source)
    let hashKey = overrideRequestName(overrides, 'hashKey', o.hashKey)
    if (hashKey !== '' && o.adjustShardHash) hashKey = adjustShardHash(hashKey, o.buckets)
    return { service: 'sls', key: destinationKey([project, logstore, topic, hashKey, source]), project, logstore, topic, hashKey, source }
  }

  groupFields (destination: Destination): GroupFields {
    return { source: destination.source, topic: destination.topic ?? '', tags: this.options.tags }
  }

  request (batch: SealedBatch, body: BuiltBody, credentials: CurrentCredentials, now: Date): HttpRequest {
    const endpoint = this.options.endpoint
    const dest = batch.destination
    const host = `${dest.project ?? ''}.${endpoint.host}`
    const basePath = `/logstores/${encodeURIComponent(dest.logstore ?? '')}/shards/`
    const hashKey = dest.hashKey ?? ''
    const query: Array<[string, string]> = hashKey === '' ? [] : [['key', hashKey]]
    const path = hashKey === '' ? basePath + 'lb' : basePath + 'route'
    const headers: Record<string, string> = { Host: host, 'Content-Type': 'application/x-protobuf' }
    if (!this.v4) headers['Content-MD5'] = body.md5Hex
    headers['x-log-apiversion'] = SLS_API_VERSION
    headers['x-log-bodyrawsize'] = String(body.rawSize)
    if (body.compression !== 'none') headers['x-log-compresstype'] = body.compression
    if (credentials.securityToken !== '') headers['x-acs-security-token'] = credentials.securityToken
    headers['User-Agent'] = this.options.userAgent
    if (this.v4) {
      headers['x-log-date'] = formatXDate(now)
      headers['x-log-content-sha256'] = body.sha256Hex
      headers.Authorization = slsV4Sign({
        verb: 'POST',
        path,
        query,
        headers: Object.entries(headers),
        bodySha256: body.sha256Hex,
        dateTime: headers['x-log-date'],
        region: this.options.region,
        accessKeyId: credentials.accessKeyId,
        secret: credentials.accessKeySecret
      }, this.keys).authorization
    } else {
      headers['x-log-signaturemethod'] = 'hmac-sha1'
      headers.Date = formatRfc1123(now)
      const stringToSign = slsV1StringToSign({
        verb: 'POST',
        contentMd5: body.md5Hex,
        contentType: 'application/x-protobuf',
        date: headers.Date,
        headers: Object.entries(headers),
        path,
        query
      })
      headers.Authorization = slsV1Authorization(credentials.accessKeyId, slsV1Signature(stringToSign, credentials.accessKeySecret))
    }
    const origin = this.direct ? endpoint.origin : `${endpoint.protocol}//${host}`
    const search = hashKey === '' ? '' : `?key=${encodeURIComponent(hashKey)}`
    return { origin, path: path + search, headers, body: body.body }
  }
}

export function createSlsWire (options: ResolvedOptions, deps?: WireDeps): ServiceWire {
  return new ServiceWire(new SlsProtocol(options), options, deps)
}
