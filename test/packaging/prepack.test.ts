/**
 * scripts/prepack.mjs, as `pnpm pack` and `npm pack` run it from a package's directory. Only the
 * refusal is run here: the clean build it does next would remove the dist/ the other test files use.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('../../scripts/prepack.mjs', import.meta.url))
const dir = (name: string): string => fileURLToPath(new URL(`../../packages/${name}`, import.meta.url))

test('npm cannot pack an adapter (its workspace: range would ship as is); the script says to use pnpm', () => {
  for (const name of ['winston', 'pino']) {
    const run = spawnSync(process.execPath, [script], {
      cwd: dir(name),
      env: { ...process.env, npm_config_user_agent: 'npm/11.6.2 node/v20.20.2 linux x64 workspaces/false' },
      encoding: 'utf8'
    })
    assert.equal(run.status, 1, name)
    assert.match(run.stderr, new RegExp(`pack and publish @logship/${name} with pnpm`))
    assert.ok(existsSync(`${dir(name)}/dist/index.js`), 'refused before building: dist/ untouched')
  }
})
