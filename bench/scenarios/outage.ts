/**
 * A service outage under load: --rate records/s (default 50,000) with send() (never blocks) for
 * --seconds; after --outage-at seconds the emulator answers 503 for --outage seconds (a fault
 * injected through its admin API, for this scenario's topic only). The buffer fills, new records
 * are dropped (counted), and after recovery everything buffered drains. Peak RSS is compared with
 * totalSizeInBytes + 64 MiB; delivered + dropped must equal sent.
 */
import { createProducer } from '@logship/producer'
import { injectFault } from '../lib/emulator.js'
import { arg, emit, peakRssMiB, startSpan } from '../lib/measure.js'
import { producerOptions } from '../lib/producer-options.js'
import { due, standardContents } from '../lib/record.js'

const url = arg('url', '')
const rate = Number(arg('rate', '50000'))
const seconds = Number(arg('seconds', '70'))
const outageAt = Number(arg('outage-at', '2'))
const outageSec = Number(arg('outage', '60'))
const totalSizeInBytes = Number(arg('total-size', String(100 * 1024 * 1024)))

const topic = `outage-${process.pid}`
// Retries enough to outlast the outage, with backoff capped at 5 s so the drain starts soon after it.
const producer = createProducer(producerOptions('tls', url, topic, { totalSizeInBytes, retries: 1000, maxRetryBackoffMs: 5000 }))
let rssDuring = 0
const span = startSpan()
const t0 = performance.now()
const total = rate * seconds
let sent = 0
let injected = false
let outageEndMs = 0
await new Promise<void>((resolve) => {
  const tick = (): void => {
    const now = performance.now() - t0
    if (!injected && now >= outageAt * 1000) {
      injected = true
      outageEndMs = now + outageSec * 1000
      injectFault(url, { kind: 'outage', durationMs: outageSec * 1000, topicId: `bench-${topic}` }).catch((e) => { console.error(e); process.exit(1) })
    }
    const target = Math.min(total, due(rate, now))
    for (; sent < target; sent++) producer.send({ time: Date.now(), contents: standardContents(sent) })
    rssDuring = Math.max(rssDuring, process.memoryUsage.rss())
    if (sent >= total) resolve()
    else setTimeout(tick, 5)
  }
  tick()
})
const beforeClose = producer.stats()
const summary = await producer.close()
const s = span()
emit({
  records: total,
  sent,
  delivered: summary.delivered,
  failed: summary.failed,
  dropped: summary.dropped,
  accounted: summary.delivered + summary.dropped === sent,
  retried: producer.stats().retried,
  bufferedAtEnd: beforeClose.bufferedBytes,
  drainedAfterOutageMs: s.wallMs - outageEndMs,
  cpuUsPerRecord: s.cpuUs / total,
  peakRssMiB: peakRssMiB(),
  limitMiB: totalSizeInBytes / 1048576 + 64
})
