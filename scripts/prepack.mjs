// prepack of every package (cwd: the package's directory), before `pnpm pack` or `pnpm publish`:
// 1. A package whose dependencies use a pnpm `workspace:` range (the adapters' @logship/producer)
//    must be packed by pnpm, which rewrites the range to the producer's version; npm would ship it
//    as is, and the tarball would then fail to install (EUNSUPPORTEDPROTOCOL).
// 2. A clean build: without it, a clone where only `pnpm install` ran packed no dist/ at all, and an
//    old build could ship compiled files whose sources are gone (tsc -b never deletes them).
// 3. Every file package.json points to (main, types, exports, bin) exists in the tarball-to-be.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const dir = process.cwd()
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))

const ranges = Object.values({ ...pkg.dependencies, ...pkg.peerDependencies })
if (ranges.some((range) => String(range).startsWith('workspace:'))) {
  const agent = process.env.npm_config_user_agent ?? ''
  if (!agent.startsWith('pnpm/')) {
    console.error(`pack and publish ${pkg.name} with pnpm (pnpm pack, pnpm publish): it rewrites the workspace: range of its dependencies, which npm would ship as is`)
    process.exit(1)
  }
}

const tsc = createRequire(new URL('../package.json', import.meta.url)).resolve('typescript/bin/tsc')
for (const args of [['-b', '--clean'], ['-b']]) {
  const run = spawnSync(process.execPath, [tsc, ...args], { cwd: dir, stdio: 'inherit' })
  if (run.status !== 0) {
    console.error(`${pkg.name}: tsc ${args.join(' ')} failed`)
    process.exit(1)
  }
}

/** Every path package.json names: main, types, bin, and each condition of each export. */
function targets (value) {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(targets)
}
const missing = [pkg.main, pkg.types, ...targets(pkg.bin), ...targets(pkg.exports)]
  .filter((path) => typeof path === 'string' && !path.includes('*'))
  .filter((path) => !existsSync(join(dir, path)))
if (missing.length > 0) {
  console.error(`${pkg.name}: package.json points to files the build did not make: ${[...new Set(missing)].join(', ')}`)
  process.exit(1)
}
