/**
 * Hostile input, through the producer API (both services), real winston (worker and in-process)
 * and pino (in-process factory, pino's own serialization and raw lines). Each case is either mapped
 * by the documented rule (packages/producer/src/contents.ts; the adapters' mapping modules) or
 * dropped with a counted reason (a thrown InvalidRecordError from send(), an adapter 'drop' event
 * with reason 'invalid_record', the `truncated` counter). The logger and the process keep running,
 * and the other records of the same batch are delivered.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import winston from 'winston'
import logship from '@logship/pino'
import { createProducer, InvalidRecordError, type ContentsInput, type LogRecord } from '@logship/producer'
import { LogshipTransport } from '@logship/winston'
import { startEmulator, type Emulator, type StoredLog } from '../emulator/index.js'
import { field, options, SERVICES, stored, type Service } from '../reliability/helpers.js'

const MiB = 1024 * 1024
const TRUNCATED = /…\[truncated \d+ bytes\]$/

let em: Emulator
before(async () => { em = await startEmulator({}) })
after(async () => { await em.close() })

type Check = string | undefined | RegExp | ((value: string | undefined, service: Service) => void)

interface ValueCase {
  name: string
  /** A fresh value for `v` (some cases are consumed or mutated by logging). */
  value: () => unknown
  expect: Check
  /** Also counted in stats().truncated. */
  truncates?: boolean
}

function circular (): unknown { const a: Record<string, unknown> = { x: 1 }; a.self = a; return a }
function deep (levels: number): unknown { const root: Record<string, unknown> = {}; let o = root; for (let i = 0; i < levels; i++) { const n = {}; o.n = n; o = n } return root }
function manyKeys (n: number): unknown { const o: Record<string, number> = {}; for (let i = 0; i < n; i++) o[`k${i}`] = i; return o }
const throwingProxy = (): unknown => new Proxy({}, {
  get () { throw new Error('get trap') },
  ownKeys () { throw new Error('ownKeys trap') },
  getOwnPropertyDescriptor () { throw new Error('descriptor trap') },
  getPrototypeOf () { throw new Error('prototype trap') }
})

/** Values under the key `v`; every one of them must leave the rest of its record and batch intact. */
const VALUES: ValueCase[] = [
  { name: 'circular object', value: circular, expect: '{"x":1,"self":"[Circular]"}' },
  { name: 'circular array', value: () => { const a: unknown[] = [1]; a.push(a); return a }, expect: '[1,"[Circular]"]' },
  { name: 'BigInt', value: () => 10n ** 30n, expect: '1000000000000000000000000000000' },
  { name: 'BigInt nested', value: () => ({ n: 12345678901234567890n }), expect: '{"n":"12345678901234567890"}' },
  { name: 'Symbol value (left out)', value: () => Symbol('s'), expect: undefined },
  { name: 'Symbol keys (left out)', value: () => ({ a: 1, [Symbol('k')]: 2 }), expect: '{"a":1}' },
  { name: 'getter that throws', value: () => ({ ok: 1, get bad () { throw new Error('getter') } }), expect: '{"ok":1,"bad":"[Unserializable]"}' },
  { name: 'Proxy whose traps throw', value: throwingProxy, expect: '[Unserializable]' },
  { name: 'Proxy nested', value: () => ({ p: throwingProxy() }), expect: /^\{"p":"\[Unserializable\]"\}$|^\[Unserializable\]$/ },
  { name: 'toJSON that throws', value: () => ({ toJSON () { throw new Error('toJSON') } }), expect: '[Unserializable]' },
  { name: 'toJSON returning a string', value: () => ({ toJSON: () => 'custom' }), expect: 'custom' },
  { name: '10 MB string (cut to the per-log limit, counted)', value: () => 'x'.repeat(10 * MiB), expect: (v) => { assert.ok(v !== undefined && v.length < MiB && TRUNCATED.test(v)) }, truncates: true },
  { name: 'value over the per-log limit (1.5 MiB)', value: () => 'é'.repeat(0.75 * MiB), expect: (v) => { assert.ok(v !== undefined && Buffer.byteLength(v) < MiB && TRUNCATED.test(v)) }, truncates: true },
  { name: 'lone surrogates (sent as U+FFFD)', value: () => 'a\uD800b\uDC00c', expect: 'a\uFFFDb\uFFFDc' },
  { name: '10,000-deep nesting', value: () => deep(10_000), expect: (v) => { assert.ok(v !== undefined && v.startsWith('{"n":{"n":') && v.length > 1000) } },
  { name: '100,000 keys (cut to the per-log limit)', value: () => manyKeys(100_000), expect: (v) => { assert.ok(v !== undefined && v.startsWith('{"k0":0,"k1":1,') && TRUNCATED.test(v)) }, truncates: true },
  { name: 'Buffer (base64)', value: () => Buffer.from('hello'), expect: 'aGVsbG8=' },
  { name: 'Uint8Array (base64)', value: () => new Uint8Array([1, 2, 3]), expect: 'AQID' },
  { name: 'ArrayBuffer (base64)', value: () => new Uint8Array([255]).buffer, expect: '/w==' },
  { name: 'Float64Array with NaN', value: () => new Float64Array([1.5, NaN]), expect: '[1.5,null]' },
  { name: 'BigInt64Array', value: () => new BigInt64Array([1n, -2n]), expect: '["1","-2"]' },
  { name: 'Map', value: () => new Map<unknown, unknown>([['a', 1], [2, 'b']]), expect: '{"a":1,"2":"b"}' },
  { name: 'Set', value: () => new Set([1, 'a']), expect: '[1,"a"]' },
  { name: 'invalid Date', value: () => new Date(NaN), expect: 'Invalid Date' },
  { name: 'NaN', value: () => NaN, expect: 'NaN' },
  { name: 'Infinity', value: () => -Infinity, expect: '-Infinity' },
  { name: 'NaN and Infinity nested (JSON null)', value: () => ({ a: NaN, b: Infinity }), expect: '{"a":null,"b":null}' },
  { name: 'Error with a cause', value: () => new Error('outer', { cause: new TypeError('inner') }), expect: (v) => { const e = JSON.parse(v!); assert.equal(e.message, 'outer'); assert.equal(e.cause.name, 'TypeError') } },
  { name: 'function (left out)', value: () => () => 1, expect: undefined },
  { name: 'null', value: () => null, expect: 'null' },
  { name: 'object with __proto__, constructor and prototype keys', value: () => JSON.parse('{"__proto__":{"polluted":1},"constructor":"c","prototype":"p"}'), expect: '{"__proto__":{"polluted":1},"constructor":"c","prototype":"p"}' }
]

function check (c: ValueCase, value: string | undefined, service: Service): void {
  const e = c.expect
  if (typeof e === 'function') e(value, service)
  else if (e instanceof RegExp) assert.match(value ?? '', e)
  else assert.equal(value, e)
}

const revoked = (target: object): unknown => { const { proxy, revoke } = Proxy.revocable(target, {}); revoke(); return proxy }
const throwingGet = (target: object): unknown => new Proxy(target, { get () { throw new Error('get trap') } })
const throwingAt = (index: number, pair: unknown[]): unknown[] => Object.defineProperty(pair, index, { get () { throw new Error('getter') } })

/** Whole records the producer refuses: send() throws InvalidRecordError; the producer keeps going. */
const REFUSED: Array<{ name: string, record: () => unknown }> = [
  { name: 'record null', record: () => null },
  { name: 'record a string', record: () => 'text' },
  { name: 'contents null', record: () => ({ contents: null }) },
  { name: 'contents a number', record: () => ({ contents: 42 }) },
  { name: 'contents a Proxy whose traps throw', record: () => ({ contents: throwingProxy() }) },
  { name: 'contents a revoked Proxy', record: () => ({ contents: revoked({}) }) },
  { name: 'pairs: an array Proxy whose get trap throws', record: () => ({ contents: throwingGet([]) }) },
  { name: 'pairs: a revoked array Proxy', record: () => ({ contents: revoked([]) }) },
  { name: 'pairs: a pair that is a Proxy whose get trap throws', record: () => ({ contents: [['id', 'x'], throwingGet(['k', 'v'])] }) },
  { name: 'pairs: a pair that is a revoked Proxy', record: () => ({ contents: [['id', 'x'], revoked(['k', 'v'])] }) },
  { name: 'pairs: a pair whose read throws', record: () => ({ contents: throwingAt(1, [['id', 'x']]) }) },
  { name: 'pairs: a key without a prototype (String() throws)', record: () => ({ contents: [['id', 'x'], [Object.create(null), 'v']] }) },
  { name: 'pairs: a key whose toString throws', record: () => ({ contents: [['id', 'x'], [{ toString () { throw new Error('toString') } }, 'v']] }) },
  { name: 'pairs: a key whose getter throws', record: () => ({ contents: [['id', 'x'], throwingAt(0, [undefined, 'v'])] }) },
  { name: 'time NaN', record: () => ({ time: NaN, contents: { id: 'x' } }) },
  { name: 'time Infinity', record: () => ({ time: Infinity, contents: { id: 'x' } }) },
  { name: 'time negative', record: () => ({ time: -1, contents: { id: 'x' } }) },
  { name: 'time an invalid Date', record: () => ({ time: new Date(NaN), contents: { id: 'x' } }) },
  { name: 'time a string', record: () => ({ time: '2024-01-01', contents: { id: 'x' } }) },
  { name: 'time a negative bigint', record: () => ({ time: -1n, contents: { id: 'x' } }) },
  { name: 'time beyond 2106 (1e20 ms)', record: () => ({ time: 1e20, contents: { id: 'x' } }) },
  { name: 'time beyond 2106 (10^30 ns)', record: () => ({ time: 10n ** 30n, contents: { id: 'x' } }) },
  { name: 'the record\'s contents getter throws', record: () => ({ get contents (): never { throw new Error('contents getter') } }) },
  { name: 'the record\'s time getter throws', record: () => ({ get time (): never { throw new Error('time getter') }, contents: { id: 'x' } }) },
  { name: 'time a Date whose getTime throws', record: () => ({ time: Object.assign(new Date(), { getTime (): never { throw new Error('getTime') } }), contents: { id: 'x' } }) },
  { name: 'the record a Proxy whose traps throw', record: () => throwingProxy() }
]

async function viaProducer (service: Service, contents: ContentsInput | (() => unknown), refused = false): Promise<{ logs: StoredLog[], truncated: number, threw: unknown }> {
  const o = options(service, em.url)
  const producer = createProducer(o)
  producer.send({ contents: { id: 'before' } })
  let threw: unknown
  try {
    producer.send((typeof contents === 'function' ? contents() : { contents }) as LogRecord)
  } catch (error) {
    threw = error
  }
  if (!refused) assert.equal(threw, undefined, `send threw ${String(threw)}`)
  producer.send({ contents: { id: 'after' } })
  const summary = await producer.close()
  assert.equal(summary.failed, 0, 'no batch failed')
  const logs = stored(em, o)
  const ids = logs.map((l) => field(l, 'id'))
  assert.ok(ids.includes('before') && ids.includes('after'), 'the rest of the batch was delivered')
  return { logs, truncated: producer.stats().truncated, threw }
}

describe('producer API', () => {
  for (const c of VALUES) {
    it(`${c.name}`, async () => {
      for (const service of SERVICES) {
        const { logs, truncated } = await viaProducer(service, { id: 'case', v: c.value() })
        const log = logs.find((l) => field(l, 'id') === 'case')
        assert.ok(log, 'the record itself was delivered')
        check(c, field(log, 'v'), service)
        assert.equal(truncated > 0, c.truncates === true, 'truncation is counted')
      }
    })
  }

  it('empty key: kept on TLS, sent as _empty_key on SLS (which refuses a whole request for one empty key)', async () => {
    for (const service of SERVICES) {
      const { logs } = await viaProducer(service, { '': 'v', id: 'case' })
      const log = logs.find((l) => field(l, 'id') === 'case')!
      assert.deepEqual(log.contents[0], [service === 'tls' ? '' : '_empty_key', 'v'])
    }
  })

  it('__proto__ as a key, in an object and in pairs: an ordinary key; Object.prototype stays clean', async () => {
    for (const service of SERVICES) {
      for (const contents of [JSON.parse('{"__proto__":{"polluted":"yes"},"id":"case"}'), [['__proto__', { polluted: 'yes' }], ['constructor', 'c'], ['id', 'case']]]) {
        const { logs } = await viaProducer(service, contents)
        const log = logs.find((l) => field(l, 'id') === 'case')!
        assert.equal(field(log, '__proto__'), '{"polluted":"yes"}')
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('pairs with non-string keys: keys by String()', async () => {
    for (const service of SERVICES) {
      const { logs } = await viaProducer(service, [[42 as unknown as string, 'n'], ['id', 'case']])
      const log = logs.find((l) => field(l, 'id') === 'case')!
      assert.equal(field(log, '42'), 'n')
    }
  })

  it('pairs: a value whose getter or Proxy trap throws is [Unserializable], like a throwing getter in an object', async () => {
    for (const service of SERVICES) {
      const pairs = [['id', 'case'], throwingAt(1, ['getter']), new Proxy(['trap', 'v'], { get (t, k) { if (k === '1') throw new Error('get trap'); return Reflect.get(t, k) } })]
      const { logs } = await viaProducer(service, pairs as unknown as ContentsInput)
      const log = logs.find((l) => field(l, 'id') === 'case')!
      assert.equal(field(log, 'getter'), '[Unserializable]')
      assert.equal(field(log, 'trap'), '[Unserializable]')
    }
  })

  for (const c of REFUSED) {
    it(`refused: ${c.name} (send() throws InvalidRecordError, the rest is delivered)`, async () => {
      for (const service of SERVICES) {
        const { threw, logs } = await viaProducer(service, c.record, true)
        assert.ok(threw instanceof InvalidRecordError, String(threw))
        assert.equal((threw as InvalidRecordError).code, 'LOGSHIP_INVALID_RECORD')
        assert.equal(logs.length, 2)
      }
    })
  }

  it('refused by sendAsync() too: it rejects with InvalidRecordError for every refused record', async () => {
    const producer = createProducer(options('tls', em.url))
    for (const c of REFUSED) {
      await assert.rejects(producer.sendAsync(c.record() as LogRecord), (error: unknown) => {
        assert.ok(error instanceof InvalidRecordError, `${c.name}: ${String(error)}`)
        assert.equal(error.code, 'LOGSHIP_INVALID_RECORD')
        return true
      })
    }
    assert.equal((await producer.close()).failed, 0)
  })
})

/** Winston meta under `v`, for the cases winston itself lets through. */
const WINSTON_SKIP = new Set(['Proxy whose traps throw'])

for (const worker of [true, false]) {
  describe(`winston (${worker ? 'worker' : 'in-process'})`, () => {
    let logs: StoredLog[] = []
    const drops: Array<{ reason: string }> = []
    let truncated = 0
    before(async () => {
      const o = options('tls', em.url)
      const transport = new LogshipTransport({ ...o, worker } as never)
      transport.on('drop', (e: { reason: string }) => drops.push(e))
      // winston's default json format stringifies the info itself (and throws for a throwing getter,
      // before any transport sees it): a pass-through format shows what this transport does.
      const logger = winston.createLogger({ format: winston.format((info) => info)(), transports: [transport] })
      logger.info('before')
      for (const c of VALUES) if (!WINSTON_SKIP.has(c.name)) logger.info(c.name, { v: c.value() })
      logger.info('bad timestamp (kept as a field)', { timestamp: 'not a time' })
      logger.info('timestamp beyond 2106 (dropped, counted)', { timestamp: 1e20 })
      logger.info('unknown level', { level: 'weird' })
      logger.log('nonexistent-level', 'custom level name')
      logger.info('meta keys constructor and toString', { constructor: 'c', toString: 't' })
      logger.info(JSON.parse('{"__proto__":{"polluted":"yes"},"message":"proto meta"}'))
      logger.info(Object.defineProperty({ message: 'getter on the info', id: 1 }, 'bad', { enumerable: true, get () { throw new Error('getter') } }))
      logger.error(Object.defineProperty(Object.assign(new Error('getter on the error'), { id: 2 }), 'bad', { enumerable: true, get () { throw new Error('getter') } }))
      logger.info('after')
      await transport.close()
      truncated = transport.stats().truncated
      logs = stored(em, o)
    })
    const by = (message: string): StoredLog | undefined => logs.find((l) => field(l, 'message') === message)

    for (const c of VALUES) {
      if (WINSTON_SKIP.has(c.name)) continue
      it(`${c.name}`, () => {
        const log = by(c.name)
        assert.ok(log, 'delivered')
        check(c, field(log, 'v'), 'tls')
      })
    }
    it('the logger kept going: first and last records delivered; truncation counted', () => {
      assert.ok(by('before') && by('after'))
      assert.ok(truncated >= 3)
    })
    it('timestamps: unparseable kept as a field; beyond 2106 dropped with reason invalid_record', () => {
      assert.equal(field(by('bad timestamp (kept as a field)')!, 'timestamp'), 'not a time')
      assert.equal(by('timestamp beyond 2106 (dropped, counted)'), undefined)
      assert.equal(drops.filter((d) => d.reason === 'invalid_record').length, 1)
    })
    it('unknown level: winston itself refuses a level it does not know (before any transport); a level key in meta does not override the level', () => {
      assert.equal(by('custom level name'), undefined)
      assert.equal(field(by('unknown level')!, 'level'), 'info')
    })
    it('meta keys named constructor and toString are ordinary fields', () => {
      const log = by('meta keys constructor and toString')!
      assert.equal(field(log, 'constructor'), 'c')
      assert.equal(field(log, 'toString'), 't')
    })
    it('a getter that throws on the info, or on an Error logged as the info, costs only its own field', () => {
      const info = by('getter on the info')!
      assert.equal(field(info, 'id'), '1')
      assert.equal(field(info, 'bad'), '[Unserializable]')
      const error = by('getter on the error')!
      assert.equal(field(error, 'level'), 'error')
      assert.equal(field(error, 'id'), '2')
      assert.equal(field(error, 'bad'), '[Unserializable]')
      assert.match(field(error, 'error')!, /"message":"getter on the error".*"bad":"\[Unserializable\]"/)
    })
    it('a __proto__ key in the info arrives as an ordinary field; nothing is polluted', () => {
      const log = by('proto meta')!
      assert.equal(field(log, '__proto__'), '{"polluted":"yes"}')
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
    })
  })
}

describe('pino (in-process)', () => {
  let logs: StoredLog[] = []
  const drops: Array<{ reason: string }> = []
  let invalid = 0
  const LINES: Array<[string, string, (log: StoredLog | undefined) => void]> = [
    ['not JSON', 'plain text line', (l) => assert.equal(field(l!, 'msg'), 'plain text line')],
    ['a JSON array', '[1,2,3]', (l) => assert.equal(field(l!, 'msg'), '[1,2,3]')],
    ['a JSON string', '"just a string"', (l) => assert.equal(field(l!, 'msg'), '"just a string"')],
    ['JSON null', 'null', (l) => assert.equal(field(l!, 'msg'), 'null')],
    ['broken JSON', '{"msg":"broken', (l) => assert.equal(field(l!, 'msg'), '{"msg":"broken')],
    ['unknown level number', '{"level":99,"msg":"unknown level"}', (l) => assert.equal(field(l!, 'level'), '99')],
    ['level as a string', '{"level":"weird","msg":"string level"}', (l) => assert.equal(field(l!, 'level'), 'weird')],
    ['unparseable time (kept as a field)', '{"time":"garbage","msg":"bad time"}', (l) => assert.equal(field(l!, 'time'), 'garbage')],
    ['__proto__ key', '{"__proto__":{"polluted":"yes"},"msg":"proto line"}', (l) => assert.equal(field(l!, '__proto__'), '{"polluted":"yes"}')],
    ['constructor key', '{"constructor":{"prototype":{"polluted":"yes"}},"msg":"ctor line"}', (l) => assert.equal(field(l!, 'constructor'), '{"prototype":{"polluted":"yes"}}')],
    ['empty key', '{"":"empty","msg":"empty key line"}', (l) => assert.equal(l!.contents.find(([k]) => k === '')?.[1], 'empty')],
    ['escaped lone surrogate', '{"msg":"lone \\ud800 surrogate"}', (l) => assert.equal(field(l!, 'msg'), 'lone \uFFFD surrogate')],
    ['10,000-deep JSON', `{"msg":"deep line","d":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, (l) => assert.ok(field(l!, 'd')!.startsWith('[[[['))],
    ['10 MB line', `{"msg":"huge line","big":"${'y'.repeat(10 * MiB)}"}`, (l) => assert.match(field(l!, 'big')!, TRUNCATED)]
  ]
  before(async () => {
    const o = options('tls', em.url)
    const stream = await logship(o as never)
    stream.on('drop', (e: { reason: string }) => drops.push(e))
    const logger = pino(stream)
    logger.info('before')
    logger.info({ v: circular() }, 'pino circular')
    logger.info({ v: 10n }, 'pino bigint')
    logger.info({ v: Buffer.from('hi') }, 'pino buffer')
    logger.info({ v: new Map([['a', 1]]) }, 'pino map')
    logger.info({ v: 'a\uD800b' }, 'pino lone surrogate')
    logger.info({ v: NaN, w: Infinity }, 'pino NaN')
    logger.info({ v: JSON.parse('{"__proto__":{"polluted":"yes"}}') }, 'pino proto')
    for (const [, line] of LINES) stream.write(line + '\n')
    stream.write('{"time":1e20,"msg":"time beyond 2106"}\n')
    stream.write(Buffer.from([0x7b, 0x22, 0x6d, 0x73, 0x67, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a])) // {"msg":"<ff fe>"}
    logger.info('after')
    const summary = await stream.close()
    invalid = summary.invalid
    logs = stored(em, o)
  })
  const by = (msg: string): StoredLog | undefined => logs.find((l) => field(l, 'msg') === msg)

  for (const [name, line, verify] of LINES) {
    it(`${name}`, () => {
      const text = line.length > 200 ? undefined : line
      const log = logs.find((l) => l.contents.some(([k, v]) => k === 'msg' && (v === text || line.includes(`"msg":"${v}"`) || (line.includes('\\ud800') && v.startsWith('lone')))))
      assert.ok(log, `delivered: ${name}`)
      verify(log)
    })
  }
  it('pino\'s own serialization of hostile values arrives as mapped', () => {
    assert.deepEqual(JSON.parse(field(by('pino circular')!, 'v')!), { x: 1, self: '[Circular]' })
    assert.equal(field(by('pino bigint')!, 'v'), '10')
    assert.ok(by('pino buffer') && by('pino map') && by('pino NaN') && by('pino proto'))
    assert.equal(field(by('pino lone surrogate')!, 'v'), 'a\uFFFDb')
  })
  it('invalid UTF-8 bytes are replaced with U+FFFD', () => {
    assert.ok(logs.some((l) => field(l, 'msg') === '\uFFFD\uFFFD'))
  })
  it('a time beyond 2106 is dropped with reason invalid_record and counted; the stream kept going', () => {
    assert.equal(by('time beyond 2106'), undefined)
    assert.equal(invalid, 1)
    assert.deepEqual(drops.map((d) => d.reason), ['invalid_record'])
    assert.ok(by('before') && by('after'))
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })
})
