/**
 * winston, main-thread cost per record: `logger.info(message, { field_0..field_7 })` in a loop,
 * then `logger.end()` and its 'finish' (for LogshipTransport: everything delivered).
 *   --mode noop      winston with a transport whose log() does nothing
 *   --mode logship   winston with LogshipTransport (default worker mode)
 * Main-thread CPU (schedstat) from the first record to 'finish'; wall and process CPU are reported too.
 */
import winston from 'winston'
import TransportStream from 'winston-transport'
import { LogshipTransport } from '@logship/winston'
import { arg, emit, peakRssMiB, startSpan } from '../lib/measure.js'
import { producerOptions } from '../lib/producer-options.js'
import { standardContents } from '../lib/record.js'

const url = arg('url', '')
const mode = arg('mode', 'noop')
const records = Number(arg('records', '200000'))
const WARMUP = 20000

class NoopTransport extends TransportStream {
  override log (_info: unknown, callback: () => void): void {
    callback()
  }
}

function meta (i: number): Record<string, string> {
  const c = standardContents(i) as unknown as Record<string, string>
  return { field_0: c.field_0, field_1: c.field_1, field_2: c.field_2, field_3: c.field_3, field_4: c.field_4, field_5: c.field_5, field_6: c.field_6, field_7: c.field_7 }
}

function newTransport (topic: string): TransportStream {
  return mode === 'noop'
    ? new NoopTransport()
    : new LogshipTransport({ ...producerOptions('tls', url, topic, { totalSizeInBytes: 1024 * 1024 * 1024 }), closeTimeoutMs: 300000 } as any)
}

{
  // Warm-up, not measured, through a transport of the same class as the measured one: warming
  // winston with another class would leave its call sites polymorphic in one mode only.
  const warmTransport = newTransport(`winston-warmup-${process.pid}`)
  const warm = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [warmTransport] })
  for (let i = 0; i < WARMUP; i++) warm.info(standardContents(i).message, meta(i))
  const warmDone = new Promise((resolve) => warmTransport.once('finish', resolve))
  warm.end()
  await warmDone
}
const transport = newTransport(`winston-${process.pid}`)
const logger = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [transport] })

const span = startSpan()
for (let i = 0; i < records; i++) logger.info(standardContents(i).message, meta(i))
const loop = span()
// logger.end() ends the transports; the transport's 'finish' (LogshipTransport: after delivery) is the end.
const keepAlive = setInterval(() => {}, 1000)
const transportDone = new Promise((resolve) => transport.once('finish', resolve))
logger.end()
await transportDone
clearInterval(keepAlive)
const s = span()
emit({
  mode,
  records,
  // The warm-up's records reach the emulator too in logship mode.
  warmupRecords: mode === 'noop' ? 0 : WARMUP,
  mainCpuUsPerRecord: s.mainCpuUs / records,
  loopMainCpuUsPerRecord: loop.mainCpuUs / records,
  cpuUsPerRecord: s.cpuUs / records,
  wallMs: s.wallMs,
  stats: mode === 'noop' ? null : (transport as LogshipTransport).stats(),
  peakRssMiB: peakRssMiB()
})
