/**
 * pino, 1,000,000 standard records (`logger.info({ field_0..field_7 }, message)`), several ways:
 *   --mode noop      pino serialising into a stream that discards everything (the yardstick)
 *   --mode logship   pino.transport({ target: '@logship/pino' }) (worker thread)
 *   --mode destination  pino(opts, destination(options)) from @logship/pino: lines go to its own
 *                    worker through a shared ring, without thread-stream; the loop waits when the ring is full
 *   --ring-bytes N   (with destination) the ring's size; default destination()'s own (8 MiB)
 *   --mode abstract  the common approach: a worker target built on pino-abstract-transport with its
 *                    default line parsing (split2 + JSON.parse), sending through @logship/producer
 *   --sync true      (with logship/abstract) pino.transport({ sync: true }): thread-stream copies each
 *                    line into the shared buffer at once and blocks while the worker is behind,
 *                    instead of queueing lines on the main thread without bound
 *   --yield-every N  the loop yields to the event loop every N records (default 0: a tight loop, in
 *                    which thread-stream can hand nothing to the worker until the loop ends)
 *   --warmup-requests N  (logship, destination) warm-up requests of 16 lines and a flush() each,
 *                    after the 20,000 warm-up lines (default 2,500; see below)
 * Main-thread time is the logging loop's wall time (what the app waits; pino blocks when the worker
 * falls behind) and the main thread's own CPU. The worker's cost is the CPU of every other thread
 * of the process from the first record until everything is delivered (flush), per line. That
 * includes V8's GC helper threads, which also collect the main thread's garbage (with a do-nothing
 * worker target they alone cost ~2 µs/line here), so the worker thread's own CPU is reported too
 * (workerThreadCpuUsPerLine: the threads that appeared with the transport, sampled until it exits).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { destination } from '@logship/pino'
import pino from 'pino'
import { arg, emit, peakRssMiB, startSpan, WARMUP_REQUEST_RECORDS } from '../lib/measure.js'
import { producerOptions } from '../lib/producer-options.js'
import { standardContents } from '../lib/record.js'

const require = createRequire(import.meta.url)
const url = arg('url', '')
const mode = arg('mode', 'noop')
const records = Number(arg('records', '1000000'))
const sync = arg('sync', 'false') === 'true'
const yieldEvery = Number(arg('yield-every', '0'))
// The whole run fits the buffer: this measures the pipeline, not drops while the emulator catches up.
const totalSizeInBytes = Number(arg('total-size', String(1024 * 1024 * 1024)))

function fields (i: number): Record<string, string> {
  const c = standardContents(i) as unknown as Record<string, string>
  return { field_0: c.field_0, field_1: c.field_1, field_2: c.field_2, field_3: c.field_3, field_4: c.field_4, field_5: c.field_5, field_6: c.field_6, field_7: c.field_7 }
}

/** CPU ns of each thread of this process (Linux; empty elsewhere). */
function threadCpuNs (): Map<string, number> {
  const out = new Map<string, number>()
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const text = readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1')
        out.set(tid, Number(text.slice(0, text.indexOf(' '))))
      } catch {
        // the thread just exited
      }
    }
  } catch {
    // not Linux
  }
  return out
}
// The transport's threads: those that appeared while it started; their CPU is sampled while they live.
const workerThreads = new Map<string, { start: number, last: number }>()
function sampleWorkerThreads (): void {
  const now = threadCpuNs()
  for (const [tid, t] of workerThreads) {
    const ns = now.get(tid)
    if (ns !== undefined) t.last = ns
  }
}

let stream: any
if (mode === 'noop') {
  stream = { write () {} }
} else {
  const before = threadCpuNs()
  // Delivery is awaited with flush() below, not at end(); pino gives a worker's close at most 10 s,
  // so a closeTimeoutMs under that (which @logship/pino warns about otherwise).
  const options = { ...producerOptions('tls', url, `pino-${mode}-${process.pid}`, { totalSizeInBytes }), closeTimeoutMs: 9000 }
  if (mode === 'destination') {
    const ringBytes = arg('ring-bytes', '')
    stream = destination({ ...options, ringBytes: ringBytes === '' ? undefined : Number(ringBytes) })
  } else {
    const target = mode === 'logship' ? require.resolve('@logship/pino') : join(new URL('.', import.meta.url).pathname, '../targets/pino-abstract.mjs')
    // `sync` is documented (docs/transports.md) but missing from pino's TransportSingleOptions type.
    stream = pino.transport({ target, options, sync } as Parameters<typeof pino.transport>[0])
  }
  // The worker is unref'd: keep the loop alive while it starts.
  const keepAlive = setInterval(() => {}, 1000)
  await new Promise((resolve, reject) => { stream.once('ready', resolve); stream.once('error', reject) })
  clearInterval(keepAlive)
  for (const [tid, ns] of threadCpuNs()) if (!before.has(tid)) workerThreads.set(tid, { start: ns, last: ns })
}
/** Resolves once the transport's threads used under 2 ms of CPU in 100 ms (at most 10 s). */
async function quiet (): Promise<void> {
  const busyNs = (): number => { sampleWorkerThreads(); return [...workerThreads.values()].reduce((sum, t) => sum + t.last, 0) }
  const until = Date.now() + 10_000
  let last = busyNs()
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = busyNs()
    if (now - last < 2e6) return
    last = now
  }
}

const logger = pino({}, stream)
/** Waits until the transport has delivered everything logged so far (@logship/pino delivers before calling back). */
function flushed (): Promise<void> {
  return new Promise<void>((resolve, reject) => stream.flush((err?: Error | null) => { if (err) reject(err); else resolve() }))
}
// Warm-up, not measured: the same calls through the same logger, so that pino, thread-stream's
// write path and the worker (its line parsing and its producer) are compiled before the span, as in
// the producer scenario; then everything is delivered before the span starts. These records reach
// the emulator too.
const WARMUP = 20000
for (let i = 0; i < WARMUP; i++) logger.info(fields(i), standardContents(i).message)
// Then requests, as in the producer scenario: the worker's code run once per request (undici,
// signing, settling a batch) is compiled only after ~1,000–2,500 requests, and 1,000,000 lines make
// ~1,250, so without this the span measured that code interpreted, with TurboFan compiling it
// beside the worker (twentieth and twenty-first passes in RESULTS.md). @logship/pino's flush() makes
// the worker's producer send what it holds at once: WARMUP_REQUEST_RECORDS lines and a flush are one
// request. The pino-abstract-transport target has no flush, so its worker gets no such warm-up.
const WARMUP_REQUESTS = mode === 'logship' || mode === 'destination' ? Number(arg('warmup-requests', '2500')) : 0
if (mode !== 'noop') {
  const keepAlive = setInterval(() => {}, 1000)
  await flushed()
  for (let r = 0; r < WARMUP_REQUESTS; r++) {
    for (let i = 0; i < WARMUP_REQUEST_RECORDS; i++) logger.info(fields(i), standardContents(i).message)
    await flushed()
  }
  // A target without flush() (the pino-abstract-transport one) calls back before it has sent the
  // warm-up's records: wait until the transport's threads are idle, so the span is not charged for them.
  await quiet()
  clearInterval(keepAlive)
}

sampleWorkerThreads()
const workerStartNs = [...workerThreads.values()].reduce((sum, t) => sum + t.last, 0)
const span = startSpan()
for (let i = 0; i < records; i++) {
  logger.info(fields(i), standardContents(i).message)
  // --yield-every N: the loop gives the event loop a turn every N records, as an application serving
  // requests does; thread-stream hands lines to the worker only in such turns (setImmediate).
  if (yieldEvery > 0 && i % yieldEvery === yieldEvery - 1) await new Promise(setImmediate)
}
const loop = span()
let drainMs = loop.wallMs
let offMainCpuUs = 0
if (mode !== 'noop') {
  // Ending the stream closes the worker's producer: it delivers everything, then the worker exits.
  // But thread-stream's end() blocks this thread (so nothing can be sampled) and terminates the
  // worker if that takes over 10 s; so first wait for delivery with flush(), which does not block
  // (@logship/pino delivers before calling back; a target without flush() calls back at once).
  sampleWorkerThreads()
  const keepAlive = setInterval(sampleWorkerThreads, 50)
  await flushed()
  sampleWorkerThreads()
  if (mode === 'destination') {
    await stream.close()
  } else {
    const closed = new Promise((resolve) => stream.once('close', resolve))
    stream.end()
    await closed
  }
  clearInterval(keepAlive)
  const all = span()
  drainMs = all.wallMs
  offMainCpuUs = all.cpuUs - all.mainCpuUs
}
emit({
  mode,
  sync,
  yieldEvery,
  records,
  // The warm-up's records reach the emulator too (not in noop mode).
  warmupRecords: mode === 'noop' ? 0 : WARMUP + WARMUP_REQUESTS * WARMUP_REQUEST_RECORDS,
  warmupRequests: WARMUP_REQUESTS,
  loopWallMs: loop.wallMs,
  loopMainCpuMs: loop.mainCpuUs / 1000,
  mainUsPerRecord: loop.wallMs * 1000 / records,
  mainCpuUsPerRecord: loop.mainCpuUs / records,
  drainMs,
  linesPerSec: records / (drainMs / 1000),
  workerCpuUsPerLine: offMainCpuUs / records,
  workerCapacityLinesPerSec: offMainCpuUs > 0 ? records / (offMainCpuUs / 1e6) : null,
  // The worker thread alone (sampled every 50 ms until it exits, so it may miss its last 50 ms).
  workerThreadCpuUsPerLine: workerThreads.size > 0 ? ([...workerThreads.values()].reduce((sum, t) => sum + t.last, 0) - workerStartNs) / 1000 / records : null,
  workerThreads: workerThreads.size,
  peakRssMiB: peakRssMiB()
})
