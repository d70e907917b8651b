// End to end: the real producer, real HTTP on loopback, the strict emulator. N records with unique
// ids, unicode and ns-precision times go in; exactly those N come out, with every LogGroup field.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createProducer, InvalidOptionError, InvalidRecordError, type ProducerOptions } from '@logship/producer'
import { startEmulator, type Emulator, type StoredLog } from '../emulator/index.js'

const AK = 'e2e-access-key'
const SK = 'e2e-secret-key'
const TOKEN = 'e2e-sts-token'
const TOPIC = '0fd2bd7e-1234-4f6a-9abc-0123456789ab'
const PROJECT = 'e2e-project'
const LOGSTORE = 'e2e-logstore'
/** An hour ago, with digits below the second: inside SLS's window of accepted times whenever the tests run. */
const BASE_NS = BigInt(Math.floor(Date.now() / 1000) - 3600) * 1_000_000_000n + 123_456_789n

let emulator: Emulator

before(async () => {
  emulator = await startEmulator({
    credentials: [
      { accessKeyId: AK, accessKeySecret: SK },
      { accessKeyId: 'sts-' + AK, accessKeySecret: SK, securityToken: TOKEN }
    ],
    tls: { topics: [TOPIC], region: 'cn-beijing' },
    sls: { projects: { [PROJECT]: [LOGSTORE] }, region: 'cn-hangzhou'} as never
  })
})
after(async () => { await emulator.close() })

function baseOptions (service: 'tls' | 'sls'): ProducerOptions {
  return service === 'tls'
    ? { service, endpoint: emulator.url, region: 'cn-beijing', accessKeyId: AK, accessKeySecret: SK, topicId: TOPIC, source: '10.0.0.7', filename: 'app.log', tags: { env: 'e2e', 'k8s.pod': 'pod-1' }, lingerMs: 100 }
    : { service, endpoint: emulator.url, region: 'cn-hangzhou', accessKeyId: AK, accessKeySecret: SK, project: PROJECT, logstore: LOGSTORE, topic: 'orders', source: '10.0.0.7', tags: { env: 'e2e', 'k8s.pod': 'pod-1' }, lingerMs: 100 }
}

/** Record i: a unique id, unicode, and a time with ns precision that differs per record. */
function record (i: number) {
  const ns = BASE_NS + BigInt(i) * 1_000_003n
  return {
    ns,
    record: {
      time: ns,
      contents: { id: `rec-${i}`, level: 'info', msg: `héllo wörld 日志 🚀 #${i}`, n: i, ok: i % 2 === 0, nested: { a: [i, 'x'] } }
    }
  }
}

function expectedTime (service: 'tls' | 'sls', ns: bigint): { time: number, timeNs: number } {
  return service === 'tls'
    ? { time: Number(ns / 1_000_000n), timeNs: Number(ns % 1_000_000n) }
    : { time: Number(ns / 1_000_000_000n), timeNs: Number(ns % 1_000_000_000n) }
}

async function shipAndCheck (options: ProducerOptions, count: number): Promise<StoredLog[]> {
  const service = options.service
  const since = Date.now() - 1
  const producer = createProducer(options)
  const sent = new Map<string, bigint>()
  for (let i = 0; i < count; i++) {
    const { ns, record: r } = record(i)
    sent.set(`rec-${i}`, ns)
    producer.send(r)
  }
  const summary = await producer.close()
  assert.equal(summary.delivered, count)
  assert.equal(summary.failed, 0)
  assert.equal(summary.pending, 0)

  const filter = service === 'tls' ? { service, topicId: TOPIC, since } : { service, project: PROJECT, logstore: LOGSTORE, since }
  const stored = emulator.logs(filter as never)
  assert.equal(stored.length, count, 'exactly N records arrive')
  const seen = new Set<string>()
  for (const log of stored) {
    const contents = Object.fromEntries(log.contents)
    const id = contents.id
    assert.ok(sent.has(id), `unexpected record ${id}`)
    assert.ok(!seen.has(id), `duplicate ${id}`)
    seen.add(id)
    const i = Number(id.slice(4))
    assert.deepEqual(log.contents, [
      ['id', id], ['level', 'info'], ['msg', `héllo wörld 日志 🚀 #${i}`], ['n', String(i)], ['ok', String(i % 2 === 0)], ['nested', `{"a":[${i},"x"]}`]
    ])
    const t = expectedTime(service, sent.get(id)!)
    assert.equal(log.time, t.time)
    assert.equal(log.timeNs ?? 0, t.timeNs)
    assert.equal(log.source, '10.0.0.7')
    assert.deepEqual(log.tags, [['env', 'e2e'], ['k8s.pod', 'pod-1']])
    if (service === 'tls') assert.equal(log.filename, 'app.log')
    else assert.equal(log.topic, 'orders')
  }
  assert.equal(seen.size, count)
  return stored
}

for (const service of ['tls', 'sls'] as const) {
  describe(`${service} end to end`, () => {
    for (const compression of ['lz4', 'deflate', 'none'] as const) {
      test(`${compression}: every record arrives once with contents, time and TimeNs, source and tags`, async () => {
        const stored = await shipAndCheck({ ...baseOptions(service), compression }, 2500)
        // What the emulator saw on the wire: SLS deflate is the zlib-wrapped form, as the official SDKs send it.
        const expected = { lz4: 'lz4', none: 'none', deflate: service === 'tls' ? 'zlib' : 'deflate-zlib' }[compression]
        assert.deepEqual(new Set(stored.map((log) => log.compression)), new Set([expected]))
      })
    }

    test('small batches: many requests, still exactly once', async () => {
      const since = Date.now() - 1
      await shipAndCheck({ ...baseOptions(service), maxBatchCount: 37, maxSenderCount: 4 }, 1000)
      const filter = service === 'tls' ? { service, topicId: TOPIC, since } : { service, project: PROJECT, since }
      assert.ok(emulator.requests(filter as never).length >= Math.ceil(1000 / 37))
    })

    test('STS credentials are signed and accepted', async () => {
      await shipAndCheck({ ...baseOptions(service), accessKeyId: 'sts-' + AK, securityToken: TOKEN }, 50)
    })

    test('a credentials provider supplies the keys', async () => {
      let calls = 0
      const provider = () => { calls++; return { accessKeyId: AK, accessKeySecret: SK } }
      await shipAndCheck({ ...baseOptions(service), accessKeyId: provider }, 50)
      assert.ok(calls >= 1)
    })

    test('hash key routing reaches the wire', async () => {
      const since = Date.now() - 1
      const hashKey = '80000000000000000000000000000000'
      const producer = createProducer({ ...baseOptions(service), hashKey })
      producer.send({ contents: { id: 'hashed' } })
      await producer.close()
      const [log] = emulator.logs((service === 'tls' ? { service, topicId: TOPIC, since } : { service, project: PROJECT, since }) as never)
      assert.ok(log, 'the record arrived')
      if (service === 'tls') assert.equal(log.hashKey, hashKey)
      else assert.match(log.hashKey ?? '', /^[0-9a-f]{32}$/) // bucketed by adjustShardHash
    })
  })
}

test('tls: a hashKey that is not 32 hex digits, or a userAgent with CR/LF, is refused at construction (no request is made)', () => {
  const before = emulator.stats().requests
  for (const [override, option] of [
    [{ hashKey: 'user-42' }, 'hashKey'],
    [{ hashKey: '8000' }, 'hashKey'],
    [{ userAgent: 'app/1.0\r\nX-Injected: 1' }, 'userAgent']
  ] as const) {
    assert.throws(() => createProducer({ ...baseOptions('tls'), ...override }), (e: unknown) => {
      assert.ok(e instanceof InvalidOptionError, String(e))
      assert.equal(e.code, 'LOGSHIP_INVALID_OPTION')
      assert.equal(e.option, option)
      return true
    })
  }
  assert.throws(() => createProducer({ ...baseOptions('sls'), userAgent: 'app\n' }), { code: 'LOGSHIP_INVALID_OPTION', option: 'userAgent' })
  assert.equal(emulator.stats().requests, before)
})

test('tls: a per-send hashKey that is not 32 hex digits is refused by that send (InvalidRecordError); the rest is delivered', async () => {
  const since = Date.now() - 1
  const producer = createProducer(baseOptions('tls'))
  const good = '0123456789abcdef0123456789ABCDEF'
  producer.send({ contents: { id: 'plain' } })
  assert.throws(() => producer.send({ contents: { id: 'bad-send' } }, { hashKey: 'user-42' }), (e: unknown) => {
    assert.ok(e instanceof InvalidRecordError, String(e))
    assert.equal(e.code, 'LOGSHIP_INVALID_RECORD')
    assert.match(e.message, /hashKey must be 32 hex digits/)
    return true
  })
  await assert.rejects(producer.sendAsync({ contents: { id: 'bad-async' } }, { hashKey: good + '0' }), { code: 'LOGSHIP_INVALID_RECORD' })
  producer.send({ contents: { id: 'routed' } }, { hashKey: good })
  const summary = await producer.close()
  assert.deepEqual([summary.delivered, summary.failed, summary.dropped], [2, 0, 0])
  const logs = emulator.logs({ service: 'tls', topicId: TOPIC, since })
  const byId = new Map(logs.map((l) => [l.contents.find(([k]) => k === 'id')?.[1], l]))
  assert.deepEqual([...byId.keys()].sort(), ['plain', 'routed'])
  assert.equal(byId.get('routed')?.hashKey, good)
  assert.equal(byId.get('plain')?.hashKey, undefined)
})

test('sls: a record dated outside the window SLS accepts is refused by its send (InvalidRecordError); the rest of its batch is delivered', async () => {
  // The emulator refuses a whole request for one log more than 7 days old or 15 minutes ahead, as SLS does.
  const since = Date.now() - 1
  const producer = createProducer(baseOptions('sls'))
  const day = 86_400_000
  producer.send({ time: Date.now() - 6 * day, contents: { id: 'six-days-old' } })
  assert.throws(() => producer.send({ time: Date.now() - 8 * day, contents: { id: 'eight-days-old' } }), (e: unknown) => {
    assert.ok(e instanceof InvalidRecordError, String(e))
    assert.equal(e.code, 'LOGSHIP_INVALID_RECORD')
    assert.match(e.message, /is outside what SLS accepts \(7 days back to 15 minutes ahead/)
    return true
  })
  await assert.rejects(producer.sendAsync({ time: Date.now() + 20 * 60_000, contents: { id: 'twenty-minutes-ahead' } }), { code: 'LOGSHIP_INVALID_RECORD' })
  producer.send({ contents: { id: 'now' } })
  producer.send({ time: Date.now() + 5 * 60_000, contents: { id: 'five-minutes-ahead' } })
  const summary = await producer.close()
  assert.deepEqual([summary.delivered, summary.failed, summary.dropped], [3, 0, 0])
  const ids = emulator.logs({ service: 'sls', project: PROJECT, logstore: LOGSTORE, since } as never).map((l) => l.contents.find(([k]) => k === 'id')?.[1])
  assert.deepEqual(ids.sort(), ['five-minutes-ahead', 'now', 'six-days-old'])
})

for (const service of ['tls', 'sls'] as const) {
  test(`${service}: a getter or toJSON that sends through the same producer while its record is written: both records arrive whole, with their own times`, async () => {
    const since = Date.now() - 1
    const producer = createProducer(baseOptions(service))
    const t0 = Date.now() - 60_000
    producer.send({ time: t0, contents: { id: 'before' } })
    // The nested records are written while the outer one is half written. Before, they went into
    // the same scratch memory: the batch was malformed and the service refused all of it (HTTP 400).
    producer.send({
      time: t0 + 1000,
      contents: {
        id: 'outer',
        get user () {
          producer.send({ time: t0 + 2000, contents: { id: 'from-getter', note: 'a deprecation warning' } })
          return 'alice'
        },
        payload: { toJSON () { producer.send({ time: t0 + 3000, contents: { id: 'from-toJSON' } }); return { ok: true } } }
      }
    })
    // An outer record too large for one log takes the slow path (its value cut) after the nested
    // send has refilled the engine's time object: it keeps its own time. (The slow path reads the
    // getters again, hence the flag.)
    let sent = false
    producer.send({
      time: t0 + 4000,
      contents: {
        id: 'outer-large',
        get first () {
          if (!sent) producer.send({ time: t0 + 5000, contents: { id: 'nested-in-large' } })
          sent = true
          return 'x'
        },
        big: 'y'.repeat(1_100_000)
      }
    })
    const summary = await producer.close()
    assert.deepEqual([summary.delivered, summary.failed, summary.dropped], [6, 0, 0])
    const logs = emulator.logs((service === 'tls' ? { service, topicId: TOPIC, since } : { service, project: PROJECT, logstore: LOGSTORE, since }) as never)
    const seconds = (ms: number): number => service === 'tls' ? ms : Math.floor(ms / 1000)
    const byId = new Map(logs.map((l) => [l.contents.find(([k]) => k === 'id')?.[1], l]))
    assert.deepEqual([...byId.keys()].sort(), ['before', 'from-getter', 'from-toJSON', 'nested-in-large', 'outer', 'outer-large'])
    assert.deepEqual(byId.get('outer')?.contents, [['id', 'outer'], ['user', 'alice'], ['payload', '{"ok":true}']])
    assert.deepEqual(byId.get('from-getter')?.contents, [['id', 'from-getter'], ['note', 'a deprecation warning']])
    const times = Object.fromEntries([...byId].map(([id, l]) => [id, l.time]))
    assert.deepEqual(times, {
      before: seconds(t0), outer: seconds(t0 + 1000), 'from-getter': seconds(t0 + 2000), 'from-toJSON': seconds(t0 + 3000),
      'outer-large': seconds(t0 + 4000), 'nested-in-large': seconds(t0 + 5000)
    })
    assert.equal(producer.stats().truncated, 1, 'the large value was cut, and counted once')
  })
}

test('sls v4 signing is accepted', async () => {
  await shipAndCheck({ ...baseOptions('sls'), signatureVersion: 'v4' }, 200)
})

test('a record that fails finally carries the service error code and request id', async () => {
  const producer = createProducer({ ...baseOptions('tls'), topicId: 'no-such-topic' })
  const result = await new Promise<import('@logship/producer').Result>((resolve) => {
    producer.send({ contents: { id: 'lost' } }, { callback: resolve })
  })
  await producer.close()
  assert.equal(result.successful, false)
  assert.equal(result.errorCode, 'TopicNotExist')
  assert.match(result.requestId, /\S/)
  assert.equal(result.attemptCount, 1, 'a 404 is not retried')
})

test('tls lz4: a batch of text that does not compress, at the 5 MiB limit, still fits once compressed', async () => {
  const since = Date.now() - 1
  // maxBatchSize far above the limit is capped; random base64 has no repeats for LZ4, so its block
  // is larger than the raw body (zlib's Huffman stage still shrinks it, so zlib cannot show this).
  const producer = createProducer({ ...baseOptions('tls'), compression: 'lz4', maxBatchSize: 64 * 1024 * 1024, maxBatchCount: 10_000, lingerMs: 60_000 })
  const count = 700 // ~5.7 MiB: the first batch is sealed at the cap
  for (let i = 0; i < count; i++) producer.send({ contents: { id: `big-${i}`, v: randomBytes(6144).toString('base64') } })
  const summary = await producer.close()
  assert.equal(summary.failed, 0)
  assert.equal(summary.delivered, count)
  const requests = emulator.requests({ service: 'tls', topicId: TOPIC, since } as never)
  const largest = requests.reduce((a, b) => (b.rawBytes > a.rawBytes ? b : a))
  assert.ok(largest.rawBytes > 5 * 1024 * 1024 - 64 * 1024, `a batch reached the cap (raw ${largest.rawBytes} bytes)`)
  assert.ok(largest.bodyBytes > largest.rawBytes, 'its compressed body is larger than its raw body')
  assert.ok(largest.bodyBytes <= 5 * 1024 * 1024)
})
