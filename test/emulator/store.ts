// What the emulator accepted and refused, plus counters. Queryable in-process and over HTTP.
import type { ServiceName } from './errors.js'
import type { Pair } from './protobuf-decode.js'

export interface StoredLog {
  service: ServiceName
  /** TLS destination. */
  topicId?: string
  /** SLS destination. */
  project?: string
  logstore?: string
  time: number
  timeExact?: string
  timeNs?: number
  contents: Pair[]
  source?: string
  filename?: string
  contextFlow?: string
  topic?: string
  tags: Pair[]
  /** TLS x-tls-hashkey; SLS route `key`. */
  hashKey?: string
  /** Index of the LogGroup within the request (TLS LogGroupList). */
  groupIndex: number
  compression: string
  requestId: string
  receivedAt: number
}

export interface RequestRecord {
  service: ServiceName
  topicId?: string
  project?: string
  logstore?: string
  /** SLS path form: 'plain' (/logstores/x), 'lb' or 'route'. */
  route?: string
  hashKey?: string
  requestId: string
  receivedAt: number
  compression: string
  bodyBytes: number
  rawBytes: number
  logCount: number
  groupCount: number
  accessKeyId: string
  /** 'tls-v4' | 'tls-apikey' | 'sls-v1' | 'sls-v4' */
  auth: string
  signedHeaders?: string
  /** Request headers with Authorization and tokens redacted. */
  headers: Record<string, string>
}

export interface Rejection {
  service: ServiceName | 'unknown'
  status: number
  code: string
  message: string
  requestId: string
  receivedAt: number
  method: string
  url: string
}

export interface ServiceCounters {
  requests: number
  accepted: number
  acceptedLogs: number
  rejected: number
  rejectedByCode: Record<string, number>
  bytesRaw: number
  bytesCompressed: number
}

export interface Stats extends ServiceCounters {
  faultsInjected: Record<string, number>
  storedLogs: number
  droppedFromStore: number
  byService: Record<ServiceName, ServiceCounters>
}

export interface LogFilter {
  service?: ServiceName
  topicId?: string
  project?: string
  logstore?: string
  hashKey?: string
  requestId?: string
  /** receivedAt >= since (epoch ms). */
  since?: number
  limit?: number
}

function counters (): ServiceCounters {
  return { requests: 0, accepted: 0, acceptedLogs: 0, rejected: 0, rejectedByCode: {}, bytesRaw: 0, bytesCompressed: 0 }
}

function matches (r: { service: string, topicId?: string, project?: string, logstore?: string, hashKey?: string, requestId: string, receivedAt: number }, f: LogFilter): boolean {
  return (f.service === undefined || r.service === f.service) &&
    (f.topicId === undefined || r.topicId === f.topicId) &&
    (f.project === undefined || r.project === f.project) &&
    (f.logstore === undefined || r.logstore === f.logstore) &&
    (f.hashKey === undefined || r.hashKey === f.hashKey) &&
    (f.requestId === undefined || r.requestId === f.requestId) &&
    (f.since === undefined || r.receivedAt >= f.since)
}

function select<T extends Parameters<typeof matches>[0]> (items: T[], f: LogFilter): T[] {
  const out: T[] = []
  const limit = f.limit ?? Infinity
  for (const it of items) {
    if (out.length >= limit) break
    if (matches(it, f)) out.push(it)
  }
  return out
}

export class Store {
  private logList: StoredLog[] = []
  private requestList: RequestRecord[] = []
  private rejectionList: Rejection[] = []
  private tls = counters()
  private sls = counters()
  private faults: Record<string, number> = {}
  private dropped = 0
  constructor (private readonly keep: () => { store: boolean, maxStoredLogs: number, maxRejectionsKept: number }) {}

  countRequest (service: ServiceName): void {
    this[service].requests++
  }

  countFault (kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1
  }

  accept (record: RequestRecord, logs: StoredLog[] | null): void {
    const c = this[record.service]
    c.accepted++
    c.acceptedLogs += record.logCount
    c.bytesRaw += record.rawBytes
    c.bytesCompressed += record.bodyBytes
    const k = this.keep()
    if (!k.store) return
    this.requestList.push(record)
    if (!logs) return
    const room = k.maxStoredLogs - this.logList.length
    if (room >= logs.length) {
      for (const l of logs) this.logList.push(l)
    } else {
      for (let i = 0; i < Math.max(0, room); i++) this.logList.push(logs[i]!)
      this.dropped += logs.length - Math.max(0, room)
    }
  }

  reject (r: Rejection): void {
    if (r.service !== 'unknown') {
      const c = this[r.service]
      c.rejected++
      c.rejectedByCode[r.code] = (c.rejectedByCode[r.code] ?? 0) + 1
    }
    const max = this.keep().maxRejectionsKept
    if (max <= 0) return
    this.rejectionList.push(r)
    if (this.rejectionList.length > max) this.rejectionList.splice(0, this.rejectionList.length - max)
  }

  logs (f: LogFilter = {}): StoredLog[] {
    return select(this.logList, f)
  }

  requests (f: LogFilter = {}): RequestRecord[] {
    return select(this.requestList, f)
  }

  rejections (f: { service?: string, code?: string, since?: number } = {}): Rejection[] {
    return this.rejectionList.filter(r =>
      (f.service === undefined || r.service === f.service) &&
      (f.code === undefined || r.code === f.code) &&
      (f.since === undefined || r.receivedAt >= f.since))
  }

  stats (): Stats {
    const total = counters()
    for (const c of [this.tls, this.sls]) {
      total.requests += c.requests
      total.accepted += c.accepted
      total.acceptedLogs += c.acceptedLogs
      total.rejected += c.rejected
      total.bytesRaw += c.bytesRaw
      total.bytesCompressed += c.bytesCompressed
      for (const [code, n] of Object.entries(c.rejectedByCode)) total.rejectedByCode[code] = (total.rejectedByCode[code] ?? 0) + n
    }
    const copy = (c: ServiceCounters): ServiceCounters => ({ ...c, rejectedByCode: { ...c.rejectedByCode } })
    return {
      ...total,
      faultsInjected: { ...this.faults },
      storedLogs: this.logList.length,
      droppedFromStore: this.dropped,
      byService: { tls: copy(this.tls), sls: copy(this.sls) }
    }
  }

  reset (): void {
    this.logList = []
    this.requestList = []
    this.rejectionList = []
    this.tls = counters()
    this.sls = counters()
    this.faults = {}
    this.dropped = 0
  }
}
