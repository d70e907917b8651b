/** Shared setup for the winston transport tests: an emulator and producer options pointing at it. */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { startEmulator } from '../emulator/index.js'
import type { Emulator, StoredLog } from '../emulator/index.js'

export { startEmulator }
export type { Emulator, StoredLog }

export const ACCESS_KEY_ID = 'emulator-ak'
export const ACCESS_KEY_SECRET = 'emulator-secret'

/** TLS producer options for `emulator`, with a unique topic so tests never see each other's logs. */
export function tlsOptions (emulator: Emulator, extra: Record<string, unknown> = {}): Record<string, unknown> & { topicId: string } {
  return {
    service: 'tls',
    endpoint: emulator.url,
    region: 'cn-beijing',
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    topicId: `topic-${randomUUID()}`,
    lingerMs: 100,
    ...extra
  }
}

/** Stored logs of a topic, their contents as plain objects. */
export function logsOf (emulator: Emulator, topicId: string): Array<{ log: StoredLog, fields: Record<string, string> }> {
  return emulator.logs({ topicId }).map((log) => ({ log, fields: Object.fromEntries(log.contents) }))
}

export async function waitFor (predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs a fixture in a fresh node process; options reach it through LOGSHIP_TEST_OPTIONS. */
export function runFixture (name: string, args: string[], options: Record<string, unknown>, timeoutMs = 60_000): Promise<ChildResult> {
  const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], {
      env: { ...process.env, LOGSHIP_TEST_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`fixture ${name} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - start })
    })
  })
}
