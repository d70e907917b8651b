/**
 * Shared setup for the reliability and security tests: producer options for either service on the
 * emulator (a fresh destination per call, so tests never see each other's logs), fault targets,
 * records with unique ids, and counting what the emulator stored by id.
 */
import { randomUUID } from 'node:crypto'
import type { ProducerOptions } from '@logship/producer'
import type { Emulator, FaultSpec, StoredLog } from '../emulator/index.js'

export type Service = 'tls' | 'sls'
export const SERVICES: readonly Service[] = ['tls', 'sls']

export const AK = 'emulator-ak'
export const SK = 'emulator-secret'
export const SLS_PROJECT = 'rel-project'

/** Fast retry settings: every fault test stays well under a few seconds. */
export const FAST = Object.freeze({
  lingerMs: 100,
  baseRetryBackoffMs: 20,
  maxRetryBackoffMs: 200,
  retries: 50,
  requestTimeoutMs: 2000,
  connectTimeoutMs: 1000,
  flushOnExit: false
})

/** Producer options for `service` on `endpoint`, with a destination of its own. */
export function options (service: Service, endpoint: string, extra: Partial<ProducerOptions> = {}): ProducerOptions {
  const common = { endpoint, accessKeyId: AK, accessKeySecret: SK, ...FAST }
  return service === 'tls'
    ? { service, region: 'cn-beijing', topicId: `topic-${randomUUID()}`, ...common, ...extra } as ProducerOptions
    : { service, region: 'cn-hangzhou', project: SLS_PROJECT, logstore: `ls-${randomUUID().slice(0, 18)}`, ...common, ...extra } as ProducerOptions
}

/** A fault aimed at this producer's destination only. */
export function target (o: ProducerOptions): Pick<FaultSpec, 'service' | 'topicId' | 'project' | 'logstore'> {
  return o.service === 'tls' ? { service: 'tls', topicId: o.topicId } : { service: 'sls', project: o.project, logstore: o.logstore }
}

export function stored (em: Emulator, o: ProducerOptions): StoredLog[] {
  return o.service === 'tls' ? em.logs({ service: 'tls', topicId: o.topicId }) : em.logs({ service: 'sls', project: o.project, logstore: o.logstore })
}

export function field (log: StoredLog, key: string): string | undefined {
  for (const [k, v] of log.contents) if (k === key) return v
  return undefined
}

/** How many times each id was stored. */
export function countIds (em: Emulator, o: ProducerOptions): Map<string, number> {
  const counts = new Map<string, number>()
  for (const log of stored(em, o)) {
    const id = field(log, 'id')
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}

export interface Tally {
  /** Ids stored at least once. */
  unique: number
  /** Extra copies beyond the first. */
  duplicates: number
  /** Ids stored that were never sent (must be 0). */
  unknown: number
}

export function tally (counts: Map<string, number>, sent: ReadonlySet<string>): Tally {
  let duplicates = 0
  let unknown = 0
  for (const [id, n] of counts) {
    if (!sent.has(id)) unknown++
    duplicates += n - 1
  }
  return { unique: counts.size, duplicates, unknown }
}

/** A record of about `pad` + 40 encoded bytes with a unique id. */
export function record (id: string, pad = 200): { contents: Record<string, string> } {
  return { contents: { id, level: 'info', msg: 'x'.repeat(pad) } }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitFor (predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(10)
  }
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function closedPort (): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
