// One node:http (or node:https) server speaking both services plus the admin API.
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer as createHttpServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { handleAdmin } from './admin.js'
import { SLS_STATUS_BY_CODE, ServiceError, TLS_STATUS_BY_CODE, statusFor } from './errors.js'
import type { ServiceName } from './errors.js'
import { Faults } from './faults.js'
import type { ActiveFault, FaultSpec, RequestTarget } from './faults.js'
import type { ServiceOutcome, ServiceRequest } from './service-request.js'
import { mergeDeep, publicSettings, resolveSettings } from './settings.js'
import type { EmulatorSettings, EmulatorSettingsInput } from './settings.js'
import { handleSls, parseSlsPath, projectFromHost } from './sls-service.js'
import { Store } from './store.js'
import type { LogFilter, Rejection, RequestRecord, Stats, StoredLog } from './store.js'
import { handleTls } from './tls-service.js'

export interface EmulatorOptions extends EmulatorSettingsInput {
  /** Listen address; loopback by default. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  tlsKey?: string | Buffer
  tlsCert?: string | Buffer
}

export interface Emulator {
  readonly url: string
  readonly port: number
  readonly host: string
  readonly settings: EmulatorSettings
  close (): Promise<void>
  logs (filter?: LogFilter): StoredLog[]
  requests (filter?: LogFilter): RequestRecord[]
  rejections (filter?: { service?: string, code?: string, since?: number }): Rejection[]
  stats (): Stats
  /** Clears stored logs, requests, rejections, counters and faults. */
  reset (): void
  /** Adds a fault; returns its id. */
  inject (fault: FaultSpec): number
  removeFault (id: number): boolean
  clearFaults (): void
  faults (): ActiveFault[]
  /** Merges a partial settings object at runtime (arrays and `projects` are replaced). */
  configure (patch: EmulatorSettingsInput): void
  publicSettings (): unknown
}

const SERVICE_HANDLERS: Record<ServiceName, (req: ServiceRequest, s: EmulatorSettings) => ServiceOutcome> = {
  tls: handleTls,
  sls: handleSls
}

function newRequestId (service: ServiceName): string {
  return service === 'tls' ? randomUUID() : randomBytes(12).toString('hex').toUpperCase()
}

function serviceOf (path: string): ServiceName | null {
  if (path === '/PutLogs' || path.startsWith('/PutLogs/')) return 'tls'
  if (path === '/logstores' || path.startsWith('/logstores/')) return 'sls'
  return null
}

function firstValues (req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  const distinct = req.headersDistinct
  for (const [k, v] of Object.entries(distinct)) out[k] = v?.[0]
  return out
}

function writeJson (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...extra })
  res.end(data)
}

class EmulatorImpl implements Emulator {
  url = ''
  port = 0
  host = ''
  settings: EmulatorSettings
  private readonly store: Store
  private readonly faultList: Faults
  private readonly timers = new Set<NodeJS.Timeout>()
  private server!: Server

  constructor (private readonly options: EmulatorOptions) {
    this.settings = resolveSettings(options)
    this.store = new Store(() => this.settings)
    this.faultList = new Faults(() => this.settings.clock(), kind => this.store.countFault(kind))
  }

  async listen (): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.onRequest(req, res).catch(err => {
        if (!res.headersSent) writeJson(res, 500, { ErrorCode: 'InternalError', ErrorMessage: String(err?.message ?? err) })
        else res.destroy()
      })
    }
    const secure = this.options.tlsKey !== undefined && this.options.tlsCert !== undefined
    this.server = secure
      ? createHttpsServer({ key: this.options.tlsKey, cert: this.options.tlsCert }, handler)
      : createHttpServer(handler)
    this.server.keepAliveTimeout = 5000
    this.server.on('connection', (socket: Socket) => {
      if (this.faultList.resetsConnections()) {
        this.faultList.noteConnectionReset()
        socket.resetAndDestroy()
      }
    })
    const host = this.options.host ?? '127.0.0.1'
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const addr = this.server.address() as AddressInfo
    this.port = addr.port
    this.host = host
    const shown = host.includes(':') ? `[${host}]` : host
    this.url = `${secure ? 'https' : 'http'}://${shown}:${addr.port}`
  }

  private sleep (ms: number): Promise<void> {
    return new Promise(resolve => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.add(t)
    })
  }

  private async readBody (req: IncomingMessage): Promise<Buffer | null> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > this.settings.maxRequestBytes) return null
      chunks.push(chunk as Buffer)
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
  }

  private sendError (res: ServerResponse, service: ServiceName, status: number, code: string, message: string, requestId: string): void {
    if (service === 'tls') writeJson(res, status, { ErrorCode: code, ErrorMessage: message }, { 'X-Tls-Requestid': requestId })
    else writeJson(res, status, { errorCode: code, errorMessage: message }, { 'x-log-requestid': requestId })
  }

  private reject (res: ServiceResponseTarget, service: ServiceName, code: string, message: string, status: number | undefined): void {
    const s = service === 'tls' ? this.settings.tls : this.settings.sls
    const finalStatus = status ?? statusFor(code, s.statusByCode, service === 'tls' ? TLS_STATUS_BY_CODE : SLS_STATUS_BY_CODE)
    this.store.reject({ service, status: finalStatus, code, message, requestId: res.requestId, receivedAt: res.receivedAt, method: res.req.method ?? '', url: res.req.url ?? '' })
    this.sendError(res.res, service, finalStatus, code, message, res.requestId)
  }

  private async onRequest (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = this.settings.clock()
    const rawUrl = req.url ?? '/'
    const qIndex = rawUrl.indexOf('?')
    const path = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex)
    const query = new URLSearchParams(qIndex < 0 ? '' : rawUrl.slice(qIndex + 1))
    const body = await this.readBody(req)
    if (path.startsWith('/__emulator/')) {
      const reply = handleAdmin(this, req.method ?? 'GET', path, query, body ?? Buffer.alloc(0))
      writeJson(res, reply.status, reply.body)
      return
    }
    const service = serviceOf(path)
    if (service === null) {
      const requestId = newRequestId('sls')
      this.store.reject({ service: 'unknown', status: 404, code: 'NotFound', message: `unknown path ${path}`, requestId, receivedAt, method: req.method ?? '', url: rawUrl })
      writeJson(res, 404, { ErrorCode: 'NotFound', ErrorMessage: `unknown path ${path}`, errorCode: 'NotFound', errorMessage: `unknown path ${path}` })
      return
    }
    this.store.countRequest(service)
    const requestId = newRequestId(service)
    const target: ServiceResponseTarget = { res, req, requestId, receivedAt }
    if (body === null) {
      const code = service === 'tls' ? 'LogGroupListSizeTooLarge' : 'PostBodyTooLarge'
      this.reject(target, service, code, `request body exceeds ${this.settings.maxRequestBytes} bytes`, 413)
      req.socket.destroySoon()
      return
    }
    const headers = firstValues(req)
    const decision = this.faultList.decide(this.targetOf(service, path, query, headers), {
      status: this.settings[service].throttleStatus,
      code: this.settings[service].throttleCode
    })
    if (decision.latencyMs > 0) await this.sleep(decision.latencyMs)
    const action = decision.action
    if (action?.type === 'reset') {
      req.socket.resetAndDestroy()
      return
    }
    if (action?.type === 'drop' && !action.afterStore) {
      req.socket.destroy()
      return
    }
    if (action?.type === 'error') {
      this.reject(target, service, action.code ?? 'InternalError', action.message, action.status)
      return
    }
    let outcome: ServiceOutcome
    try {
      outcome = SERVICE_HANDLERS[service]({ method: req.method ?? 'GET', rawUrl, path, query, headers, body, receivedAt, requestId }, this.settings)
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e
      this.reject(target, service, e.code, e.message, e.status)
      return
    }
    this.store.accept(outcome.record, outcome.logs)
    if (action?.type === 'drop') {
      // afterStore: the batch is stored, but the client never learns it (a lost response).
      req.socket.destroy()
      return
    }
    if (decision.holdMs > 0) await this.sleep(decision.holdMs)
    if (res.destroyed) return
    res.writeHead(200, { 'Content-Length': 0, [service === 'tls' ? 'X-Tls-Requestid' : 'x-log-requestid']: requestId })
    res.end()
  }

  private targetOf (service: ServiceName, path: string, query: URLSearchParams, headers: Record<string, string | undefined>): RequestTarget {
    if (service === 'tls') return { service, topicId: query.get('TopicId') ?? undefined }
    return { service, project: projectFromHost(headers.host) ?? undefined, logstore: parseSlsPath(path)?.logstore }
  }

  async close (): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await new Promise<void>(resolve => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  logs (filter?: LogFilter): StoredLog[] { return this.store.logs(filter) }
  requests (filter?: LogFilter): RequestRecord[] { return this.store.requests(filter) }
  rejections (filter?: { service?: string, code?: string, since?: number }): Rejection[] { return this.store.rejections(filter) }
  stats (): Stats { return this.store.stats() }
  reset (): void {
    this.store.reset()
    this.faultList.clear()
  }

  inject (fault: FaultSpec): number { return this.faultList.inject(fault) }
  removeFault (id: number): boolean { return this.faultList.remove(id) }
  clearFaults (): void { this.faultList.clear() }
  faults (): ActiveFault[] { return this.faultList.active() }

  configure (patch: EmulatorSettingsInput): void {
    if (!patch || typeof patch !== 'object') throw new TypeError('settings patch must be an object')
    const { clock, ...rest } = patch
    const merged = mergeDeep({ ...this.settings, clock: undefined }, rest) as unknown as EmulatorSettingsInput
    const next = resolveSettings({ ...merged, clock: clock ?? this.settings.clock })
    // a new topic/project list without an explicit autoCreate switches auto-creation by the list
    if (patch.tls?.autoCreate === undefined && patch.tls?.topics !== undefined) next.tls.autoCreate = next.tls.topics.length === 0
    if (patch.sls?.autoCreate === undefined && patch.sls?.projects !== undefined) next.sls.autoCreate = Object.keys(next.sls.projects).length === 0
    this.settings = next
  }

  publicSettings (): unknown { return publicSettings(this.settings) }
}

interface ServiceResponseTarget {
  res: ServerResponse
  req: IncomingMessage
  requestId: string
  receivedAt: number
}

export async function startEmulator (options: EmulatorOptions = {}): Promise<Emulator> {
  const em = new EmulatorImpl(options)
  await em.listen()
  return em
}
