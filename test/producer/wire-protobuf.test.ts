import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { bodySize, encodeBody, encodeGroupTrailer, LogEncoder, SLS_EMPTY_KEY, truncateUtf8, varintSize, writeVarint } from '../../packages/producer/src/wire/protobuf.js'
import { SlsLog, SlsLogGroup, TlsLog, TlsLogGroupList } from './wire-helpers.js'

const TLS_VECTOR = '0a3a0a240888b183c1cc31120d0a056c6576656c1204494e464f120c0a036d7367120568656c6c6f12093132372e302e302e3122076170702e6c6f67'
const SLS_VECTOR = '0a1e08f8b2939e0512160a07546573744b6579120b54657374436f6e74656e741a00220e31302e3233302e3230312e313137'

test('TLS §2.4 vector: 60-byte LogGroupList', () => {
  const enc = new LogEncoder('tls', 1024 * 1024)
  const entry = Buffer.from(enc.encode({ ms: 1704164645000, subMsNs: 0 }, { level: 'INFO', msg: 'hello' }))
  const trailer = encodeGroupTrailer('tls', { source: '127.0.0.1', filename: 'app.log', tags: [] })
  const body = encodeBody('tls', entry, trailer)
  assert.equal(body.toString('hex'), TLS_VECTOR)
  assert.equal(body.length, 60)
  assert.equal(bodySize('tls', entry.length, trailer.length), 60)
})

test('SLS §1.3 vector: 50-byte LogGroup with Topic always written', () => {
  const enc = new LogEncoder('sls', 1024 * 1024)
  const entry = Buffer.from(enc.encode({ ms: 1405409656 * 1000, subMsNs: 0 }, [['TestKey', 'TestContent']]))
  const trailer = encodeGroupTrailer('sls', { source: '10.230.201.117', topic: '', tags: [] })
  const body = encodeBody('sls', entry, trailer)
  assert.equal(body.toString('hex'), SLS_VECTOR)
  assert.equal(createHash('md5').update(body).digest('hex').toUpperCase(), '875264590688CA6171F6228AF5BBB3D2')
  assert.equal(bodySize('sls', entry.length, trailer.length), 50)
  // Wrapped in a LogGroupList it is the body of GO signature_v4_test.go.
  const list = Buffer.concat([Buffer.from('0a32', 'hex'), body])
  assert.equal(createHash('md5').update(list).digest('hex').toUpperCase(), '8D6881250FF5559F59BBDF04100F6E59')
})

/** The varint of `n` by the definition, in BigInt arithmetic. */
function referenceVarint (n: number): string {
  const bytes: number[] = []
  let v = BigInt(n)
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  bytes.push(Number(v))
  return Buffer.from(bytes).toString('hex')
}

test('varint helpers agree with the definition, at every power of two up to 2^53', () => {
  const values = [0, 1, 127, 128, 16383, 16384, 1704164645000, 1_795_355_988_615, 2 ** 53 - 1]
  for (let k = 1; k <= 53; k++) values.push(2 ** k - 1, 2 ** k, 2 ** k + 1, Math.floor((2 ** k) * 0.7))
  let x = 7
  for (let i = 0; i < 1000; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    values.push(Math.floor(x * 2 ** (i % 23)) + i)
  }
  for (const n of values.filter((v) => v <= 2 ** 53 - 1)) {
    const buf = Buffer.alloc(12)
    const end = writeVarint(buf, 0, n)
    assert.equal(end, varintSize(n), String(n))
    assert.equal(buf.subarray(0, end).toString('hex'), referenceVarint(n), String(n))
  }
})

// ---- equality with protobufjs on random records ----
// protobufjs writes any field present on the object, even a proto3 default; gogo omits defaults.
// So proto3 messages are built with default-valued fields left off, which is what Go marshals.
function proto3 (fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) if (v !== '' && v !== 0) out[k] = v
  return out
}
let seed = 12345
function rand (n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed % n
}
const ALPHABET = ['a', 'Z', '0', ' ', '"', '\n', 'é', 'ß', '中', '文', '😀', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff']
function randomString (asciiOnly = false): string {
  const kind = rand(10)
  const len = kind === 0 ? 0 : kind < 6 ? rand(30) : kind < 9 ? 100 + rand(300) : 16000 + rand(800)
  let s = ''
  const ascii = asciiOnly || rand(2) === 0
  for (let i = 0; i < len; i++) s += ascii ? String.fromCharCode(97 + rand(26)) : ALPHABET[rand(ALPHABET.length)]
  return s
}
function randomRecord (asciiOnly = false): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  const n = rand(8)
  for (let i = 0; i < n; i++) pairs.push([randomString(asciiOnly), randomString(asciiOnly)])
  return pairs
}

/** The entry protobufjs makes of a TLS Log (`0a <len> <Log>` without the prefix). */
function tlsExpected (pairs: ReadonlyArray<readonly [string, string]>, ms: number, subMsNs: number): string {
  const msg = proto3({ Time: ms, Contents: pairs.map(([Key, Value]) => proto3({ Key, Value })) })
  if (subMsNs !== 0) msg.TimeNs = subMsNs
  return Buffer.from(TlsLog.encode(TlsLog.fromObject(msg)).finish()).toString('hex')
}

function slsExpected (pairs: ReadonlyArray<readonly [string, string]>, ms: number, subMsNs: number): string {
  const ns = (ms % 1000) * 1e6 + subMsNs
  const msg: Record<string, unknown> = { Time: Math.floor(ms / 1000), Contents: pairs.map(([Key, Value]) => ({ Key: Key === '' ? SLS_EMPTY_KEY : Key, Value })) }
  if (ns !== 0) msg.TimeNs = ns
  return Buffer.from(SlsLog.encode(SlsLog.fromObject(msg)).finish()).toString('hex')
}

/** The Log inside an entry, as hex. */
function logHex (entry: Uint8Array): string {
  let i = 1
  while ((entry[i] & 0x80) !== 0) i++
  return Buffer.from(entry.subarray(i + 1)).toString('hex')
}

test('TLS: random records encode byte-identically to protobufjs (incl. unicode, ns)', () => {
  const enc = new LogEncoder('tls', 1024 * 1024)
  for (let i = 0; i < 300; i++) {
    const pairs = randomRecord()
    const ms = rand(4) === 0 ? 0 : 1_600_000_000_000 + rand(1e9)
    const subMsNs = rand(3) === 0 ? 0 : rand(1_000_000)
    const entry = Buffer.from(enc.encode({ ms, subMsNs }, pairs))
    const msg = proto3({ Time: ms, Contents: pairs.map(([Key, Value]) => proto3({ Key, Value })) })
    if (subMsNs !== 0) msg.TimeNs = subMsNs
    const expected = Buffer.from(TlsLog.encode(TlsLog.fromObject(msg)).finish())
    // entry = 0a <len> <Log>
    assert.equal(entry[0], 0x0a)
    assert.equal(entry.subarray(1 + varintSize(expected.length)).toString('hex'), expected.toString('hex'), `record ${i}`)
    // And it decodes back to the same strings.
    const trailer = encodeGroupTrailer('tls', { source: 's', filename: '', tags: [['k', 'v']] })
    const decoded = TlsLogGroupList.toObject(TlsLogGroupList.decode(encodeBody('tls', entry, trailer)), { longs: Number, defaults: true }) as any
    const log = decoded.LogGroups[0].Logs[0]
    assert.equal(log.Time, ms)
    assert.deepEqual(log.Contents.map((c: any) => [c.Key, c.Value]), pairs)
    assert.equal(log.TimeNs ?? 0, subMsNs)
    assert.equal(decoded.LogGroups[0].Source, 's')
  }
})

test('SLS: random records encode byte-identically to protobufjs (seconds + ns within the second)', () => {
  const enc = new LogEncoder('sls', 1024 * 1024)
  for (let i = 0; i < 300; i++) {
    const pairs = randomRecord()
    const ms = 1_600_000_000_000 + rand(1e9)
    const subMsNs = rand(3) === 0 ? 0 : rand(1_000_000)
    const entry = Buffer.from(enc.encode({ ms, subMsNs }, pairs))
    const ns = (ms % 1000) * 1e6 + subMsNs
    const msg: Record<string, unknown> = { Time: Math.floor(ms / 1000), Contents: pairs.map(([Key, Value]) => ({ Key, Value })) }
    if (ns !== 0) msg.TimeNs = ns
    const expected = Buffer.from(SlsLog.encode(SlsLog.fromObject(msg)).finish())
    assert.equal(entry.subarray(1 + varintSize(expected.length)).toString('hex'), expected.toString('hex'), `record ${i}`)
  }
})

test('ASCII records encode byte-identically to protobufjs, long and empty strings included (TLS and SLS)', () => {
  for (const flavor of ['tls', 'sls'] as const) {
    const enc = new LogEncoder(flavor, 1024 * 1024)
    const expected = flavor === 'tls' ? tlsExpected : slsExpected
    for (let i = 0; i < 300; i++) {
      const pairs = randomRecord(true)
      const ms = 1_600_000_000_000 + rand(1e9)
      const subMsNs = rand(3) === 0 ? 0 : rand(1_000_000)
      assert.equal(logHex(enc.encode({ ms, subMsNs }, pairs)), expected(pairs, ms, subMsNs), `${flavor} record ${i}`)
    }
  }
})

test('lengths around the one-byte varint limit (127/128) in keys, values and whole pairs', () => {
  const enc = new LogEncoder('tls', 1024 * 1024)
  for (const kl of [1, 60, 61, 62, 123, 124, 127, 128, 129]) {
    for (const vl of [0, 1, 59, 60, 61, 62, 63, 127, 128, 200, 16383, 16384]) {
      const pairs: Array<[string, string]> = [['k'.repeat(kl), 'v'.repeat(vl)], ['level', 'info']]
      assert.equal(logHex(enc.encode({ ms: 1, subMsNs: 0 }, pairs)), tlsExpected(pairs, 1, 0), `key ${kl}, value ${vl}`)
    }
  }
})

test('pairs of up to 123 characters (written with one-byte lengths up front) match protobufjs, non-ASCII anywhere included', () => {
  const texts = ['a', 'level', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(60), 'z'.repeat(118), 'z'.repeat(119), 'w'.repeat(122)]
  const spoil = (t: string, at: number, c: string): string => t.slice(0, at) + c + t.slice(at + 1)
  const variants = (t: string): string[] => [t, spoil(t, 0, 'é'), spoil(t, t.length - 1, '中'), spoil(t, t.length >> 1, '\ud800'), spoil(t, 0, '\u007f')]
  for (const flavor of ['tls', 'sls'] as const) {
    const enc = new LogEncoder(flavor, 1024 * 1024)
    const expected = flavor === 'tls' ? tlsExpected : slsExpected
    for (const key of texts.flatMap(variants)) {
      for (const value of texts.flatMap(variants)) {
        const pairs: Array<[string, string]> = [[key, value], ['msg', 'ok']]
        // A lone surrogate is sent as U+FFFD (see 'lone surrogates become U+FFFD').
        const wanted = expected(pairs.map(([k, v]) => [k.replace('\ud800', '\ufffd'), v.replace('\ud800', '\ufffd')]), 1_700_000_000_123, 5)
        const label = `${flavor}: key ${key.length} chars (${JSON.stringify(key.slice(0, 2))}…), value ${value.length} (${JSON.stringify(value.slice(0, 2))}…)`
        assert.equal(logHex(enc.encode({ ms: 1_700_000_000_123, subMsNs: 5 }, pairs)), wanted, `${label}, array contents`)
        if (key !== 'msg') assert.equal(logHex(enc.encode({ ms: 1_700_000_000_123, subMsNs: 5 }, Object.fromEntries(pairs))), wanted, `${label}, object contents`)
      }
    }
  }
})

test('group trailers match protobufjs (tags, empty strings)', () => {
  const tags: Array<[string, string]> = [['env', 'prod'], ['', 'x'], ['empty', '']]
  const enc = new LogEncoder('sls', 1 << 20)
  const entry = Buffer.from(enc.encode({ ms: 1_700_000_000_123, subMsNs: 5 }, { a: 'b' }))
  const sls = encodeBody('sls', entry, encodeGroupTrailer('sls', { source: '', topic: 'tp', tags }))
  const slsExpected = SlsLogGroup.encode(SlsLogGroup.fromObject({
    Logs: [{ Time: 1_700_000_000, Contents: [{ Key: 'a', Value: 'b' }], TimeNs: 123_000_005 }],
    Topic: 'tp',
    Source: '',
    LogTags: tags.map(([Key, Value]) => ({ Key, Value }))
  })).finish()
  assert.equal(sls.toString('hex'), Buffer.from(slsExpected).toString('hex'))

  const tenc = new LogEncoder('tls', 1 << 20)
  const tentry = Buffer.from(tenc.encode({ ms: 1_700_000_000_123, subMsNs: 5 }, { a: 'b', '': '' }))
  const tls = encodeBody('tls', tentry, encodeGroupTrailer('tls', { source: '', filename: 'f.log', tags }))
  const tlsExpected = TlsLogGroupList.encode(TlsLogGroupList.fromObject({
    LogGroups: [{
      Logs: [{ Time: 1_700_000_000_123, Contents: [{ Key: 'a', Value: 'b' }, {}], TimeNs: 5 }],
      LogTags: tags.map(([Key, Value]) => proto3({ Key, Value })),
      FileName: 'f.log'
    }]
  })).finish()
  assert.equal(tls.toString('hex'), Buffer.from(tlsExpected).toString('hex'))
})

test('TimeNs is omitted when zero and TLS Time 0 is omitted (proto3 default)', () => {
  const tls = new LogEncoder('tls', 1 << 20)
  assert.equal(Buffer.from(tls.encode({ ms: 0, subMsNs: 0 }, {})).toString('hex'), '0a00')
  const sls = new LogEncoder('sls', 1 << 20)
  assert.equal(Buffer.from(sls.encode({ ms: 0, subMsNs: 0 }, {})).toString('hex'), '0a020800')
  assert.equal(Buffer.from(sls.encode({ ms: 1000, subMsNs: 0 }, {})).toString('hex'), '0a020801')
  assert.equal(Buffer.from(sls.encode({ ms: 1001, subMsNs: 1 }, {})).toString('hex'), '0a0708012541420f00')
})

test('non-string values go through the contents rules; undefined is left out', () => {
  const enc = new LogEncoder('tls', 1 << 20)
  const entry = Buffer.from(enc.encode({ ms: 1, subMsNs: 0 }, { n: 1.5, b: true, u: undefined, z: null, o: { x: [1] } }))
  const log = TlsLog.decode(entry.subarray(2)) as any
  assert.deepEqual(log.Contents.map((c: any) => [c.Key, c.Value]), [['n', '1.5'], ['b', 'true'], ['z', 'null'], ['o', '{"x":[1]}']])
})

test('lone surrogates become U+FFFD', () => {
  const enc = new LogEncoder('tls', 1 << 20)
  const entry = Buffer.from(enc.encode({ ms: 1, subMsNs: 0 }, { k: 'a\ud800b' }))
  assert.ok(entry.includes(Buffer.from('61efbfbd62', 'hex')))
  const long = 'x'.repeat(40) + '\udc00'
  const entry2 = Buffer.from(enc.encode({ ms: 1, subMsNs: 0 }, { k: long }))
  assert.ok(entry2.includes(Buffer.from('efbfbd', 'hex')))
  assert.equal((TlsLog.decode(entry2.subarray(2)) as any).Contents[0].Value, 'x'.repeat(40) + '\ufffd')
})

test('the returned view is reused: scratch grows for big logs and stays correct', () => {
  const enc = new LogEncoder('tls', 1 << 20, 16)
  const big = 'é'.repeat(50_000)
  const a = Buffer.from(enc.encode({ ms: 5, subMsNs: 0 }, { big }))
  const log = TlsLog.decode(a.subarray(1 + varintSize(a.length - 4))) as any
  assert.equal(log.Contents[0].Value, big)
})

test('oversized values are truncated on a UTF-8 boundary with a marker and counted', () => {
  const limit = 300
  const enc = new LogEncoder('tls', limit)
  const value = '€'.repeat(400) // 1200 bytes
  const entry = Buffer.from(enc.encode({ ms: 1, subMsNs: 0 }, { small: 'ok', big: value }))
  assert.ok(entry.length <= limit, `entry ${entry.length} > ${limit}`)
  assert.equal(enc.truncated, 1)
  const log = TlsLog.decode(entry.subarray(1 + varintSize(entry.length - 3))) as any
  const big = log.Contents[1].Value as string
  assert.match(big, /^€+…\[truncated \d+ bytes\]$/)
  assert.ok(!big.includes('\ufffd'))
  const removed = Number(/truncated (\d+) bytes/.exec(big)![1])
  assert.equal(Buffer.byteLength(big.slice(0, big.indexOf('…'))) + removed, 1200)
  assert.equal(log.Contents[0].Value, 'ok')
  // The encoder still works normally afterwards.
  const ok = Buffer.from(enc.encode({ ms: 1, subMsNs: 0 }, { a: 'b' }))
  assert.equal(ok.toString('hex'), '0a0a080112060a0161120162')
})

test('many values over the limit: largest cut first; SLS too', () => {
  const enc = new LogEncoder('sls', 1000)
  const entry = Buffer.from(enc.encode({ ms: 1000, subMsNs: 0 }, { a: 'x'.repeat(900), b: 'y'.repeat(600), c: 'short' }))
  assert.ok(entry.length <= 1000)
  const log = SlsLog.decode(entry.subarray(1 + varintSize(entry.length - 3))) as any
  assert.equal(log.Contents[2].Value, 'short')
  assert.ok(enc.truncated >= 1)
})

test('truncateUtf8 never splits a character and never grows', () => {
  const bytes = Buffer.from('😀'.repeat(100))
  for (let max = 0; max < 400; max += 7) {
    const cut = truncateUtf8(bytes, max)
    if (cut === undefined) continue
    assert.ok(cut.length <= Math.max(max, cut.length) && cut.length < bytes.length)
    assert.ok(!cut.toString().includes('\ufffd'))
  }
})

test('a throwing getter in contents does not throw out of encode', () => {
  const enc = new LogEncoder('tls', 1 << 20)
  const rec = { a: 'x', get bad (): string { throw new Error('nope') } }
  const entry = Buffer.from(enc.encode({ ms: 1, subMsNs: 0 }, rec))
  const log = TlsLog.decode(entry.subarray(2)) as any
  assert.deepEqual(log.Contents.map((c: any) => [c.Key, c.Value]), [['a', 'x'], ['bad', '[Unserializable]']])
})

/** The Log inside an encoded entry (`0a <varint length> <Log>`) as [key, value] pairs. */
function pairsOf (flavor: 'tls' | 'sls', entry: Buffer): Array<[string, string]> {
  let p = 1
  while ((entry[p] & 0x80) !== 0) p++
  const log = (flavor === 'tls' ? TlsLog : SlsLog).decode(entry.subarray(p + 1)) as any
  return log.Contents.map((c: any) => [c.Key, c.Value])
}

test('only own enumerable keys are sent, with Object.prototype polluted or an enumerable key on the record\'s prototype (TLS and SLS, fast and slow path)', () => {
  for (const flavor of ['tls', 'sls'] as const) {
    const enc = new LogEncoder(flavor, 300)
    const time = { ms: 1000, subMsNs: 0 }
    const big = 'x'.repeat(400) // over maxLogBytes: the slow (truncating) path
    class Tagged { level = 'info'; msg = 'class' }
    Object.assign(Tagged.prototype, { inherited: 'from the class' })
    const entries: Record<string, Buffer> = {}
    const proto = Object.prototype as Record<string, unknown>
    proto.polluted = 'x'
    try {
      entries.fast = Buffer.from(enc.encode(time, { level: 'info', msg: 'hi' }))
      entries.slow = Buffer.from(enc.encode(time, { level: 'info', msg: big }))
      entries.shadowed = Buffer.from(enc.encode(time, { polluted: 'own', msg: 'hi' }))
      entries.nullProto = Buffer.from(enc.encode(time, Object.assign(Object.create(null) as object, { level: 'info', msg: 'bare' })))
    } finally {
      delete proto.polluted
    }
    entries.classFast = Buffer.from(enc.encode(time, new Tagged() as never))
    entries.classSlow = Buffer.from(enc.encode(time, Object.assign(new Tagged(), { msg: big }) as never))
    assert.deepEqual(pairsOf(flavor, entries.fast), [['level', 'info'], ['msg', 'hi']], flavor)
    assert.deepEqual(pairsOf(flavor, entries.slow).map(([k]) => k), ['level', 'msg'], flavor)
    assert.deepEqual(pairsOf(flavor, entries.shadowed), [['polluted', 'own'], ['msg', 'hi']], flavor)
    assert.deepEqual(pairsOf(flavor, entries.nullProto), [['level', 'info'], ['msg', 'bare']], flavor)
    assert.deepEqual(pairsOf(flavor, entries.classFast), [['level', 'info'], ['msg', 'class']], flavor)
    assert.deepEqual(pairsOf(flavor, entries.classSlow).map(([k]) => k), ['level', 'msg'], flavor)
    assert.equal(enc.truncated, 2, `${flavor}: the two big records went through the slow path`)
    // Back to normal: the fast path is used again for plain records.
    assert.deepEqual(pairsOf(flavor, Buffer.from(enc.encode(time, { a: 'b' }))), [['a', 'b']])
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})
