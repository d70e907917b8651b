/**
 * `--profile-span FILE`: a CPU profile of the measured span alone. The V8 profiler is started after
 * the warm-ups and stopped once the span has been measured, so, unlike `node --cpu-prof`, the profile
 * holds neither start-up nor warm-up. Summarise it with `bench/lib/profile-summary.ts FILE`. Sampling
 * costs CPU inside the span: the figures a profiled run emits are higher than an unprofiled run's.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

export interface SpanProfile {
  /** Stops the profiler and writes the profile (nothing when no file was asked for). */
  stop: () => Promise<void>
}

/** Starts sampling every `intervalUs` µs when `file` is not empty. */
export async function startSpanProfile (file: string, intervalUs = 200): Promise<SpanProfile> {
  if (file === '') return { stop: async () => {} }
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs })
  await session.post('Profiler.start')
  return {
    async stop () {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    }
  }
}
