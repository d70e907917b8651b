/**
 * bench/lib/span-profile.ts, behind the producer scenario's --profile-span: the profile covers what
 * runs between start and stop, written as a .cpuprofile (nodes and samples, as bench/lib/profile-summary.ts reads).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startSpanProfile } from '../../bench/lib/span-profile.js'

interface CpuProfile {
  nodes: Array<{ id: number, callFrame: { functionName: string } }>
  samples: number[]
}

/** Busy for `ms` of wall time, in a function the profile can name. */
function spinInsideTheSpan (ms: number): number {
  let x = 0
  const until = Date.now() + ms
  while (Date.now() < until) x += Math.sqrt(x + 1)
  return x
}

test('the profile holds the work done between start and stop, as a .cpuprofile with samples', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'span-profile-'))
  try {
    const file = join(dir, 'span.cpuprofile')
    const profile = await startSpanProfile(file, 100)
    spinInsideTheSpan(200)
    await profile.stop()
    const written = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    const spinning = written.nodes.filter((n) => n.callFrame.functionName === 'spinInsideTheSpan').map((n) => n.id)
    assert.ok(spinning.length > 0, 'the function run inside the span is in the profile')
    const spinSamples = written.samples.filter((id) => spinning.includes(id)).length
    assert.ok(spinSamples >= 10, `sampled inside the span (${spinSamples} samples)`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
