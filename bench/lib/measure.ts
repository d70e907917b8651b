/**
 * What a scenario measures about its own process: process CPU (all threads), the main thread's CPU
 * (Linux schedstat, ns precision; process CPU elsewhere), wall time and peak RSS.
 */
import { readFileSync } from 'node:fs'

/** CPU time the main thread has run, in µs. process.cpuUsage covers every thread, this only ours. */
export function mainThreadCpuUs (): number {
  try {
    // The main thread's tid is the pid. First field: ns spent on the CPU.
    const text = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1')
    return Number(text.slice(0, text.indexOf(' '))) / 1000
  } catch {
    const u = process.cpuUsage()
    return u.user + u.system
  }
}

export function processCpuUs (): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB (): number {
  return process.resourceUsage().maxRSS / 1024
}

export interface Span {
  /** Process CPU µs (all threads). */
  cpuUs: number
  /** Main-thread CPU µs. */
  mainCpuUs: number
  wallMs: number
}

export function startSpan (): () => Span {
  const cpu0 = processCpuUs()
  const main0 = mainThreadCpuUs()
  const t0 = performance.now()
  return () => ({ cpuUs: processCpuUs() - cpu0, mainCpuUs: mainThreadCpuUs() - main0, wallMs: performance.now() - t0 })
}

/** The scenario's one output line. Every scenario ends by printing exactly one of these to stdout. */
export function emit (result: Record<string, unknown>): void {
  process.stdout.write('RESULT ' + JSON.stringify(result) + '\n')
}

/** Percentile of an unsorted array (nearest rank). */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[rank]
}

export function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i !== -1 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback
}

/**
 * Records per request in the request warm-ups of the producer, straightforward and pino scenarios: small,
 * so that the ~2,500 requests it takes V8 to compile the code run once per request cost little.
 */
export const WARMUP_REQUEST_RECORDS = 16
