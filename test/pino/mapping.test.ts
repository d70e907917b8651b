/** Unit tests of the pure parts: time parsing, line mapping, options, line splitting, CLI flags. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { parseTime } from '../../packages/pino/src/time.js'
import { mapContents } from '@logship/producer'
import { createMapper, levelLabels, PINO_LEVELS, type MappingSettings } from '../../packages/pino/src/mapping.js'
import { createScanner } from '../../packages/pino/src/line-scanner.js'
import { resolveMapping, splitOptions } from '../../packages/pino/src/options.js'
import { LineStream } from '../../packages/pino/src/line-reader.js'
import { envName, kebab, parseCli } from '../../packages/pino/src/cli-args.js'

const settings = (extra: Partial<MappingSettings> = {}): MappingSettings => ({ ...resolveMapping({}, undefined), ...extra })

describe('parseTime', () => {
  it('reads epoch ms, keeping a fraction', () => {
    assert.equal(parseTime(1715000000123), 1715000000123)
    assert.equal(parseTime(1715000000123.5), 1715000000123.5)
  })
  it('reads epoch seconds below 1e11', () => {
    assert.equal(parseTime(1715000000), 1715000000000)
    assert.equal(parseTime(0), 0)
    assert.equal(parseTime(1715000000.25), 1715000000250000000n)
  })
  it('reads µs and ns by magnitude', () => {
    assert.equal(parseTime(1715000000123456), 1715000000123456000n)
    assert.equal(parseTime(1.715e18), 1715000000000000000n)
  })
  it('reads ISO 8601 with ms and with ns', () => {
    assert.equal(parseTime('2024-05-06T07:08:09Z'), Date.UTC(2024, 4, 6, 7, 8, 9))
    assert.equal(parseTime('2024-05-06T07:08:09.123Z'), Date.UTC(2024, 4, 6, 7, 8, 9, 123))
    assert.equal(parseTime('2024-05-06T07:08:09.5Z'), Date.UTC(2024, 4, 6, 7, 8, 9, 500))
    assert.equal(parseTime('2024-05-06T07:08:09.123456789Z'), BigInt(Date.UTC(2024, 4, 6, 7, 8, 9, 123)) * 1_000_000n + 456789n)
    assert.equal(parseTime('2024-05-06T07:08:09.123456Z'), BigInt(Date.UTC(2024, 4, 6, 7, 8, 9, 123)) * 1_000_000n + 456000n)
  })
  it('honours zone offsets in any spelling', () => {
    const utc = Date.UTC(2024, 4, 6, 7, 8, 9)
    assert.equal(parseTime('2024-05-06T15:08:09+08:00'), utc)
    assert.equal(parseTime('2024-05-06T15:08:09+0800'), utc)
    assert.equal(parseTime('2024-05-06T15:08:09+08'), utc)
    assert.equal(parseTime('2024-05-06 07:08:09.000000001z'), BigInt(utc) * 1_000_000n + 1n)
  })
  it('reads numeric strings, long ones exactly', () => {
    assert.equal(parseTime('1715000000123'), 1715000000123)
    assert.equal(parseTime('1715000000'), 1715000000000)
    assert.equal(parseTime('1715000000123456789'), 1715000000123456789n)
  })
  it('accepts dates with a month name (RFC 2822, Date#toString)', () => {
    assert.equal(parseTime('Mon, 06 May 2024 07:08:09 GMT'), Date.UTC(2024, 4, 6, 7, 8, 9))
    assert.equal(parseTime(new Date(Date.UTC(2024, 4, 6, 7, 8, 9)).toString()), Date.UTC(2024, 4, 6, 7, 8, 9))
  })
  it('returns undefined for what is not a time, and for dates that do not say which number is the day', () => {
    // Date.parse read 'build 7' as 2001-07-01 and '05/11/2026 17:00:00' as May 11.
    for (const v of [undefined, null, -1, NaN, Infinity, 'yesterday', 'build 7', '05/11/2026 17:00:00', '05-11-2026', '', {}, true]) {
      assert.equal(parseTime(v), undefined, String(v))
    }
  })
})

describe('createMapper', () => {
  const map = createMapper(settings())

  it('keeps every field in order, level as label, time as record time', () => {
    const r = map('{"level":30,"time":1715000000123,"pid":42,"hostname":"h","msg":"hi","a":true,"b":null,"c":1.5}')
    assert.equal(r.time, 1715000000123)
    assert.deepEqual(r.contents, [['level', 'info'], ['pid', '42'], ['hostname', 'h'], ['msg', 'hi'], ['a', 'true'], ['b', 'null'], ['c', '1.5']])
  })
  it('maps every default level and leaves unknown numbers and strings alone', () => {
    for (const [label, n] of Object.entries(PINO_LEVELS)) assert.deepEqual(map(`{"level":${n}}`).contents, [['level', label]])
    assert.deepEqual(map('{"level":33}').contents, [['level', '33']])
    assert.deepEqual(map('{"level":"WARN"}').contents, [['level', 'WARN']])
  })
  it('maps custom levels', () => {
    const custom = createMapper(settings({ labels: levelLabels(PINO_LEVELS, { audit: 35 }) }))
    assert.deepEqual(custom('{"level":35}').contents, [['level', 'audit']])
  })
  it('expands err into dotted keys', () => {
    const r = map('{"level":50,"err":{"type":"TypeError","message":"boom","stack":"TypeError: boom\\n    at x","code":"E1"},"msg":"boom"}')
    assert.deepEqual(r.contents, [
      ['level', 'error'], ['err.type', 'TypeError'], ['err.message', 'boom'], ['err.stack', 'TypeError: boom\n    at x'], ['err.code', 'E1'], ['msg', 'boom']
    ])
  })
  it('keeps nested objects for the shared rules (JSON), or flattens them', () => {
    assert.deepEqual(map('{"user":{"id":1,"tags":["a"]}}').contents, [['user', '{"id":1,"tags":["a"]}']])
    const flat = createMapper(settings({ nested: 'flatten' }))
    assert.deepEqual(flat('{"user":{"id":1,"tags":["a"]},"n":2}').contents, [['user.id', '1'], ['user.tags.0', 'a'], ['n', '2']])
  })
  it('keeps a time it cannot read as a field', () => {
    const r = map('{"time":"soon","msg":"x"}')
    assert.equal(r.time, undefined)
    assert.deepEqual(r.contents, [['time', 'soon'], ['msg', 'x']])
  })
  it('ships a line that is not a JSON object as the message', () => {
    assert.deepEqual(map('plain text'), { time: undefined, contents: [['msg', 'plain text']] })
    assert.deepEqual(map('{broken'), { time: undefined, contents: [['msg', '{broken']] })
    assert.deepEqual(map('[1,2]'), { time: undefined, contents: [['msg', '[1,2]']] })
    assert.deepEqual(map('  {"msg":"padded"}').contents, [['msg', 'padded']])
    const custom = createMapper(settings({ messageKey: 'message' }))
    assert.deepEqual(custom('oops').contents, [['message', 'oops']])
  })
  it('honours custom keys', () => {
    const custom = createMapper(settings({ levelKey: 'severity', timeKey: 'ts', errorKey: 'error' }))
    const r = custom('{"severity":40,"ts":"2024-05-06T07:08:09Z","error":{"message":"m"},"level":30,"time":1}')
    assert.equal(r.time, Date.UTC(2024, 4, 6, 7, 8, 9))
    assert.deepEqual(r.contents, [['severity', 'warn'], ['error.message', 'm'], ['level', '30'], ['time', '1']])
  })
  it('keeps the first position and the last value of a repeated key, like JSON.parse', () => {
    assert.deepEqual(map('{"a":1,"b":2,"a":"x"}').contents, [['a', 'x'], ['b', '2']])
  })
  it('a second time key (a field the application logged as time) is an ordinary field; pino\'s own time stays the record time', () => {
    const r = map('{"level":30,"time":1715000000123,"pid":42,"time":250,"msg":"request took 250 ms"}')
    assert.equal(r.time, 1715000000123)
    assert.deepEqual(r.contents, [['level', 'info'], ['pid', '42'], ['time', '250'], ['msg', 'request took 250 ms']])
    // The same line again takes the remembered shape: the same answer.
    const again = map('{"level":30,"time":1715000000999,"pid":42,"time":1.5,"msg":"again"}')
    assert.equal(again.time, 1715000000999)
    assert.deepEqual(again.contents, [['level', 'info'], ['pid', '42'], ['time', '1.5'], ['msg', 'again']])
    // A line with only the application's time key at that place still reads its first time key as the time.
    assert.equal(map('{"level":30,"pid":42,"hostname":"h","time":1715000000123,"msg":"x"}').time, 1715000000123)
  })
  it('keeps integers beyond 2^53 exactly', () => {
    assert.deepEqual(map('{"id":12345678901234567890}').contents, [['id', '12345678901234567890']])
  })
  it('keeps integers beyond 2^53 exactly on the JSON.parse routes too: a line the scanner declines, an err property, flatten', () => {
    // Before, these went through JSON.parse: 12345678901234567890 arrived as 12345678901234567000.
    const texts = (line: string, extra: Partial<MappingSettings> = {}): Array<[string, string | undefined]> =>
      mapContents(createMapper(settings(extra))(line).contents) as Array<[string, string | undefined]>
    // A key with a quote (declined by the scanner), and spaces (JSON not written by pino: the CLI).
    assert.deepEqual(texts('{"level":30,"orderId":12345678901234567890,"user\\"name":"bob","msg":"m"}'),
      [['level', 'info'], ['orderId', '12345678901234567890'], ['user"name', 'bob'], ['msg', 'm']])
    assert.deepEqual(texts('{"level": 30, "time": 1795456000123456789, "user_id": 1234567890123456789, "msg": "python-style"}'),
      [['level', 'info'], ['user_id', '1234567890123456789'], ['msg', 'python-style']])
    assert.equal(createMapper(settings())('{"level": 30, "time": 1795456000123456789, "msg": "m"}').time, 1795456000123456789n)
    // Inside err (expanded by both paths).
    assert.deepEqual(texts('{"level":50,"err":{"type":"Error","message":"boom","requestId":12345678901234567890},"msg":"m"}'),
      [['level', 'error'], ['err.type', 'Error'], ['err.message', 'boom'], ['err.requestId', '12345678901234567890'], ['msg', 'm']])
    // Nested, flattened.
    assert.deepEqual(texts('{"level":30,"nested":{"id":12345678901234567890},"msg":"m"}', { nested: 'flatten' }),
      [['level', 'info'], ['nested.id', '12345678901234567890'], ['msg', 'm']])
  })
  it('reads a time in ns or µs beyond 2^53 to the last digit', () => {
    // Read through Number() before: 1795456000123456789 became ...123456768 (20 ns off).
    assert.equal(map('{"level":30,"time":1795456000123456789,"msg":"ns"}').time, 1795456000123456789n)
    assert.equal(map('{"level":30,"time":1795456000123456,"msg":"us"}').time, 1795456000123456000n)
    // Up to 15 digits (ms) it is read as before, without a string.
    assert.equal(map('{"level":30,"time":1795456000123,"msg":"ms"}').time, 1795456000123)
  })
})

describe('fast path equals the JSON.parse path', () => {
  const lines = [
    '{"level":30,"time":1715000000123,"pid":42,"hostname":"h","msg":"hi"}',
    '{"level":50,"time":1715000000123,"err":{"type":"Error","message":"a \\"quoted\\" \\u00e9 thing","stack":"Error: x\\n    at y (z.js:1:2)","aggregateErrors":[{"a":1}]},"msg":"x"}',
    '{"msg":"tab\\there","path":"C:\\\\dir","nested":{"s":"}{][\\"","n":[1,2,{"x":null}]},"t":true,"f":false,"z":null}',
    '{"level":"warn","time":"2024-05-06T07:08:09.123456789Z","neg":-1.5e-7,"empty":{},"arr":[]}',
    '{"time":1715000000,"level":35,"unicode":"日本 🎉","obj":{"k":"v"}}',
    '{}',
    // Numbers as JSON.stringify writes them (the fast path keeps a number's text, see line-scanner.ts).
    '{"level":30,"time":0,"z":0,"f":0.5,"m":-0.01225,"e":1e+21,"s":-1.5e-7}',
    // A field named like an expanded error key is another field (the error's message stays).
    '{"level":50,"err":{"type":"Error","message":"boom"},"err.message":"while saving","err.message":"again","msg":"x"}',
    // The scanner declines these and the JSON.parse path decides:
    '{"a":1} trailing',
    '{"a":1,}',
    '{ "spaced": 1 }',
    '{"a":tru}',
    '{"a":"unterminated}',
    '{"a":{"b":1}',
    '{"esc\\"key":1}',
    // Numbers JSON does not allow, as the level, the time or a field:
    '{"level":030,"msg":"x"}',
    '{"time":1.,"msg":"x"}',
    '{"a":01}',
    '{"a":1-2}',
    '{"a":-}',
    '{"a":1.e5}',
    '{"a":1e}',
    '{"a":1e+}',
    '{"a":--1}',
    '{"a":1.2.3}'
  ]
  const accepted = 8
  it('the scanner takes the lines pino writes and declines the rest', () => {
    const scan = createScanner(settings())
    lines.forEach((line, i) => assert.equal(scan(line) !== undefined, i < accepted, line))
  })
  for (const nested of ['json', 'flatten'] as const) {
    it(`nested: ${nested}`, () => {
      const s = settings({ nested, labels: levelLabels(PINO_LEVELS, { audit: 35 }) })
      const fast = createMapper(s)
      const reference = createMapper(s, { fastPath: false })
      for (const line of lines) {
        const a = fast(line)
        const b = reference(line)
        assert.deepEqual(a.time, b.time, line)
        assert.deepEqual(mapContents(a.contents), mapContents(b.contents), line)
      }
    })
  }
})

describe('options', () => {
  it('splits mapping options from producer options and drops what pino adds', () => {
    const s = splitOptions({ service: 'tls', topicId: 't', nested: 'flatten', levelKey: 'lvl', pinoWillSendConfig: true, $context: {} })
    assert.deepEqual(s.mapping, { nested: 'flatten', levelKey: 'lvl' })
    assert.deepEqual(s.producer, { service: 'tls', topicId: 't', closeTimeoutMs: 8000 })
    assert.equal(s.closeTimeoutMs, 8000)
  })
  it('accepts undefined options (pino targets without options)', () => {
    assert.deepEqual(splitOptions(undefined).mapping, {})
  })
  it('rejects bad mapping options naming the option', () => {
    assert.throws(() => splitOptions({ nested: 'deep' }), /invalid option nested: "deep"; expected 'json' or 'flatten'/)
    assert.throws(() => splitOptions({ levelKey: '' }), /invalid option levelKey/)
    assert.throws(() => splitOptions({ customLevels: { audit: 'x' } }), /invalid option customLevels\.audit/)
    assert.throws(() => splitOptions({ closeTimeoutMs: -5 }), /invalid option closeTimeoutMs/)
    assert.throws(() => splitOptions('tls'), /invalid option options/)
  })
  it('resolves keys from options first, then pino config, then defaults', () => {
    const fromPino = resolveMapping({}, { messageKey: 'message', errorKey: 'error', levels: { values: { ...PINO_LEVELS, audit: 35 } } })
    assert.equal(fromPino.messageKey, 'message')
    assert.equal(fromPino.errorKey, 'error')
    assert.equal(fromPino.labels[35], 'audit')
    const fromOptions = resolveMapping({ messageKey: 'm', customLevels: { audit: 36 } }, { messageKey: 'message' })
    assert.equal(fromOptions.messageKey, 'm')
    assert.equal(fromOptions.labels[36], 'audit')
    assert.equal(fromOptions.labels[30], 'info')
  })
})

describe('LineStream', () => {
  function collect (): { stream: LineStream, lines: string[], closed: Array<Error | null> } {
    const lines: string[] = []
    const closed: Array<Error | null> = []
    const stream = new LineStream({
      line: (text) => { lines.push(text) },
      flush: async () => {},
      close: async (err) => { closed.push(err) }
    })
    return { stream, lines, closed }
  }

  it('splits chunks at any boundary, strips CR, skips empty lines, keeps a final partial line', async () => {
    const { stream, lines, closed } = collect()
    stream.write('{"a":1}\n{"b"')
    stream.write(':2}\r\n\n\nx')
    stream.write('y')
    stream.write('z\nlast')
    await new Promise<void>((resolve) => stream.end(resolve))
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}', 'xyz', 'last'])
    assert.deepEqual(closed, [null])
  })
  it('decodes Buffers with multi-byte characters split across chunks', async () => {
    const { stream, lines } = collect()
    const bytes = Buffer.from('{"m":"日本"}\n')
    stream.write(bytes.subarray(0, 7))
    stream.write(bytes.subarray(7))
    await new Promise<void>((resolve) => stream.end(resolve))
    assert.deepEqual(lines, ['{"m":"日本"}'])
  })
  it('write() returns true for a large chunk, so the worker loop never waits', () => {
    const { stream } = collect()
    assert.equal(stream.write('{"a":1}\n'.repeat(500_000)), true)
    stream.destroy()
  })
  it('flush() resolves without a callback and calls back with one', async () => {
    const { stream } = collect()
    await stream.flush()
    await new Promise<void>((resolve, reject) => stream.flush((err) => err ? reject(err) : resolve()))
    stream.destroy()
  })
})

describe('CLI flags', () => {
  it('names flags and env vars from option names', () => {
    assert.equal(kebab('topicId'), 'topic-id')
    assert.equal(envName('totalSizeInBytes'), 'LOGSHIP_TOTAL_SIZE_IN_BYTES')
  })
  it('reads flags over env vars, with types', () => {
    const c = parseCli(['--service', 'tls', '--topic-id', 't1', '--linger-ms', '250', '--no-retry-status-codes', '400,404',
      '--custom-levels', 'audit=35', '--tag', 'env=prod', '--tag', 'app=x', '--tee'],
    { LOGSHIP_TOPIC_ID: 'ignored', LOGSHIP_REGION: 'cn-beijing', LOGSHIP_ADJUST_SHARD_HASH: 'false' })
    assert.deepEqual(c.options, {
      service: 'tls',
      region: 'cn-beijing',
      topicId: 't1',
      adjustShardHash: false,
      lingerMs: 250,
      noRetryStatusCodes: [400, 404],
      customLevels: { audit: 35 },
      tags: { env: 'prod', app: 'x' }
    })
    assert.equal(c.tee, true)
  })
  it('sets the producer\'s name, diagnostics level and CA through flags of their own', () => {
    const pem = fileURLToPath(new URL('../fixtures/wire-selfsigned-cert.pem', import.meta.url))
    const c = parseCli(['--service', 'tls', '--name', 'shipper', '--diagnostics-level', 'off', '--ca-file', pem], {})
    assert.deepEqual({ ...c.options, ca: undefined }, { service: 'tls', name: 'shipper', diagnostics: { level: 'off' }, ca: undefined })
    assert.deepEqual(c.options.ca, readFileSync(pem))
    assert.deepEqual(parseCli([], { LOGSHIP_DIAGNOSTICS_LEVEL: 'error' }).options, { diagnostics: { level: 'error' } })
    assert.throws(() => parseCli(['--diagnostics-level', 'loud'], {}), /invalid option diagnosticsLevel: "loud"; expected debug, info, warn, error, off/)
    assert.throws(() => parseCli(['--ca-file', pem + '.missing'], {}), /invalid option caFile: .*expected a readable file \(ENOENT\)/)
  })
  it('rejects unknown flags and bad values', () => {
    assert.throws(() => parseCli(['--nope'], {}), /invalid arguments: unknown option '--nope' \(argument 1\)$/)
    assert.throws(() => parseCli(['--linger-ms', 'soon'], {}), /invalid option lingerMs: "soon"/)
    assert.throws(() => parseCli(['--tag', 'novalue'], {}), /invalid option tag/)
    // Text Number() would take: blank (0), hex, exponents.
    for (const raw of [' ', '0x10', '1e3', '12.5']) assert.throws(() => parseCli(['--linger-ms', raw], {}), /invalid option lingerMs: .*expected an integer/)
    for (const raw of ['audit=', 'audit=35=1', '=35', 'audit', 'audit=3.5']) {
      assert.throws(() => parseCli(['--custom-levels', raw], {}), /invalid option customLevels: .*expected label=number pairs/, raw)
    }
    for (const raw of ['40', '4000', '404.0', 'x']) assert.throws(() => parseCli(['--no-retry-status-codes', raw], {}), /expected comma-separated HTTP status codes/, raw)
    // A bad value from the environment names its variable.
    assert.throws(() => parseCli([], { LOGSHIP_LINGER_MS: 'soon' }), /invalid option lingerMs \(from LOGSHIP_LINGER_MS\): "soon"/)
    assert.throws(() => parseCli([], { LOGSHIP_TAGS: 'env=prod,novalue' }), /invalid option tags \(from LOGSHIP_TAGS\): "novalue"; expected key=value/)
    assert.deepEqual(parseCli(['--linger-ms', ' 250 ', '--custom-levels', ' audit = 35 ,notice=-1'], {}).options, { lingerMs: 250, customLevels: { audit: 35, notice: -1 } })
    assert.throws(() => parseCli(['--tee=yes'], {}), /invalid arguments: --tee takes no value \(argument 1\)/)
    assert.throws(() => parseCli(['--service', 'tls', '--topic-id'], {}), /invalid arguments: --topic-id needs a value \(argument 3\)/)
  })
  it('never repeats an argument that may be a secret in its error', () => {
    const message = (argv: string[]): string => {
      try {
        parseCli(argv, {})
      } catch (err) {
        return (err as Error).message
      }
      throw new Error('parseCli accepted ' + argv.length + ' arguments')
    }
    // A stray argument: a value without its flag, or after `--flag=` and a space.
    const stray = message(['--service', 'tls', 'SECRETVAL'])
    assert.match(stray, /argument 3 is not a flag/)
    const afterEmpty = message(['--access-key-secret=', 'SECRETVAL'])
    assert.match(afterEmpty, /argument 2 is not a flag.*--access-key-secret= \(argument 1\) has an empty value/)
    // A value beginning with '-': say how to pass it, with a placeholder.
    const dashed = message(['--access-key-secret', '-SECRETVAL'])
    assert.match(dashed, /--access-key-secret=-XYZ/)
    // Tokens that parse as unknown options: only a flag-like name is repeated.
    const unknown = [message(['-SECRETVAL']), message(['--SECRETVAL=x']), message(['--help=SECRETVAL']), message(['-hSECRETVAL']), message(['--', 'SECRETVAL'])]
    for (const text of [stray, afterEmpty, dashed, ...unknown]) {
      assert.ok(!/SECRET|ECRETVAL/.test(text), text)
      assert.ok(!/ECRE|CRET|RETV/.test(text), text)
    }
    assert.match(unknown[0], /unknown option \(argument 1, not shown\)/)
  })
})
