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
import { registerMetrics } from '@logship/producer/prometheus'
import logship from '@logship/pino'
import { LogshipTransport } from '@logship/winston'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { remoteEmulator, type RemoteEmulator } from '../pino/helpers.js'
import { refusals, scrape, tlsOptions, value, waitFor } from './helpers.js'

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
})
