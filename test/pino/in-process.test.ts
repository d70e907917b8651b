/** @logship/pino in-process: pino(opts, await logship(options)), against the emulator. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import logship, { type LogshipStream } from '@logship/pino'
import type { Emulator } from '../emulator/index.js'
import { emulator, fields, SECRET, tlsOptions, waitFor, waitForLogs } from './helpers.js'

async function close (stream: LogshipStream): Promise<void> {
  await stream.close()
}

describe('in-process transport', () => {
  let emu: Emulator
  before(async () => { emu = await emulator() })
  after(async () => { await emu.close() })

  it('maps fields like the worker; custom levels come from options', async () => {
    const options = tlsOptions(emu, { customLevels: { audit: 35 } })
    const stream = await logship(options as any)
    const logger = pino({ customLevels: { audit: 35 } }, stream)
    logger.audit({ user: { id: 1 } }, 'audited')
    logger.error({ err: new RangeError('out') }, 'bad')
    pino({ timestamp: () => ',"time":"2024-05-06T07:08:09.000000123Z"' }, stream).info('ns')
    stream.write('raw line\n')
    const logs = await waitForLogs(emu, { topicId: options.topicId }, 4)
    const by = new Map(logs.map((l) => [fields(l).msg, l]))
    assert.equal(fields(by.get('audited')!).level, 'audit')
    assert.equal(fields(by.get('audited')!).user, '{"id":1}')
    assert.equal(fields(by.get('bad')!)['err.type'], 'RangeError')
    assert.equal(by.get('ns')!.time, Date.UTC(2024, 4, 6, 7, 8, 9))
    assert.equal(by.get('ns')!.timeNs, 123)
    assert.ok(by.has('raw line'))
    await close(stream)
  })

  it('a field logged as time (a duration) is kept as a field; the record keeps pino\'s time', async () => {
    const options = tlsOptions(emu)
    const stream = await logship(options as any)
    const before = Date.now()
    const logger = pino(stream)
    logger.info({ time: 250 }, 'request took 250 ms')
    logger.child({ time: 7 }).info('child bound time')
    const logs = await waitForLogs(emu, { topicId: options.topicId }, 2)
    const by = new Map(logs.map((l) => [fields(l).msg, l]))
    for (const [msg, value] of [['request took 250 ms', '250'], ['child bound time', '7']]) {
      const log = by.get(msg)!
      assert.equal(fields(log).time, value)
      assert.ok(log.time >= before - 1000 && log.time <= Date.now() + 1000, `${msg}: the record time is pino's, not ${log.time}`)
    }
    await close(stream)
  })

  it('flattens nested objects when asked', async () => {
    const options = tlsOptions(emu, { nested: 'flatten' })
    const stream = await logship(options as any)
    pino(stream).info({ user: { id: 1, roles: ['a', 'b'] } }, 'flat')
    const [log] = await waitForLogs(emu, { topicId: options.topicId }, 1)
    const f = fields(log!)
    assert.equal(f['user.id'], '1')
    assert.equal(f['user.roles.0'], 'a')
    assert.equal(f['user.roles.1'], 'b')
    await close(stream)
  })

  it('sends only own keys with Object.prototype polluted: scanned lines, parsed lines and both error expansions', async () => {
    const options = tlsOptions(emu)
    const stream = await logship(options as any)
    const logger = pino(stream)
    const proto = Object.prototype as Record<string, unknown>
    proto.polluted = 'x'
    try {
      // In-process, pino writes each line to the stream and it is mapped before write() returns,
      // so the pollution need not outlive these calls (nor reach delivery or the emulator).
      logger.info({ a: 1 }, 'scanned')
      logger.error({ err: Object.assign(new Error('boom'), { code: 'E1' }) }, 'scanned error')
      // A key with an escape is left to JSON.parse: the general path, and its error expansion.
      logger.error({ 'we"ird': 1, err: new Error('boom') }, 'parsed error')
    } finally {
      delete proto.polluted
    }
    const logs = await waitForLogs(emu, { topicId: options.topicId }, 3)
    // Every own key, and nothing more (no `polluted`, no `err.polluted`), on every path.
    const keys = Object.fromEntries(logs.map((l) => [fields(l).msg, Object.keys(fields(l)).sort()]))
    const base = ['hostname', 'level', 'msg', 'pid']
    assert.deepEqual(keys, {
      scanned: [...base, 'a'].sort(),
      'scanned error': [...base, 'err.code', 'err.message', 'err.stack', 'err.type'].sort(),
      'parsed error': [...base, 'err.message', 'err.stack', 'err.type', 'we"ird'].sort()
    })
    await close(stream)
  })

  it('logger.flush(cb) calls back after delivery; stream.flush() resolves after delivery', async () => {
    const options = tlsOptions(emu, { lingerMs: 60_000 })
    const stream = await logship(options as any)
    const logger = pino(stream)
    for (let i = 0; i < 100; i++) logger.info({ seq: i })
    await new Promise<void>((resolve, reject) => logger.flush((err) => err ? reject(err) : resolve()))
    assert.equal(emu.logs({ topicId: options.topicId }).length, 100)
    logger.info('one more')
    await stream.flush()
    assert.equal(emu.logs({ topicId: options.topicId }).length, 101)
    assert.equal(stream.stats().delivered, 101)
    await close(stream)
  })

  it('close() delivers and resolves with the summary; events are emitted on the stream', async () => {
    const options = tlsOptions(emu, { lingerMs: 60_000, baseRetryBackoffMs: 20 })
    const stream = await logship(options as any)
    const events: Array<[string, unknown]> = []
    for (const name of ['retry', 'delivered', 'summary']) stream.on(name, (p: unknown) => events.push([name, p]))
    emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: options.topicId })
    const logger = pino(stream)
    for (let i = 0; i < 10; i++) logger.info({ seq: i })
    // Retries happen while the stream is open; from close() on, failures are final (as in the Go producers).
    await stream.flush()
    const summary = await stream.close()
    assert.deepEqual(summary, { delivered: 10, failed: 0, dropped: 0, pending: 0, timedOut: false, accepted: 10, abandoned: 0, invalid: 0, truncated: 0, closeTimeoutMs: 8000 })
    assert.deepEqual(events.map(([n]) => n), ['retry', 'delivered', 'summary'])
    assert.ok(!JSON.stringify(events).includes(SECRET))
    assert.equal(emu.logs({ topicId: options.topicId }).length, 10)
  })

  it('a stream listener that throws: the listeners after it still run, and it is reported once as a process warning', async (t) => {
    const warnings: Array<Error & { code?: string }> = []
    const onWarning = (w: Error & { code?: string }): void => { warnings.push(w) }
    process.on('warning', onWarning)
    t.after(() => { process.removeListener('warning', onWarning) })
    const options = tlsOptions(emu, { lingerMs: 60_000 })
    const stream = await logship(options as any)
    const seen: string[] = []
    stream.on('delivered', () => { throw new Error('listener bug') })
    stream.on('delivered', () => seen.push('delivered'))
    stream.on('summary', () => { throw new Error('summary listener bug') })
    stream.on('summary', () => seen.push('summary'))
    const logger = pino(stream)
    logger.info({ seq: 0 })
    await stream.flush()
    logger.info({ seq: 1 })
    await stream.close()
    assert.deepEqual(seen, ['delivered', 'delivered', 'summary'])
    await waitFor(() => warnings.some((w) => w.code === 'LOGSHIP_USER_CODE_THREW'), 2000, 'the warning')
    const ours = warnings.filter((w) => w.code === 'LOGSHIP_USER_CODE_THREW')
    assert.equal(ours.length, 1, 'once')
    assert.match(ours[0]!.message, /a 'delivered' listener threw \(ignored; reported once per producer\): listener bug/)
  })

  it('close() is idempotent and also resolves after end()', async () => {
    const options = tlsOptions(emu)
    const stream = await logship(options as any)
    pino(stream).info('once')
    stream.end()
    const first = await stream.close()
    const second = await stream.close()
    assert.equal(first, second)
    assert.equal(first.delivered, 1)
  })

  it('a record logged after close() is dropped and counted as closed, never an error', async () => {
    const options = tlsOptions(emu)
    const stream = await logship(options as any)
    const drops: Array<{ reason: string, count: number }> = []
    const errors: Error[] = []
    stream.on('drop', (d: { reason: string, count: number }) => drops.push(d))
    // Without a listener an 'error' here would crash the process through the logger.
    stream.on('error', (err: Error) => errors.push(err))
    const logger = pino(stream)
    logger.info('before')
    const summary = await stream.close()
    assert.doesNotThrow(() => logger.info('after'))
    logger.child({ part: 2 }).warn('and after')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(errors.map((e) => (e as Error & { code?: string }).code), [])
    assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['closed', 1], ['closed', 1]])
    assert.equal(stream.stats().dropped, 2, 'counted with the producer\'s drops')
    assert.equal(stream.stats().invalid, 0)
    assert.equal(summary.delivered, 1)
    assert.deepEqual(emu.logs({ topicId: options.topicId }).map((l) => fields(l).msg), ['before'])
  })

  it('rejects a bad configuration with a message naming the option', async () => {
    await assert.rejects(logship({ service: 'tls', endpoint: emu.url, region: 'cn-beijing', topicId: 't', accessKeyId: 'ak', accessKeySecret: SECRET, lingerMs: 'soon' } as any),
      /@logship\/pino: invalid option lingerMs: "soon"/)
    await assert.rejects(logship({ service: 'kafka' } as any), /@logship\/pino: invalid option service: "kafka"/)
    await assert.rejects(logship(tlsOptions(emu, { nested: 'deep' }) as any), /@logship\/pino: invalid option nested/)
  })

  it('takes credentials from env vars', async () => {
    const saved = { ...process.env }
    process.env.VOLCENGINE_ACCESS_KEY_ID = 'emulator-ak'
    process.env.VOLCENGINE_ACCESS_KEY_SECRET = SECRET
    try {
      const options = tlsOptions(emu)
      delete options.accessKeyId
      delete options.accessKeySecret
      const stream = await logship(options as any)
      pino(stream).info('env creds')
      await waitFor(() => emu.logs({ topicId: options.topicId }).length === 1, 10_000, 'the record')
      await close(stream)
    } finally {
      process.env = saved
    }
  })
})
