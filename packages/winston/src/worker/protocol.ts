/**
 * What crosses between the logging thread and the worker thread that owns the producer.
 *
 * Records travel in batches, one message per turn of the logging thread's event loop (or every
 * 512 records): a flat array `[count, record, record, …]`, each record one of
 *   - shape form `shape, time, level, message, value…` (encode.ts): `shape` is a number, the id of
 *     a key sequence the worker already knows, or the key array itself, which defines the next id
 *     (ids count up from 0 in the order definitions arrive). One value follows per key. The worker
 *     builds the contents as mapInfo would: level, message, then the keys in order, a `timestamp`
 *     that parses becoming the time instead of a field.
 *   - mapped form `MAPPED, time, contents`: mapInfo's result (contents an object of strings, time
 *     epoch ms or a bigint of epoch ns), for records the shape form cannot carry exactly.
 * Only strings and numbers cross, no object per record in the common case: structured clone
 * copies each string once and no key at all.
 *
 * Two SharedArrayBuffers are shared: `state` (the worker sets CLOSED once its producer's close()
 * has settled, which the exit path waits for with Atomics.wait) and `stats` (the producer's
 * counters, so that stats() needs no round trip).
 */
import {
  BufferFullError, CloseTimeoutError, CredentialsError, DestroyedError, HttpError, InvalidOptionError, InvalidRecordError,
  LogshipError, NetworkError, ProducerClosedError, RecordTooLargeError, RequestTimeoutError
} from '@logship/producer'
import type { CloseSummary, Credentials, ErrorCode, ProducerOptions, ProducerStats } from '@logship/producer'

export const STATE_CLOSED = 0
export const STATE_SLOTS = 2

export const STATS_KEYS = [
  'accepted', 'delivered', 'failed', 'dropped', 'abandoned', 'retried', 'truncated',
  'bufferedBytes', 'inFlight', 'pending', 'batchesSent', 'requests'
] as const satisfies ReadonlyArray<keyof ProducerStats>

export interface WorkerInit {
  options: ProducerOptions
  state: SharedArrayBuffer
  stats: SharedArrayBuffer
}

/** `[count, record, record, …]`: see the module comment. */
export type RecordBatch = unknown[]

/** Head of a record in mapped form (a shape id is >= 0, a shape definition an array). */
export const MAPPED = -1

export type ToWorker =
  | RecordBatch
  | { op: 'flush', id: number }
  | { op: 'close', id: number, deadline: number }
  | { op: 'credentials', credentials: Credentials }
  | { op: 'listen', name: ForwardedEvent }

/**
 * Events the worker forwards only once the transport has a listener for them: each forwarded event
 * costs the logging thread a message, and most applications listen to none of them.
 */
export type ForwardedEvent = 'delivered' | 'failed' | 'retry' | 'drop' | 'diagnostic' | 'metrics'
export const FORWARDED_EVENTS: readonly string[] = ['delivered', 'failed', 'retry', 'drop', 'diagnostic', 'metrics'] satisfies ForwardedEvent[]

export type FromWorker =
  | { op: 'event', name: 'delivered' | 'failed' | 'retry' | 'drop' | 'diagnostic' | 'metrics', arg: Record<string, unknown> }
  | { op: 'flushed', id: number }
  /**
   * `received`: records the worker took in batches before its close settled (delivered, failed or
   * dropped by it). It takes none after this answer: the logging thread counts the rest as dropped.
   */
  | { op: 'closed', id: number, summary: CloseSummary, received: number }
  | { op: 'fatal', error: PlainError }

export interface PlainError {
  name: string
  message: string
  stack?: string
  code?: string
  retriable?: boolean
  [key: string]: unknown
}

/** Errors lose their class and own props in structured clone; send their fields instead. */
export function toPlainError (error: unknown): PlainError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const plain: PlainError = { name: error.name, message: error.message }
  if (error.stack !== undefined) plain.stack = error.stack
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key]
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) plain[key] = value
  }
  return plain
}

/** logship's error classes by name: an error crosses as its fields and is given its class back. */
const ERROR_CLASSES: ReadonlyMap<string, { readonly prototype: LogshipError }> = new Map([
  InvalidOptionError, InvalidRecordError, ProducerClosedError, BufferFullError, RecordTooLargeError, HttpError,
  NetworkError, RequestTimeoutError, CredentialsError, CloseTimeoutError, DestroyedError
].map((c) => [c.name, c]))

/**
 * A LogshipError again (when it was one), with its stable code and extra fields, and its class
 * (`instanceof HttpError` and `serviceErrorCode()` work on it as on the error in the worker).
 */
export function fromPlainError (plain: PlainError): Error {
  const error: Error = typeof plain.code === 'string' && plain.code.startsWith('LOGSHIP_')
    ? new LogshipError(plain.code as ErrorCode, plain.message, { retriable: plain.retriable === true })
    : new Error(plain.message)
  const errorClass = error instanceof LogshipError ? ERROR_CLASSES.get(plain.name) : undefined
  // Not its constructor (which builds the message from other arguments): the error made above, given the class's prototype.
  if (errorClass !== undefined) Object.setPrototypeOf(error, errorClass.prototype)
  for (const [key, value] of Object.entries(plain)) {
    if (key !== 'message' && key !== 'code' && key !== 'retriable') {
      Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: key !== 'name' && key !== 'stack' })
    }
  }
  return error
}

/** Events carry an `error` that must be made plain to cross; everything else is data. */
export function toPlainEvent (event: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...event }
  if (copy.error !== undefined) copy.error = toPlainError(copy.error)
  return copy
}

export function fromPlainEvent (event: Record<string, unknown>): Record<string, unknown> {
  if (event.error !== undefined) event.error = fromPlainError(event.error as PlainError)
  return event
}
