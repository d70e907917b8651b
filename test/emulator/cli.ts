// Start the emulator from a command line; prints one JSON line when listening.
//   node --import tsx test/emulator/cli.ts --port 0 --host 127.0.0.1 --access-key-id AK --access-key-secret SK
import { fstatSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startEmulator } from './server.js'
import type { EmulatorOptions } from './server.js'
import type { Credential } from './settings.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'access-key-id': { type: 'string' },
    'access-key-secret': { type: 'string' },
    'security-token': { type: 'string' },
    'count-only': { type: 'boolean', default: false },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    topic: { type: 'string', multiple: true },
    project: { type: 'string', multiple: true },
    region: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})

if (values.help) {
  process.stdout.write(`usage: cli.ts [--port 0] [--host 127.0.0.1] [--access-key-id AK --access-key-secret SK [--security-token T]]
  [--count-only] [--tls-cert cert.pem --tls-key key.pem] [--topic ID]... [--project NAME[:ls1,ls2]]...
  [--region R] [--config settings.json]
Without --topic/--project any topic/project/logstore is accepted. Stops on SIGTERM/SIGINT or when a piped stdin ends.
`)
  process.exit(0)
}

const fromFile: EmulatorOptions = values.config ? JSON.parse(readFileSync(values.config, 'utf8')) : {}
const options: EmulatorOptions = { ...fromFile, host: values.host, port: Number(values.port) }
if (values['access-key-id'] !== undefined || values['access-key-secret'] !== undefined) {
  if (!values['access-key-id'] || !values['access-key-secret']) throw new Error('--access-key-id and --access-key-secret go together')
  const cred: Credential = { accessKeyId: values['access-key-id'], accessKeySecret: values['access-key-secret'] }
  if (values['security-token']) cred.securityToken = values['security-token']
  options.credentials = [cred, ...(fromFile.credentials ?? [])]
}
if (values['count-only']) options.store = false
if (values['tls-cert'] || values['tls-key']) {
  if (!values['tls-cert'] || !values['tls-key']) throw new Error('--tls-cert and --tls-key go together')
  options.tlsCert = readFileSync(values['tls-cert'])
  options.tlsKey = readFileSync(values['tls-key'])
}
if (values.topic?.length) options.tls = { ...options.tls, topics: values.topic }
if (values.project?.length) {
  const projects: Record<string, string[]> = {}
  for (const p of values.project) {
    const [name, list] = p.split(':')
    projects[name!] = list ? list.split(',').filter(Boolean) : []
  }
  options.sls = { ...options.sls, projects }
}
if (values.region) {
  options.tls = { ...options.tls, region: values.region }
  options.sls = { ...options.sls, region: values.region }
}

const em = await startEmulator(options)
process.stdout.write(JSON.stringify({
  url: em.url,
  host: em.host,
  port: em.port,
  accessKeyId: em.settings.credentials[0]?.accessKeyId,
  store: em.settings.store,
  tlsAutoCreate: em.settings.tls.autoCreate,
  slsAutoCreate: em.settings.sls.autoCreate,
  pid: process.pid
}) + '\n')

let stopping = false
async function stop (): Promise<void> {
  if (stopping) return
  stopping = true
  await em.close()
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
process.on('SIGINT', () => { void stop() })
// Only a pipe ends meaningfully; /dev/null or a TTY on stdin would stop the emulator at once or never.
try {
  const st = fstatSync(0)
  if (st.isFIFO() || st.isSocket()) {
    process.stdin.on('end', () => { void stop() })
    process.stdin.on('error', () => { void stop() })
    process.stdin.resume()
  }
} catch { /* no stdin */ }
