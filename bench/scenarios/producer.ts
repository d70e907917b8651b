/**
 * @logship/producer: a loop that builds each standard record and hands it to sendAsync (which
 * waits, like the Go producer's SendLog, only when the totalSizeInBytes buffer is full). CPU is the
 * whole process's (every thread) from createProducer() until close() resolves.
 *
 *   node --import tsx bench/scenarios/producer.ts --url http://127.0.0.1:PORT --service tls --records 200000
 */
import { createProducer } from '@logship/producer'
import { arg, emit, peakRssMiB, percentile, startSpan } from '../lib/measure.js'
import { producerOptions } from '../lib/producer-options.js'
import { rawBytes, standardContents } from '../lib/record.js'

const url = arg('url', '')
const service = arg('service', 'tls') as 'tls' | 'sls'
const records = Number(arg('records', '200000'))
const totalSizeInBytes = Number(arg('total-size', String(100 * 1024 * 1024)))

// Warm-up outside the measurement: loads undici and lets the JIT compile the hot paths,
// so that a short run measures the producer, not the compiler. These records reach the emulator too.
const WARMUP = Number(arg('warmup', '20000'))
{
  const warm = createProducer(producerOptions(service, url, 'warmup', { totalSizeInBytes, maxBlockMs: -1 }))
  for (let i = 0; i < WARMUP; i++) {
    const p = warm.sendAsync({ time: Date.now(), contents: standardContents(i) })
    if ((i & 1023) === 1023) await p
  }
  await warm.close()
}

const latencies: number[] = []
/** The fullest the buffer was seen (sampled every 1024 records): did records wait for space? */
let peakBufferedBytes = 0
const sampleEvery = 1024
const span = startSpan()
const producer = createProducer(producerOptions(service, url, `${service}-${process.pid}`, { totalSizeInBytes, maxBlockMs: -1 }))
let last: Promise<void> = Promise.resolve()
for (let i = 0; i < records; i++) {
  if (i % sampleEvery === 0) {
    // One record in 1024 carries a callback: its send-to-acceptance latency, sampled.
    const t0 = performance.now()
    last = producer.sendAsync({ time: Date.now(), contents: standardContents(i) }, { callback: (r) => { if (r.successful) latencies.push(performance.now() - t0) } })
  } else {
    last = producer.sendAsync({ time: Date.now(), contents: standardContents(i) })
  }
  // sendAsync settles in order (FIFO): awaiting one in 1024 yields to I/O and honours the waits.
  if ((i & 1023) === 1023) {
    const buffered = producer.stats().bufferedBytes
    if (buffered > peakBufferedBytes) peakBufferedBytes = buffered
    await last
  }
}
await last
const summary = await producer.close()
const s = span()
emit({
  records,
  warmupRecords: WARMUP,
  delivered: summary.delivered,
  failed: summary.failed,
  dropped: summary.dropped,
  cpuUsPerRecord: s.cpuUs / records,
  mainCpuUsPerRecord: s.mainCpuUs / records,
  recordsPerSec: records / (s.wallMs / 1000),
  recordsPerCpuSec: records / (s.cpuUs / 1e6),
  peakRssMiB: peakRssMiB(),
  limitMiB: totalSizeInBytes / 1048576 + 64,
  bufferPeakShare: peakBufferedBytes / totalSizeInBytes,
  latencyP50Ms: percentile(latencies, 50),
  latencyP99Ms: percentile(latencies, 99),
  rawBytesPerRecord: rawBytes(standardContents(1)),
  requests: producer.stats().requests
})
