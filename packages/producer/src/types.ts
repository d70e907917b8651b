/** Public types of @logship/producer. */
import type { EventEmitter } from 'node:events'
import type { LogshipError } from './errors.js'

export type ServiceName = 'tls' | 'sls'
/** 'zlib' is accepted as an alias of 'deflate' (TLS calls it zlib, SLS deflate; both are RFC 1950). */
export type Compression = 'lz4' | 'deflate' | 'zlib' | 'none'

export interface Credentials {
  accessKeyId: string
  accessKeySecret: string
  /** STS session token, when the credentials are temporary. */
  securityToken?: string
  /** When temporary credentials expire (epoch ms or Date); a provider is called again before then. */
  expiresAt?: number | Date
}

/** Called for fresh credentials: at start, before `expiresAt`, and after an auth failure. */
export type CredentialsProvider = () => Credentials | Promise<Credentials>

/** Where a record goes. Everything is optional per call; unset fields come from the producer options. */
export interface DestinationOptions {
  /** TLS: the topic id. */
  topicId?: string
  /** SLS: project, logstore and topic. */
  project?: string
  logstore?: string
  topic?: string
  /** Both: the LogGroup source (default: this machine's first non-internal IPv4 address, else its hostname). */
  source?: string
  /** TLS only: the LogGroup FileName. */
  filename?: string
  /** Both: shard hash key (TLS: 32 hex digits; SLS: the route key, bucketed when adjustShardHash is on). */
  hashKey?: string
}

export interface SendOptions extends DestinationOptions {
  /** Called once with the batch's Result when the record is delivered or has finally failed. */
  callback?: (result: Result) => void
}

export type RecordTime = number | Date | bigint

/**
 * A plain object of key → value, or an array of [key, value] pairs. Typed as `object` so that values
 * declared with a TypeScript `interface` (which has no index signature) are accepted as they are.
 */
export type ContentsInput = object | ReadonlyArray<readonly [string, unknown]>

export interface LogRecord {
  /** ms since the epoch (fractions keep sub-ms precision), a Date, or a bigint of ns. Default: now. */
  time?: RecordTime
  contents: ContentsInput
}

export interface ProducerOptions extends DestinationOptions {
  service: ServiceName
  /**
   * This producer's name in diagnostics, metrics (label `producer`) and tracing messages.
   * Default `service:destination`, e.g. `tls:my-topic-id` or `sls:my-project/my-logstore`.
   */
  name?: string
  /** The producer's own diagnostic log (what it did and why). Default: level 'warn' to stderr. */
  diagnostics?: DiagnosticsOptions
  /** Service endpoint; no scheme means https://. TLS env fallback VOLCENGINE_ENDPOINT. */
  endpoint?: string
  /** TLS: required (env VOLCENGINE_REGION). SLS: required for v4 signing. */
  region?: string
  /** A static key id, or a provider function returning full credentials (STS refresh). */
  accessKeyId?: string | CredentialsProvider
  accessKeySecret?: string
  securityToken?: string
  /** LogGroup tags sent with every batch. */
  tags?: Record<string, string>
  /** SLS signature version: 'v1' (HMAC-SHA1, default) or 'v4' (SLS4-HMAC-SHA256, needs region). */
  signatureVersion?: 'v1' | 'v4'
  /** SLS: bucket hash keys into `buckets` groups (Go producer AdjustShardHash). */
  adjustShardHash?: boolean
  buckets?: number

  totalSizeInBytes?: number
  maxBlockMs?: number
  maxSenderCount?: number
  maxBatchSize?: number
  maxBatchCount?: number
  lingerMs?: number
  retries?: number
  maxReservedAttempts?: number
  baseRetryBackoffMs?: number
  maxRetryBackoffMs?: number
  noRetryStatusCodes?: readonly number[]
  compression?: Compression
  requestTimeoutMs?: number
  connectTimeoutMs?: number
  /** Bound on the automatic flush when the event loop empties with records still buffered. */
  closeTimeoutMs?: number
  /** Send buffered records when the event loop empties (beforeExit). Default true. */
  flushOnExit?: boolean
  /** Extra trusted CA certificates (PEM) for https endpoints, e.g. a private or test CA. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>
  /** User-Agent header: printable text up to U+00FF, no CR, LF or other control characters. */
  userAgent?: string
}

export type DiagnosticsLevel = 'debug' | 'info' | 'warn' | 'error' | 'off'

/**
 * Where diagnostics go besides a logger: stderr (default when no logger is given), nowhere
 * ('none': only `diagnostic` events), or a file rotated by size.
 */
export type DiagnosticsDestination = 'stderr' | 'none' | DiagnosticsFile

export interface DiagnosticsFile {
  /** Path of the active file; rotated copies are `file.1`, `file.2`, … (`.gz` when compressed), newest first. */
  file: string
  /** Rotate once the file reaches this size. Default 10 MiB (the Go producers' LogMaxSize). */
  maxSizeBytes?: number
  /** Rotated files kept. Default 10. */
  maxFiles?: number
  /** gzip rotated files. Default false. */
  compress?: boolean
}

/**
 * A logger for the producer's own diagnostics, called as `logger[level](message, record)` (winston's
 * and console's argument order). It must NOT be the logger whose records this producer ships.
 */
export interface DiagnosticsLogger {
  debug (message: string, record: DiagnosticRecord): unknown
  info (message: string, record: DiagnosticRecord): unknown
  warn (message: string, record: DiagnosticRecord): unknown
  error (message: string, record: DiagnosticRecord): unknown
}

export interface DiagnosticsOptions {
  /** The most verbose level written. Default 'warn'. */
  level?: DiagnosticsLevel
  /** Your logger (not the one being shipped). With a logger, destination defaults to 'none'. */
  logger?: DiagnosticsLogger
  /** Default 'stderr' without a logger, 'none' with one. */
  destination?: DiagnosticsDestination
  /** Line format for stderr and files. Default 'text' on stderr, 'json' in files. */
  format?: 'text' | 'json'
}

/** One diagnostic record: plain, structured-cloneable data; never credentials or record contents. */
export interface DiagnosticRecord {
  /** Epoch ms. */
  time: number
  level: 'debug' | 'info' | 'warn' | 'error'
  /** The producer's name. */
  producer: string
  /** What happened: 'batch_sealed', 'request', 'delivered', 'retry', 'failed', 'abandoned', 'drop', 'credentials', 'closed', … */
  event: string
  msg: string
  [field: string]: string | number | boolean
}

export interface Attempt {
  success: boolean
  requestId: string
  errorCode: string
  errorMessage: string
  /** HTTP status, 0 when no response came (network error, timeout). */
  status: number
  /** When the attempt ended, epoch ms. */
  timestampMs: number
  latencyMs: number
}

export interface Result {
  successful: boolean
  /** The most recent attempts, at most maxReservedAttempts, oldest first. */
  attempts: readonly Attempt[]
  /** The last attempt's fields, for convenience. */
  requestId: string
  errorCode: string
  errorMessage: string
  timestampMs: number
  latencyMs: number
  /** Total attempts made, including those no longer reserved. */
  attemptCount: number
}

export interface DestinationInfo {
  service: ServiceName
  key: string
  topicId?: string
  project?: string
  logstore?: string
  topic?: string
  source: string
  filename?: string
  hashKey?: string
}

export interface BatchEvent {
  destination: DestinationInfo
  logCount: number
  /** Uncompressed protobuf bytes of the request body. */
  rawBytes: number
  result: Result
}

export interface FailedEvent extends BatchEvent {
  error: LogshipError
}

export interface RetryEvent {
  destination: DestinationInfo
  logCount: number
  attempt: Attempt
  /** The retry number about to happen (1 for the first retry). */
  retry: number
  delayMs: number
  error: LogshipError
}

/**
 * Why records were dropped. `invalid_record` comes only from the adapters (a record the producer
 * refused with InvalidRecordError; producer.send() itself throws instead of dropping), `closed`
 * from the producer and from an adapter given records after its close.
 */
export type DropReason = 'buffer_full' | 'record_too_large' | 'closed' | 'invalid_record'

export interface DropEvent {
  reason: DropReason
  count: number
  bytes: number
}

export interface ProducerStats {
  /** Records taken into the buffer. */
  accepted: number
  delivered: number
  failed: number
  dropped: number
  /** Records settled as not delivered by a close() deadline or destroy(). */
  abandoned: number
  /** Retries scheduled (batches). */
  retried: number
  /** Values cut to the service's per-log limit. */
  truncated: number
  /** What totalSizeInBytes bounds: unsettled records' encoded bytes, plus batches charged for their own memory. */
  bufferedBytes: number
  /** Requests in flight. */
  inFlight: number
  /** Records accepted but not yet settled. */
  pending: number
  batchesSent: number
  requests: number
}

export interface CloseSummary {
  delivered: number
  failed: number
  dropped: number
  /** Records not settled when the deadline passed (their callbacks got LOGSHIP_CLOSE_TIMEOUT). */
  pending: number
  timedOut: boolean
}

export interface ProducerEvents {
  delivered: [BatchEvent]
  failed: [FailedEvent]
  retry: [RetryEvent]
  drop: [DropEvent]
  /** A diagnostic record at or above diagnostics.level. */
  diagnostic: [DiagnosticRecord]
}

export interface CloseOptions {
  /** Wait at most this long (ms) for buffered records; then abandon them. Default: wait until done. */
  timeoutMs?: number
}

export interface Producer extends EventEmitter<ProducerEvents> {
  /** Its name in diagnostics, metrics and tracing (option `name`). */
  readonly name: string
  /** Buffers a record. Never blocks; drops it (event `drop`) when the buffer is full. */
  send (record: LogRecord, options?: SendOptions): void
  /** Buffers a record, waiting up to maxBlockMs for space; resolves once it is accepted. */
  sendAsync (record: LogRecord, options?: SendOptions): Promise<void>
  /** Resolves when every record accepted before the call is delivered or finally failed. */
  flush (): Promise<void>
  /** Stops intake, delivers what is buffered, releases the sockets. Idempotent. */
  close (options?: CloseOptions): Promise<CloseSummary>
  /** Drops everything now and releases the sockets. Idempotent. */
  destroy (): void
  stats (): ProducerStats
  /** Replaces the credentials used from the next request on. */
  setCredentials (credentials: Credentials): void
}
