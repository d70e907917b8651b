/**
 * The transport in a live winston logger against the emulator: end/finish ordering, flush,
 * logger.close(), events, a slow or dead backend, option validation. Both modes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Worker } from 'node:worker_threads'
import winston from 'winston'
import { HttpError, serviceErrorCode } from '@logship/producer'
import LogshipTransportDefault, { LogshipTransport } from '@logship/winston'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, logsOf, startEmulator, tlsOptions, waitFor } from './helpers.js'
import type { Emulator } from './helpers.js'

// winston exports the base class as `Transport`; its typings call it `transport`.
const Transport = (winston as unknown as { Transport: new () => winston.Logger['transports'][number] }).Transport
let emulator: Emulator
before(async () => { emulator = await startEmulator({}) })
after(async () => { await emulator.close() })

function endLogger (logger: winston.Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.on('finish', resolve)
    logger.end()
  })
}

test('the default export is the named export', () => {
  assert.equal(LogshipTransportDefault, LogshipTransport)
})

for (const worker of [true, false]) {
  const mode = worker ? 'worker' : 'in-process'
  describe(`${mode} mode`, () => {
    test('logger finish fires only after the emulator has every record', async () => {
      const options = tlsOptions(emulator, { lingerMs: 5000 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      assert.equal(transport.mode, mode)
      const logger = winston.createLogger({ transports: [transport] })
      for (let i = 0; i < 1000; i++) logger.info('record', { i })
      let finished = false
      logger.on('finish', () => {
        finished = true
        assert.equal(logsOf(emulator, options.topicId).length, 1000, 'delivered before finish')
      })
      await endLogger(logger)
      assert.ok(finished)
      assert.equal(transport.stats().delivered, 1000)
    })

    test('a timestamp without a zone is read in the zone the application has set, also after it changes process.env.TZ', async () => {
      // Worker mode parses such timestamps in the worker, whose zone V8 keeps apart from the logging
      // thread's: before, it stayed the zone the worker started with.
      const before = process.env.TZ
      process.env.TZ = 'UTC'
      try {
        const options = tlsOptions(emulator)
        const transport = new LogshipTransport({ ...options, worker } as never)
        const logger = winston.createLogger({ format: winston.format.timestamp({ format: () => '2024-01-02 03:04:05' }), transports: [transport] })
        logger.info('in UTC')
        await transport.flush()
        process.env.TZ = 'Asia/Shanghai'
        logger.info('in Shanghai')
        await endLogger(logger)
        const times = logsOf(emulator, options.topicId).map(({ log, fields }) => [fields.message, new Date(log.time).toISOString()])
        assert.deepEqual(times, [['in UTC', '2024-01-02T03:04:05.000Z'], ['in Shanghai', '2024-01-01T19:04:05.000Z']])
      } finally {
        if (before === undefined) delete process.env.TZ
        else process.env.TZ = before
      }
    })

    test('flush() delivers without ending; the logger keeps working', async () => {
      const options = tlsOptions(emulator, { lingerMs: 60_000 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      const logger = winston.createLogger({ transports: [transport] })
      logger.info('first')
      await transport.flush()
      assert.equal(logsOf(emulator, options.topicId).length, 1)
      logger.info('second')
      await transport.flush()
      assert.deepEqual(logsOf(emulator, options.topicId).map(({ fields }) => fields.message), ['first', 'second'])
      await endLogger(logger)
    })

    test('logger.close() closes the producer after delivering', async () => {
      const options = tlsOptions(emulator, { lingerMs: 60_000 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      const logger = winston.createLogger({ transports: [transport] })
      logger.info('before close')
      logger.close()
      const summary = await transport.close()
      assert.equal(summary.timedOut, false)
      assert.equal(logsOf(emulator, options.topicId).length, 1)
      assert.equal(await transport.close(), summary, 'close is idempotent')
    })

    test('logger.configure() given the same transport keeps it open; a later logger.close() still closes it', async () => {
      const options = tlsOptions(emulator, { lingerMs: 60_000 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      const drops: unknown[] = []
      transport.on('drop', (event) => drops.push(event))
      const logger = winston.createLogger({ transports: [transport] })
      logger.info('before')
      // winston unpipes (and so closes) every transport, then pipes the given ones back.
      logger.configure({ level: 'debug', transports: [transport] })
      logger.debug('after')
      await transport.flush()
      const messages = (): string[] => logsOf(emulator, options.topicId).map(({ fields }) => fields.message)
      assert.deepEqual(messages(), ['before', 'after'])
      logger.info('delivered by the close')
      logger.close()
      // lingerMs is a minute: only the close sends this record now.
      await waitFor(() => messages().length === 3, 5000, 'logger.close() to deliver')
      assert.equal((await transport.close()).timedOut, false)
      assert.deepEqual(drops, [])
    })

    test('delivery events are re-emitted on the transport; failures never become error events', async () => {
      const options = tlsOptions(emulator, { retries: 0 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      const delivered: Array<{ logCount: number }> = []
      const failed: Array<{ error: Error & { code?: string }, logCount: number }> = []
      transport.on('delivered', (event) => delivered.push(event))
      transport.on('failed', (event) => failed.push(event))
      transport.on('error', () => assert.fail('no error event'))
      const logger = winston.createLogger({ transports: [transport] })
      logger.info('ok')
      await transport.flush()
      emulator.inject({ kind: 'error', status: 403, code: 'AccessDenied', count: 1, topicId: options.topicId })
      logger.info('refused')
      await transport.flush()
      await endLogger(logger)
      assert.equal(delivered.reduce((n, e) => n + e.logCount, 0), 1)
      assert.equal(failed.length, 1)
      assert.equal(failed[0].logCount, 1)
      assert.equal(failed[0].error.code, 'LOGSHIP_HTTP_ERROR')
      assert.ok(failed[0].error instanceof Error)
      // The same class and fields in both modes: worker mode's error crossed a thread as plain data.
      const error = failed[0].error as HttpError
      assert.ok(error instanceof HttpError, `${error.name} is an HttpError`)
      assert.deepEqual([error.name, error.status, error.errorCode, error.retriable], ['HttpError', 403, 'AccessDenied', false])
      assert.equal(serviceErrorCode(error), 'AccessDenied')
      assert.doesNotMatch(JSON.stringify(failed[0]) + failed[0].error.message, /emulator-secret/)
    })

    test('a listener that throws: the listeners after it still run, and it is reported once as a process warning', async (t) => {
      const warnings: Array<{ code?: string, message: string }> = []
      const onWarning = (w: Error & { code?: string }): void => { warnings.push(w) }
      process.on('warning', onWarning)
      t.after(() => { process.removeListener('warning', onWarning) })
      const options = tlsOptions(emulator)
      const transport = new LogshipTransport({ ...options, worker } as never)
      let after = 0
      transport.on('delivered', () => { throw new Error('listener bug') })
      transport.on('delivered', (event: { logCount: number }) => { after += event.logCount })
      const logger = winston.createLogger({ transports: [transport] })
      logger.info('one')
      await transport.flush()
      logger.info('two')
      await transport.flush()
      await endLogger(logger)
      assert.equal(after, 2, 'the second listener saw every delivery')
      await waitFor(() => warnings.some((w) => w.code === 'LOGSHIP_USER_CODE_THREW'), 2000, 'the warning')
      const ours = warnings.filter((w) => w.code === 'LOGSHIP_USER_CODE_THREW')
      assert.equal(ours.length, 1, 'once')
      assert.match(ours[0]!.message, /a 'delivered' listener threw \(ignored; reported once per producer\): listener bug/)
    })

    test('a full buffer drops and says so with a drop event', async () => {
      const options = tlsOptions(emulator, { totalSizeInBytes: 4096, lingerMs: 60_000 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      let dropped = 0
      transport.on('drop', (event: { count: number, reason: string }) => {
        assert.equal(event.reason, 'buffer_full')
        dropped += event.count
      })
      const logger = winston.createLogger({ transports: [transport] })
      for (let i = 0; i < 200; i++) logger.info('x'.repeat(100), { i })
      await endLogger(logger)
      const arrived = logsOf(emulator, options.topicId).length
      assert.ok(dropped > 0, 'some records were dropped')
      assert.equal(arrived + dropped, 200)
    })

    test('a slow backend never stalls the logger or its other transports', async () => {
      const options = tlsOptions(emulator, { lingerMs: 100, requestTimeoutMs: 30_000 })
      const fault = emulator.inject({ kind: 'latency', ms: 3000, topicId: options.topicId })
      const seen: string[] = []
      class Memory extends Transport {
        override log (info: { message: string }, next: () => void): void {
          seen.push(info.message)
          next()
        }
      }
      const transport = new LogshipTransport({ ...options, worker } as never)
      const logger = winston.createLogger({ transports: [transport, new Memory()] })
      const start = Date.now()
      for (let i = 0; i < 5000; i++) logger.info(`m${i}`)
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(seen.length, 5000, 'the other transport got every record at once')
      assert.ok(Date.now() - start < 2500, 'logging did not wait for the backend')
      await endLogger(logger)
      emulator.removeFault(fault)
      assert.equal(logsOf(emulator, options.topicId).length, 5000)
    })

    test('a backend that never answers: end() is bounded by closeTimeoutMs and reports what was abandoned', async () => {
      const options = tlsOptions(emulator, { closeTimeoutMs: 1000, requestTimeoutMs: 60_000 })
      const fault = emulator.inject({ kind: 'hold', ms: 20_000, topicId: options.topicId })
      const transport = new LogshipTransport({ ...options, worker } as never)
      const logger = winston.createLogger({ transports: [transport] })
      for (let i = 0; i < 50; i++) logger.info('held')
      const start = Date.now()
      await endLogger(logger)
      const took = Date.now() - start
      emulator.removeFault(fault)
      assert.ok(took >= 900 && took < 1000 + 5000, `end took ${took} ms (the hold lasts 20 s)`)
      const summary = await transport.close()
      assert.equal(summary.timedOut, true)
      assert.equal(summary.pending, 50)
    })

    test('a dead endpoint: logging goes on, end() is bounded by closeTimeoutMs', async () => {
      const options = { ...tlsOptions(emulator), endpoint: 'http://127.0.0.1:9', closeTimeoutMs: 1000, baseRetryBackoffMs: 50 }
      const transport = new LogshipTransport({ ...options, worker } as never)
      const failures: unknown[] = []
      transport.on('failed', (event) => failures.push(event))
      const logger = winston.createLogger({ transports: [transport] })
      for (let i = 0; i < 100; i++) logger.info('into the void')
      const start = Date.now()
      await endLogger(logger)
      assert.ok(Date.now() - start < 1000 + 5000, `end took ${Date.now() - start} ms (retrying would take far longer)`)
      await waitFor(() => failures.length > 0, 2000, 'a failed event')
    })

    test('handleExceptions: the exception record goes through the transport (exitOnError false)', async () => {
      const options = tlsOptions(emulator)
      const transport = new LogshipTransport({ ...options, worker, handleExceptions: true, handleRejections: true } as never)
      const logger = winston.createLogger({ transports: [transport], exitOnError: false })
      // Drive winston's handlers directly instead of crashing the test process.
      const exceptions = logger.exceptions as unknown as { _uncaughtException (err: Error): void }
      const rejections = logger.rejections as unknown as { _unhandledRejection (err: Error): void }
      exceptions._uncaughtException(new Error('thrown'))
      rejections._unhandledRejection(new Error('rejected'))
      await transport.flush()
      const fields = logsOf(emulator, options.topicId).map((entry) => entry.fields)
      const exception = fields.find((f) => f.exception === 'true')!
      assert.match(exception.message, /^uncaughtException: thrown/)
      assert.equal((JSON.parse(exception.error) as { message: string }).message, 'thrown')
      assert.match(exception.process, /"pid":/)
      const rejection = fields.find((f) => f.rejection === 'true')!
      assert.match(rejection.message, /^unhandledRejection: rejected/)
      logger.exceptions.unhandle()
      logger.rejections.unhandle()
      await endLogger(logger)
    })

    test('level, silent and a transport format are honoured', async () => {
      const options = tlsOptions(emulator)
      const transport = new LogshipTransport({
        ...options,
        worker,
        level: 'warn',
        format: winston.format((info) => (info.filteredOut === true ? false : info))()
      } as never)
      const silent = new LogshipTransport({ ...tlsOptions(emulator), worker, silent: true } as never)
      const logger = winston.createLogger({ level: 'debug', transports: [transport, silent] })
      logger.info('too low')
      logger.warn('kept')
      logger.error('filtered out by the format', { filteredOut: true })
      await endLogger(logger)
      assert.deepEqual(logsOf(emulator, options.topicId).map(({ fields }) => fields.message), ['kept'])
      assert.equal(silent.stats().accepted, 0)
    })
  })
}

describe('lifecycle details', () => {
  test('worker mode: one shared exit listener while transports are open, none after they close', async () => {
    const before = process.listenerCount('exit')
    const transports = [1, 2, 3].map(() => new LogshipTransport(tlsOptions(emulator) as never))
    assert.equal(process.listenerCount('exit'), before + 1)
    await Promise.all(transports.map((t) => t.close()))
    assert.equal(process.listenerCount('exit'), before)
  })

  test('in-process mode adds no exit listener', async () => {
    const before = process.listenerCount('exit')
    const transport = new LogshipTransport({ ...tlsOptions(emulator), worker: false } as never)
    assert.equal(process.listenerCount('exit'), before)
    await transport.close()
  })

  for (const worker of [true, false]) {
    test(`${worker ? 'worker' : 'in-process'} mode: a record logged after close() is dropped with a drop event, never thrown`, async () => {
      const options = tlsOptions(emulator)
      const transport = new LogshipTransport({ ...options, worker } as never)
      const drops: Array<{ reason: string, count: number }> = []
      transport.on('drop', (event) => drops.push(event))
      const logger = winston.createLogger({ transports: [transport] })
      logger.info('before')
      await transport.close()
      logger.info('after')
      await waitFor(() => drops.length > 0, 2000, 'a drop event')
      assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['closed', 1]])
      assert.equal(transport.stats().dropped, 1, 'counted like a producer drop')
      assert.deepEqual(logsOf(emulator, options.topicId).map(({ fields }) => fields.message), ['before'])
      logger.clear()
    })

    test(`${worker ? 'worker' : 'in-process'} mode: the transport's own drops (an invalid record, records logged while closing) count in stats() and the close summary`, async () => {
      const options = tlsOptions(emulator, { lingerMs: 60_000 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      const drops: Array<{ reason: string, count: number }> = []
      transport.on('drop', (event) => drops.push(event))
      const logger = winston.createLogger({ transports: [transport] })
      // A time past 2106 (the services' limit): the producer refuses it, the transport drops it.
      logger.info('out of range', { timestamp: '2200-01-01T00:00:00.000Z' })
      await transport.flush()
      assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['invalid_record', 1]])
      assert.equal(transport.stats().dropped, 1)
      // Held so that the close is still under way when the next record reaches the producer.
      const fault = emulator.inject({ kind: 'latency', ms: 300, topicId: options.topicId })
      logger.info('delivered at close')
      const closing = transport.close()
      logger.info('while closing')
      const summary = await closing
      emulator.removeFault(fault)
      assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['invalid_record', 1], ['closed', 1]])
      assert.deepEqual(summary, { delivered: 1, failed: 0, dropped: 2, pending: 0, timedOut: false })
      assert.equal(transport.stats().dropped, 2)
      assert.deepEqual(logsOf(emulator, options.topicId).map(({ fields }) => fields.message), ['delivered at close'])
      logger.clear()
    })
    test(`${worker ? 'worker' : 'in-process'} mode: records logged one per turn across close() are each delivered or dropped and counted, with one drop event`, async () => {
      // The worker answers its close while batches are still on their way to it, and records are
      // logged between that answer and after it: each must be delivered or dropped as 'closed'.
      for (let round = 0; round < 3; round++) {
        const options = tlsOptions(emulator)
        const transport = new LogshipTransport({ ...options, worker } as never)
        let dropEvents = 0
        transport.on('drop', (event: { reason: string, count: number }) => {
          assert.equal(event.reason, 'closed')
          dropEvents += event.count
        })
        const logger = winston.createLogger({ transports: [transport] })
        const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
        let logged = 0
        let stop = false
        const logging = (async () => {
          while (!stop) {
            logger.info(`record ${logged++}`)
            await turn()
          }
        })()
        let summary: Awaited<ReturnType<LogshipTransport['close']>>
        let loggedByClose: number
        let dropEventsByClose: number
        try {
          await new Promise((resolve) => setTimeout(resolve, 30))
          summary = await transport.close()
          loggedByClose = logged
          dropEventsByClose = dropEvents
          await new Promise((resolve) => setTimeout(resolve, 30))
        } finally {
          stop = true
          await logging
        }
        assert.equal(summary.timedOut, false)
        assert.equal(summary.delivered + summary.failed + summary.dropped, loggedByClose, `round ${round}: the close summary accounts for every record logged before it`)
        assert.equal(summary.dropped, dropEventsByClose, `round ${round}: drop events by the close`)
        await turn()
        await turn()
        const stats = transport.stats()
        assert.ok(logged > loggedByClose, 'records were logged after close() settled')
        assert.equal(stats.delivered + stats.failed + stats.dropped, logged, `round ${round}: every record is delivered or dropped (stats)`)
        assert.equal(stats.dropped, dropEvents, `round ${round}: one drop event per dropped record`)
        assert.equal(logsOf(emulator, options.topicId).length, stats.delivered)
        logger.clear()
      }
    })

    test(`${worker ? 'worker' : 'in-process'} mode: setCredentials() throws LOGSHIP_CREDENTIALS_ERROR for an unusable value, without quoting it, and keeps the old credentials`, async () => {
      const options = tlsOptions(emulator)
      const transport = new LogshipTransport({ ...options, worker } as never)
      const logger = winston.createLogger({ transports: [transport] })
      const secret = 'rotated-secret-7f3a\n'
      assert.throws(() => transport.setCredentials({ accessKeyId: 'rotated-key-id-9c1b', accessKeySecret: secret }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'LOGSHIP_CREDENTIALS_ERROR')
        assert.match(error.message, /accessKeySecret/)
        assert.ok(!error.message.includes('rotated-secret-7f3a') && !error.message.includes('rotated-key-id-9c1b'), 'no value is quoted')
        return true
      })
      assert.throws(() => transport.setCredentials({ accessKeyId: '', accessKeySecret: 'x' }), { code: 'LOGSHIP_CREDENTIALS_ERROR' })
      logger.info('with the old credentials')
      await transport.flush()
      assert.deepEqual(logsOf(emulator, options.topicId).map(({ fields }) => fields.message), ['with the old credentials'])
      // Valid ones are taken as before.
      transport.setCredentials({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET })
      await endLogger(logger)
    })
  }

  test('worker mode: when the worker thread dies, the transport warns, counts later records as dropped, and close() reports the unconfirmed ones as pending', async () => {
    const options = tlsOptions(emulator, { lingerMs: 60_000 })
    // The transport's worker is private; the test takes hold of it as the first Worker that posts.
    const post = Worker.prototype.postMessage
    const posting: Worker[] = []
    Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      posting.push(this)
      return post.apply(this, args)
    }
    let transport: LogshipTransport
    let logger: winston.Logger
    try {
      transport = new LogshipTransport(options as never)
      logger = winston.createLogger({ transports: [transport] })
      for (let i = 0; i < 20; i++) logger.info('held by the worker')
      await waitFor(() => posting.length > 0, 2000, 'the first batch posted')
    } finally {
      Worker.prototype.postMessage = post
    }
    const warnings: Error[] = []
    const drops: Array<{ reason: string, count: number }> = []
    transport.on('warn', (error: Error) => warnings.push(error))
    transport.on('drop', (event) => drops.push(event))
    await posting[0].terminate()
    await waitFor(() => warnings.length > 0, 2000, 'a warn event')
    assert.match(warnings[0].message, /worker thread exited unexpectedly/)
    logger.info('after the worker died')
    await waitFor(() => drops.length > 0, 2000, 'a drop event')
    assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['worker_exited', 1]])
    assert.equal(transport.stats().dropped, 1)
    const summary = await transport.close()
    assert.deepEqual(summary, { delivered: 0, failed: 0, dropped: 1, pending: 20, timedOut: true })
    assert.equal(logsOf(emulator, options.topicId).length, 0)
    logger.clear()
  })

  test('the logged event follows winston convention, only when listened to', async () => {
    const transport = new LogshipTransport({ ...tlsOptions(emulator), worker: false } as never)
    const logger = winston.createLogger({ transports: [transport] })
    const logged: unknown[] = []
    transport.on('logged', (info) => logged.push(info))
    logger.info('hello')
    assert.equal(logged.length, 0, 'emitted asynchronously')
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal((logged[0] as { message: string }).message, 'hello')
    await endLogger(logger)
  })
})

test('SLS: the same transport ships to an Aliyun project/logstore', async () => {
  const project = `proj-${Date.now()}`
  const transport = new LogshipTransport({
    service: 'sls', endpoint: emulator.url, project, logstore: 'app', accessKeyId: 'emulator-ak', accessKeySecret: 'emulator-secret', lingerMs: 100
  })
  const logger = winston.createLogger({ format: winston.format.timestamp(), transports: [transport] })
  logger.warn('to sls', { user: 'ann' })
  await endLogger(logger)
  const [log] = emulator.logs({ project })
  assert.ok(log, 'the log arrived')
  assert.equal(log.logstore, 'app')
  assert.deepEqual(Object.fromEntries(log.contents), { level: 'warn', message: 'to sls', user: 'ann' })
})

describe('options', () => {
  test('bad options throw at construction, naming the option', () => {
    const base = tlsOptions(emulator)
    assert.throws(() => new LogshipTransport({ ...base, level: 42 } as never), /invalid option level/)
    assert.throws(() => new LogshipTransport({ ...base, worker: 'yes' } as never), /invalid option worker/)
    assert.throws(() => new LogshipTransport({ ...base, nested: 'deep' } as never), /invalid option nested/)
    assert.throws(() => new LogshipTransport({ ...base, format: {} } as never), /invalid option format/)
    assert.throws(() => new LogshipTransport({ ...base, topicId: undefined } as never), /invalid option topicId/)
    assert.throws(() => new LogshipTransport({ ...base, service: 'kafka' } as never), /invalid option service/)
    assert.throws(() => new LogshipTransport({ ...base, worker: false, lingerMs: -1 } as never), /invalid option lingerMs/)
    assert.throws(() => new LogshipTransport(null as never), /invalid option options/)
  })

  test('worker mode refuses what cannot cross into the worker; in-process mode takes it', async () => {
    const base = tlsOptions(emulator)
    const provider = (): { accessKeyId: string, accessKeySecret: string } => ({ accessKeyId: 'emulator-ak', accessKeySecret: 'emulator-secret' })
    assert.throws(() => new LogshipTransport({ ...base, accessKeyId: provider } as never), /invalid option accessKeyId.*worker: false/)
    const transport = new LogshipTransport({ ...base, accessKeyId: provider, accessKeySecret: undefined, worker: false } as never)
    const logger = winston.createLogger({ transports: [transport] })
    logger.info('via provider')
    await endLogger(logger)
    assert.equal(logsOf(emulator, base.topicId).length, 1)
  })

  test('secrets never appear in option errors', () => {
    const base = tlsOptions(emulator, { accessKeySecret: 'super-secret-value' })
    try {
      new LogshipTransport({ ...base, region: 7 } as never)
      assert.fail('should throw')
    } catch (error) {
      assert.doesNotMatch(String((error as Error).message), /super-secret-value/)
    }
  })
})
