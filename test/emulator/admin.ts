// The HTTP admin API under /__emulator/ so child processes can query and steer the emulator.
import type { FaultSpec } from './faults.js'
import type { Emulator } from './server.js'
import type { LogFilter } from './store.js'

export interface AdminReply { status: number, body: unknown }

function filterFrom (q: URLSearchParams): LogFilter {
  const f: LogFilter = {}
  const service = q.get('service')
  if (service !== null) {
    if (service !== 'tls' && service !== 'sls') throw new TypeError(`service must be tls or sls, got ${service}`)
    f.service = service
  }
  for (const k of ['topicId', 'project', 'logstore', 'hashKey', 'requestId'] as const) {
    const v = q.get(k)
    if (v !== null) f[k] = v
  }
  for (const k of ['since', 'limit'] as const) {
    const v = q.get(k)
    if (v !== null) {
      const n = Number(v)
      if (!Number.isFinite(n)) throw new TypeError(`${k} must be a number, got ${v}`)
      f[k] = n
    }
  }
  return f
}

function parseJson (body: Buffer): unknown {
  if (body.length === 0) return undefined
  return JSON.parse(body.toString('utf8'))
}

export function handleAdmin (em: Emulator, method: string, path: string, query: URLSearchParams, body: Buffer): AdminReply {
  const route = `${method} ${path.replace(/\/+$/, '')}`
  try {
    switch (route) {
      case 'GET /__emulator/health':
        return { status: 200, body: { ok: true, url: em.url } }
      case 'GET /__emulator/logs': {
        const logs = em.logs(filterFrom(query))
        return { status: 200, body: { count: logs.length, logs } }
      }
      case 'GET /__emulator/requests': {
        const requests = em.requests(filterFrom(query))
        return { status: 200, body: { count: requests.length, requests } }
      }
      case 'GET /__emulator/rejections': {
        const f: { service?: string, code?: string, since?: number } = {}
        if (query.get('service') !== null) f.service = query.get('service')!
        if (query.get('code') !== null) f.code = query.get('code')!
        if (query.get('since') !== null) f.since = Number(query.get('since'))
        const rejections = em.rejections(f)
        return { status: 200, body: { count: rejections.length, rejections } }
      }
      case 'GET /__emulator/stats':
        return { status: 200, body: em.stats() }
      case 'POST /__emulator/reset':
        em.reset()
        return { status: 200, body: { ok: true } }
      case 'GET /__emulator/faults':
        return { status: 200, body: { faults: em.faults() } }
      case 'POST /__emulator/faults': {
        const parsed = parseJson(body)
        const specs = (Array.isArray(parsed) ? parsed : [parsed]) as FaultSpec[]
        const ids = specs.map(spec => em.inject(spec))
        return { status: 200, body: { ids } }
      }
      case 'DELETE /__emulator/faults': {
        const id = query.get('id')
        if (id === null) {
          em.clearFaults()
          return { status: 200, body: { ok: true } }
        }
        return { status: 200, body: { removed: em.removeFault(Number(id)) } }
      }
      case 'GET /__emulator/settings':
        return { status: 200, body: em.publicSettings() }
      case 'POST /__emulator/settings':
      case 'PATCH /__emulator/settings':
        em.configure(parseJson(body) as Record<string, unknown>)
        return { status: 200, body: em.publicSettings() }
      default:
        return { status: 404, body: { error: `no admin route ${route}` } }
    }
  } catch (e) {
    return { status: 400, body: { error: (e as Error).message } }
  }
}
