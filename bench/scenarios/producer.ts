/**
 * @logship/producer: a loop that builds each standard record and hands it to sendAsync (which
 * waits, like the Go producer's SendLog, only when the totalSizeInBytes buffer is full). CPU is the
 * whole process's (every thread) from createProducer() until close() resolves.
 *
 *   node --import tsx bench/scenarios/producer.ts --url http://127.0.0.1:PORT --service tls --records 200000
 *
 * --profile-span FILE writes a CPU profile of the measured span alone (bench/lib/span-profile.ts).
 */
import { createProducer } from '@logship/producer'
import type { Producer } from '@logship/producer'
import { arg, emit, peakRssMiB, percentile, startSpan, WARMUP_REQUEST_RECORDS } from '../lib/measure.js'
import { producerOptions } from '../lib/producer-options.js'
import { rawBytes, standardContents } from '../lib/record.js'
import { startSpanProfile } from '../lib/span-profile.js'

const url = arg('url', '')
const service = arg('service', 'tls') as 'tls' | 'sls'
const records = Number(arg('records', '200000'))
const totalSizeInBytes = Number(arg('total-size', String(100 * 1024 * 1024)))

/** One record in this many carries a callback (its latency is sampled) and lets the loop await. */
const SAMPLE_EVERY = 1024

interface LoopStats {
  latencies: number[]
  /** The fullest the buffer was seen (sampled every SAMPLE_EVERY records): did records wait for space? */
  peakBufferedBytes: number
}

/** The measured loop; the warm-up runs this same function, so that it meets the JIT in the same state. */
async function sendAll (producer: Producer, count: number): Promise<LoopStats> {
  const stats: LoopStats = { latencies: [], peakBufferedBytes: 0 }
  let last: Promise<void> = Promise.resolve()
  for (let i = 0; i < count; i++) {
    if (i % SAMPLE_EVERY === 0) {
      // One record in SAMPLE_EVERY carries a callback: its send-to-acceptance latency, sampled.
      const t0 = performance.now()
      last = producer.sendAsync({ time: Date.now(), contents: standardContents(i) }, { callback: (r) => { if (r.successful) stats.latencies.push(performance.now() - t0) } })
    } else {
      last = producer.sendAsync({ time: Date.now(), contents: standardContents(i) })
    }
    // sendAsync settles in order (FIFO): awaiting one in SAMPLE_EVERY yields to I/O and honours the waits.
    if (i % SAMPLE_EVERY === SAMPLE_EVERY - 1) {
      const buffered = producer.stats().bufferedBytes
      if (buffered > stats.peakBufferedBytes) stats.peakBufferedBytes = buffered
      await last
    }
  }
  await last
  return stats
}

// Warm-up outside the measurement: loads undici and lets the JIT compile every path the measured
// loop takes (records with and without a callback, and, through a buffer small enough to fill,
// records that wait for space), so that a short run measures the producer, not the compiler
// (a warm-up that skipped those paths left ~300 ms of optimising compilation inside a 200,000-record
// run). These records reach the emulator too.
const WARMUP = Number(arg('warmup', '20000'))
const WARMUP_BUFFER_BYTES = 4 * 1024 * 1024
{
  const warm = createProducer(producerOptions(service, url, 'warmup', { totalSizeInBytes: WARMUP_BUFFER_BYTES, maxBlockMs: -1 }))
  await sendAll(warm, WARMUP)
  await warm.close()
}
// Then requests. The code run once per request (undici's client and parser callbacks, async hooks,
// signing, settling a batch) is hot only after ~1,000–2,500 requests, and a 200,000-record run makes
// ~250: without this the span measured a process's first seconds, with that code in V8's interpreter
// and TurboFan compiling it beside the loop (120–165 ms of compilation inside a 200,000-record span,
// ~0.7 µs per record; twentieth pass in RESULTS.md). A producer that has been shipping for a while
// has paid that once. Small batches make the requests cheap; the measured producer keeps the
// default batch size.
const WARMUP_REQUESTS = Number(arg('warmup-requests', '2500'))
{
  const warm = createProducer(producerOptions(service, url, 'warmup-requests', { totalSizeInBytes: WARMUP_BUFFER_BYTES, maxBlockMs: -1, maxBatchCount: WARMUP_REQUEST_RECORDS }))
  await sendAll(warm, WARMUP_REQUESTS * WARMUP_REQUEST_RECORDS)
  await warm.close()
}

const profile = await startSpanProfile(arg('profile-span', ''))
const span = startSpan()
const producer = createProducer(producerOptions(service, url, `${service}-${process.pid}`, { totalSizeInBytes, maxBlockMs: -1 }))
const loop = await sendAll(producer, records)
const summary = await producer.close()
const s = span()
await profile.stop()
emit({
  records,
  warmupRecords: WARMUP + WARMUP_REQUESTS * WARMUP_REQUEST_RECORDS,
  warmupRequests: WARMUP_REQUESTS,
  delivered: summary.delivered,
  failed: summary.failed,
  dropped: summary.dropped,
  cpuUsPerRecord: s.cpuUs / records,
  mainCpuUsPerRecord: s.mainCpuUs / records,
  recordsPerSec: records / (s.wallMs / 1000),
  recordsPerCpuSec: records / (s.cpuUs / 1e6),
  peakRssMiB: peakRssMiB(),
  limitMiB: totalSizeInBytes / 1048576 + 64,
  bufferPeakShare: loop.peakBufferedBytes / totalSizeInBytes,
  latencyP50Ms: percentile(loop.latencies, 50),
  latencyP99Ms: percentile(loop.latencies, 99),
  rawBytesPerRecord: rawBytes(standardContents(1)),
  requests: producer.stats().requests
})
