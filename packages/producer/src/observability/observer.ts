/**
 * The engine's internal observation seam, and the plain-data form of its observations that crosses
 * a worker boundary. Metrics (prometheus.ts) attach an observer to a producer in the same thread;
 * the pino and winston workers attach a MetricsForwarder and post its messages to the main thread,
 * where registerMetrics() applies them. Observers exist only while someone observes: the engine
 * checks one array length per batch, per request and per drop, and nothing per record sent.
 */
import { randomUUID } from 'node:crypto'
import type { LogshipError } from '../errors.js'
import type { DestinationInfo, DropReason, ProducerStats, ServiceName } from '../types.js'

/** Key of the engine method that attaches an observer; not part of the public API. */
export const kObserve = Symbol.for('logship.producer.observe')
/** Key of the engine's identity getter. */
export const kIdentity = Symbol.for('logship.producer.identity')
/** Key of the engine method behind reportAdapterDrop(). */
export const kReportDrop = Symbol.for('logship.producer.reportDrop')

type DropReporter = Record<typeof kReportDrop, (reason: AdapterDropReason, count: number, bytes: number, error?: Error) => void>

/** What an adapter drops itself: a record the producer refused, or records given to it after its close. */
export type AdapterDropReason = 'closed' | 'invalid_record'

/** Why the producer's send() refused a record: it is closed (or closing), or the record is invalid. */
export function refusalReason (error: unknown): AdapterDropReason {
  return (error as { code?: unknown } | null)?.code === 'LOGSHIP_PRODUCER_CLOSED' ? 'closed' : 'invalid_record'
}

/**
 * For the pino and winston adapters: records they dropped themselves. The producer counts them in
 * its `dropped` (so in stats() and its close summary), emits its `drop` event (with `error`, why a
 * record was refused, when given) and tells its diagnostic log, the `logship:drop` channel and
 * metrics observers, as for its own drops.
 */
export function reportAdapterDrop (producer: object, reason: AdapterDropReason, count: number, bytes: number, error?: Error): void {
  (producer as DropReporter)[kReportDrop](reason, count, bytes, error)
}

export type SettleResult = 'delivered' | 'failed' | 'abandoned'
export type RetryReason = 'throttled' | 'server_error' | 'timeout' | 'network' | 'credentials' | 'other'

export interface ProducerIdentity {
  name: string
  service: ServiceName
  /** Label of the producer's configured destination: TLS topic id, SLS `project/logstore`. */
  destination: string
}

export interface ProducerObserver {
  /** A request finished (also one whose batch was abandoned meanwhile: every request counted in stats().requests ends here once). */
  request (destination: DestinationInfo, status: number, errorCode: string, latencyMs: number, success: boolean): void
  retry (destination: DestinationInfo, reason: RetryReason): void
  /** A batch settled; ageMs runs from its first record to now. */
  settled (destination: DestinationInfo, result: SettleResult, logCount: number, rawBytes: number, ageMs: number): void
  dropped (reason: DropReason, count: number, bytes: number): void
}

export interface ObservableProducer {
  [kObserve] (observer: ProducerObserver): () => void
  readonly [kIdentity]: ProducerIdentity
  stats (): ProducerStats
}

export function isObservable (value: unknown): value is ObservableProducer {
  return value !== null && typeof value === 'object' && typeof (value as Record<symbol, unknown>)[kObserve] === 'function'
}

export function destinationLabel (d: DestinationInfo): string {
  return d.service === 'sls' ? `${d.project ?? ''}/${d.logstore ?? ''}` : d.topicId ?? ''
}

export function retryReason (error: LogshipError, status: number): RetryReason {
  switch (error.code) {
    case 'LOGSHIP_REQUEST_TIMEOUT': return 'timeout'
    case 'LOGSHIP_NETWORK_ERROR': return 'network'
    case 'LOGSHIP_CREDENTIALS_ERROR': return 'credentials'
  }
  if (status === 429 || status === 403) return 'throttled'
  if (status >= 500) return 'server_error'
  return 'other'
}

/** One observation as plain data: [kind, destination label, …]. */
export type MetricOp =
  | readonly ['request', string, number, string, number, boolean]
  | readonly ['retry', string, RetryReason]
  | readonly ['settled', string, SettleResult, number, number, number]
  | readonly ['drop', DropReason, number, number]

/** What a worker posts to the main thread (the `metrics` event of the pino and winston transports). */
export interface MetricsMessage {
  v: 1
  /**
   * Which producer (which forwarder) made the message, unique to it: one source may carry several
   * producers of the same name (pino `targets` to one destination), told apart by this, not the
   * name. Absent from the messages of older versions: the name stands in.
   */
  instance?: string
  /** The producer's name: the `producer` label it claims (`name#2`, … when taken). */
  producer: string
  service: ServiceName
  destination: string
  ops: MetricOp[]
  /** The producer's counters when the message was made (gauges in the main thread). */
  stats: ProducerStats
}

export interface MetricsForwarder {
  /** Posts what is collected now (before a flush() answer, say). */
  flush (): void
  /**
   * For an adapter's close, once the producer's close() has settled: posts the last message and
   * stops. A close that timed out aborted the requests in flight; they end a moment later (a turn
   * or two of the event loop), so this waits for them, at most maxMs, and their ends are in it.
   * Its stats say nothing is in flight: the producer is closed and its wire destroyed, and a
   * worker ends after it, so no later message could say so.
   */
  end (maxMs?: number): Promise<void>
  stop (): void
}

/** How long MetricsForwarder.end() waits for aborted requests to end (they take a few ms). */
const END_WAIT_MS = 100

/**
 * Collects a producer's observations and posts them as one MetricsMessage per turn of the event
 * loop (drops of the same reason coalesced), a first message with no observations at once, and a
 * stats-only message every statsIntervalMs while records are pending, so gauges stay current in
 * the main thread. Used by the adapters, in their workers and in-process alike.
 */
export function createMetricsForwarder (producer: unknown, post: (message: MetricsMessage) => void, statsIntervalMs = 1000): MetricsForwarder {
  if (!isObservable(producer)) throw new TypeError('createMetricsForwarder: not a logship producer')
  const identity = producer[kIdentity]
  const instance = randomUUID()
  let ops: MetricOp[] = []
  let scheduled = false
  let stopped = false
  /** Set while end() waits for the requests in flight to end. */
  let ending: (() => void) | undefined
  let ended: Promise<void> | undefined
  const send = (final = false): void => {
    scheduled = false
    if (stopped) return
    const stats = final ? { ...producer.stats(), inFlight: 0 } : producer.stats()
    const message: MetricsMessage = { v: 1, instance, producer: identity.name, service: identity.service, destination: identity.destination, ops, stats }
    ops = []
    try {
      post(message)
    } catch {
      // A closed port at exit: nobody is left to tell.
    }
  }
  const push = (op: MetricOp): void => {
    ops.push(op)
    if (!scheduled) {
      scheduled = true
      setImmediate(send)
    }
  }
  const detach = producer[kObserve]({
    request: (d, status, code, ms, ok) => {
      push(['request', destinationLabel(d), status, code, ms / 1000, ok])
      if (ending !== undefined && producer.stats().inFlight === 0) ending()
    },
    retry: (d, reason) => push(['retry', destinationLabel(d), reason]),
    settled: (d, result, n, bytes, ageMs) => push(['settled', destinationLabel(d), result, n, bytes, ageMs / 1000]),
    dropped: (reason, count, bytes) => {
      const last = ops[ops.length - 1]
      if (last !== undefined && last[0] === 'drop' && last[1] === reason) {
        ops[ops.length - 1] = ['drop', reason, last[2] + count, last[3] + bytes]
      } else {
        push(['drop', reason, count, bytes])
      }
    }
  })
  // Hello: the receiver learns the producer's name (and shows its gauges) before anything happens;
  // once now for a worker's parent, once after this turn for listeners attached right after creation.
  send()
  scheduled = true
  setImmediate(send)
  const timer = setInterval(() => {
    if (!scheduled && producer.stats().pending > 0) send()
  }, statsIntervalMs)
  timer.unref()
  const stop = (): void => {
    stopped = true
    clearInterval(timer)
    detach()
  }
  return {
    flush: () => { if (!stopped) send() },
    end: (maxMs = END_WAIT_MS) => ended ??= new Promise<void>((resolve) => {
      if (stopped) {
        resolve()
        return
      }
      const finish = (): void => {
        ending = undefined
        send(true)
        stop()
        resolve()
      }
      if (producer.stats().inFlight === 0) {
        finish()
        return
      }
      const wait = setTimeout(finish, maxMs)
      ending = () => {
        clearTimeout(wait)
        finish()
      }
    }),
    stop
  }
}
