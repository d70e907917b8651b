/**
 * Starts the loopback emulator (test/emulator/cli.ts) as its own process in counting mode: it checks,
 * decompresses and decodes every request and counts, but stores nothing. Stops it on stop() or when
 * this process ends (its stdin is a pipe from us).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { ServiceCounters } from '../../test/emulator/store.js'

export const AK = 'bench-ak'
export const SK = 'bench-secret'
const ROOT = new URL('../../', import.meta.url).pathname

export interface EmulatorHandle {
  url: string
  pid: number
  /** PEM file of the self-signed certificate when started with https. */
  caFile?: string
  stop (): Promise<void>
}

/** What GET /__emulator/stats answers: the emulator's own counters. */
export type EmulatorStats = ServiceCounters

export async function startEmulator (options: { https?: boolean } = {}): Promise<EmulatorHandle> {
  const args = ['--import', 'tsx', join(ROOT, 'test/emulator/cli.ts'), '--port', '0', '--access-key-id', AK, '--access-key-secret', SK, '--count-only']
  let dir: string | undefined
  let caFile: string | undefined
  if (options.https === true) {
    dir = mkdtempSync(join(tmpdir(), 'logship-bench-'))
    caFile = join(dir, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', caFile,
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    args.push('--tls-cert', caFile, '--tls-key', join(dir, 'key.pem'))
  }
  // A settings file would be needed for anything else; the SLS time window is fine for records sent now.
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.once('line', (l) => { rl.close(); resolve(l) })
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
  })
  const info = JSON.parse(line) as { url: string, pid: number }
  return {
    url: info.url,
    pid: info.pid,
    ...(caFile === undefined ? {} : { caFile }),
    async stop () {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    }
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms, read from /proc (Linux); undefined
 * elsewhere. Used to show how much of the machine the emulator itself takes.
 */
export function processCpuMs (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // After the command name (in parentheses, may hold spaces) come fields 3…; utime and stime are
    // fields 14 and 15, in USER_HZ ticks, which Linux fixes at 100 per second for /proc.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** Admin calls bypass faults and are not counted. For https, `ca` is the emulator's certificate. */
export async function emulatorStats (url: string, ca?: string): Promise<EmulatorStats> {
  if (!url.startsWith('https:')) {
    const res = await fetch(`${url}/__emulator/stats`)
    return await res.json() as EmulatorStats
  }
  return await new Promise((resolve, reject) => {
    httpsGet(`${url}/__emulator/stats`, { ca: ca === undefined ? undefined : readFileSync(ca) }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => { body += d.toString() })
      res.on('end', () => resolve(JSON.parse(body) as EmulatorStats))
    }).on('error', reject)
  })
}

export async function injectFault (url: string, spec: Record<string, unknown>): Promise<number[]> {
  const res = await fetch(`${url}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) })
  if (!res.ok) throw new Error(`fault injection failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { ids: number[] }).ids
}

export async function clearFaults (url: string): Promise<void> {
  await fetch(`${url}/__emulator/faults`, { method: 'DELETE' })
}
