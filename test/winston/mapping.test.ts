/**
 * Mapping of every field kind: info objects made by real winston (formats, child loggers,
 * defaultMeta, splat, errors, timestamps) through mapInfo, then end to end through the emulator.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import winston from 'winston'
import { LogshipTransport, mapInfo } from '@logship/winston'
import type { MappedRecord } from '@logship/winston'
import { logsOf, startEmulator, tlsOptions, waitFor } from './helpers.js'
import type { Emulator } from './helpers.js'

const { format } = winston
// winston exports the base class as `Transport`; its typings call it `transport`.
const Transport = (winston as unknown as { Transport: new () => winston.Logger['transports'][number] }).Transport

/** A logger whose infos are captured and mapped exactly as the transport maps them. */
function capture (options: winston.LoggerOptions = {}): { logger: winston.Logger, mapped: (now?: number) => MappedRecord[] } {
  const infos: Array<Record<string | symbol, unknown>> = []
  class Capture extends Transport {
    override log (info: Record<string | symbol, unknown>, next: () => void): void {
      infos.push(info)
      next()
    }
  }
  const logger = winston.createLogger({ level: 'silly', ...options, transports: [new Capture()] })
  return { logger, mapped: (now = 1000) => infos.map((info) => mapInfo(info, now, { nested: 'json' })) }
}

describe('mapInfo on real winston info objects', () => {
  test('level comes from Symbol.for(level), not the colorized info.level', () => {
    const { logger, mapped } = capture({ format: format.combine(format.colorize(), format.simple()) })
    logger.warn('careful')
    const [record] = mapped()
    assert.equal(record.contents.level, 'warn')
    assert.equal(record.contents.message, 'careful')
    assert.deepEqual(Object.keys(record.contents).sort(), ['level', 'message'], 'no symbol or MESSAGE leaks into the fields')
  })

  test('custom levels are kept by name', () => {
    const { logger, mapped } = capture({ levels: { crit: 0, notice: 1, chatty: 2 }, level: 'chatty' })
    logger.log('notice', 'hello')
    assert.equal(mapped()[0].contents.level, 'notice')
  })

  test('meta, defaultMeta and child fields become fields; values follow the shared rules', () => {
    const { logger, mapped } = capture({ defaultMeta: { service: 'svc', region: 'r1' } })
    const circular: Record<string, unknown> = { name: 'loop' }
    circular.self = circular
    logger.child({ requestId: 'req-1', region: 'r2' }).info('hello', {
      count: 3,
      ok: true,
      none: null,
      missing: undefined,
      fn: () => 1,
      big: 12345678901234567890n,
      when: new Date(0),
      bytes: Buffer.from('hi'),
      nested: { a: { b: [1, 'two'] } },
      list: [1, 2, 3],
      circular
    })
    const { contents } = mapped()[0]
    assert.equal(contents.service, 'svc')
    assert.equal(contents.region, 'r1', 'winston gives defaultMeta precedence over child fields')
    assert.equal(contents.requestId, 'req-1')
    assert.equal(contents.count, '3')
    assert.equal(contents.ok, 'true')
    assert.equal(contents.none, 'null')
    assert.equal('missing' in contents, false)
    assert.equal('fn' in contents, false)
    assert.equal(contents.big, '12345678901234567890')
    assert.equal(contents.when, '1970-01-01T00:00:00.000Z')
    assert.equal(contents.bytes, Buffer.from('hi').toString('base64'))
    assert.equal(contents.nested, '{"a":{"b":[1,"two"]}}')
    assert.equal(contents.list, '[1,2,3]')
    assert.equal(contents.circular, '{"name":"loop","self":"[Circular]"}')
  })

  test('nested: flatten gives dotted keys', () => {
    const infos: MappedRecord[] = []
    const info = { level: 'info', message: 'm', [Symbol.for('level')]: 'info', user: { id: 7, tags: ['a', 'b'] } }
    infos.push(mapInfo(info, 1, { nested: 'flatten' }))
    assert.deepEqual(infos[0].contents, { level: 'info', message: 'm', 'user.id': '7', 'user.tags.0': 'a', 'user.tags.1': 'b' })
  })

  test('nested: flatten keeps both values when a dotted key meets a key of the same name', () => {
    const level = Symbol.for('level')
    const before = mapInfo({ level: 'info', message: 'm', [level]: 'info', a: { b: 1 }, 'a.b': 'two' }, 1, { nested: 'flatten' })
    assert.deepEqual(before.contents, { level: 'info', message: 'm', 'a.b': '1', 'a.b_2': 'two' })
    const after = mapInfo({ level: 'info', message: 'm', [level]: 'info', 'a.b': 'one', a: { b: 2, c: [3] }, 'a.b_2': 'x' }, 1, { nested: 'flatten' })
    assert.deepEqual(after.contents, { level: 'info', message: 'm', 'a.b': 'one', 'a.b_2': '2', 'a.c.0': '3', 'a.b_2_2': 'x' })
    // Without flatten, keys are the info's own and cannot collide.
    assert.deepEqual(mapInfo({ level: 'info', message: 'm', [level]: 'info', a: { b: 1 }, 'a.b': 'two' }, 1, { nested: 'json' }).contents,
      { level: 'info', message: 'm', a: '{"b":1}', 'a.b': 'two' })
  })

  test('an Error as the message keeps name, message and stack', () => {
    const { logger, mapped } = capture()
    logger.error(new TypeError('bad input'))
    logger.log({ level: 'error', message: new RangeError('out of range') as unknown as string })
    const [first, second] = mapped()
    assert.equal(first.contents.level, 'error')
    assert.equal(first.contents.message, 'bad input')
    const error = JSON.parse(first.contents.error) as Record<string, string>
    assert.equal(error.name, 'TypeError')
    assert.equal(error.message, 'bad input')
    assert.match(error.stack, /TypeError: bad input\n\s+at /)
    assert.equal(second.contents.message, 'out of range')
    assert.equal((JSON.parse(second.contents.error) as Record<string, string>).name, 'RangeError')
  })

  test('an Error anywhere in meta keeps name, message, stack and its own props', () => {
    const { logger, mapped } = capture()
    const cause = new Error('root cause')
    const err = Object.assign(new SyntaxError('parse failed', { cause }), { code: 'E_PARSE' })
    logger.warn('could not parse', { err, deep: { inner: err } })
    const { contents } = mapped()[0]
    const parsed = JSON.parse(contents.err) as Record<string, unknown>
    assert.equal(parsed.name, 'SyntaxError')
    assert.equal(parsed.message, 'parse failed')
    assert.equal(parsed.code, 'E_PARSE')
    assert.match(parsed.stack as string, /SyntaxError: parse failed/)
    assert.equal((parsed.cause as Record<string, string>).message, 'root cause')
    assert.equal((JSON.parse(contents.deep) as { inner: { name: string } }).inner.name, 'SyntaxError')
  })

  test('logger.error(message, err): winston merges the error\'s message and stack into the info, and those are sent', () => {
    const { logger, mapped } = capture()
    logger.error('request failed:', new Error('socket hang up'))
    const { contents } = mapped()[0]
    assert.equal(contents.message, 'request failed: socket hang up')
    assert.match(contents.stack, /Error: socket hang up/)
  })

  test('splat arguments are not read: only what winston and the formats put in the info is sent', () => {
    const { logger, mapped } = capture()
    // No format.splat(): nothing interpolated or merged the arguments, as in winston's own transports.
    logger.info('user %s did %d things', 'ann', 3, { extra: true })
    // Without tokens winston merges the first meta object only.
    logger.info('two metas', { a: 1, shared: 'first' }, { b: 2, shared: 'second' })
    const [tokens, metas] = mapped()
    assert.deepEqual(tokens.contents, { level: 'info', message: 'user %s did %d things' })
    assert.deepEqual(metas.contents, { level: 'info', message: 'two metas', a: '1', shared: 'first' })
  })

  test('a field a format removed stays removed (redaction, format.metadata()), with or without format.splat()', () => {
    const redact = format((info) => {
      delete info.password
      if (typeof info.card === 'object' && info.card !== null) delete (info.card as Record<string, unknown>).number
      return info
    })
    for (const withSplat of [false, true]) {
      const { logger, mapped } = capture({ format: withSplat ? format.combine(format.splat(), redact()) : redact() })
      logger.info('login', { user: 'ann', password: 'hunter2', card: { number: '4111', exp: '12/30' } })
      logger.info('login %s', 'ann', { password: 'hunter2' })
      for (const { contents } of mapped()) {
        assert.equal(JSON.stringify(contents).includes('hunter2'), false, JSON.stringify(contents))
        assert.equal(JSON.stringify(contents).includes('4111'), false, JSON.stringify(contents))
      }
    }
    const { logger, mapped } = capture({ format: format.metadata() })
    logger.info('moved', { b: 1 })
    const { contents } = mapped()[0]
    assert.equal(contents.b, undefined, 'format.metadata() moved b under metadata')
    assert.equal(contents.metadata, '{"b":1}')
  })

  test('a meta timestamp taken as the record time is not also a field', () => {
    const { logger, mapped } = capture()
    logger.info('stamped', { timestamp: '2024-01-02T03:04:05.123Z' })
    const { time, contents } = mapped()[0]
    assert.equal(time, Date.parse('2024-01-02T03:04:05.123Z'))
    assert.equal('timestamp' in contents, false)
  })

  test('timestamp from format.timestamp() is the record time and not a field', () => {
    const { logger, mapped } = capture({ format: format.timestamp() })
    const before = Date.now()
    logger.info('stamped')
    const after = Date.now()
    const { time, contents } = mapped(1)[0]
    assert.equal(typeof time, 'number')
    assert.ok((time as number) >= before && (time as number) <= after)
    assert.equal('timestamp' in contents, false)
  })

  test('timestamp kinds: ISO with sub-ms digits, ms and s numbers, Date, unparsable', () => {
    const level = Symbol.for('level')
    const map = (timestamp: unknown): MappedRecord => mapInfo({ level: 'info', [level]: 'info', message: 'm', timestamp }, 42, { nested: 'json' })
    assert.equal(map('2024-01-02T03:04:05.123456Z').time, 1704164645123456000n)
    assert.equal(map('2024-01-02T03:04:05.123456789+00:00').time, 1704164645123456789n)
    assert.equal(map('2024-01-02T03:04:05.123Z').time, 1704164645123)
    assert.equal(map(1704164645123.5).time, 1704164645123.5)
    assert.equal(map(1704164645).time, 1704164645000)
    assert.equal(map(new Date(1704164645123)).time, 1704164645123)
    const custom = map('yesterday-ish')
    assert.equal(custom.time, 42, 'the time of log() when the timestamp cannot be parsed')
    assert.equal(custom.contents.timestamp, 'yesterday-ish', 'an unparsable timestamp stays a field')
  })

  test("a format.timestamp() format that does not say which number is the day stays a field, on every day of the month", () => {
    // 'DD-MM-YYYY HH:mm:ss' on 5 November: Date.parse read it as 11 May (SLS then refused the record
    // as outside its window); on the 23rd it did not parse at all. Now both are fields, and the
    // record time is the time of log().
    for (const stamp of ['05-11-2026 17:00:00', '23-11-2026 17:00:00']) {
      const { logger, mapped } = capture({ format: format.timestamp({ format: () => stamp }) })
      logger.info('stamped')
      const { time, contents } = mapped(4242)[0]
      assert.equal(time, 4242, stamp)
      assert.equal(contents.timestamp, stamp)
    }
    // 'YYYY-MM-DD HH:mm:ss' is unambiguous: the record time, in the machine's local time.
    const { logger, mapped } = capture({ format: format.timestamp({ format: 'YYYY-MM-DD HH:mm:ss' }) })
    const before = Date.now()
    logger.info('local')
    const { time, contents } = mapped(1)[0]
    assert.ok(typeof time === 'number' && time <= before && time > before - 2000, String(time))
    assert.equal('timestamp' in contents, false)
  })

  test('no timestamp: the time of log()', () => {
    const { logger, mapped } = capture()
    logger.info('plain')
    assert.equal(mapped(777)[0].time, 777)
  })

  test('an object logged on its own: its fields, no message', () => {
    const { logger, mapped } = capture()
    logger.info({ message: 'from object', a: 1 })
    logger.log({ level: 'info', message: 'literal', b: 2 } as winston.LogEntry)
    const [first, second] = mapped()
    assert.deepEqual(first.contents, { level: 'info', message: 'from object', a: '1' })
    assert.deepEqual(second.contents, { level: 'info', message: 'literal', b: '2' })
  })

  test('a throwing getter or toJSON never throws out of the mapping', () => {
    const level = Symbol.for('level')
    const nasty = { toJSON () { throw new Error('no') } }
    const getter = Object.defineProperty({}, 'x', { enumerable: true, get () { throw new Error('no') } })
    const record = mapInfo({ level: 'info', [level]: 'info', message: 'm', nasty, getter }, 1, { nested: 'json' })
    assert.equal(record.contents.nasty, '[Unserializable]')
    assert.equal(record.contents.getter, '{"x":"[Unserializable]"}')
  })

  test('a getter that throws on the info itself costs only its own field', () => {
    const level = Symbol.for('level')
    const info = Object.defineProperty({ level: 'info', [level]: 'info', message: 'kept', id: 1 }, 'bad', { enumerable: true, get () { throw new Error('no') } })
    assert.deepEqual(mapInfo(info, 1, { nested: 'json' }).contents, { level: 'info', message: 'kept', id: '1', bad: '[Unserializable]' })
    const error = Object.assign(new Error('boom'), { id: 3 })
    Object.defineProperty(error, 'x', { enumerable: true, get () { throw new Error('no') } })
    Object.defineProperty(error, 'level', { value: 'error', enumerable: true })
    const fromError = mapInfo(Object.assign(error, { [level]: 'error' }) as unknown as Record<string | symbol, unknown>, 1, { nested: 'json' }).contents
    assert.equal(fromError.message, 'boom')
    assert.equal(fromError.id, '3')
    assert.equal(fromError.x, '[Unserializable]')
    assert.match(fromError.error, /^\{"name":"Error","message":"boom","stack":"Error: boom\\n.*"id":3,.*"x":"\[Unserializable\]"/)
    const message = Object.defineProperty({ level: 'info', [level]: 'info', id: 2 }, 'message', { enumerable: true, get () { throw new Error('no') } })
    assert.deepEqual(mapInfo(message, 1, { nested: 'json' }).contents, { level: 'info', message: '[Unserializable]', id: '2' })
  })
})

for (const worker of [true, false]) {
  describe(`end to end through the emulator (${worker ? 'worker' : 'in-process'} mode)`, () => {
    let emulator: Emulator
    before(async () => { emulator = await startEmulator({}) })
    after(async () => { await emulator.close() })

    test('fields, level, errors and time arrive as mapped', async () => {
      const options = tlsOptions(emulator)
      const transport = new LogshipTransport({ ...options, worker } as never)
      const logger = winston.createLogger({
        level: 'debug',
        defaultMeta: { service: 'checkout' },
        // A redaction format, as users add: what it removes must not reach the service.
        format: format.combine(format((info) => { delete info.password; return info })(), format.timestamp(), format.colorize()),
        transports: [transport]
      })
      const child = logger.child({ requestId: 'r-42' })
      child.info('order placed', { orderId: 17, items: [{ sku: 'a' }], paid: true, password: 'hunter2' })
      logger.error(new TypeError('card declined'))
      // A child logger copies an Error's message and stack into a plain object (winston's child
      // write), so the class is gone; the stack still names it.
      child.error(new RangeError('child error'))
      child.debug('user %s', 'ann')
      logger.log({ level: 'warn', message: 'exact', timestamp: '2024-01-02T03:04:05.123456Z' } as winston.LogEntry)
      await new Promise<void>((resolve) => { logger.on('finish', resolve); logger.end() })

      const logs = logsOf(emulator, options.topicId)
      assert.equal(logs.length, 5)
      const byMessage = new Map(logs.map((entry) => [entry.fields.message, entry]))
      const placed = byMessage.get('order placed')!
      assert.deepEqual(placed.fields, {
        level: 'info', message: 'order placed', service: 'checkout', requestId: 'r-42', orderId: '17', items: '[{"sku":"a"}]', paid: 'true'
      })
      assert.ok(Math.abs(placed.log.time - Date.now()) < 60_000, 'TLS time is epoch ms near now')
      const declined = byMessage.get('card declined')!
      assert.equal(declined.fields.level, 'error')
      assert.equal((JSON.parse(declined.fields.error) as { name: string }).name, 'TypeError')
      const childError = byMessage.get('child error')!
      assert.equal(childError.fields.requestId, 'r-42')
      assert.match(childError.fields.stack, /^RangeError: child error\n/)
      assert.equal(byMessage.get('user %s')!.fields.splat, undefined, 'splat arguments nothing merged are not sent')
      const exact = byMessage.get('exact')!
      assert.equal(exact.log.time, 1704164645123)
      assert.equal(exact.log.timeNs, 456000, 'the sub-ms digits reach the wire')
    })

    test('only own keys are sent with Object.prototype polluted', async () => {
      const options = tlsOptions(emulator, { lingerMs: 60_000 })
      const transport = new LogshipTransport({ ...options, worker } as never)
      const logger = winston.createLogger({ defaultMeta: { service: 'checkout' }, transports: [transport] })
      let logged = 0
      transport.on('logged', () => { logged++ })
      const proto = Object.prototype as Record<string, unknown>
      proto.polluted = 'x'
      try {
        // String fields only (in worker mode the shape form), then a number (mapInfo in both modes).
        logger.info('strings', { orderId: 'o-17', user: 'ann' })
        logger.info('mixed', { orderId: 'o-18', count: 3 })
        // winston hands infos to the transport asynchronously: keep the pollution until log() ran.
        await waitFor(() => logged === 2, 10_000, 'log() of both records')
      } finally {
        delete proto.polluted
      }
      await new Promise<void>((resolve) => { logger.on('finish', resolve); logger.end() })
      const byMessage = Object.fromEntries(logsOf(emulator, options.topicId).map((entry) => [entry.fields.message, entry.fields]))
      assert.deepEqual(byMessage, {
        strings: { level: 'info', message: 'strings', service: 'checkout', orderId: 'o-17', user: 'ann' },
        mixed: { level: 'info', message: 'mixed', service: 'checkout', orderId: 'o-18', count: '3' }
      })
    })
  })
}
