// The zero-config demo: `pnpm demo`.
//
// With no credentials in the environment it starts the built-in emulator on a free loopback port,
// ships logs to both services through the producer API for a few seconds at a steady rate, takes
// the emulator down for a moment in the middle, and prints what the emulator received.
// With VOLCENGINE_* (plus VOLCENGINE_TLS_TOPIC_ID) or ALIBABA_CLOUD_* (plus ALIBABA_CLOUD_SLS_PROJECT
// and ALIBABA_CLOUD_SLS_LOGSTORE) set, the same run ships to the real service instead.
import { createProducer, type Producer, type ProducerOptions, type Result } from '@logship/producer'
import { startEmulator, type Emulator } from '../test/emulator/index.js'

const RUN_MS = Number(process.env.DEMO_RUN_MS ?? 4000)
const RATE_PER_SEC = Number(process.env.DEMO_RATE ?? 2000)
const OUTAGE_MS = 800
const EMULATOR_AK = 'demo-access-key'
const EMULATOR_SK = 'demo-secret-key'

interface Target {
  name: string
  options: ProducerOptions
  real: boolean
}

interface Tally {
  sent: number
  delivered: number
  failed: number
  dropped: number
  retries: number
  latenciesMs: number[]
}

async function main (): Promise<void> {
  const real = realTargets()
  let emulator: Emulator | undefined
  let targets = real
  if (targets.length === 0) {
    emulator = await startEmulator({ credentials: [{ accessKeyId: EMULATOR_AK, accessKeySecret: EMULATOR_SK }] })
    targets = emulatorTargets(emulator.url)
    console.log(`No credentials in the environment: shipping to the built-in emulator at ${emulator.url}`)
  } else {
    console.log(`Shipping to the real service(s): ${real.map((t) => t.name).join(', ')}`)
  }

  const tallies = new Map<string, Tally>()
  const producers = targets.map((target) => {
    const producer = createProducer(target.options)
    const tally: Tally = { sent: 0, delivered: 0, failed: 0, dropped: 0, retries: 0, latenciesMs: [] }
    producer.on('retry', () => { tally.retries++ })
    producer.on('drop', (event) => { tally.dropped += event.count })
    tallies.set(target.name, tally)
    return { target, producer, tally }
  })

  console.log(`Logging ${RATE_PER_SEC} records/s to each of ${targets.length} destinations for ${RUN_MS} ms…`)
  const started = Date.now()
  let outageDone = emulator === undefined
  let nextReport = started + 1000
  let i = 0
  while (Date.now() - started < RUN_MS) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE_PER_SEC)
    for (; i < due; i++) {
      for (const { producer, tally } of producers) sendOne(producer, tally, i)
    }
    if (!outageDone && Date.now() - started > RUN_MS / 3) {
      outageDone = true
      emulator!.inject({ kind: 'outage', durationMs: OUTAGE_MS, mode: 'status' })
      console.log(`  … the emulator answers 503 for ${OUTAGE_MS} ms: the producer retries with backoff`)
    }
    if (Date.now() >= nextReport) {
      nextReport += 1000
      const line = producers.map(({ target, tally }) => `${target.name}: sent ${tally.sent}, delivered ${tally.delivered}, retries ${tally.retries}`)
      console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s  ${line.join(' | ')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }

  console.log('Closing (delivers everything still buffered)…')
  for (const { producer } of producers) await producer.close({ timeoutMs: 15_000 })

  console.log('\nSummary')
  const rows = producers.map(({ target, tally }) => {
    const received = emulator === undefined ? '(n/a)' : String(countReceived(emulator, target))
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => percentile(tally.latenciesMs, q).toFixed(0))
    return { destination: target.name, sent: tally.sent, received, delivered: tally.delivered, failed: tally.failed, dropped: tally.dropped, retries: tally.retries, 'latency p50/p95/p99 ms': `${p50}/${p95}/${p99}` }
  })
  console.table(rows)

  if (emulator !== undefined) {
    for (const target of targets) {
      const sample = emulator.logs(filterOf(target)).slice(0, 2)
      console.log(`\nTwo records as ${target.name} stores them:`)
      for (const log of sample) console.log(JSON.stringify(log, null, 2))
    }
    await emulator.close()
  }
}

function sendOne (producer: Producer, tally: Tally, i: number): void {
  const sentAt = performance.now()
  tally.sent++
  producer.send({
    time: Date.now(),
    contents: { level: i % 50 === 0 ? 'warn' : 'info', msg: 'order processed', orderId: `o-${i}`, amountCents: 1000 + (i % 977), region: 'eu-west', user: { id: i % 313, tier: 'gold' } }
  }, {
    callback: (result: Result) => {
      if (result.successful) {
        tally.delivered++
        tally.latenciesMs.push(performance.now() - sentAt)
      } else {
        tally.failed++
      }
    }
  })
}

function emulatorTargets (url: string): Target[] {
  const common = { endpoint: url, accessKeyId: EMULATOR_AK, accessKeySecret: EMULATOR_SK, lingerMs: 200, baseRetryBackoffMs: 100, maxRetryBackoffMs: 1000 }
  return [
    { name: 'tls demo-topic', real: false, options: { ...common, service: 'tls', region: 'cn-beijing', topicId: 'demo-topic' } },
    { name: 'sls demo-project/app-logs', real: false, options: { ...common, service: 'sls', project: 'demo-project', logstore: 'app-logs', topic: 'demo' } }
  ]
}

function realTargets (): Target[] {
  const env = process.env
  const out: Target[] = []
  if (env.VOLCENGINE_ACCESS_KEY_ID && env.VOLCENGINE_TLS_TOPIC_ID) {
    out.push({ name: `tls ${env.VOLCENGINE_TLS_TOPIC_ID}`, real: true, options: { service: 'tls', topicId: env.VOLCENGINE_TLS_TOPIC_ID } })
  }
  if (env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_SLS_PROJECT && env.ALIBABA_CLOUD_SLS_LOGSTORE) {
    out.push({ name: `sls ${env.ALIBABA_CLOUD_SLS_PROJECT}/${env.ALIBABA_CLOUD_SLS_LOGSTORE}`, real: true, options: { service: 'sls', project: env.ALIBABA_CLOUD_SLS_PROJECT, logstore: env.ALIBABA_CLOUD_SLS_LOGSTORE } })
  }
  return out
}

function filterOf (target: Target) {
  const o = target.options
  return o.service === 'tls' ? { service: 'tls' as const, topicId: o.topicId } : { service: 'sls' as const, project: o.project, logstore: o.logstore }
}

function countReceived (emulator: Emulator, target: Target): number {
  return emulator.logs(filterOf(target)).length
}

function percentile (values: number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
