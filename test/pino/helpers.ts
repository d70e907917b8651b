/** Shared helpers for the @logship/pino tests: an emulator, transport options, waiting, lookups. */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { DEFAULT_CREDENTIAL, startEmulator, type Emulator, type EmulatorOptions, type FaultSpec, type LogFilter, type StoredLog } from '../emulator/index.js'

export const SECRET = DEFAULT_CREDENTIAL.accessKeySecret

export async function emulator (options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ port: 0, ...options })
}

/**
 * The emulator in a child process, steered through its HTTP admin API. Worker-mode tests need it:
 * pino's transport.end() blocks the calling thread (Atomics.wait) until the worker has delivered,
 * so an emulator on that same thread could not answer.
 */
export interface RemoteEmulator {
  readonly url: string
  logs (filter?: LogFilter): Promise<StoredLog[]>
  inject (fault: FaultSpec): Promise<number>
  clearFaults (): Promise<void>
  close (): Promise<void>
}

const EMULATOR_CLI = fileURLToPath(new URL('../emulator/cli.ts', import.meta.url))

export async function remoteEmulator (): Promise<RemoteEmulator> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', EMULATOR_CLI, '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.setEncoding('utf8')
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
    child.stdout!.on('data', (d: string) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl !== -1) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url)
    })
  })
  const admin = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(url + '/__emulator/' + path, {
      method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' }
    })
    const json = await res.json()
    if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${JSON.stringify(json)}`)
    return json
  }
  return {
    url,
    async logs (filter = {}) {
      const q = new URLSearchParams(Object.entries(filter).map(([k, v]): [string, string] => [k, String(v)]))
      return (await admin('GET', 'logs?' + q.toString())).logs as StoredLog[]
    },
    async inject (fault) { return (await admin('POST', 'faults', fault)).ids[0] as number },
    async clearFaults () { await admin('DELETE', 'faults') },
    async close () {
      const exited = once(child, 'exit')
      child.stdin!.end()
      await exited
    }
  }
}

/** Transport options for a fresh TLS topic on the emulator (cloneable: no functions). */
export function tlsOptions (emu: { url: string }, extra: Record<string, unknown> = {}): Record<string, unknown> & { topicId: string } {
  return {
    service: 'tls',
    endpoint: emu.url,
    region: 'cn-beijing',
    accessKeyId: DEFAULT_CREDENTIAL.accessKeyId,
    accessKeySecret: DEFAULT_CREDENTIAL.accessKeySecret,
    topicId: 'topic-' + randomUUID(),
    lingerMs: 100,
    ...extra
  }
}

export function slsOptions (emu: { url: string }, extra: Record<string, unknown> = {}): Record<string, unknown> & { logstore: string } {
  return {
    service: 'sls',
    endpoint: emu.url,
    accessKeyId: DEFAULT_CREDENTIAL.accessKeyId,
    accessKeySecret: DEFAULT_CREDENTIAL.accessKeySecret,
    project: 'proj',
    logstore: 'store-' + randomUUID().slice(0, 8),
    lingerMs: 100,
    ...extra
  }
}

/** Env vars a child fixture reads to reach the emulator (credentials via the services' env names). */
export function childEnv (emu: Emulator, topicId: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    VOLCENGINE_ACCESS_KEY_ID: DEFAULT_CREDENTIAL.accessKeyId,
    VOLCENGINE_ACCESS_KEY_SECRET: DEFAULT_CREDENTIAL.accessKeySecret,
    VOLCENGINE_ENDPOINT: emu.url,
    VOLCENGINE_REGION: 'cn-beijing',
    TEST_TOPIC_ID: topicId,
    ...extra
  }
}

export function fields (log: StoredLog): Record<string, string> {
  return Object.fromEntries(log.contents)
}

export async function waitFor<T> (probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export async function waitForLogs (emu: Emulator | RemoteEmulator, filter: LogFilter, count: number, timeoutMs = 10_000): Promise<StoredLog[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const logs = await emu.logs(filter)
    if (logs.length >= count) return logs
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} logs (have ${logs.length})`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const EXIT_APP = fileURLToPath(new URL('./fixtures/exit-app.mjs', import.meta.url))

export interface ExitRun { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, ms: number }

export interface ExitRunOptions {
  /** Transport options merged into the fixture's. */
  options?: Record<string, unknown>
  /** The package the fixture imports pino from (an alias such as 'pino-8'); default 'pino'. */
  pino?: string
  onStdout?: (text: string, child: ChildProcess) => void
  /** Log through destination() instead of pino.transport(). */
  destination?: boolean
}

/**
 * Runs fixtures/exit-app.mjs (log `count` lines through the worker transport, then leave by `mode`)
 * in a child process with plain node, no tsx loader: the fixture is the application as users write it.
 */
export async function runExitApp (emu: Emulator, topicId: string, mode: string, count: number, run: ExitRunOptions = {}): Promise<ExitRun> {
  const started = Date.now()
  const child = spawn(process.execPath, [EXIT_APP, mode, String(count)], {
    env: childEnv(emu, topicId, { TEST_OPTIONS: JSON.stringify(run.options ?? {}), TEST_PINO: run.pino ?? 'pino', TEST_DESTINATION: run.destination === true ? '1' : '', NODE_OPTIONS: '' }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; run.onStdout?.(stdout, child) })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
  return { code, signal, stdout, stderr, ms: Date.now() - started }
}

/** Asserts the ids 0..n-1 of field `key` all arrived, each once; returns a description of what is wrong, or ''. */
export function missingSeq (logs: StoredLog[], n: number, key = 'seq'): string {
  const seen = new Map<string, number>()
  for (const log of logs) {
    const v = fields(log)[key]
    if (v !== undefined) seen.set(v, (seen.get(v) ?? 0) + 1)
  }
  const missing: number[] = []
  const duplicated: number[] = []
  for (let i = 0; i < n; i++) {
    const c = seen.get(String(i)) ?? 0
    if (c === 0) missing.push(i)
    if (c > 1) duplicated.push(i)
  }
  if (missing.length === 0 && duplicated.length === 0) return ''
  return `missing ${missing.length} (first ${missing.slice(0, 5).join(',')}), duplicated ${duplicated.length}`
}
