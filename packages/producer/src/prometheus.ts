/**
 * @logship/producer/prometheus: Prometheus metrics on prom-client (an optional peer dependency),
 * modelled on InLong DataProxy's table (errors by code, retries, timeouts, messages by result, a
 * pending gauge, batch size and latency histograms). Every series is labelled `producer`,
 * `service` and `destination`. The metrics are created once per registry (and prefix) and shared:
 * registering another producer adds label values, so several producers never clash; two producers
 * with the same name get `name#2`, `name#3`, … in that registry.
 * Registering a source again with the same registry and prefix returns the registration in place
 * (nothing counted twice); records_total starts from the source's lifetime stats() counters.
 *
 *   registerMetrics(producer)                      // in this thread
 *   registerMetrics(pino.transport({ target: '@logship/pino', … }))   // worker modes: the stream or
 *   registerMetrics(new LogshipTransport({ … }))                        // transport re-emits `metrics`
 */
import type { EventEmitter } from 'node:events'
import { Counter, Gauge, Histogram, register as globalRegistry, type Registry } from 'prom-client'
import {
  destinationLabel, isObservable, kIdentity, kObserve, type MetricOp, type MetricsMessage, type ProducerObserver
} from './observability/observer.js'
import type { ProducerStats } from './types.js'

export type { MetricOp, MetricsMessage } from './observability/observer.js'

export interface MetricsOptions {
  /** Default: prom-client's global registry. */
  registry?: Registry
  /** Metric name prefix. Default 'logship_'. */
  prefix?: string
}

export interface MetricsRegistration {
  /** Stops observing; counters keep their values, this producer's gauges are removed. */
  unregister (): void
}

type Base = 'producer' | 'service' | 'destination'
type Labels = Record<Base, string>

interface Metrics {
  records: Counter<Base | 'result'>
  batches: Counter<Base | 'result'>
  errors: Counter<Base | 'code'>
  retries: Counter<Base | 'reason'>
  timeouts: Counter<Base>
  requests: Counter<Base | 'status'>
  pending: Gauge<Base>
  buffered: Gauge<Base>
  inFlight: Gauge<Base>
  batchBytes: Histogram<Base>
  batchRecords: Histogram<Base>
  requestSeconds: Histogram<Base>
  deliverySeconds: Histogram<Base>
  /** Gauge sources by producer label. */
  gauges: Map<string, { labels: Labels, stats: () => ProducerStats | undefined }>
  /** Producer labels in use, and who uses them. */
  names: Map<string, object>
  /** Sources observed now (a producer or an emitter), so registering one again does not count twice. */
  sources: WeakMap<object, MetricsRegistration>
  /** Per source and producer instance (MetricsMessage.instance): the lifetime totals already counted by an ended registration. */
  counted: WeakMap<object, Map<string, Totals>>
}

type Totals = Record<'delivered' | 'failed' | 'dropped' | 'abandoned', number>
const RESULTS = ['delivered', 'failed', 'dropped', 'abandoned'] as const

export const DEFAULT_PREFIX = 'logship_'
const BASE: Base[] = ['producer', 'service', 'destination']
const STATE = Symbol.for('logship.prometheus.metrics')

/** Histogram buckets (documented in docs/observability.md). */
export const BUCKETS = Object.freeze({
  batchBytes: [1024, 4096, 16384, 65536, 262144, 524288, 1048576, 2097152, 5242880, 10485760],
  batchRecords: [1, 10, 50, 100, 500, 1000, 2000, 4096, 10000, 40960],
  requestSeconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  deliverySeconds: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30, 60, 300]
})

/**
 * Observes a producer in this thread, or anything that emits the producers' `metrics` messages
 * (the pino transport stream and the winston transport, in worker or in-process mode).
 */
export function registerMetrics (source: unknown, options: MetricsOptions = {}): MetricsRegistration {
  const registry = options.registry ?? globalRegistry
  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) throw new TypeError(`registerMetrics: invalid prefix ${String(prefix)}`)
  const m = metricsFor(registry, prefix)
  if (source !== null && typeof source === 'object') {
    // Registered already with this registry and prefix: the same registration, nothing counted twice.
    const existing = m.sources.get(source)
    if (existing !== undefined) return existing
  }
  if (isObservable(source)) return observeProducer(m, source)
  if (source !== null && typeof source === 'object' && typeof (source as EventEmitter).on === 'function') {
    return observeEmitter(m, source as EventEmitter & { stats?: () => ProducerStats })
  }
  throw new TypeError('registerMetrics: expected a logship producer, a @logship/pino transport stream or a @logship/winston transport')
}

function observeProducer (m: Metrics, producer: Parameters<typeof isObservable>[0] & { stats: () => ProducerStats }): MetricsRegistration {
  if (!isObservable(producer)) throw new TypeError('not a producer')
  const identity = producer[kIdentity]
  const name = claimName(m, identity.name, producer)
  const base = { producer: name, service: identity.service }
  const labels: Labels = { ...base, destination: identity.destination }
  initialize(m, labels)
  // records_total starts from the producer's lifetime counters, so a late registration still matches stats().
  seed(m, labels, totalsOf(producer.stats()), m.counted.get(producer)?.get(''))
  m.gauges.set(name, { labels, stats: () => producer.stats() })
  const observer: ProducerObserver = {
    request: (d, status, code, ms, ok) => apply(m, labels, ['request', destinationLabel(d), status, code, ms / 1000, ok]),
    retry: (d, reason) => apply(m, labels, ['retry', destinationLabel(d), reason]),
    settled: (d, result, n, bytes, ageMs) => apply(m, labels, ['settled', destinationLabel(d), result, n, bytes, ageMs / 1000]),
    dropped: (reason, count, bytes) => apply(m, labels, ['drop', reason, count, bytes])
  }
  const detach = producer[kObserve](observer)
  const registration: MetricsRegistration = {
    unregister: once(() => {
      detach()
      m.counted.set(producer, new Map([['', totalsOf(producer.stats())]]))
      m.sources.delete(producer)
      release(m, name, producer)
    })
  }
  m.sources.set(producer, registration)
  return registration
}

function observeEmitter (m: Metrics, source: EventEmitter & { stats?: () => ProducerStats }): MetricsRegistration {
  // One stream may carry several producers (pino `targets`), even of the same name: keyed by the
  // instance each message gives; the name only claims the label.
  const seen = new Map<string, { labels: Labels, stats: ProducerStats | undefined, owner: object }>()
  const live = typeof source.stats === 'function' ? () => source.stats!() : undefined
  const listener = (message: MetricsMessage): void => {
    if (message === null || typeof message !== 'object' || message.v !== 1 || !Array.isArray(message.ops)) return
    const key = typeof message.instance === 'string' ? message.instance : message.producer
    let entry = seen.get(key)
    if (entry === undefined) {
      const owner = {}
      const name = claimName(m, message.producer, owner)
      entry = { labels: { producer: name, service: message.service, destination: message.destination }, stats: undefined, owner }
      seen.set(key, entry)
      initialize(m, entry.labels)
      // As for a producer: from its lifetime counters (the message's stats, less what its ops add).
      seed(m, entry.labels, totalsBefore(message), m.counted.get(source)?.get(key))
      const e = entry
      // Live counters when the source has them in this thread (the winston transport shares them); else the last message's.
      m.gauges.set(name, { labels: e.labels, stats: live !== undefined && seen.size === 1 ? live : () => e.stats })
    }
    entry.stats = message.stats
    for (const op of message.ops) apply(m, entry.labels, op)
  }
  source.on('metrics', listener)
  const registration: MetricsRegistration = {
    unregister: once(() => {
      source.removeListener('metrics', listener)
      const counted = m.counted.get(source) ?? new Map<string, Totals>()
      for (const [key, entry] of seen) {
        if (entry.stats !== undefined) counted.set(key, totalsOf(entry.stats))
        release(m, entry.labels.producer, entry.owner)
      }
      m.counted.set(source, counted)
      m.sources.delete(source)
    })
  }
  m.sources.set(source, registration)
  return registration
}

function totalsOf (stats: ProducerStats): Totals {
  return { delivered: stats.delivered, failed: stats.failed, dropped: stats.dropped, abandoned: stats.abandoned }
}

/** A message's stats include its own ops: the totals before them. */
function totalsBefore (message: MetricsMessage): Totals {
  const totals = totalsOf(message.stats)
  for (const op of message.ops) {
    if (op[0] === 'settled') totals[op[2]] -= op[3]
    else if (op[0] === 'drop') totals.dropped -= op[2]
  }
  return totals
}

/** records_total gets what the source counted before this registration (less what an earlier one counted). */
function seed (m: Metrics, labels: Labels, totals: Totals, counted: Totals | undefined): void {
  for (const result of RESULTS) {
    const n = totals[result] - (counted?.[result] ?? 0)
    if (Number.isFinite(n) && n > 0) m.records.inc({ ...labels, result }, n)
  }
}

function apply (m: Metrics, labels: Labels, op: MetricOp): void {
  switch (op[0]) {
    case 'request': {
      const [, destination, status, code, seconds, ok] = op
      const l = { producer: labels.producer, service: labels.service, destination }
      m.requests.inc({ ...l, status: status > 0 ? String(status) : 'none' })
      m.requestSeconds.observe(l, seconds)
      if (!ok) {
        m.errors.inc({ ...l, code: code === '' ? 'unknown' : code })
        if (code === 'LOGSHIP_REQUEST_TIMEOUT') m.timeouts.inc(l)
      }
      break
    }
    case 'retry': {
      const [, destination, reason] = op
      m.retries.inc({ producer: labels.producer, service: labels.service, destination, reason })
      break
    }
    case 'settled': {
      const [, destination, result, records, bytes, ageSeconds] = op
      const l = { producer: labels.producer, service: labels.service, destination }
      m.records.inc({ ...l, result }, records)
      m.batches.inc({ ...l, result })
      m.batchBytes.observe(l, bytes)
      m.batchRecords.observe(l, records)
      if (result === 'delivered') m.deliverySeconds.observe(l, ageSeconds)
      break
    }
    case 'drop':
      m.records.inc({ ...labels, result: 'dropped' }, op[2])
      break
  }
}

/** Series every producer has from the start, so dashboards and rate() see zeros rather than gaps. */
function initialize (m: Metrics, labels: Labels): void {
  for (const result of RESULTS) m.records.inc({ ...labels, result }, 0)
  m.timeouts.inc(labels, 0)
}

function claimName (m: Metrics, wanted: string, owner: object): string {
  let name = wanted
  for (let n = 2; m.names.has(name) && m.names.get(name) !== owner; n++) name = `${wanted}#${n}`
  m.names.set(name, owner)
  return name
}

function release (m: Metrics, name: string, owner: object): void {
  if (m.names.get(name) !== owner) return
  m.names.delete(name)
  const gauge = m.gauges.get(name)
  m.gauges.delete(name)
  if (gauge !== undefined) for (const g of [m.pending, m.buffered, m.inFlight]) g.remove(gauge.labels)
}

function once (fn: () => void): () => void {
  let done = false
  return () => { if (!done) { done = true; fn() } }
}

function metricsFor (registry: Registry, prefix: string): Metrics {
  const holder = registry as unknown as Record<symbol, Map<string, Metrics> | undefined>
  const byPrefix = holder[STATE] ??= new Map()
  const existing = byPrefix.get(prefix)
  // Still registered (registry.clear() forgets them): reuse.
  if (existing !== undefined && registry.getSingleMetric(`${prefix}records_total`) === existing.records) return existing
  const registers = [registry]
  const gauges: Metrics['gauges'] = new Map()
  const gauge = (name: string, help: string, pick: (s: ProducerStats) => number): Gauge<Base> => new Gauge<Base>({
    name: prefix + name,
    help,
    labelNames: BASE,
    registers,
    collect () {
      for (const source of gauges.values()) {
        let stats: ProducerStats | undefined
        try {
          stats = source.stats()
        } catch {
          stats = undefined
        }
        if (stats !== undefined) this.set(source.labels, pick(stats))
      }
    }
  })
  const m: Metrics = {
    records: new Counter({ name: `${prefix}records_total`, help: 'Records settled or refused, by result: delivered, failed (out of retries or not retriable), dropped (refused when buffering), abandoned (close deadline or destroy)', labelNames: [...BASE, 'result'], registers }),
    batches: new Counter({ name: `${prefix}batches_total`, help: 'Batches settled, by result: delivered, failed, abandoned', labelNames: [...BASE, 'result'], registers }),
    errors: new Counter({ name: `${prefix}errors_total`, help: 'Failed requests, by error code (the service\'s code, a network cause such as ECONNRESET, or LOGSHIP_REQUEST_TIMEOUT)', labelNames: [...BASE, 'code'], registers }),
    retries: new Counter({ name: `${prefix}retries_total`, help: 'Retries scheduled, by reason: throttled, server_error, timeout, network, credentials, other', labelNames: [...BASE, 'reason'], registers }),
    timeouts: new Counter({ name: `${prefix}request_timeouts_total`, help: 'Requests with no response within requestTimeoutMs', labelNames: BASE, registers }),
    requests: new Counter({ name: `${prefix}requests_total`, help: 'Requests completed, by HTTP status (none: no response)', labelNames: [...BASE, 'status'], registers }),
    pending: gauge('pending_records', 'Records accepted and not yet settled', (s) => s.pending),
    buffered: gauge('buffered_bytes', 'Encoded bytes held against totalSizeInBytes', (s) => s.bufferedBytes),
    inFlight: gauge('in_flight_requests', 'Requests in flight', (s) => s.inFlight),
    batchBytes: new Histogram({ name: `${prefix}batch_size_bytes`, help: 'Uncompressed request body size of each settled batch', labelNames: BASE, buckets: BUCKETS.batchBytes, registers }),
    batchRecords: new Histogram({ name: `${prefix}batch_records`, help: 'Records in each settled batch', labelNames: BASE, buckets: BUCKETS.batchRecords, registers }),
    requestSeconds: new Histogram({ name: `${prefix}request_duration_seconds`, help: 'Duration of each request (attempt)', labelNames: BASE, buckets: BUCKETS.requestSeconds, registers }),
    deliverySeconds: new Histogram({ name: `${prefix}delivery_latency_seconds`, help: 'From a batch\'s first record to its delivery (linger, queueing, retries included)', labelNames: BASE, buckets: BUCKETS.deliverySeconds, registers }),
    gauges,
    names: new Map(),
    sources: new WeakMap(),
    counted: new WeakMap()
  }
  byPrefix.set(prefix, m)
  return m
}
