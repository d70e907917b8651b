// Where the examples ship to: the real service when its credentials and destination are in the
// environment, otherwise a loopback emulator that the example starts for itself.
//
//   Volcengine TLS: VOLCENGINE_ACCESS_KEY_ID, VOLCENGINE_ACCESS_KEY_SECRET, VOLCENGINE_ENDPOINT,
//                   VOLCENGINE_REGION and VOLCENGINE_TLS_TOPIC_ID
//   Aliyun SLS:     ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
//                   ALIBABA_CLOUD_SLS_ENDPOINT, ALIBABA_CLOUD_SLS_PROJECT and ALIBABA_CLOUD_SLS_LOGSTORE
//
// With the environment set, only the destination goes into the options: the producer reads the
// endpoint, region and credentials from those same variables by itself.
//
// The emulator runs as a child process (node --import tsx test/emulator/cli.ts), never on the
// example's own thread: pino's exit flush blocks the main thread, and an in-process emulator could
// not answer during that wait. It stops by itself when the example's process ends.
/* global fetch */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath, URLSearchParams } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const EMULATOR_ACCESS_KEY_ID = 'example-access-key'
export const EMULATOR_ACCESS_KEY_SECRET = 'example-secret-key'

const REQUIRED = {
  tls: ['VOLCENGINE_ACCESS_KEY_ID', 'VOLCENGINE_ACCESS_KEY_SECRET', 'VOLCENGINE_ENDPOINT', 'VOLCENGINE_REGION', 'VOLCENGINE_TLS_TOPIC_ID'],
  sls: ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SLS_ENDPOINT', 'ALIBABA_CLOUD_SLS_PROJECT', 'ALIBABA_CLOUD_SLS_LOGSTORE']
}

/** The services whose credentials and destination are all set in `env`. */
export function configuredServices (env = process.env) {
  return /** @type {const} */ (['tls', 'sls']).filter((service) => REQUIRED[service].every((name) => env[name]))
}

/** Names of the variables `service` needs that are missing (a partly configured service is a mistake worth telling). */
export function missingVariables (service, env = process.env) {
  const missing = REQUIRED[service].filter((name) => !env[name])
  return missing.length === REQUIRED[service].length ? [] : missing
}

/** The destination options for `service` as configured in `env`. */
export function envDestination (service, env = process.env) {
  return service === 'tls'
    ? { service: 'tls', topicId: env.VOLCENGINE_TLS_TOPIC_ID }
    : { service: 'sls', project: env.ALIBABA_CLOUD_SLS_PROJECT, logstore: env.ALIBABA_CLOUD_SLS_LOGSTORE }
}

function isLoopback (endpoint) {
  try {
    const host = new URL(/^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`).hostname
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.')
  } catch {
    return false
  }
}

/**
 * Resolves where to ship. `service` picks one ('tls' or 'sls'); without it, the first configured
 * service, else TLS on the emulator. Returns
 *   { service, options, label, emulator }
 * where `options` are producer options to spread into createProducer / the adapters, and
 * `emulator` is the emulator this call started (or undefined).
 */
export async function resolveTarget (service, env = process.env) {
  const configured = configuredServices(env)
  const chosen = service ?? configured[0] ?? 'tls'
  for (const name of ['tls', 'sls']) {
    const missing = missingVariables(name, env)
    if (missing.length > 0) console.warn(`(${name} is partly configured: ${missing.join(', ')} not set; using the emulator for it)`)
  }
  if (configured.includes(chosen)) {
    const endpoint = chosen === 'tls' ? env.VOLCENGINE_ENDPOINT : env.ALIBABA_CLOUD_SLS_ENDPOINT
    const options = envDestination(chosen, env)
    const where = chosen === 'tls' ? `topic ${options.topicId}` : `${options.project}/${options.logstore}`
    const kind = isLoopback(endpoint) ? 'an emulator (from the environment)' : chosen === 'tls' ? 'Volcengine TLS' : 'Aliyun SLS'
    return { service: chosen, options, label: `${kind} at ${endpoint}, ${where}`, emulator: undefined }
  }
  const emulator = await startEmulatorProcess()
  const options = chosen === 'tls'
    ? { service: 'tls', endpoint: emulator.url, region: 'cn-beijing', topicId: 'example-topic' }
    : { service: 'sls', endpoint: emulator.url, project: 'example-project', logstore: 'example-logstore' }
  Object.assign(options, { accessKeyId: EMULATOR_ACCESS_KEY_ID, accessKeySecret: EMULATOR_ACCESS_KEY_SECRET })
  const where = chosen === 'tls' ? `topic ${options.topicId}` : `${options.project}/${options.logstore}`
  return { service: chosen, options, label: `the local emulator at ${emulator.url} (no ${chosen === 'tls' ? 'VOLCENGINE_*' : 'ALIBABA_CLOUD_*'} credentials set), ${where}`, emulator }
}

/**
 * Starts the emulator as a child process and resolves once it listens:
 *   { url, pid, logs(query), stats(), inject(fault), clearFaults(), stop() }
 * The child does not keep this process alive; it stops when this process ends (its stdin closes)
 * or on stop().
 */
export async function startEmulatorProcess ({ accessKeyId = EMULATOR_ACCESS_KEY_ID, accessKeySecret = EMULATOR_ACCESS_KEY_SECRET, keepAlive = false } = {}) {
  const child = spawn(process.execPath, [
    '--import', 'tsx', 'test/emulator/cli.ts', '--port', '0', '--host', '127.0.0.1',
    '--access-key-id', accessKeyId, '--access-key-secret', accessKeySecret
  ], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const info = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the emulator exited with code ${code} before listening`)))
    lines.once('line', (line) => resolve(JSON.parse(line)))
  })
  lines.close()
  child.removeAllListeners('exit')
  child.removeAllListeners('error')
  if (!keepAlive) {
    child.unref()
    child.stdin.unref?.()
    child.stdout.unref?.()
    child.stdin.on('error', () => {})
  }
  return emulatorClient(info.url, child)
}

/** A small client of the emulator's admin API (`/__emulator/...`, see test/emulator/README.md). */
export function emulatorClient (url, child) {
  const admin = async (method, path, body) => {
    const response = await fetch(`${url}/__emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    if (!response.ok) throw new Error(`emulator ${method} ${path}: HTTP ${response.status} ${await response.text()}`)
    return response.json()
  }
  return {
    url,
    pid: child?.pid,
    /** Stored logs; `query` filters: service, topicId, project, logstore, since, limit. */
    logs: async (query = {}) => (await admin('GET', `logs?${new URLSearchParams(query)}`)).logs,
    stats: () => admin('GET', 'stats'),
    inject: (fault) => admin('POST', 'faults', fault),
    clearFaults: () => admin('DELETE', 'faults'),
    stop: () => new Promise((resolve) => {
      if (child === undefined || child.exitCode !== null) return resolve()
      child.ref() // keep this process alive until the emulator is gone
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
}

/**
 * For an example running on its own emulator: prints how many records arrived and one of them as
 * the service stores it, then stops the emulator. Does nothing against a real service.
 */
export async function showWhatArrived (target, { expected } = {}) {
  if (target.emulator === undefined) return
  const logs = await target.emulator.logs()
  console.log(`The emulator stored ${logs.length} record(s)${expected === undefined ? '' : ` (expected ${expected})`}. The last one, as the service holds it:`)
  const last = logs[logs.length - 1]
  if (last !== undefined) console.log(formatStoredLog(last))
  await target.emulator.stop()
}

/** A stored log as the service holds it: the LogGroup fields, the time fields, and the contents pairs. */
export function formatStoredLog (log) {
  const group = log.service === 'tls'
    ? `TLS topic ${log.topicId}  source ${log.source ?? ''}${log.filename ? `  filename ${log.filename}` : ''}`
    : `SLS ${log.project}/${log.logstore}  topic ${JSON.stringify(log.topic ?? '')}  source ${log.source ?? ''}`
  const tags = (log.tags ?? []).map(([k, v]) => `${k}=${v}`).join(' ')
  const time = log.service === 'tls'
    ? `Time ${log.time} (ms)${log.timeNs !== undefined ? `  TimeNs ${log.timeNs}` : ''}`
    : `Time ${log.time} (s)${log.timeNs !== undefined ? `  TimeNs ${log.timeNs}` : ''}`
  const width = Math.max(...log.contents.map(([k]) => k.length))
  const contents = log.contents.map(([k, v]) => `    ${k.padEnd(width)}  ${v.length > 110 ? v.slice(0, 110) + '…' : v}`)
  return [`  ${group}${tags ? `  tags ${tags}` : ''}`, `  ${time}  ${log.compression ?? ''}`, ...contents].join('\n')
}
