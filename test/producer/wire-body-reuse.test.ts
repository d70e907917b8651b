// Compressed bodies are built in memory given back by settled batches (wire/body-memory.ts). With
// real HTTP to the strict emulator, through retries and concurrent requests, every record must
// still arrive exactly once and byte for byte: a body reused too early would fail the emulator's
// checksums or arrive with another batch's records. With deflate, the bodies are built when first
// sent and the batch's entry memory then goes back to the pool for later batches: the same holds.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { createProducer, type Producer, type ProducerOptions } from '../../packages/producer/src/index.js'
import { bodyMemoryStats } from '../../packages/producer/src/wire/body-memory.js'
import { startEmulator, type Emulator } from '../emulator/index.js'

const AK = 'reuse-ak'
const SK = 'reuse-secret'
const TOPIC = 'reuse-topic'
const PROJECT = 'reuse-project'
const LOGSTORE = 'reuse-logstore'

let emulator: Emulator
before(async () => {
  emulator = await startEmulator({
    credentials: [{ accessKeyId: AK, accessKeySecret: SK }],
    tls: { topics: [TOPIC] },
    sls: { projects: { [PROJECT]: [LOGSTORE] } } as never
  })
})
after(async () => { await emulator.close() })

/** Resolves once the producer has delivered more than `delivered` records. */
async function settledMore (producer: Producer, delivered: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (producer.stats().delivered <= delivered) {
    if (Date.now() > deadline) throw new Error(`no batch was delivered within 10 s (delivered ${delivered})`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function options (service: 'tls' | 'sls', compression: 'lz4' | 'deflate'): ProducerOptions {
  // Batches of up to 128 KiB of random text: bodies compress little, so they are of pooled size.
  const common = { endpoint: emulator.url, accessKeyId: AK, accessKeySecret: SK, maxBatchSize: 128 * 1024, lingerMs: 100, maxSenderCount: 4, baseRetryBackoffMs: 10, maxRetryBackoffMs: 50, compression }
  return service === 'tls'
    ? { service, region: 'cn-beijing', topicId: TOPIC, ...common }
    : { service, region: 'cn-hangzhou', project: PROJECT, logstore: LOGSTORE, ...common }
}

for (const [service, compression] of [['tls', 'lz4'], ['sls', 'lz4'], ['tls', 'deflate'], ['sls', 'deflate']] as const) {
  const what = compression === 'lz4' ? 'bodies built in reused memory' : 'deflate batches whose entry memory is reused'
  test(`${service}: ${what} arrive intact, through retries and concurrent requests`, async () => {
    const count = 4000
    const reusedBefore = bodyMemoryStats().reused
    const since = Date.now() - 1
    // The first three requests fail and are retried (a 500 answered before storing).
    emulator.inject({ kind: 'error', status: 500, code: 'InternalServerError', count: 3, service })
    const producer = createProducer(options(service, compression))
    const sent = new Map<string, Record<string, string>>()
    const sends: Array<Promise<void>> = []
    for (let i = 0; i < count; i++) {
      const contents = { id: `r${i}`, a: randomBytes(30).toString('hex'), b: randomBytes(30).toString('hex'), c: randomBytes(30).toString('hex') }
      sent.set(contents.id, contents)
      sends.push(producer.sendAsync({ time: Date.now(), contents }))
      // Now and then, wait until a batch has been delivered while records keep coming, so that later
      // bodies are built after memory was given back (waiting for a settlement, not a fixed pause,
      // holds on a loaded machine too).
      if (i % 1000 === 999) await settledMore(producer, producer.stats().delivered)
    }
    await Promise.all(sends)
    const summary = await producer.close()
    assert.equal(summary.delivered, count)
    assert.ok(producer.stats().retried >= 1, 'the injected errors were retried')

    const filter = service === 'tls' ? { service, topicId: TOPIC, since } : { service, project: PROJECT, logstore: LOGSTORE, since }
    const stored = emulator.logs(filter as never)
    assert.equal(stored.length, count, 'exactly N records arrive')
    for (const log of stored) {
      const contents = Object.fromEntries(log.contents)
      const expected = sent.get(contents.id)
      assert.ok(expected !== undefined, `unexpected or repeated record ${contents.id}`)
      assert.deepEqual(contents, expected)
      sent.delete(contents.id)
    }
    assert.equal(sent.size, 0)
    if (compression === 'lz4') assert.ok(bodyMemoryStats().reused > reusedBefore, 'later bodies were built in memory given back by settled batches')
  })
}
