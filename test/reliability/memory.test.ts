/**
 * The memory bound, seen from outside: a real child process logs ~37 MB during an outage (every
 * connection refused) and its peak RSS grows by at most totalSizeInBytes plus a fixed margin. A
 * control run with a bound larger than what is offered shows the measurement does see buffering.
 * Needs the built package (`pnpm -s build`).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { it } from 'node:test'
import { closedPort } from './helpers.js'

const MiB = 1024 * 1024
/** V8's young generation, allocator slack and garbage not yet collected; measured at about 10 MiB. */
const MARGIN = 24 * MiB
const CHILD = fileURLToPath(new URL('./fixtures/memory-child.mjs', import.meta.url))

interface ChildReport { baseline: number, peak: number, growth: number, peakBuffered: number, accepted: number, dropped: number, offeredBytes: number }

function run (bound: number, count: number, endpoint: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD, String(bound), String(count), endpoint], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}: ${err}`))
      else resolve(JSON.parse(out) as ChildReport)
    })
  })
}

it('peak RSS of a process logging 37 MB through an outage stays within totalSizeInBytes + a fixed margin', async (t) => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`
  const bound = 4 * MiB
  // One after the other: two CPU-bound children at once would starve the other test files' timers.
  const bounded = await run(bound, 150_000, endpoint)
  const control = await run(64 * MiB, 150_000, endpoint)
  const mb = (n: number): string => (n / MiB).toFixed(1) + ' MiB'
  t.diagnostic(`bound ${mb(bound)}: RSS growth ${mb(bounded.growth)}, peak bufferedBytes ${bounded.peakBuffered}, accepted ${bounded.accepted}, dropped ${bounded.dropped} of ${mb(bounded.offeredBytes)} offered`)
  t.diagnostic(`control (bound 64 MiB): RSS growth ${mb(control.growth)}, peak bufferedBytes ${mb(control.peakBuffered)}`)
  assert.ok(bounded.peakBuffered <= bound)
  assert.ok(bounded.dropped > 0)
  assert.ok(bounded.growth <= bound + MARGIN, `RSS grew ${mb(bounded.growth)} > ${mb(bound + MARGIN)}`)
  assert.ok(control.growth > bound + MARGIN, `the control grew ${mb(control.growth)}: the measurement sees buffered records`)
})
