/**
 * The seam between the engine (accumulator, budget, sender) and a service's wire protocol.
 * The engine only ever sees this interface, so its tests can script any sequence of outcomes.
 */
import type { LogshipError } from './errors.js'
import type { ContentsInput, Credentials, DestinationInfo, SendOptions, ServiceName } from './types.js'

/** A destination resolved from the producer options plus per-call overrides; `key` groups batches. */
export interface Destination extends DestinationInfo {
  readonly key: string
}

/** Record time split so that no precision is lost: integer epoch ms plus the remaining ns (0..999999). */
export interface TimeParts {
  ms: number
  subMsNs: number
}

/** A batch ready to go: its log entries already encoded as LogGroup field-1 entries, back to back. */
export interface SealedBatch {
  readonly destination: Destination
  /** Concatenated encoded log entries; exactly `entries.length` bytes. */
  readonly entries: Uint8Array
  readonly logCount: number
  readonly minTimeMs: number
  readonly maxTimeMs: number
  /** The exact uncompressed request body size (what the budget holds for this batch). */
  readonly bodyBytes: number
  /** The wire may cache the built request body here so that retries do not rebuild it. */
  cache?: unknown
  /**
   * Once the wire has cached a body that no longer needs `entries`, it may call this: the batch
   * hands its entry memory back (for reuse) and `entries` becomes empty. Optional.
   */
  releaseEntries? (): void
}

export type AttemptOutcome =
  | { ok: true, status: number, requestId: string }
  | {
    ok: false
    /** The service-specific classification; the engine still applies noRetryStatusCodes. */
    retriable: boolean
    /** HTTP status, 0 when there was no response. */
    status: number
    errorCode: string
    errorMessage: string
    requestId: string
    /** From a Retry-After header, if the service sent one. */
    retryAfterMs?: number
    /**
     * Refused for authentication, and the credentials function has given new credentials since
     * this request was signed: the sender sends once more at once, outside `retries`.
     */
    renewedCredentials?: boolean
    error: LogshipError
  }

export interface ServiceLimits {
  /** Largest encoded Log the service accepts; longer values are truncated to fit. */
  maxLogBytes: number
  /** Largest uncompressed request body. Caps maxBatchSize. */
  maxBodyBytes: number
  /** Most logs in one request. Caps maxBatchCount. */
  maxLogsPerBatch: number
}

export interface Wire {
  readonly service: ServiceName
  readonly limits: ServiceLimits
  /** Resolves (and caches) the destination of a send; throws InvalidRecordError if incomplete. */
  destination (overrides: SendOptions | undefined): Destination
  /**
   * Encodes one log as a LogGroup field-1 entry (tag, length, Log message) into reusable scratch
   * memory. The returned view is only valid until the next call. Values that would push the log
   * over limits.maxLogBytes are truncated with a marker; `truncated` counts them. Throws
   * InvalidRecordError for a time the service would refuse the whole request for (SLS's window).
   */
  encodeLog (time: TimeParts, contents: ContentsInput): Uint8Array
  /** Values truncated so far by encodeLog. */
  readonly truncated: number
  /** Exact uncompressed body size of a batch for `dest` whose entries total `entriesBytes`. */
  bodySize (dest: Destination, entriesBytes: number): number
  /**
   * Optional: called once when a batch is sealed, before it is queued. A wire that can build the
   * request body synchronously does so here and caches it, then releases the entries, so a batch
   * waiting for a sender slot or a retry holds only its (compressed) body. Never throws.
   */
  prepare? (batch: SealedBatch): void
  /** One attempt: build (or reuse) the body, compress, sign, POST, classify. Never rejects. */
  send (batch: SealedBatch): Promise<AttemptOutcome>
  /**
   * Optional: the batch has settled after its last request completed, so nothing will read its
   * body again; the wire may reuse the body's memory. Never called for a batch abandoned while a
   * request may still be in flight (close deadline, destroy). Never throws.
   */
  release? (batch: SealedBatch): void
  /** Replace the credentials used from the next request on (rotation). */
  setCredentials (credentials: Credentials): void
  /** Optional: tells `listener` about every call of a credentials provider (for diagnostics; never secrets). */
  observeCredentials? (listener: CredentialsListener): void
  /**
   * Optional: whether timers of an attempt still in progress (a credentials provider call's bound)
   * keep the process alive; follows the sender's retry timer (someone waits for the batches).
   */
  keepProcessAlive? (on: boolean): void
  /** Wait for in-flight requests' sockets to finish, then release the connection pools. */
  close (): Promise<void>
  /** Abort in-flight requests and release the pools now. */
  destroy (): void
}

export type CredentialsListener = (event: { ok: boolean, forced: boolean, expiresAt?: string, error?: string }) => void

export interface TimerHandle {
  unref?: () => unknown
  /** Makes the timer keep the process alive after all (a retry during close or the exit flush). */
  ref?: () => unknown
}

/** Time source for the engine; tests inject a manual one. Real timers are unref()'d. */
export interface Clock {
  now (): number
  /** Milliseconds on a clock that only moves forward, for durations (the budget's waits); now() when absent. */
  monotonicNow? (): number
  setTimeout (fn: () => void, ms: number): TimerHandle
  clearTimeout (handle: TimerHandle): void
}

/**
 * Now on the clock for deadlines and durations (linger, retry backoff, waits, close timeouts): a step of
 * the wall clock (NTP fixing a clock that ran fast) must neither stall them nor cut them short.
 */
export function monotonicNow (clock: Clock): number {
  return clock.monotonicNow?.() ?? clock.now()
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
}
