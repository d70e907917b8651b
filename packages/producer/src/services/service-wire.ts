/**
 * The Wire both services share: destination cache, Log encoding, body caching, credentials,
 * one POST per attempt, classification, and one re-send after an auth failure when a credentials
 * provider hands out new credentials. A ServiceProtocol supplies what differs.
 */
import { InvalidRecordError, NetworkError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import { hasLoneSurrogate, SERVICE_LIMITS } from '../options.js'
import type { AttemptOutcome, CredentialsListener, Destination, SealedBatch, ServiceLimits, TimeParts, Wire } from '../transport.js'
import type { ContentsInput, Credentials, SendOptions, ServiceName } from '../types.js'
import { buildBody, buildBodySync, isBuiltBody, type BuildBodyOptions, type BuiltBody } from '../wire/body.js'
import { giveBackBodyMemory } from '../wire/body-memory.js'
import { HttpClient, type HttpRequest } from '../wire/http.js'
import { bodySize, encodeGroupTrailer, LogEncoder, type Flavor, type GroupFields } from '../wire/protobuf.js'
import { classifyError, classifyResponse, header, isAuthFailure, REQUEST_ID_HEADER } from './classify.js'
import { CredentialsSource, secretsOf, signatureOf, type CurrentCredentials } from './credentials.js'
import { TimeWindow, type TimeWindowLimits } from './time-window.js'

export interface ServiceProtocol {
  readonly service: ServiceName
  /** Which digests the request needs. */
  readonly needsMd5: boolean
  readonly needsSha256: boolean
  /** Log times the service accepts, when it refuses a whole request for one outside them. */
  readonly timeWindow?: TimeWindowLimits
  /** The destination for these overrides (not cached here); throws InvalidRecordError. */
  resolve (overrides: SendOptions | undefined): Destination
  groupFields (destination: Destination): GroupFields
  /** The signed request for one attempt; `now` sets the signature time. */
  request (batch: SealedBatch, body: BuiltBody, credentials: CurrentCredentials, now: Date): HttpRequest
}

/** Bounds the destination cache when callers pass many distinct per-call overrides. */
const MAX_CACHED_DESTINATIONS = 10_000

export interface WireDeps {
  http?: HttpClient
  now?: () => number
}

export class ServiceWire implements Wire {
  readonly service: ServiceName
  readonly limits: ServiceLimits
  private readonly protocol: ServiceProtocol
  private readonly options: ResolvedOptions
  private readonly encoder: LogEncoder
  private readonly http: HttpClient
  private readonly credentials: CredentialsSource
  private readonly now: () => number
  private readonly defaultDestination: Destination
  private readonly destinations = new Map<string, Destination>()
  private readonly trailers = new Map<string, Buffer>()
  private readonly timeWindow: TimeWindow | undefined
  private destroyed = false

  constructor (protocol: ServiceProtocol, options: ResolvedOptions, deps: WireDeps = {}) {
    this.protocol = protocol
    this.options = options
    this.service = protocol.service
    this.limits = SERVICE_LIMITS[protocol.service]
    this.encoder = new LogEncoder(protocol.service as Flavor, this.limits.maxLogBytes)
    this.now = deps.now ?? Date.now
    this.http = deps.http ?? new HttpClient({
      connectTimeoutMs: options.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      connections: options.maxSenderCount,
      ...(options.ca === undefined ? {} : { ca: options.ca })
    })
    // A provider call gets requestTimeoutMs of its own, apart from the request's (see credentials.ts).
    this.credentials = new CredentialsSource(options.credentials, this.now, options.requestTimeoutMs)
    this.timeWindow = protocol.timeWindow === undefined ? undefined : new TimeWindow(protocol.timeWindow, this.now)
    this.defaultDestination = protocol.resolve(undefined)
  }

  get truncated (): number {
    return this.encoder.truncated
  }

  destination (overrides: SendOptions | undefined): Destination {
    if (overrides === undefined || !hasDestinationFields(overrides)) return this.defaultDestination
    const resolved = this.protocol.resolve(overrides)
    const cached = this.destinations.get(resolved.key)
    if (cached !== undefined) return cached
    if (this.destinations.size >= MAX_CACHED_DESTINATIONS) this.destinations.clear()
    this.destinations.set(resolved.key, resolved)
    return resolved
  }

  encodeLog (time: TimeParts, contents: ContentsInput): Uint8Array {
    if (this.timeWindow !== undefined) this.timeWindow.check(time.ms)
    return this.encoder.encode(time, contents)
  }

  bodySize (dest: Destination, entriesBytes: number): number {
    return bodySize(this.service as Flavor, entriesBytes, this.trailer(dest).length)
  }

  /** Builds and caches an lz4 or uncompressed body at seal time and lets the batch drop its entries. */
  prepare (batch: SealedBatch): void {
    if (this.options.compression === 'deflate' || isBuiltBody(batch.cache)) return
    try {
      batch.cache = buildBodySync(batch.entries, this.trailer(batch.destination), this.bodyOptions())
    } catch {
      return // send() builds it and reports what went wrong
    }
    batch.releaseEntries?.()
  }

  async send (batch: SealedBatch): Promise<AttemptOutcome> {
    let secrets: readonly string[] = []
    try {
      if (this.destroyed) throw new NetworkError('UND_ERR_DESTROYED', 'the wire was destroyed', false)
      const body = await this.body(batch)
      const credentials = await this.credentials.get()
      secrets = this.credentials.secrets()
      const outcome = await this.attempt(batch, body, credentials)
      // The sender sends again at once, as an attempt of its own (counted, observed, in the
      // result's attempts): done in here before, the refused request was seen by nothing.
      if (!outcome.ok && isAuthFailure(this.service, outcome.status, outcome.errorCode) &&
        await this.credentials.renewAfterAuthFailure(credentials)) {
        return { ...outcome, renewedCredentials: true }
      }
      return outcome
    } catch (error) {
      return classifyError(error, [...secrets, ...this.credentials.secrets()])
    }
  }

  /** The batch settled after its last request: its body's memory goes back for the next body. */
  release (batch: SealedBatch): void {
    const built = batch.cache
    if (!isBuiltBody(built)) return
    batch.cache = undefined
    if (built.pooled) giveBackBodyMemory(built.body)
  }

  setCredentials (credentials: Credentials): void {
    this.credentials.set(credentials)
  }

  observeCredentials (listener: CredentialsListener): void {
    this.credentials.listener = listener
  }

  keepProcessAlive (on: boolean): void {
    this.credentials.keepProcessAlive(on)
  }

  close (): Promise<void> {
    return this.http.close()
  }

  destroy (): void {
    this.destroyed = true
    this.credentials.destroy()
    this.http.destroy()
  }

  private async attempt (batch: SealedBatch, body: BuiltBody, credentials: CurrentCredentials): Promise<AttemptOutcome> {
    const request = this.protocol.request(batch, body, credentials, new Date(this.now()))
    // What is scrubbed from a failure's text: the credentials this request was signed with (they
    // may have been rotated while it was in flight), the current ones, and its signature.
    const secrets = (): string[] => [...signatureOf(request.headers.Authorization), ...secretsOf(credentials), ...this.credentials.secrets()]
    try {
      const response = await this.http.post(request)
      if (response.status >= 200 && response.status < 300) {
        return { ok: true, status: response.status, requestId: header(response.headers, REQUEST_ID_HEADER[this.service]) }
      }
      return classifyResponse(this.service, response, secrets())
    } catch (error) {
      return classifyError(error, secrets())
    }
  }

  private async body (batch: SealedBatch): Promise<BuiltBody> {
    if (isBuiltBody(batch.cache)) return batch.cache
    const built = await buildBody(batch.entries, this.trailer(batch.destination), this.bodyOptions())
    batch.cache = built
    // As prepare() does for lz4: from now on a deflate batch waiting for a retry holds only its
    // compressed body, not its entries as well. (Released after the await: zlib has read them.)
    batch.releaseEntries?.()
    return built
  }

  private bodyOptions (): BuildBodyOptions {
    return {
      flavor: this.service as Flavor,
      compression: this.options.compression,
      md5: this.protocol.needsMd5,
      sha256: this.protocol.needsSha256
    }
  }

  private trailer (dest: Destination): Buffer {
    let trailer = this.trailers.get(dest.key)
    if (trailer === undefined) {
      if (this.trailers.size >= MAX_CACHED_DESTINATIONS) this.trailers.clear()
      trailer = encodeGroupTrailer(this.service as Flavor, this.protocol.groupFields(dest))
      this.trailers.set(dest.key, trailer)
    }
    return trailer
  }
}

function hasDestinationFields (o: SendOptions): boolean {
  return o.topicId !== undefined || o.project !== undefined || o.logstore !== undefined || o.topic !== undefined ||
    o.source !== undefined || o.filename !== undefined || o.hashKey !== undefined
}

/** An override must be a string when given; the producer option fills in when it is absent. */
export function overrideString (overrides: SendOptions | undefined, name: keyof SendOptions, fallback: string): string {
  const value = overrides?.[name]
  if (value === undefined) return fallback
  if (typeof value !== 'string') throw new InvalidRecordError(`${name} must be a string`)
  return value
}

/**
 * A per-call name that goes into the request's path or query (topicId, logstore, hashKey). The
 * producer's own was checked once in resolveOptions; one given per call is checked here, so an
 * unpaired surrogate (which percent-encoding throws on) fails its own send() instead of every
 * batch it would join.
 */
export function overrideRequestName (overrides: SendOptions | undefined, name: 'topicId' | 'logstore' | 'hashKey', fallback: string): string {
  const value = overrideString(overrides, name, fallback)
  if (value !== fallback && hasLoneSurrogate(value)) throw new InvalidRecordError(`${name} has an unpaired UTF-16 surrogate; it must be well-formed text`)
  return value
}

/** `a|b|c`, or JSON when a part contains `|`, so two different destinations never share a key. */
export function destinationKey (parts: readonly string[]): string {
  for (const part of parts) if (part.includes('|')) return JSON.stringify(parts)
  return parts.join('|')
}
