// The example app behind `pnpm demo`: one process that logs through pino (worker transport),
// winston (worker mode) and the producer API, each to every configured service, at a steady rate,
// then delivers everything and exits. Each record carries `via` (which logger) and a unique `id`.
//
//   node examples/demo-app.mjs        # DEMO_RUN_MS=6000 DEMO_RATE=200 (records/s per logger)
//
// Destinations come from the environment (VOLCENGINE_* + VOLCENGINE_TLS_TOPIC_ID,
// ALIBABA_CLOUD_* + ALIBABA_CLOUD_SLS_PROJECT/_LOGSTORE); with none set it starts the emulator and
// ships to both services there. Run by examples/demo.ts, it reports progress over IPC.
import pino from 'pino'
import winston from 'winston'
import { LogshipTransport } from '@logship/winston'
import { createProducer } from '@logship/producer'
import { configuredServices, envDestination, startEmulatorProcess, EMULATOR_ACCESS_KEY_ID, EMULATOR_ACCESS_KEY_SECRET } from './lib/target.mjs'

const RUN_MS = Number(process.env.DEMO_RUN_MS ?? 6000)
const RATE = Number(process.env.DEMO_RATE ?? 200)
const LINGER_MS = 500
const LOGGERS = ['pino', 'winston', 'producer']

const report = typeof process.send === 'function' ? (message) => process.send(message) : undefined
const say = (text) => (report ? report({ type: 'note', text }) : console.log(text))

// Where to ship: per service, the options every logger gets.
let services = configuredServices()
const destinations = {}
if (services.length > 0) {
  for (const service of services) destinations[service] = envDestination(service)
} else {
  const emulator = await startEmulatorProcess()
  say(`no credentials set: shipping to a local emulator at ${emulator.url}`)
  services = ['tls', 'sls']
  const keys = { endpoint: emulator.url, accessKeyId: EMULATOR_ACCESS_KEY_ID, accessKeySecret: EMULATOR_ACCESS_KEY_SECRET }
  destinations.tls = { service: 'tls', ...keys, region: 'cn-beijing', topicId: 'demo-topic' }
  destinations.sls = { service: 'sls', ...keys, project: 'demo-project', logstore: 'app-logs' }
}
const common = { lingerMs: LINGER_MS, tags: { app: 'demo-shop' } }

// Per logger and service: what the producer events said.
const tallies = {}
for (const via of LOGGERS) {
  for (const service of services) tallies[`${via}/${service}`] = { delivered: 0, failed: 0, dropped: 0, retries: 0 }
}
const sent = Object.fromEntries(LOGGERS.map((via) => [via, 0]))
function listen (emitter, via, fixedService) {
  const tally = (e) => tallies[`${via}/${fixedService ?? e.destination.service}`]
  emitter.on('delivered', (e) => { tally(e).delivered += e.logCount })
  emitter.on('failed', (e) => { tally(e).failed += e.logCount })
  emitter.on('retry', (e) => { tally(e).retries++ })
  // pino's drop events name no destination: they are counted against the first service.
  emitter.on('drop', (e) => { tallies[`${via}/${fixedService ?? services[0]}`].dropped += e.count })
}

// pino: one worker, one @logship/pino target per service.
const transport = pino.transport({
  targets: services.map((service) => ({ target: '@logship/pino', level: 'info', options: { ...destinations[service], ...common } }))
})
listen(transport, 'pino')
const pinoLogger = pino({ base: { via: 'pino', hostname: 'web-1' } }, transport)

// winston: one LogshipTransport (own worker thread) per service.
const winstonTransports = services.map((service) => {
  const t = new LogshipTransport({ ...destinations[service], ...common })
  listen(t, 'winston', service)
  return t
})
const winstonLogger = winston.createLogger({
  format: winston.format.timestamp(),
  defaultMeta: { via: 'winston' },
  transports: winstonTransports
})

// The producer API: one producer per service.
const producers = services.map((service) => {
  const p = createProducer({ ...destinations[service], ...common })
  listen(p, 'producer', service)
  return p
})

const ROUTES = ['/products', '/cart', '/checkout', '/orders/17', '/search?q=tea']
function fields (i) {
  const status = i % 97 === 0 ? 500 : i % 13 === 0 ? 404 : 200
  return { route: ROUTES[i % ROUTES.length], status, durationMs: 2 + ((i * 7) % 40), userId: `u-${i % 250}` }
}
function logOne (via, i) {
  const id = `${via}-${i}`
  const f = fields(i)
  const level = f.status >= 500 ? 'error' : f.status >= 400 ? 'warn' : 'info'
  if (via === 'pino') pinoLogger[level]({ id, ...f }, 'request completed')
  else if (via === 'winston') winstonLogger.log(level, 'request completed', { id, ...f })
  else for (const p of producers) p.send({ time: Date.now(), contents: { level, via, id, ...f, msg: 'request completed' } })
  sent[via]++
}

const progress = () => ({ type: 'progress', sent: { ...sent }, tallies: JSON.parse(JSON.stringify(tallies)) })
report?.({ type: 'ready', services, rate: RATE, runMs: RUN_MS, lingerMs: LINGER_MS })
if (!report) console.log(`logging ${RATE} records/s through each of ${LOGGERS.join(', ')} to ${services.join(' and ')} for ${RUN_MS} ms`)

const started = Date.now()
let done = 0
let nextProgress = started + 500
while (Date.now() - started < RUN_MS) {
  const due = Math.floor(((Date.now() - started) / 1000) * RATE)
  for (; done < due; done++) for (const via of LOGGERS) logOne(via, done)
  if (Date.now() >= nextProgress) {
    nextProgress += 500
    if (report) report(progress())
    else console.log(`  sent ${done} per logger`)
  }
  await new Promise((resolve) => setTimeout(resolve, 20))
}

// Deliver everything. winston: end() → 'finish' after delivery; the producers: close().
// pino: with several targets, logger.flush() does not wait for delivery (pino's multistream has no
// async flush), so wait until the worker's events account for every record. Without this wait, pino
// would still deliver them when the process exits, but the events would not reach us.
say('delivering what is still buffered…')
await Promise.all([
  pinoSettled(10_000),
  new Promise((resolve) => { winstonLogger.on('finish', resolve); winstonLogger.end() }),
  ...producers.map((p) => p.close({ timeoutMs: 10_000 }))
])
if (report) {
  report({ ...progress(), type: 'done' })
  process.disconnect()
} else {
  console.log(JSON.stringify(progress().tallies, null, 2))
}
// pino's worker is ended at exit; everything was delivered above.

async function pinoSettled (timeoutMs) {
  const deadline = Date.now() + timeoutMs
  const settled = (service) => {
    const t = tallies[`pino/${service}`]
    return t.delivered + t.failed + t.dropped >= sent.pino
  }
  while (!services.every(settled) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
}
