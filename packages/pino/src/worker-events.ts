/**
 * Producer events as plain, structured-cloneable payloads, delivered where the user can see them:
 * in a thread-stream worker or destination()'s as pino's `EVENT` messages (re-emitted on the main
 * thread's transport stream or destination), in-process as events on the stream itself. Payloads
 * carry counts, destinations and error codes and messages, never credentials or record contents.
 * 'error' is never used: on a pino transport stream it is fatal by contract.
 */
import type { EventEmitter } from 'node:events'
import { parentPort, workerData } from 'node:worker_threads'
import { LogshipError, serviceErrorCode, UserCodeGuard } from '@logship/producer'
import type {
  BatchEvent, CloseSummary, DestinationInfo, DiagnosticRecord, DropEvent, FailedEvent, MetricsMessage, RetryEvent
} from '@logship/producer'

/** A destination without its internal batch key. */
export type DestinationPayload = Omit<DestinationInfo, 'key'>

export interface ErrorPayload {
  /** The logship code: LOGSHIP_HTTP_ERROR for any refused request, LOGSHIP_NETWORK_ERROR, … */
  code: string
  /** The most specific code, as Result.errorCode: the service's (`SignatureDoesNotMatch`), a network cause (`ECONNRESET`), else `code`. */
  errorCode: string
  message: string
  retriable: boolean
  /** HTTP status of the last attempt, 0 when no response came. */
  status: number
}

export interface DeliveredPayload {
  destination: DestinationPayload
  logCount: number
  rawBytes: number
  requestId: string
  attemptCount: number
  latencyMs: number
}

export interface FailedPayload {
  destination: DestinationPayload
  logCount: number
  rawBytes: number
  attemptCount: number
  requestId: string
  error: ErrorPayload
}

export interface RetryPayload {
  destination: DestinationPayload
  logCount: number
  retry: number
  delayMs: number
  error: ErrorPayload
}

export interface DropPayload {
  /**
   * 'invalid_record' is a line the producer refused; 'closed' includes lines written after the
   * close. destination() also drops on the logging thread: 'worker_exited' (its worker is gone) and
   * 'worker_stalled' (its worker read nothing for 10 s while the ring was full).
   */
  reason: DropEvent['reason'] | 'worker_exited' | 'worker_stalled'
  count: number
  bytes: number
}

export interface SummaryPayload extends CloseSummary {
  /** Lifetime counts at close. */
  accepted: number
  abandoned: number
  invalid: number
  /** Values cut to the per-log limit, plus lines over the reader's limit shipped as their head (delivered, cut). */
  truncated: number
  closeTimeoutMs: number
}

export interface TransportEvents {
  delivered: DeliveredPayload
  failed: FailedPayload
  retry: RetryPayload
  drop: DropPayload
  summary: SummaryPayload
  /** The producer's diagnostic records at or above diagnostics.level. */
  diagnostic: DiagnosticRecord
  /** Metric updates, one message per turn of the worker's event loop; for registerMetrics(). */
  metrics: MetricsMessage
}

export type EventSink = <K extends keyof TransportEvents>(name: K, payload: TransportEvents[K]) => void

interface ThreadStreamWorkerData {
  dataBuf?: unknown
  workerData?: { $context?: { threadStreamVersion?: string }, pinoWillSendConfig?: boolean }
}

/** True inside a worker started by thread-stream (pino.transport), where EVENT messages work. */
export function inThreadStreamWorker (): boolean {
  const data = workerData as ThreadStreamWorkerData | null | undefined
  return parentPort !== null && data != null && typeof data === 'object' &&
    data.dataBuf instanceof SharedArrayBuffer && typeof data.workerData?.$context === 'object'
}

/** True inside destination()'s worker, which re-emits EVENT and WARNING messages as thread-stream does. */
export function inDestinationWorker (): boolean {
  const data = workerData as { logshipDestination?: unknown } | null | undefined
  return parentPort !== null && data != null && typeof data === 'object' && data.logshipDestination === true
}

/** True when pino announced that it will post its config (levels, messageKey, errorKey) to the worker. */
export function pinoWillSendConfig (): boolean {
  return inThreadStreamWorker() && (workerData as ThreadStreamWorkerData).workerData?.pinoWillSendConfig === true
}

/**
 * In a thread-stream worker: a process warning for the application. thread-stream passes a
 * WARNING message to process.emitWarning in the main thread, where the application's 'warning'
 * listeners are (a worker's own process.emitWarning reaches none of them). It crosses as a
 * string: structured clone keeps neither an Error's name nor its code.
 */
export function postWarning (message: string): void {
  try {
    parentPort?.postMessage({ code: 'WARNING', err: message })
  } catch {
    // A closed port: nobody is left to tell.
  }
}

export function createEventSink (stream: EventEmitter): EventSink {
  const port = inThreadStreamWorker() || inDestinationWorker() ? parentPort : null
  if (port === null) {
    // In-process: the app's listeners run here, each guarded (a throw reported once as
    // LOGSHIP_USER_CODE_THREW, the listeners after it still called), as the producer's own are.
    const userCode = new UserCodeGuard()
    return (name, payload) => { userCode.emit(stream, name, payload) }
  }
  return (name, payload) => {
    try {
      port.postMessage({ code: 'EVENT', name, args: [payload] })
    } catch {
      // A closed port at exit: nobody is left to tell.
    }
  }
}

export function destinationPayload (d: DestinationInfo): DestinationPayload {
  const out: DestinationPayload = { service: d.service, source: d.source }
  if (d.topicId) out.topicId = d.topicId
  if (d.project) out.project = d.project
  if (d.logstore) out.logstore = d.logstore
  if (d.topic) out.topic = d.topic
  if (d.filename) out.filename = d.filename
  if (d.hashKey) out.hashKey = d.hashKey
  return out
}

export function errorPayload (error: unknown, status = 0): ErrorPayload {
  const e = error as { code?: unknown, message?: unknown, retriable?: unknown, status?: unknown } | null | undefined
  const code = typeof e?.code === 'string' ? e.code : 'LOGSHIP_UNKNOWN'
  return {
    code,
    errorCode: error instanceof LogshipError ? serviceErrorCode(error) : code,
    message: typeof e?.message === 'string' ? e.message : String(error),
    retriable: e?.retriable === true,
    status: typeof e?.status === 'number' ? e.status : status
  }
}

export function deliveredPayload (event: BatchEvent): DeliveredPayload {
  return {
    destination: destinationPayload(event.destination),
    logCount: event.logCount,
    rawBytes: event.rawBytes,
    requestId: event.result.requestId,
    attemptCount: event.result.attemptCount,
    latencyMs: event.result.latencyMs
  }
}

export function failedPayload (event: FailedEvent): FailedPayload {
  const last = event.result.attempts[event.result.attempts.length - 1]
  return {
    destination: destinationPayload(event.destination),
    logCount: event.logCount,
    rawBytes: event.rawBytes,
    attemptCount: event.result.attemptCount,
    requestId: event.result.requestId,
    error: errorPayload(event.error, last?.status ?? 0)
  }
}

export function retryPayload (event: RetryEvent): RetryPayload {
  return {
    destination: destinationPayload(event.destination),
    logCount: event.logCount,
    retry: event.retry,
    delayMs: event.delayMs,
    error: errorPayload(event.error, event.attempt.status)
  }
}

export function dropPayload (event: DropEvent): DropPayload {
  return { reason: event.reason, count: event.count, bytes: event.bytes }
}
