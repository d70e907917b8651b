/**
 * Delivery latency at a steady rate: --rate records/s (default 10,000) for --seconds, lingerMs 100,
 * every record with a callback; latency = send() to the callback of its accepted batch.
 */
import { DEFAULTS, createProducer } from '@logship/producer'
import { arg, emit, peakRssMiB, percentile, startSpan } from '../lib/measure.js'
import { producerOptions } from '../lib/producer-options.js'
import { due, standardContents } from '../lib/record.js'

const url = arg('url', '')
/** Records sent in the first second are not counted: connection setup and JIT warm-up. */
const WARMUP_SEC = 1
const service = arg('service', 'tls') as 'tls' | 'sls'
const rate = Number(arg('rate', '10000'))
const seconds = Number(arg('seconds', '10')) + WARMUP_SEC
const lingerMs = 100

const producer = createProducer(producerOptions(service, url, `latency-${process.pid}`, { lingerMs }))
const latencies: number[] = []
let failed = 0
const span = startSpan()
const t0 = performance.now()
const total = rate * seconds
let sent = 0
await new Promise<void>((resolve) => {
  const tick = (): void => {
    const target = Math.min(total, due(rate, performance.now() - t0))
    for (; sent < target; sent++) {
      const start = performance.now()
      producer.send({ time: Date.now(), contents: standardContents(sent) }, {
        callback: (r) => {
          if (!r.successful) failed++
          else if (start - t0 >= WARMUP_SEC * 1000) latencies.push(performance.now() - start)
        }
      })
    }
    if (sent >= total) resolve()
    else setTimeout(tick, 2)
  }
  tick()
})
const summary = await producer.close()
const s = span()
emit({
  records: total,
  delivered: summary.delivered,
  failed,
  dropped: summary.dropped,
  lingerMs,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  maxMs: percentile(latencies, 100),
  targetMs: lingerMs + 25,
  cpuUsPerRecord: s.cpuUs / total,
  peakRssMiB: peakRssMiB(),
  // The memory target's bound for this producer (the default buffer).
  limitMiB: DEFAULTS.totalSizeInBytes / 1048576 + 64
})
