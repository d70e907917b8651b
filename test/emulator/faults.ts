// Faults injected on request: errors, latency, dropped connections, throttling, outages, held replies.
import type { ServiceName } from './errors.js'

export interface FaultTarget {
  /** Only requests to this service. */
  service?: ServiceName
  topicId?: string
  project?: string
  logstore?: string
}

export type FaultSpec = FaultTarget & (
  /** The next `count` requests answer `status` with error `code`. */
  | { kind: 'error', status: number, code: string, message?: string, count?: number }
  /** Add `ms` before processing the next `count` requests (default: every request). */
  | { kind: 'latency', ms: number, count?: number }
  /**
   * Read the body, then destroy the socket without any response. With `afterStore` the request is
   * first processed and (if accepted) stored, so the client loses a response to a stored batch.
   */
  | { kind: 'drop', count?: number, afterStore?: boolean }
  /** Above `ratePerSec` requests per second answer the service's throttle error. */
  | { kind: 'throttle', ratePerSec: number, durationMs?: number, status?: number, code?: string }
  /** For `durationMs` every request answers 503 (mode 'status') or has its connection reset (mode 'reset'). */
  | { kind: 'outage', durationMs: number, mode?: 'status' | 'reset', status?: number, code?: string }
  /** Process the next `count` requests normally, but hold the reply for `ms`. */
  | { kind: 'hold', ms: number, count?: number }
)

export type FaultKind = FaultSpec['kind']

export interface ActiveFault {
  id: number
  spec: FaultSpec
  /** Remaining uses; Infinity when unlimited. */
  remaining: number
  /** Epoch ms when it stops applying; Infinity when open-ended. */
  until: number
  applied: number
}

export interface RequestTarget {
  service: ServiceName
  topicId?: string
  project?: string
  logstore?: string
}

export type FaultAction =
  | { type: 'error', status: number, code?: string, message: string, kind: FaultKind }
  | { type: 'drop', afterStore: boolean }
  | { type: 'reset' }

export interface FaultDecision {
  latencyMs: number
  holdMs: number
  action: FaultAction | null
}

const DEFAULT_OUTAGE_CODE: Record<ServiceName, string> = { tls: 'ServiceUnavailable', sls: 'ServerBusy' }

export function validateFault (spec: FaultSpec): FaultSpec {
  const kinds = ['error', 'latency', 'drop', 'throttle', 'outage', 'hold']
  if (!spec || !kinds.includes(spec.kind)) throw new TypeError(`fault kind must be one of ${kinds.join(', ')}, got ${JSON.stringify(spec?.kind)}`)
  const num = (v: unknown, name: string): void => {
    if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(`fault ${spec.kind}: ${name} must be a non-negative number, got ${JSON.stringify(v)}`)
  }
  if (spec.service !== undefined && spec.service !== 'tls' && spec.service !== 'sls') throw new TypeError(`fault service must be tls or sls, got ${spec.service}`)
  if ('count' in spec && spec.count !== undefined) num(spec.count, 'count')
  switch (spec.kind) {
    case 'error': num(spec.status, 'status'); if (typeof spec.code !== 'string') throw new TypeError('fault error: code must be a string'); break
    case 'latency': case 'hold': num(spec.ms, 'ms'); break
    case 'drop': if (spec.afterStore !== undefined && typeof spec.afterStore !== 'boolean') throw new TypeError('fault drop: afterStore must be true or false'); break
    case 'throttle': num(spec.ratePerSec, 'ratePerSec'); if (spec.durationMs !== undefined) num(spec.durationMs, 'durationMs'); break
    case 'outage': num(spec.durationMs, 'durationMs'); if (spec.mode !== undefined && spec.mode !== 'status' && spec.mode !== 'reset') throw new TypeError('fault outage: mode must be status or reset'); break
  }
  return spec
}

function targets (f: FaultTarget, t: RequestTarget): boolean {
  return (f.service === undefined || f.service === t.service) &&
    (f.topicId === undefined || f.topicId === t.topicId) &&
    (f.project === undefined || f.project === t.project) &&
    (f.logstore === undefined || f.logstore === t.logstore)
}

export class Faults {
  private list: ActiveFault[] = []
  private nextId = 1
  /** Admission timestamps per throttle fault id (sliding one-second window). */
  private windows = new Map<number, number[]>()

  constructor (private readonly clock: () => number, private readonly onApplied: (kind: FaultKind) => void) {}

  inject (spec: FaultSpec): number {
    validateFault(spec)
    const now = this.clock()
    const count = 'count' in spec && spec.count !== undefined ? spec.count : undefined
    let remaining = Infinity
    let until = Infinity
    switch (spec.kind) {
      case 'error': case 'drop': case 'hold': remaining = count ?? 1; break
      case 'latency': remaining = count ?? Infinity; break
      case 'throttle': until = spec.durationMs !== undefined ? now + spec.durationMs : Infinity; break
      case 'outage': until = now + spec.durationMs; break
    }
    const id = this.nextId++
    this.list.push({ id, spec: { ...spec }, remaining, until, applied: 0 })
    return id
  }

  remove (id: number): boolean {
    const before = this.list.length
    this.list = this.list.filter(f => f.id !== id)
    this.windows.delete(id)
    return this.list.length !== before
  }

  clear (): void {
    this.list = []
    this.windows.clear()
  }

  active (): ActiveFault[] {
    this.prune()
    return this.list.map(f => ({ ...f, spec: { ...f.spec } }))
  }

  /** True when an untargeted outage in reset mode is on: new connections are destroyed at once. */
  resetsConnections (): boolean {
    this.prune()
    return this.list.some(f => f.spec.kind === 'outage' && f.spec.mode === 'reset' &&
      f.spec.service === undefined && f.spec.topicId === undefined && f.spec.project === undefined && f.spec.logstore === undefined)
  }

  noteConnectionReset (): void {
    this.onApplied('outage')
  }

  private prune (): void {
    const now = this.clock()
    this.list = this.list.filter(f => f.remaining > 0 && f.until > now)
  }

  private use (f: ActiveFault): void {
    f.remaining--
    f.applied++
    this.onApplied(f.spec.kind)
  }

  decide (t: RequestTarget, throttleDefaults: { status: number, code: string }): FaultDecision {
    this.prune()
    const d: FaultDecision = { latencyMs: 0, holdMs: 0, action: null }
    const now = this.clock()
    const mine = this.list.filter(f => targets(f.spec, t))
    for (const f of mine) {
      const s = f.spec
      if (s.kind !== 'outage') continue
      this.use(f)
      f.remaining = Infinity
      d.action = s.mode === 'reset'
        ? { type: 'reset' }
        : { type: 'error', kind: 'outage', status: s.status ?? 503, code: s.code ?? DEFAULT_OUTAGE_CODE[t.service], message: 'service unavailable (emulated outage)' }
      return d
    }
    for (const f of mine) {
      const s = f.spec
      if (s.kind !== 'throttle') continue
      const w = (this.windows.get(f.id) ?? []).filter(ts => ts > now - 1000)
      this.windows.set(f.id, w)
      if (w.length >= s.ratePerSec) {
        this.use(f)
        f.remaining = Infinity
        d.action = { type: 'error', kind: 'throttle', status: s.status ?? throttleDefaults.status, code: s.code ?? throttleDefaults.code, message: `request rate exceeds ${s.ratePerSec}/s (emulated throttle)` }
        return d
      }
      w.push(now)
    }
    for (const f of mine) {
      const s = f.spec
      if (s.kind === 'error' && f.remaining > 0) {
        this.use(f)
        d.action = { type: 'error', kind: 'error', status: s.status, code: s.code, message: s.message ?? `injected error ${s.code}` }
        break
      }
      if (s.kind === 'drop' && f.remaining > 0) {
        this.use(f)
        d.action = { type: 'drop', afterStore: s.afterStore === true }
        break
      }
    }
    for (const f of mine) {
      const s = f.spec
      if (s.kind === 'latency' && f.remaining > 0) {
        this.use(f)
        d.latencyMs += s.ms
      } else if (s.kind === 'hold' && f.remaining > 0 && !d.action) {
        this.use(f)
        d.holdMs += s.ms
      }
    }
    return d
  }
}
