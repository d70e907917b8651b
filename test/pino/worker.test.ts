/**
 * @logship/pino as a pino.transport target in a real worker thread, against the emulator.
 * The target is the package name, resolved by pino from this file through test/node_modules:
 * the pnpm case (the test workspace package depends on @logship/pino directly).
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync, mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import { fields, remoteEmulator, SECRET, slsOptions, tlsOptions, waitFor, waitForLogs, type RemoteEmulator } from './helpers.js'

type Transport = ReturnType<typeof pino.transport>

/**
 * A worker that hangs fails its own test, by name, in 30 s: at the runner's file-level timeout the
 * whole file fails without saying which test was stuck.
 */
const HANG = { timeout: 30_000 }

async function ready (transport: Transport): Promise<void> {
  await once(transport, 'ready')
}

async function endTransport (transport: Transport): Promise<void> {
  const closed = once(transport, 'close')
  transport.end()
  await closed
}

describe('worker transport (pino.transport target)', () => {
  let emu: RemoteEmulator
  before(async () => { emu = await remoteEmulator() }, HANG)
  after(async () => { await emu.close() })

  it('resolves @logship/pino from the test package under pnpm, to the built entry', HANG, () => {
    const resolved = createRequire(import.meta.url).resolve('@logship/pino')
    assert.ok(resolved.endsWith(join('dist', 'index.js')), resolved)
    assert.ok(resolved.includes(`${sep}packages${sep}pino${sep}`) || resolved.includes(`${sep}node_modules${sep}@logship${sep}pino${sep}`), resolved)
  })

  it('maps every field kind and time format; the record time reaches the wire', HANG, async () => {
    const options = tlsOptions(emu)
    const transport = pino.transport({ target: '@logship/pino', options })
    const logger = pino({ customLevels: { audit: 35 } }, transport)
    const at = (time: string) => pino({ timestamp: () => `,"time":${time}` }, transport)

    const before = Date.now()
    logger.info({ case: 'fields', user: { id: 7, tags: ['a', 'b'] }, ok: true, none: null, n: 1.5, text: '日本' }, 'hello')
    logger.error({ case: 'err', err: new TypeError('boom') }, 'failed')
    logger.audit({ case: 'custom' }, 'audited')
    at('1715000000123').info({ case: 'epoch-ms' })
    at('1715000000123.25').info({ case: 'epoch-ms-fraction' })
    at('1715000000').info({ case: 'epoch-s' })
    at('"2024-05-06T07:08:09.123Z"').info({ case: 'iso' })
    at('"2024-05-06T07:08:09.123456789Z"').info({ case: 'iso-ns' })
    pino({ timestamp: pino.stdTimeFunctions.isoTimeNano }, transport).info({ case: 'pino-iso-nano' })
    pino({ timestamp: false }, transport).info({ case: 'absent' })
    pino({ formatters: { level: (label) => ({ level: label }) } }, transport).warn({ case: 'string-level' })
    transport.write('this is not json\n')

    const logs = await waitForLogs(emu, { topicId: options.topicId }, 12)
    const after = Date.now()
    const byCase = new Map(logs.map((l) => [fields(l).case ?? fields(l).msg, l]))

    const f = fields(byCase.get('fields')!)
    assert.equal(f.level, 'info')
    assert.equal(f.msg, 'hello')
    assert.equal(f.user, '{"id":7,"tags":["a","b"]}')
    assert.equal(f.ok, 'true')
    assert.equal(f.none, 'null')
    assert.equal(f.n, '1.5')
    assert.equal(f.text, '日本')
    assert.equal(f.pid, String(process.pid))
    assert.ok(f.hostname !== undefined && f.hostname !== '')
    assert.equal(f.time, undefined, 'the time travels as the log time, not a field')

    const e = fields(byCase.get('err')!)
    assert.equal(e.level, 'error')
    assert.equal(e['err.type'], 'TypeError')
    assert.equal(e['err.message'], 'boom')
    assert.match(e['err.stack']!, /^TypeError: boom\n\s+at /)

    assert.equal(fields(byCase.get('custom')!).level, 'audit', 'custom level label from pino config')
    assert.equal(fields(byCase.get('string-level')!).level, 'warn')

    const time = (c: string) => { const l = byCase.get(c)!; return { ms: l.time, ns: l.timeNs ?? 0 } }
    assert.deepEqual(time('epoch-ms'), { ms: 1715000000123, ns: 0 })
    assert.deepEqual(time('epoch-ms-fraction'), { ms: 1715000000123, ns: 250000 })
    assert.deepEqual(time('epoch-s'), { ms: 1715000000000, ns: 0 })
    assert.deepEqual(time('iso'), { ms: Date.UTC(2024, 4, 6, 7, 8, 9, 123), ns: 0 })
    assert.deepEqual(time('iso-ns'), { ms: Date.UTC(2024, 4, 6, 7, 8, 9, 123), ns: 456789 })
    const nano = time('pino-iso-nano')
    assert.ok(nano.ms >= before - 1000 && nano.ms <= after, 'isoTimeNano read')
    const absent = time('absent')
    assert.ok(absent.ms >= before && absent.ms <= after, 'absent time → receive time')

    const raw = fields(byCase.get('this is not json')!)
    assert.deepEqual(raw, { msg: 'this is not json' })
    await endTransport(transport)
  })

  it('takes messageKey and errorKey from pino\'s config', HANG, async () => {
    const options = tlsOptions(emu)
    const transport = pino.transport({ target: '@logship/pino', options })
    const logger = pino({ messageKey: 'message', errorKey: 'error' }, transport)
    logger.error(new Error('kaput'))
    transport.write('raw line\n')
    const logs = await waitForLogs(emu, { topicId: options.topicId }, 2)
    const err = fields(logs.find((l) => fields(l).message === 'kaput')!)
    assert.equal(err['error.type'], 'Error')
    assert.equal(err['error.message'], 'kaput')
    assert.ok(logs.some((l) => fields(l).message === 'raw line'))
    await endTransport(transport)
  })

  it('SLS gets seconds plus TimeNs for an ISO time with nanoseconds', HANG, async () => {
    const options = slsOptions(emu)
    const transport = pino.transport({ target: '@logship/pino', options })
    const now = new Date()
    const iso = now.toISOString().replace(/Z$/, '987654Z')
    pino({ timestamp: () => `,"time":"${iso}"` }, transport).info('sls')
    const [log] = await waitForLogs(emu, { logstore: options.logstore }, 1)
    assert.equal(log!.time, Math.floor(now.getTime() / 1000))
    assert.equal(log!.timeNs, (now.getTime() % 1000) * 1_000_000 + 987654)
    await endTransport(transport)
  })

  it('logger.flush(cb) calls back once the records are delivered', HANG, async () => {
    const options = tlsOptions(emu, { lingerMs: 60_000 })
    const transport = pino.transport({ target: '@logship/pino', options })
    const logger = pino(transport)
    for (let i = 0; i < 500; i++) logger.info({ seq: i })
    await new Promise<void>((resolve, reject) => logger.flush((err) => err ? reject(err) : resolve()))
    assert.equal((await emu.logs({ topicId: options.topicId })).length, 500)
    await endTransport(transport)
  })

  it('logger.flush(cb): a single target with a level goes through pino\'s multistream, which does not wait; the level on the logger does', HANG, async () => {
    const flush = (logger: pino.Logger): Promise<void> => new Promise((resolve, reject) => logger.flush((err) => err ? reject(err) : resolve()))
    const msgs = async (topicId: string): Promise<string[]> => (await emu.logs({ topicId })).map((l) => fields(l).msg)
    // The documented configuration: one target without a level, the level on the logger.
    const direct = tlsOptions(emu, { lingerMs: 60_000 })
    const transport = pino.transport({ target: '@logship/pino', options: direct })
    const logger = pino({ level: 'warn' }, transport)
    logger.info('filtered by the logger')
    logger.warn('kept')
    await flush(logger)
    assert.deepEqual(await msgs(direct.topicId), ['kept'], 'delivered when flush calls back')
    await endTransport(transport)
    // The same level on the target: pino builds a multistream, which has no flush of its own. If
    // this starts to fail, pino waits there now and the READMEs' note can go.
    const leveled = tlsOptions(emu, { lingerMs: 60_000 })
    const viaMultistream = pino.transport({ targets: [{ target: '@logship/pino', level: 'warn', options: leveled }] })
    const other = pino(viaMultistream)
    other.info('filtered by the target')
    other.warn('kept')
    await flush(other)
    assert.deepEqual(await msgs(leveled.topicId), [], 'flush called back before delivery')
    await endTransport(viaMultistream)
    assert.deepEqual(await msgs(leveled.topicId), ['kept'], 'delivered by end()')
  })

  it('end() delivers what is buffered before the worker exits', HANG, async () => {
    const options = tlsOptions(emu, { lingerMs: 60_000 })
    const transport = pino.transport({ target: '@logship/pino', options })
    const logger = pino(transport)
    for (let i = 0; i < 1000; i++) logger.info({ seq: i })
    await endTransport(transport)
    assert.equal((await emu.logs({ topicId: options.topicId })).length, 1000)
  })

  it('retries and final failures reach the main thread as events; the worker survives', HANG, async () => {
    const options = tlsOptions(emu, { baseRetryBackoffMs: 20, maxRetryBackoffMs: 50 })
    const transport = pino.transport({ target: '@logship/pino', options })
    await ready(transport)
    const events: Array<[string, any]> = []
    for (const name of ['retry', 'failed', 'delivered', 'drop']) transport.on(name, (payload: unknown) => events.push([name, payload]))
    const logger = pino(transport)

    await emu.inject({ kind: 'error', status: 500, code: 'InternalServerError', count: 1, topicId: options.topicId })
    logger.info('retried')
    await waitFor(() => events.some(([n]) => n === 'delivered'), 10_000, 'delivered after a retry')
    const retry = events.find(([n]) => n === 'retry')![1]
    assert.equal(retry.retry, 1)
    assert.equal(retry.logCount, 1)
    assert.equal(retry.error.status, 500)
    assert.equal(retry.error.retriable, true)
    assert.equal(retry.error.errorCode, 'InternalServerError')
    assert.equal(retry.destination.topicId, options.topicId)

    await emu.inject({ kind: 'error', status: 400, code: 'InvalidArgument', count: 1, topicId: options.topicId })
    logger.info('refused')
    const failed = await waitFor(() => events.find(([n]) => n === 'failed'), 10_000, 'failed')
    assert.equal(failed[1].logCount, 1)
    assert.equal(failed[1].error.status, 400)
    assert.equal(failed[1].error.code, 'LOGSHIP_HTTP_ERROR')
    assert.equal(failed[1].error.errorCode, 'InvalidArgument', 'the service\'s code, as Result.errorCode')
    assert.match(failed[1].error.message, /InvalidArgument/)

    logger.info('still alive')
    await waitFor(async () => (await emu.logs({ topicId: options.topicId })).some((l) => fields(l).msg === 'still alive'), 10_000, 'a later record')
    assert.ok(!JSON.stringify(events).includes(SECRET), 'no secret in event payloads')
    assert.equal((transport as unknown as { destroyed: boolean }).destroyed, false)
    await endTransport(transport)
  })

  it('reports drops when the producer buffer is full, and keeps draining', HANG, async () => {
    const options = tlsOptions(emu, { totalSizeInBytes: 64 * 1024, maxBatchSize: 16 * 1024 })
    await emu.inject({ kind: 'hold', ms: 1500, count: 2, topicId: options.topicId })
    const transport = pino.transport({ target: '@logship/pino', options })
    await ready(transport)
    const drops: any[] = []
    transport.on('drop', (payload: unknown) => drops.push(payload))
    const logger = pino(transport)
    for (let i = 0; i < 5000; i++) logger.info({ seq: i, pad: 'x'.repeat(100) })
    await waitFor(() => drops.length > 0, 10_000, 'a drop event')
    assert.equal(drops[0].reason, 'buffer_full')
    assert.ok(drops[0].count >= 1)
    await emu.clearFaults()
    await endTransport(transport)
  })

  it('warns once per worker, as a process warning, when closeTimeoutMs is not below pino\'s 10 s limit', HANG, async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => {
      if (warning.message.startsWith('@logship/pino: closeTimeoutMs')) warnings.push(warning)
    }
    process.on('warning', onWarning)
    try {
      // Two targets in one worker, both too long: one warning.
      const long = pino.transport({
        targets: [
          { target: '@logship/pino', options: tlsOptions(emu, { closeTimeoutMs: 10_000 }) },
          { target: '@logship/pino', options: tlsOptions(emu, { closeTimeoutMs: 15_000 }) }
        ]
      })
      const below = pino.transport({ target: '@logship/pino', options: tlsOptions(emu, { closeTimeoutMs: 9999 }) })
      await Promise.all([ready(long), ready(below)])
      // process.emitWarning emits on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
      await Promise.all([endTransport(long), endTransport(below)])
      assert.equal(warnings.length, 1, warnings.map((w) => w.message).join('\n'))
      assert.match(warnings[0].message, /^@logship\/pino: closeTimeoutMs 1[05]000 is not below pino's limit of 10000 ms: .*use a value below 10000/)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('fails at startup with a clear message when the configuration is bad', HANG, async () => {
    const transport = pino.transport({ target: '@logship/pino', options: { service: 'tls', endpoint: emu.url, topicId: 't', accessKeyId: 'ak', accessKeySecret: SECRET } })
    const [err] = await once(transport, 'error') as [Error]
    assert.match(err.message, /@logship\/pino: invalid option region/)
    assert.ok(!err.message.includes(SECRET))
  })

  it('works under targets with per-target levels, beside another transport', HANG, async () => {
    const warnUp = tlsOptions(emu)
    const infoUp = tlsOptions(emu)
    const file = join(mkdtempSync(join(tmpdir(), 'logship-pino-')), 'out.log')
    const transport = pino.transport({
      targets: [
        { target: '@logship/pino', level: 'warn', options: warnUp },
        { target: '@logship/pino', level: 'audit', options: infoUp },
        { target: 'pino/file', level: 'info', options: { destination: file } }
      ],
      levels: { audit: 35 }
    } as Parameters<typeof pino.transport>[0])
    const logger = pino({ level: 'debug', customLevels: { audit: 35 } }, transport)
    logger.debug('debug')
    logger.info('info')
    logger.audit('audit')
    logger.warn('warn')
    logger.error('error')
    await endTransport(transport)
    const msgs = async (topicId: string) => (await emu.logs({ topicId })).map((l) => fields(l).msg).sort()
    assert.deepEqual(await msgs(warnUp.topicId), ['error', 'warn'])
    assert.deepEqual(await msgs(infoUp.topicId), ['audit', 'error', 'warn'])
    assert.equal(fields((await emu.logs({ topicId: infoUp.topicId })).find((l) => fields(l).msg === 'audit')!).level, 'audit')
    const written = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).msg)
    assert.deepEqual(written, ['info', 'audit', 'warn', 'error'])
  })

  it('also loads from an absolute path (the bundler workaround)', HANG, async () => {
    const options = tlsOptions(emu)
    const target = createRequire(import.meta.url).resolve('@logship/pino')
    const transport = pino.transport({ target, options })
    pino(transport).info('absolute')
    await endTransport(transport)
    assert.equal((await emu.logs({ topicId: options.topicId })).length, 1)
  })
})
