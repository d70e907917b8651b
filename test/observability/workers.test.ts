/**
 * Worker modes: the producer runs in a worker thread (pino.transport, the winston transport's
 * default), yet its metrics land in a registry of the main thread and its diagnostics in a logger
 * of the main thread. Also the adapters' in-process modes, through the same registerMetrics().
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import winston from 'winston'
import { pipeDiagnostics, type DiagnosticRecord, type DiagnosticsLogger } from '@logship/producer'
import { registerMetrics, type MetricsMessage } from '@logship/producer/prometheus'
import logship from '@logship/pino'
import { LogshipTransport } from '@logship/winston'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { remoteEmulator, type RemoteEmulator } from '../pino/helpers.js'
import { labelValues, refusals, scrape, tlsOptions, value, waitFor } from './helpers.js'

function capture (): { logger: DiagnosticsLogger, records: DiagnosticRecord[] } {
  const records: DiagnosticRecord[] = []
  const method = (message: string, record: DiagnosticRecord) => {
    assert.equal(message, record.msg)
    records.push(record)
  }
  return { logger: { debug: method, info: method, warn: method, error: method }, records }
}

function endWinston (logger: winston.Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.on('finish', resolve)
    logger.end()
  })
}

describe('pino worker mode', () => {
  let emu: RemoteEmulator
  before(async () => { emu = await remoteEmulator() })
  after(async () => { await emu.close() })

  it('worker metrics reach a main-thread registry; diagnostics a main-thread logger', async () => {
    const registry = new Registry()
    const options = tlsOptions(emu, { name: 'pino-worker', baseRetryBackoffMs: 10, diagnostics: { level: 'info', destination: 'none' } })
    await emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: options.topicId })
    const transport = pino.transport({ target: '@logship/pino', options })
    registerMetrics(transport, { registry })
    const { logger, records } = capture()
    pipeDiagnostics(transport, logger)
    await once(transport, 'ready')
    const log = pino(transport)
    for (let i = 0; i < 20; i++) log.info({ i }, 'hello')
    const closed = once(transport, 'close')
    transport.end()
    await closed
    await waitFor(() => records.some((r) => r.event === 'closed'), 5000, 'the close summary')

    const m = await scrape(registry)
    const P = { producer: 'pino-worker', service: 'tls', destination: options.topicId }
    assert.equal((await emu.logs({ topicId: options.topicId })).length, 20)
    assert.equal(value(m, 'logship_records_total', { ...P, result: 'delivered' }), 20)
    assert.equal(value(m, 'logship_records_total', { ...P, result: 'failed' }), 0)
    assert.equal(value(m, 'logship_retries_total', { ...P, reason: 'server_error' }), 1)
    assert.equal(value(m, 'logship_errors_total', { ...P, code: 'ServiceUnavailable' }), 1)
    assert.equal(value(m, 'logship_requests_total', { ...P, status: '503' }), 1)
    assert.equal(value(m, 'logship_requests_total', { ...P, status: '200' }), 1)
    assert.equal(value(m, 'logship_batch_records_sum', P), 20)
    assert.equal(value(m, 'logship_pending_records', P), 0)
    const retry = records.find((r) => r.event === 'retry')!
    assert.equal(retry.level, 'info')
    assert.equal(retry.producer, 'pino-worker')
    assert.equal(retry.errorCode, 'ServiceUnavailable')
    assert.match(records.find((r) => r.event === 'closed')!.msg, /producer closed: 20 delivered/)
  })

  it('a scrape right after logger.flush(cb) counts what it delivered', async () => {
    const registry = new Registry()
    const options = tlsOptions(emu, { name: 'pino-flush-worker', diagnostics: { level: 'off' } })
    const transport = pino.transport({ target: '@logship/pino', options })
    registerMetrics(transport, { registry })
    await once(transport, 'ready')
    const log = pino(transport)
    for (let round = 1; round <= 2; round++) {
      for (let i = 0; i < 5; i++) log.info({ i })
      // thread-stream calls the stream's flush() in the worker, and answers once it has resolved.
      await new Promise<void>((resolve, reject) => log.flush((error) => error ? reject(error) : resolve()))
      const m = await scrape(registry)
      assert.equal(value(m, 'logship_records_total', { producer: 'pino-flush-worker', result: 'delivered' }), 5 * round)
      assert.equal((await emu.logs({ topicId: options.topicId })).length, 5 * round)
    }
    const closed = once(transport, 'close')
    transport.end()
    await closed
  })

  it('two targets of one name in one transport: two series (name, name#2), each complete, registered late', async () => {
    const registry = new Registry()
    // The same options twice: both producers are named tls:<topicId> and write to the same topic.
    const options = tlsOptions(emu, { diagnostics: { level: 'off' } })
    // The first batches' answers come late, after the emulator has stored them (the case a loaded
    // machine produced now and then).
    await emu.inject({ kind: 'hold', ms: 300, count: 2, topicId: options.topicId })
    const transport = pino.transport({ targets: [{ target: '@logship/pino', options }, { target: '@logship/pino', options }] })
    const summaries: Array<{ delivered: number }> = []
    transport.on('summary', (s: { delivered: number }) => summaries.push(s))
    // Records settled per producer instance, from the metrics messages the workers post.
    const settledBefore = new Map<string, number>()
    const onMetrics = (m: MetricsMessage): void => {
      const instance = m.instance ?? m.producer
      for (const op of m.ops) if (op[0] === 'settled') settledBefore.set(instance, (settledBefore.get(instance) ?? 0) + op[3])
    }
    transport.on('metrics', onMetrics)
    await once(transport, 'ready')
    const log = pino(transport)
    for (let i = 0; i < 10; i++) log.info({ i }, 'before')
    const stored = async (): Promise<number> => (await emu.logs({ topicId: options.topicId })).length
    const deadline = Date.now() + 5000
    while (await stored() < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(await stored(), 20, 'each target delivered the 10 records')
    // The emulator stores a batch before it answers, and a batch is counted when the answer has been
    // read: register only once both producers have reported their first batches settled, or a slow
    // answer lands after the registration and is counted in batches_total.
    await waitFor(() => settledBefore.size === 2 && [...settledBefore.values()].every((n) => n === 10), 5000, 'both first batches settled')
    transport.off('metrics', onMetrics)
    // Registered after logging began: records_total starts from each producer's lifetime counters.
    registerMetrics(transport, { registry })
    log.info('after')
    const closed = once(transport, 'close')
    transport.end()
    await closed
    await waitFor(() => summaries.length === 2, 5000, 'both summaries')
    assert.deepEqual(summaries.map((s) => s.delivered), [11, 11])

    const m = await scrape(registry)
    const name = `tls:${options.topicId}`
    assert.deepEqual(labelValues(m, 'logship_records_total', 'producer'), [name, `${name}#2`])
    assert.equal(value(m, 'logship_records_total', { producer: name, result: 'delivered' }), 11)
    assert.equal(value(m, 'logship_records_total', { producer: `${name}#2`, result: 'delivered' }), 11)
    assert.equal(value(m, 'logship_records_total', { result: 'delivered' }), await stored())
    assert.equal(value(m, 'logship_batches_total', { producer: name }), 1, 'counted from the registration on')
    assert.equal(value(m, 'logship_batches_total', { producer: `${name}#2` }), 1)
    for (const producer of [name, `${name}#2`]) assert.equal(value(m, 'logship_pending_records', { producer }), 0)
  })

  it('a request aborted by a timed-out close is counted, and in_flight_requests ends at 0', async () => {
    const registry = new Registry()
    const options = tlsOptions(emu, { name: 'pino-held', closeTimeoutMs: 300, diagnostics: { level: 'off' } })
    await emu.inject({ kind: 'hold', ms: 3000, count: 1, topicId: options.topicId })
    const transport = pino.transport({ target: '@logship/pino', options })
    registerMetrics(transport, { registry })
    await once(transport, 'ready')
    const log = pino(transport)
    for (let i = 0; i < 5; i++) log.info({ i }, 'held')
    const P = { producer: 'pino-held' }
    // The stats snapshot of each second while records are pending.
    let during = await scrape(registry)
    const deadline = Date.now() + 3000
    while (value(during, 'logship_in_flight_requests', P) !== 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      during = await scrape(registry)
    }
    assert.equal(value(during, 'logship_in_flight_requests', P), 1, 'the held request is in flight')
    const summary = once(transport, 'summary')
    transport.end()
    const [s] = await summary as [{ timedOut: boolean, abandoned: number }]
    assert.equal(s.timedOut, true)
    assert.equal(s.abandoned, 5)
    const m = await scrape(registry)
    assert.equal(value(m, 'logship_in_flight_requests', P), 0, 'not frozen at 1 after the close')
    assert.equal(value(m, 'logship_pending_records', P), 0)
    assert.equal(value(m, 'logship_records_total', { ...P, result: 'abandoned' }), 5)
    assert.equal(value(m, 'logship_requests_total', P), 1, 'the aborted request is counted')
    assert.equal(value(m, 'logship_requests_total', { ...P, status: 'none' }), 1)
  })
})

describe('winston worker mode', () => {
  let emu: Emulator
  before(async () => { emu = await startEmulator({ port: 0 }) })
  after(async () => { await emu.close() })

  it('worker metrics reach a main-thread registry; diagnostics the logger given in the options', async () => {
    const registry = new Registry()
    const { logger, records } = capture()
    const options = tlsOptions(emu, { name: 'winston-worker', baseRetryBackoffMs: 10, diagnostics: { level: 'info', logger } })
    emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: options.topicId })
    const transport = new LogshipTransport(options as any)
    assert.equal(transport.mode, 'worker')
    registerMetrics(transport, { registry })
    const log = winston.createLogger({ transports: [transport] })
    for (let i = 0; i < 20; i++) log.info('hello', { i })
    await waitFor(() => transport.stats().pending > 0 || transport.stats().delivered > 0, 5000, 'the worker took the records')
    const during = await scrape(registry)
    assert.equal(value(during, 'logship_pending_records', { producer: 'winston-worker' }), transport.stats().pending)
    await endWinston(log)

    const m = await scrape(registry)
    const W = { producer: 'winston-worker', service: 'tls', destination: options.topicId }
    assert.equal(emu.logs({ topicId: options.topicId }).length, 20)
    assert.equal(value(m, 'logship_records_total', { ...W, result: 'delivered' }), 20)
    assert.equal(value(m, 'logship_retries_total', { ...W, reason: 'server_error' }), 1)
    assert.equal(value(m, 'logship_errors_total', { ...W, code: 'ServiceUnavailable' }), refusals(emu, options.topicId).byCode.ServiceUnavailable)
    assert.equal(value(m, 'logship_requests_total', W), transport.stats().requests)
    assert.equal(value(m, 'logship_pending_records', W), 0)
    assert.ok(records.some((r) => r.event === 'retry' && r.producer === 'winston-worker'))
    assert.match(records.find((r) => r.event === 'closed')!.msg, /producer closed: 20 delivered/)
  })

  it('stats() and in_flight_requests follow a request that is held; a timed-out close leaves nothing in flight', async () => {
    const registry = new Registry()
    const options = tlsOptions(emu, { name: 'winston-held', requestTimeoutMs: 20_000, closeTimeoutMs: 300, diagnostics: { level: 'off' } })
    emu.inject({ kind: 'hold', ms: 3000, count: 1, topicId: options.topicId })
    const transport = new LogshipTransport(options as any)
    registerMetrics(transport, { registry })
    const log = winston.createLogger({ transports: [transport] })
    for (let i = 0; i < 5; i++) log.info('held', { i })
    // No record, event or flush comes while the request is held: the worker publishes as it starts.
    await waitFor(() => transport.stats().inFlight === 1, 2000, 'stats().inFlight while the request is held')
    assert.equal(transport.stats().requests, 1)
    const W = { producer: 'winston-held' }
    const during = await scrape(registry)
    assert.equal(value(during, 'logship_in_flight_requests', W), 1)
    assert.equal(value(during, 'logship_pending_records', W), 5)

    const summary = await transport.close()
    assert.equal(summary.timedOut, true)
    assert.equal(summary.pending, 5)
    const s = transport.stats()
    assert.equal(s.inFlight, 0, 'not frozen at 1 after the close')
    assert.equal(s.abandoned, 5)
    const m = await scrape(registry)
    assert.equal(value(m, 'logship_in_flight_requests', W), 0)
    assert.equal(value(m, 'logship_pending_records', W), 0)
    assert.equal(value(m, 'logship_requests_total', W), s.requests, 'the aborted request is counted')
    assert.equal(value(m, 'logship_requests_total', { ...W, status: 'none' }), 1)
  })

  it('the loop guard holds in worker mode too: the shipped logger as diagnostics logger is dropped', async () => {
    const records: string[] = []
    const options = tlsOptions(emu, { name: 'looping', diagnostics: { level: 'debug', logger: { debug: ship, info: ship, warn: ship, error: ship } } })
    const transport = new LogshipTransport(options as any)
    const log = winston.createLogger({ transports: [transport] })
    function ship (message: string): void {
      records.push(message)
      log.info(message)
    }
    log.info('one record')
    await transport.flush()
    await endWinston(log)
    assert.equal(records.length, 1, 'called once, then replaced by stderr')
    assert.ok(emu.logs({ topicId: options.topicId }).length <= 2)
  })
})

describe('in-process adapters', () => {
  let emu: Emulator
  before(async () => { emu = await startEmulator({ port: 0 }) })
  after(async () => { await emu.close() })

  it('registerMetrics works on the pino stream and the winston transport without workers', async () => {
    const registry = new Registry()
    const stream = await logship(tlsOptions(emu, { name: 'pino-here', diagnostics: { level: 'off' } }) as any)
    registerMetrics(stream, { registry })
    const plog = pino(stream)
    for (let i = 0; i < 5; i++) plog.info({ i })
    await stream.close()
    const transport = new LogshipTransport(tlsOptions(emu, { name: 'winston-here', worker: false, diagnostics: { level: 'off' } }) as any)
    registerMetrics(transport, { registry })
    const wlog = winston.createLogger({ transports: [transport] })
    for (let i = 0; i < 7; i++) wlog.info('x', { i })
    await endWinston(wlog)
    const m = await scrape(registry)
    assert.equal(value(m, 'logship_records_total', { producer: 'pino-here', result: 'delivered' }), 5)
    assert.equal(value(m, 'logship_records_total', { producer: 'winston-here', result: 'delivered' }), 7)
  })

  it('a scrape right after an awaited flush() matches stats(), in every mode', async () => {
    const registry = new Registry()
    const check = async (producer: string, stats: () => { delivered: number, requests: number }, n: number): Promise<void> => {
      const m = await scrape(registry)
      assert.equal(stats().delivered, n, producer)
      assert.equal(value(m, 'logship_records_total', { producer, result: 'delivered' }), n, `${producer}: records_total right after flush()`)
      assert.equal(value(m, 'logship_requests_total', { producer }), stats().requests, producer)
      assert.equal(value(m, 'logship_pending_records', { producer }), 0, producer)
    }
    for (const worker of [true, false]) {
      const name = worker ? 'winston-flush-worker' : 'winston-flush-here'
      const transport = new LogshipTransport(tlsOptions(emu, { name, worker, diagnostics: { level: 'off' } }) as any)
      registerMetrics(transport, { registry })
      const wlog = winston.createLogger({ transports: [transport] })
      for (let round = 1; round <= 2; round++) {
        for (let i = 0; i < 5; i++) wlog.info('x', { i })
        await transport.flush()
        await check(name, () => transport.stats(), 5 * round)
      }
      await endWinston(wlog)
    }
    const stream = await logship(tlsOptions(emu, { name: 'pino-flush-here', diagnostics: { level: 'off' } }) as any)
    registerMetrics(stream, { registry })
    const plog = pino(stream)
    for (let round = 1; round <= 2; round++) {
      for (let i = 0; i < 5; i++) plog.info({ i })
      await stream.flush()
      await check('pino-flush-here', () => stream.stats(), 5 * round)
    }
    await stream.close()
  })

  it('in-process too, a request aborted by a timed-out close is in requests_total', async () => {
    const registry = new Registry()
    const pinoOptions = tlsOptions(emu, { name: 'pino-held-here', closeTimeoutMs: 300, diagnostics: { level: 'off' } })
    emu.inject({ kind: 'hold', ms: 3000, count: 1, topicId: pinoOptions.topicId })
    const stream = await logship(pinoOptions as any)
    registerMetrics(stream, { registry })
    const plog = pino(stream)
    for (let i = 0; i < 5; i++) plog.info({ i })
    await waitFor(() => stream.stats().inFlight === 1, 2000, 'the held request')
    assert.equal((await stream.close()).timedOut, true)

    const winstonOptions = tlsOptions(emu, { name: 'winston-held-here', worker: false, closeTimeoutMs: 300, diagnostics: { level: 'off' } })
    emu.inject({ kind: 'hold', ms: 3000, count: 1, topicId: winstonOptions.topicId })
    const transport = new LogshipTransport(winstonOptions as any)
    registerMetrics(transport, { registry })
    const wlog = winston.createLogger({ transports: [transport] })
    for (let i = 0; i < 5; i++) wlog.info('x', { i })
    await waitFor(() => transport.stats().inFlight === 1, 2000, 'the held request')
    assert.equal((await transport.close()).timedOut, true)

    const m = await scrape(registry)
    for (const [producer, stats] of [['pino-held-here', stream.stats()], ['winston-held-here', transport.stats()]] as const) {
      assert.equal(stats.requests, 1)
      assert.equal(value(m, 'logship_requests_total', { producer }), stats.requests, producer)
      assert.equal(value(m, 'logship_in_flight_requests', { producer }), 0, producer)
    }
  })
})
