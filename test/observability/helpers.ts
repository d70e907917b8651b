/** Shared helpers for the observability tests: emulator options and reading a prom-client registry. */
import { randomUUID } from 'node:crypto'
import type { Registry } from 'prom-client'
import { DEFAULT_CREDENTIAL, type Emulator } from '../emulator/index.js'

export const ACCESS_KEY_ID = DEFAULT_CREDENTIAL.accessKeyId
export const SECRET = DEFAULT_CREDENTIAL.accessKeySecret

export function tlsOptions (emu: { url: string }, extra: Record<string, unknown> = {}): Record<string, any> & { topicId: string } {
  return {
    service: 'tls',
    endpoint: emu.url,
    region: 'cn-beijing',
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: SECRET,
    topicId: 'topic-' + randomUUID(),
    lingerMs: 100,
    ...extra
  }
}

export type Scrape = Array<{ name: string, type: string, values: Array<{ value: number, labels: Record<string, string | number>, metricName?: string }> }>

export async function scrape (registry: Registry): Promise<Scrape> {
  return await registry.getMetricsAsJSON() as unknown as Scrape
}

/**
 * The value of a metric's series whose labels include `labels`; the sum over all that match
 * (0 when none). For histograms pass metricName `x_count`, `x_sum` or `x_bucket` as `name`.
 */
export function value (metrics: Scrape, name: string, labels: Record<string, string> = {}): number {
  const base = name.replace(/_(count|sum|bucket)$/, '')
  const metric = metrics.find((m) => m.name === name) ?? metrics.find((m) => m.name === base)
  if (metric === undefined) throw new Error(`no metric ${name}`)
  let sum = 0
  for (const v of metric.values) {
    if (metric.name === base && base !== name && v.metricName !== name) continue
    if (metric.type === 'histogram' && base === name) continue
    if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) sum += v.value
  }
  return sum
}

/** Label values of a metric's series for `label`. */
export function labelValues (metrics: Scrape, name: string, label: string): string[] {
  const metric = metrics.find((m) => m.name === name)
  return [...new Set((metric?.values ?? []).map((v) => String(v.labels[label])).filter((v) => v !== 'undefined'))].sort()
}

export async function waitFor (probe: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Emulator refusals for one topic, counted by code and by status. */
export function refusals (emu: Emulator, topicId: string): { byCode: Record<string, number>, byStatus: Record<string, number>, total: number } {
  const byCode: Record<string, number> = {}
  const byStatus: Record<string, number> = {}
  let total = 0
  for (const r of emu.rejections()) {
    if (!r.url.includes(topicId)) continue
    byCode[r.code] = (byCode[r.code] ?? 0) + 1
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
    total++
  }
  return { byCode, byStatus, total }
}
