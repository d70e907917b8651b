/**
 * bench/run.ts's memory verdict, from recorded results (`--from`): the memory target is judged on
 * the producer runs that start fresh (scaling, burst, latency, outage). The 200,000-record producer
 * rows run after 2,500 warm-up requests, whose own memory stays in the process (twentieth pass in
 * bench/RESULTS.md), so their peak RSS is shown without a verdict; runs recorded before that
 * warm-up existed are judged as before. Nothing here builds or runs a scenario.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

function producerRound (peakRssMiB: number, warmupRequests: number | undefined): Record<string, unknown> {
  return { records: 200000, warmupRecords: 20000, ...(warmupRequests === undefined ? {} : { warmupRequests }), delivered: 200000, failed: 0, dropped: 0, cpuUsPerRecord: 3, mainCpuUsPerRecord: 2.8, recordsPerSec: 200000, recordsPerCpuSec: 333333, peakRssMiB, limitMiB: 164, latencyP50Ms: 400, latencyP99Ms: 480, allDelivered: true }
}

function burstRound (peakRssMiB: number): Record<string, unknown> {
  return { records: 2000000, warmupRecords: 20000, warmupRequests: 0, delivered: 2000000, failed: 0, dropped: 0, cpuUsPerRecord: 3.2, mainCpuUsPerRecord: 2.9, peakRssMiB, limitMiB: 164, allDelivered: true }
}

/** The table bench/run.ts prints for these recorded results. */
function table (results: Record<string, unknown[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-from-'))
  try {
    const file = join(dir, 'run.json')
    writeFileSync(file, JSON.stringify({ machine: 'test machine', date: '2026-11-23T21:04:00.000Z', quick: false, runs: 1, command: 'pnpm bench', results }))
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--from', file], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    assert.equal(run.status, 0, run.stderr)
    return run.stdout
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The cells of the first table row whose text matches `pattern`, trimmed. */
function cells (output: string, pattern: RegExp): string[] {
  const line = output.split('\n').find((l) => pattern.test(l))
  assert.ok(line !== undefined, `no row matching ${pattern}`)
  return line.split('|').slice(1, -1).map((c) => c.trim())
}

const SUMMARY = /memory: every producer scenario started fresh/

test('after warm-up requests, the producer rows\' peak RSS is shown but not judged; the fresh burst decides', () => {
  const out = table({ 'producer-tls': [producerRound(170, 2500)], burst: [burstRound(150)] })
  const rss = cells(out, /peak RSS MiB .*not judged/)
  assert.equal(rss[2], '170')
  assert.equal(rss[4], '(bound 164)')
  assert.equal(rss[5], '', 'no verdict')
  assert.match(cells(out, /producer TLS lz4 signed/)[6], /steady state \(after 2,500 warm-up requests\)/)
  const summary = cells(out, SUMMARY)
  assert.equal(summary[5], 'met')
  assert.match(summary[6], /^burst: 150 of 164 MiB$/)
  assert.equal(summary[3], '1 round', 'the warmed round is left out of the count')
})

test('a fresh run over its bound still fails the memory target', () => {
  const out = table({ 'producer-tls': [producerRound(150, 2500)], burst: [burstRound(170)] })
  const summary = cells(out, SUMMARY)
  assert.equal(summary[5], 'NOT met')
  assert.match(summary[6], /^burst: 170 of 164 MiB$/)
})

test('runs recorded before the request warm-up are judged as before', () => {
  const out = table({ 'producer-tls': [producerRound(170, undefined)], burst: [burstRound(150)] })
  const rss = cells(out, /^\|\s+\|\s+peak RSS MiB/)
  assert.equal(rss[4], '≤ 164')
  assert.equal(rss[5], 'NOT met')
  assert.doesNotMatch(cells(out, /producer TLS lz4 signed/)[6], /steady state/)
  const summary = cells(out, SUMMARY)
  assert.equal(summary[5], 'NOT met')
  assert.match(summary[6], /^producer-tls: 170 of 164 MiB$/)
})
