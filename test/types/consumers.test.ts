/**
 * The shipped declarations type-check in the projects users have: each fixture under fixtures/ is a
 * small consumer (its own package.json and tsconfig.json, skipLibCheck off) that imports the public
 * API of the three packages, resolved through node_modules as a user's project resolves them (here
 * test/node_modules/@logship/*, the workspace packages' built dist). One tsc run per fixture.
 * The fixtures repeat the same uses of the API on purpose: TypeScript decides a file's module mode
 * from its own path (extension, nearest package.json), so a file shared between them would be
 * checked in one mode only, which is what each fixture is there to vary.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { before, describe, test } from 'node:test'

const root = fileURLToPath(new URL('../..', import.meta.url))
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))

const FIXTURES = {
  'cjs-node10': 'CommonJS, moduleResolution node10, without esModuleInterop',
  'cjs-nodenext': 'CommonJS, module nodenext (require of the ESM packages), without esModuleInterop',
  'esm-node16': 'ESM, module node16, without esModuleInterop',
  'esm-interop': 'ESM, module nodenext, with esModuleInterop (the control)'
}

describe('the published typings in consumer projects', () => {
  before(() => {
    for (const pkg of ['producer', 'winston', 'pino']) {
      assert.ok(existsSync(new URL(`../../packages/${pkg}/dist/index.d.ts`, import.meta.url)),
        `packages/${pkg}/dist is not built: run pnpm -s build first`)
      assert.ok(existsSync(new URL(`../node_modules/@logship/${pkg}/package.json`, import.meta.url)),
        `test/node_modules/@logship/${pkg} is missing: run pnpm install`)
    }
  })

  for (const [name, what] of Object.entries(FIXTURES)) {
    test(`${name}: ${what}`, () => {
      const project = fileURLToPath(new URL(`fixtures/${name}`, import.meta.url))
      const run = spawnSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: root, encoding: 'utf8' })
      assert.equal(run.error, undefined)
      assert.equal(run.status, 0, `tsc -p test/types/fixtures/${name} failed:\n${run.stdout}${run.stderr}`)
    })
  }
})
