#!/usr/bin/env node
// Runs the test suite with node:test. Node 20 does not expand globs for --test, so the files are
// listed here; TypeScript tests load through tsx. Pass file paths to run a subset.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)

function collect (dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures') continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out.push(...collect(full))
    else if (/\.test\.(ts|mjs)$/.test(name)) out.push(relative(root, full))
  }
  return out
}

const files = args.length > 0 ? args : collect(join(root, 'test')).sort()
const result = spawnSync(process.execPath, [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=120000',
  ...files
], { cwd: root, stdio: 'inherit' })
process.exit(result.status ?? 1)
