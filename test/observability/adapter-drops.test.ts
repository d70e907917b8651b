/**
 * Drops the adapters make themselves (a record the producer refused as invalid, records that came
 * after the close) reach the producer's observability like the engine's own drops: counted once in
 * stats() and the close summary, one `drop` event each, the diagnostic log, the `logship:drop`
 * channel (in this thread) and the Prometheus `records_total{result="dropped"}` counter. Both
 * adapters, in-process and in their worker threads.
 */
import assert from 'node:assert/strict'
import diagnosticsChannel from 'node:diagnostics_channel'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import winston from 'winston'
import { CHANNELS, createProducer, reportAdapterDrop, type AdapterDropReason, type DiagnosticRecord, type DropMessage } from '@logship/producer'
import { registerMetrics } from '@logship/producer/prometheus'
import logship from '@logship/pino'
import { LogshipTransport } from '@logship/winston'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { remoteEmulator, type RemoteEmulator } from '../pino/helpers.js'
import { scrape, tlsOptions, value, waitFor } from './helpers.js'

const REASONS = ['buffer_full', 'record_too_large', 'closed', 'invalid_record']
/** Only the `diagnostic` event: nothing on stderr. */
const QUIET = { level: 'warn', destination: 'none' }
/** A pino line whose time is past 2106, the services' limit: the producer refuses it. */
const BEYOND_2106 = '{"level":30,"time":1e20,"msg":"time beyond 2106"}\n'

/** Records the diagnostic log says were dropped, by reason: first drops carry `reason`, summaries count by reason. */
function diagnosedDrops (records: DiagnosticRecord[]): Record<string, number> {
  const byReason: Record<string, number> = {}
  for (const r of records) {
    if (r.event !== 'drop') continue
    if (typeof r.reason === 'string') byReason[r.reason] = (byReason[r.reason] ?? 0) + (r.count as number)
    else for (const reason of REASONS) if (typeof r[reason] === 'number') byReason[reason] = (byReason[reason] ?? 0) + (r[reason] as number)
  }
  return byReason
}

/** `logship:drop` messages of one producer, until stop(). */
function dropChannel (producer: string): { messages: Array<[string, number]>, stop: () => void } {
  const messages: Array<[string, number]> = []
  const listener = (message: unknown): void => {
    const m = message as DropMessage
    if (m.producer === producer) messages.push([m.reason, m.count])
  }
  diagnosticsChannel.subscribe(CHANNELS.drop, listener)
  return { messages, stop: () => diagnosticsChannel.unsubscribe(CHANNELS.drop, listener) }
}

async function droppedMetric (registry: Registry, producer: string): Promise<number> {
  return value(await scrape(registry), 'logship_records_total', { producer, result: 'dropped' })
}

describe('reportAdapterDrop: the producer\'s entry for an adapter\'s own drops', () => {
  it('counts them in stats() and the close summary and tells the drop event, the diagnostic log, the channel and observers', async () => {
    const registry = new Registry()
    const producer = createProducer(tlsOptions({ url: 'http://127.0.0.1:9' }, { name: 'entry', diagnostics: QUIET }) as any)
    registerMetrics(producer, { registry })
    const drops: unknown[] = []
    const records: DiagnosticRecord[] = []
    producer.on('drop', (event) => drops.push(event))
    producer.on('diagnostic', (record) => records.push(record))
    const channel = dropChannel('entry')
    const error = new Error('refused')
    try {
      const report = (reason: AdapterDropReason, count: number, bytes: number, e?: Error): void => reportAdapterDrop(producer, reason, count, bytes, e)
      report('invalid_record', 1, 10, error)
      report('closed', 3, 30)
      const summary = await producer.close()
      report('closed', 2, 0)
      assert.deepEqual(drops, [{ reason: 'invalid_record', count: 1, bytes: 10, error }, { reason: 'closed', count: 3, bytes: 30 }, { reason: 'closed', count: 2, bytes: 0 }])
      assert.equal(summary.dropped, 4)
      assert.equal(producer.stats().dropped, 6, 'a drop after the close still counts in stats()')
      assert.deepEqual(diagnosedDrops(records), { invalid_record: 1, closed: 5 })
      assert.deepEqual(channel.messages, [['invalid_record', 1], ['closed', 3], ['closed', 2]])
      assert.equal(await droppedMetric(registry, 'entry'), 6)
    } finally {
      channel.stop()
    }
  })
})

describe('pino', () => {
  let emu: Emulator
  before(async () => { emu = await startEmulator({ port: 0 }) })
  after(async () => { await emu.close() })

  it('in-process: an invalid line and lines after close() reach the diagnostic log, the channel and the metrics, counted once', async () => {
    const registry = new Registry()
    const options = tlsOptions(emu, { name: 'pino-drops', diagnostics: QUIET })
    const stream = await logship(options as any)
    registerMetrics(stream, { registry })
    const drops: Array<{ reason: string, count: number }> = []
    const records: DiagnosticRecord[] = []
    stream.on('drop', (d: { reason: string, count: number }) => drops.push(d))
    stream.on('diagnostic', (record: DiagnosticRecord) => records.push(record))
    const channel = dropChannel('pino-drops')
    try {
      const logger = pino(stream)
      logger.info('before')
      stream.write(BEYOND_2106)
      const closing = stream.close()
      logger.info('while closing')
      const summary = await closing
      assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['invalid_record', 1], ['closed', 1]])
      // As documented: the invalid line in `invalid`, not in `dropped`.
      assert.equal(summary.invalid, 1)
      assert.equal(summary.dropped, 1)
      assert.equal(summary.delivered, 1)
      assert.equal(await droppedMetric(registry, 'pino-drops'), 2)

      logger.info('after close')
      assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['invalid_record', 1], ['closed', 1], ['closed', 1]])
      assert.equal(stream.stats().dropped, 2)
      assert.equal(stream.stats().invalid, 1)
      assert.deepEqual(diagnosedDrops(records), { invalid_record: 1, closed: 2 })
      // The first drop's line says why the producer refused the record.
      const first = records.find((r) => r.event === 'drop')!
      assert.match(String(first.error), /^invalid record: time must be before 2106/)
      assert.match(first.msg, /^dropped 1 record: the producer refused the record as invalid \(invalid record: time must be before 2106/)
      assert.deepEqual(channel.messages, [['invalid_record', 1], ['closed', 1], ['closed', 1]])
    } finally {
      channel.stop()
    }
  })
})

describe('pino worker mode', () => {
  let emu: RemoteEmulator
  before(async () => { emu = await remoteEmulator() })
  after(async () => { await emu.close() })

  it('an invalid line reaches the worker\'s diagnostic log and the main thread\'s metrics, counted once', async () => {
    const registry = new Registry()
    const options = tlsOptions(emu, { name: 'pino-worker-drops', diagnostics: QUIET })
    const transport = pino.transport({ target: '@logship/pino', options })
    registerMetrics(transport, { registry })
    const drops: Array<{ reason: string, count: number }> = []
    const records: DiagnosticRecord[] = []
    const summaries: Array<{ dropped: number, invalid: number, delivered: number }> = []
    transport.on('drop', (d: { reason: string, count: number }) => drops.push(d))
    transport.on('diagnostic', (record: DiagnosticRecord) => records.push(record))
    transport.on('summary', (s: { dropped: number, invalid: number, delivered: number }) => summaries.push(s))
    await once(transport, 'ready')
    const logger = pino(transport)
    logger.info('before')
    transport.write(BEYOND_2106)
    logger.info('after')
    const closed = once(transport, 'close')
    transport.end()
    await closed
    // The worker posts its diagnostics and metrics before the summary, through the same port.
    await waitFor(() => summaries.length > 0, 5000, 'the close summary')
    assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['invalid_record', 1]])
    assert.deepEqual(summaries.map((s) => [s.delivered, s.dropped, s.invalid]), [[2, 0, 1]])
    assert.deepEqual(diagnosedDrops(records), { invalid_record: 1 })
    assert.equal(await droppedMetric(registry, 'pino-worker-drops'), 1)
  })
})

describe('winston', () => {
  let emu: Emulator
  before(async () => { emu = await startEmulator({ port: 0 }) })
  after(async () => { await emu.close() })

  for (const worker of [false, true]) {
    const mode = worker ? 'worker' : 'in-process'
    it(`${mode}: an invalid record and a record logged while closing reach the diagnostic log and the metrics, counted once`, async () => {
      const registry = new Registry()
      const name = `winston-drops-${mode}`
      const options = tlsOptions(emu, { name, lingerMs: 60_000, diagnostics: QUIET })
      const transport = new LogshipTransport({ ...options, worker } as never)
      registerMetrics(transport, { registry })
      const drops: Array<{ reason: string, count: number, error?: Error & { code?: string } }> = []
      const records: DiagnosticRecord[] = []
      transport.on('drop', (d) => drops.push(d))
      transport.on('diagnostic', (record: DiagnosticRecord) => records.push(record))
      // In worker mode the producer, and so its channel, is in the worker thread.
      const channel = dropChannel(name)
      try {
        const logger = winston.createLogger({ transports: [transport] })
        logger.info('out of range', { timestamp: '2200-01-01T00:00:00.000Z' })
        await transport.flush()
        // Held so that the close is still under way when the next record reaches the producer.
        const fault = emu.inject({ kind: 'latency', ms: 300, topicId: options.topicId })
        logger.info('delivered at close')
        const closing = transport.close()
        logger.info('while closing')
        const summary = await closing
        emu.removeFault(fault)
        assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['invalid_record', 1], ['closed', 1]])
        assert.equal(drops[0].error?.code, 'LOGSHIP_INVALID_RECORD', 'the drop event still carries the refusal')
        assert.deepEqual(summary, { delivered: 1, failed: 0, dropped: 2, pending: 0, timedOut: false })
        assert.equal(transport.stats().dropped, 2)
        assert.deepEqual(diagnosedDrops(records), { invalid_record: 1, closed: 1 })
        assert.equal(await droppedMetric(registry, name), 2)
        assert.deepEqual(channel.messages, worker ? [] : [['invalid_record', 1], ['closed', 1]])
        logger.clear()
      } finally {
        channel.stop()
      }
    })
  }
})
