/**
 * bench/run.ts's arguments: a mistyped scenario id or round count ends the run at once with the
 * usage, before the ~8-minute run starts (before, `--only` with a typo ran nothing and printed an
 * empty table, and `--help` was a stack trace). Nothing here builds or runs a scenario.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

function bench (...args: string[]): { status: number | null, stdout: string, stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
}

test('--help prints the usage and exits 0', () => {
  const run = bench('--help')
  assert.equal(run.status, 0)
  assert.match(run.stdout, /^usage: pnpm bench \[--quick\] \[--runs N\] \[--only id,id\] \[--json file\]/)
  assert.match(run.stdout, /--from file\.json/)
})

test('an unknown --only id is refused with the list of ids', () => {
  const run = bench('--only', 'producer-tls,prodcuer-sls')
  assert.equal(run.status, 2)
  assert.match(run.stderr, /no scenario 'prodcuer-sls'; the ids are producer-tls, producer-sls, .*burst, outage/)
  assert.doesNotMatch(run.stderr, /'producer-tls'/, 'only the unknown id is named')
  assert.equal(run.stdout, '', 'nothing ran')
})

test('--runs must be a whole number of rounds, and unknown options are refused', () => {
  for (const bad of ['0', 'three', '2.5']) {
    const run = bench('--runs', bad, '--only', 'producer-tls')
    assert.equal(run.status, 2, bad)
    assert.match(run.stderr, new RegExp(`--runs takes a whole number of rounds >= 1, not '${bad.replace('.', '\\.')}'`))
  }
  const unknown = bench('--rounds', '3')
  assert.equal(unknown.status, 2)
  assert.match(unknown.stderr, /^bench: Unknown option '--rounds'/)
  assert.match(unknown.stderr, /usage: pnpm bench/)
})
