// The zero-config demo: `pnpm demo`.
//
// With no credentials in the environment it starts the emulator on a free loopback port (a child
// process), runs the example app (examples/demo-app.mjs, another child process) that logs through
// pino (worker), winston and the producer API to both services for a few seconds, makes the
// emulator answer 503 for a moment in the middle, and prints a summary read back from the
// emulator: per logger and service, records sent, received, dropped and retried, delivery
// latency percentiles, and a few records exactly as the service stores them.
//
// With VOLCENGINE_* (+ VOLCENGINE_TLS_TOPIC_ID) or ALIBABA_CLOUD_* (+ ALIBABA_CLOUD_SLS_PROJECT,
// ALIBABA_CLOUD_SLS_LOGSTORE) set, the same app ships to the real service(s) instead.
//
// DEMO_RUN_MS (default 6000) sets how long the app logs; DEMO_RATE (default 200) the records per
// second per logger.
import { fork } from 'node:child_process'
import { configuredServices, formatStoredLog, missingVariables, startEmulatorProcess } from './lib/target.mjs'

const RUN_MS = Number(process.env.DEMO_RUN_MS ?? 6000)
const RATE = process.env.DEMO_RATE ?? '200'
const OUTAGE_AT = 0.35                                 // of the run
const OUTAGE_MS = Math.round(Math.min(1500, RUN_MS / 4))
const LOGGERS = ['pino', 'winston', 'producer'] as const
const AK = 'demo-access-key'
const SK = 'demo-secret-key'
const DESTINATIONS = { tls: 'demo-topic', sls: 'demo-project/app-logs' }

type Service = 'tls' | 'sls'
interface Tally { delivered: number, failed: number, dropped: number, retries: number }
interface AppReport { type: 'ready' | 'progress' | 'done' | 'note', text?: string, services?: Service[], lingerMs?: number, sent?: Record<string, number>, tallies?: Record<string, Tally> }
interface StoredLog { service: Service, time: number, timeNs?: number, receivedAt: number, contents: Array<[string, string]>, [key: string]: unknown }
type Emulator = Awaited<ReturnType<typeof startEmulatorProcess>>

const t0 = Date.now()
const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(4)} s`

async function main (): Promise<void> {
  const real = configuredServices() as Service[]
  for (const service of ['tls', 'sls'] as const) {
    const missing = missingVariables(service)
    if (missing.length > 0) console.log(`Note: ${service.toUpperCase()} is partly configured (${missing.join(', ')} not set), so it is not used.`)
  }

  let emulator: Emulator | undefined
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_RUN_MS: String(RUN_MS), DEMO_RATE: RATE }
  if (real.length > 0) {
    console.log(`Credentials found: shipping to the REAL service${real.length > 1 ? 's' : ''}: ${real.map(describeReal).join('; ')}.`)
    console.log('No outage is simulated and nothing is read back (that needs the emulator); the summary counts what the service acknowledged.\n')
  } else {
    emulator = await startEmulatorProcess({ accessKeyId: AK, accessKeySecret: SK, keepAlive: true })
    console.log(`No credentials in the environment: started the logship emulator (a strict local stand-in for both services) at ${emulator.url}`)
    Object.assign(env, {
      VOLCENGINE_ACCESS_KEY_ID: AK, VOLCENGINE_ACCESS_KEY_SECRET: SK, VOLCENGINE_ENDPOINT: emulator.url, VOLCENGINE_REGION: 'cn-beijing', VOLCENGINE_TLS_TOPIC_ID: 'demo-topic',
      ALIBABA_CLOUD_ACCESS_KEY_ID: AK, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SK, ALIBABA_CLOUD_SLS_ENDPOINT: emulator.url, ALIBABA_CLOUD_SLS_PROJECT: 'demo-project', ALIBABA_CLOUD_SLS_LOGSTORE: 'app-logs'
    })
    for (const name of ['VOLCENGINE_TOKEN', 'ALIBABA_CLOUD_SECURITY_TOKEN', 'ALIBABA_CLOUD_REGION']) delete env[name]
  }

  const app = fork(new URL('./demo-app.mjs', import.meta.url), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let last: AppReport = { type: 'progress' }
  let ready: AppReport | undefined
  const exited = new Promise<number>((resolve) => app.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
  let ticker: NodeJS.Timeout | undefined
  const finished = new Promise<void>((resolve) => {
    app.on('message', (message: AppReport) => {
      if (message.type === 'note') console.log(`${elapsed()}  app: ${message.text}`)
      if (message.type === 'ready') {
        ready = message
        console.log(`${elapsed()}  example app (pid ${app.pid}) logs ${RATE} records/s through each of pino (worker), winston and the producer API,`)
        const where = message.services!.map((s) => emulator === undefined ? describeReal(s) : `${s.toUpperCase()} ${DESTINATIONS[s]}`)
        console.log(`        to ${where.join(' and ')}, for ${(RUN_MS / 1000).toFixed(1)} s (lingerMs ${message.lingerMs})`)
        ticker = setInterval(() => { tick().catch(() => {}) }, 1000)
        if (emulator !== undefined) setTimeout(() => { startOutage(emulator!).catch(() => {}) }, RUN_MS * OUTAGE_AT)
      }
      if (message.type === 'progress' || message.type === 'done') last = message
      if (message.type === 'done') resolve()
    })
    app.once('exit', () => resolve())
  })

  async function startOutage (em: Emulator): Promise<void> {
    await em.inject({ kind: 'outage', durationMs: OUTAGE_MS, mode: 'status' })
    console.log(`${elapsed()}  ✗ outage: the emulator answers 503 (TLS ServiceUnavailable, SLS ServerBusy) for ${OUTAGE_MS} ms`)
    setTimeout(() => {
      console.log(`${elapsed()}  ✓ the service is back; the producers retry what failed (backoff with jitter)`)
    }, OUTAGE_MS).unref()
  }

  async function tick (): Promise<void> {
    const sent = last.sent ?? {}
    const retries = Object.values(last.tallies ?? {}).reduce((n, t) => n + t.retries, 0)
    let stored = ''
    if (emulator !== undefined) {
      const stats = await emulator.stats() as { byService: Record<Service, { acceptedLogs: number }>, rejected: number }
      stored = ` | emulator stored TLS ${stats.byService.tls.acceptedLogs}, SLS ${stats.byService.sls.acceptedLogs} (requests refused: ${stats.rejected})`
    } else {
      const delivered = Object.values(last.tallies ?? {}).reduce((n, t) => n + t.delivered, 0)
      stored = ` | acknowledged ${delivered}`
    }
    console.log(`${elapsed()}  sent pino ${sent.pino ?? 0}, winston ${sent.winston ?? 0}, producer ${sent.producer ?? 0}${stored} | retries ${retries}`)
  }

  await finished
  if (ticker) clearInterval(ticker)
  const code = await exited
  console.log(`${elapsed()}  example app exited with code ${code}`)
  // The ticks sample the app's progress; this last line is its final count, beside what was stored.
  if (ready !== undefined) await tick()
  if (ready === undefined) {
    await emulator?.stop()
    throw new Error('the example app did not start')
  }

  const services = ready.services!
  const logs: StoredLog[] = emulator === undefined ? [] : await emulator.logs()
  const ok = summarize(services, last, logs, emulator !== undefined)
  if (emulator !== undefined) {
    const stats = await emulator.stats() as { accepted: number, rejected: number, rejectedByCode: Record<string, number> }
    const codes = Object.entries(stats.rejectedByCode).map(([code, n]) => `${code} ×${n}`).join(', ')
    console.log(`\n  The emulator accepted ${stats.accepted} requests and refused ${stats.rejected}${codes ? ` (${codes})` : ''}; refused batches were retried, not lost.`)
    showRecords(logs)
    await emulator.stop()
  }
  console.log(ok && code === 0
    ? `\n✓ Every record sent was ${emulator === undefined ? 'acknowledged by the service.' : 'received and stored exactly once, across the outage.'}`
    : '\n✗ Some records were not delivered (see the table above).')
  if (!ok || code !== 0) process.exitCode = 1
}

function describeReal (service: Service): string {
  return service === 'tls'
    ? `Volcengine TLS topic ${process.env.VOLCENGINE_TLS_TOPIC_ID} at ${process.env.VOLCENGINE_ENDPOINT}`
    : `Aliyun SLS ${process.env.ALIBABA_CLOUD_SLS_PROJECT}/${process.env.ALIBABA_CLOUD_SLS_LOGSTORE} at ${process.env.ALIBABA_CLOUD_SLS_ENDPOINT}`
}

/** Prints the table; true when every record sent was received once (emulator) or acknowledged (real service). */
function summarize (services: Service[], report: AppReport, logs: StoredLog[], readBack: boolean): boolean {
  const byKey = new Map<string, StoredLog[]>()
  for (const log of logs) {
    const via = log.contents.find(([k]) => k === 'via')?.[1] ?? '?'
    const key = `${via}/${log.service}`
    byKey.set(key, [...(byKey.get(key) ?? []), log])
  }
  const header = ['logger', 'service', 'sent', readBack ? 'received' : 'acknowledged', 'duplicates', 'failed', 'dropped', 'retried', 'latency p50', 'p95', 'p99']
  const rows: string[][] = []
  let ok = true
  for (const via of LOGGERS) {
    for (const service of services) {
      const sent = report.sent?.[via] ?? 0
      const tally = report.tallies?.[`${via}/${service}`] ?? { delivered: 0, failed: 0, dropped: 0, retries: 0 }
      const stored = byKey.get(`${via}/${service}`) ?? []
      const ids = new Set(stored.map((log) => log.contents.find(([k]) => k === 'id')?.[1]))
      const received = readBack ? ids.size : tally.delivered
      const latencies = stored.map((log) => log.receivedAt - timeMs(log)).sort((a, b) => a - b)
      const pct = (q: number): string => latencies.length === 0 ? '–' : `${Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))])} ms`
      if (received !== sent) ok = false
      const row = [via, service.toUpperCase(), String(sent), String(received), String(stored.length - ids.size), String(tally.failed), String(tally.dropped), `${tally.retries} batch${tally.retries === 1 ? '' : 'es'}`, pct(0.5), pct(0.95), pct(0.99)]
      rows.push(readBack ? row : [...row.slice(0, 4), ...row.slice(5, 8)])
    }
  }
  console.log(`\nSummary${readBack ? ' (read back from the emulator; latency = stored at − record time)' : ' (from the service\'s acknowledgements)'}\n`)
  // Without a read-back: no duplicates, no latencies.
  const shown = readBack ? header : [...header.slice(0, 4), ...header.slice(5, 8)]
  const widths = shown.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(line(shown))
  console.log('  ' + widths.map((w) => '─'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
  return ok
}

/** A stored log's own time in ms: TLS Time is ms (+ TimeNs below the ms), SLS Time is seconds (+ TimeNs within the second). */
function timeMs (log: StoredLog): number {
  return log.service === 'tls' ? log.time + (log.timeNs ?? 0) / 1e6 : log.time * 1000 + (log.timeNs ?? 0) / 1e6
}

function showRecords (logs: StoredLog[]): void {
  const pick = (via: string, service: Service): StoredLog | undefined =>
    logs.find((log) => log.service === service && log.contents.some(([k, v]) => k === 'via' && v === via) && log.contents.some(([k, v]) => k === 'level' && v !== 'info')) ??
    logs.find((log) => log.service === service && log.contents.some(([k, v]) => k === 'via' && v === via))
  console.log('\nA few records exactly as the services store them (LogGroup fields, Time/TimeNs, contents in order):')
  for (const [via, service] of [['pino', 'tls'], ['winston', 'sls'], ['producer', 'tls']] as const) {
    const log = pick(via, service)
    if (log === undefined) continue
    console.log(`\n${via} → ${service.toUpperCase()}`)
    console.log(formatStoredLog(log))
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
