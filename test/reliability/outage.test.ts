/**
 * Outage and throttling, both services. Records carry unique ids; the emulator's store is counted
 * by id. While the service refuses (503) or resets connections, the app keeps logging: what fits in
 * totalSizeInBytes is delivered exactly once afterwards, the rest is dropped and counted, and
 * delivered + dropped + failed = sent. Under throttling, backoff bounds the request rate.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProducer } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { countIds, options, record, SERVICES, sleep, tally, target } from './helpers.js'

const MiB = 1024 * 1024

let em: Emulator
before(async () => { em = await startEmulator({}) })
after(async () => { await em.close() })

for (const service of SERVICES) {
  describe(`${service}: outage`, () => {
    for (const mode of ['status', 'reset'] as const) {
      it(`outage (${mode === 'status' ? '503' : 'connection reset'}) while logging: exactly once for what fitted, the rest dropped and counted, memory within the bound`, async (t) => {
        const bound = 1 * MiB
        const o = options(service, em.url, { totalSizeInBytes: bound })
        const outageMs = 800
        // The outage lasts until the app has finished logging (ended below), so how fast this
        // machine runs the loop cannot end it early.
        const outage = em.inject({ kind: 'outage', durationMs: 120_000, mode, ...target(o) })
        const producer = createProducer(o)
        const accepted = new Set<string>()
        const dropped = new Set<string>()
        let peak = 0
        const sampler = setInterval(() => { peak = Math.max(peak, producer.stats().bufferedBytes) }, 5)
        // 8 ticks of 750 records (~250 encoded bytes each): ~1.5 MB offered during the outage, against a 1 MiB bound.
        let n = 0
        for (let tick = 0; tick < 8; tick++) {
          for (let i = 0; i < 750; i++) {
            const id = `r${n++}`
            const before = producer.stats().dropped
            producer.send(record(id))
            if (producer.stats().dropped > before) dropped.add(id)
            else accepted.add(id)
            peak = Math.max(peak, producer.stats().bufferedBytes)
          }
          await sleep(outageMs / 8)
        }
        const sent = n
        em.removeFault(outage)
        await producer.flush()
        clearInterval(sampler)
        const stats = producer.stats()
        await producer.close()

        const counts = countIds(em, o)
        const tl = tally(counts, accepted)
        t.diagnostic(`sent ${sent}, delivered ${stats.delivered}, dropped ${stats.dropped}, failed ${stats.failed}, retries ${stats.retried}, ` +
          `peak bufferedBytes ${peak} of ${bound}, duplicates ${tl.duplicates}`)
        assert.ok(dropped.size > 0, 'the bound was reached: some records were dropped')
        assert.ok(stats.retried > 0, 'the outage caused retries')
        assert.ok(peak <= bound, `bufferedBytes ${peak} stayed within totalSizeInBytes ${bound}`)
        assert.ok(peak > bound * 0.9, 'the buffer really filled up')
        assert.equal(stats.delivered + stats.dropped + stats.failed, sent, 'delivered + dropped + failed = sent')
        assert.equal(stats.failed, 0)
        assert.equal(stats.dropped, dropped.size)
        assert.equal(stats.delivered, accepted.size)
        // Exactly once: every accepted id once, no dropped id, nothing else.
        assert.equal(tl.unknown, 0, 'no dropped or unknown id reached the service')
        assert.equal(tl.duplicates, 0, 'no duplicates: no response was lost')
        assert.equal(tl.unique, accepted.size, 'every accepted record was delivered')
        assert.equal(stats.bufferedBytes, 0)
      })
    }
  })

  describe(`${service}: throttling`, () => {
    it('429/403 above a rate: backoff keeps the request rate bounded (no retry storm), everything is delivered exactly once', async (t) => {
      const base = 50
      const cap = 500
      const o = options(service, em.url, { maxBatchCount: 20, maxSenderCount: 10, baseRetryBackoffMs: base, maxRetryBackoffMs: cap })
      const rate = 10
      const throttleMs = 1000
      const start = Date.now()
      em.inject({ kind: 'throttle', ratePerSec: rate, durationMs: throttleMs, ...target(o) })
      const producer = createProducer(o)
      const sent = new Set<string>()
      for (let i = 0; i < 600; i++) {
        const id = `t${i}`
        sent.add(id)
        producer.send(record(id, 50))
      }
      await producer.flush()
      const stats = producer.stats()
      await producer.close()
      const filter = o.service === 'tls' ? { service: 'tls' as const, topicId: o.topicId } : { service: 'sls' as const, project: o.project, logstore: o.logstore }
      const ok = em.requests(filter).map((r) => r.receivedAt)
      const code = service === 'tls' ? 'ExceedQPSLimit' : 'WriteQuotaExceed'
      const refused = em.rejections({ service, code, since: start }).map((r) => r.receivedAt)
      const all = [...ok, ...refused].sort((a, b) => a - b)
      let peakPerSec = 0
      for (let i = 0, j = 0; i < all.length; i++) {
        while (all[i]! - all[j]! >= 1000) j++
        peakPerSec = Math.max(peakPerSec, i - j + 1)
      }
      const batches = stats.batchesSent
      // Each retry waits at least half its cap (equal jitter): 25, 50, 100, 200, 250, 250, … ms.
      // Within the throttle window plus the 1 s sliding window, a batch fits at most this many attempts:
      let attempts = 1
      let elapsed = 0
      for (let r = 1; elapsed <= throttleMs + 1000; r++) {
        elapsed += Math.min(cap, base * 2 ** (r - 1)) / 2
        attempts++
      }
      const bound = batches * attempts
      t.diagnostic(`${batches} batches, ${ok.length} accepted requests, ${refused.length} refused (bound ${bound}), ` +
        `peak ${peakPerSec} requests in any 1 s (throttle ${rate}/s), retries ${stats.retried}, took ${Date.now() - start} ms`)
      assert.ok(refused.length > 0, 'the throttle did refuse requests')
      assert.ok(refused.length <= bound, `refused requests ${refused.length} <= ${bound}`)
      // Without backoff, 10 senders retrying at loopback speed would make thousands of requests a second.
      assert.ok(peakPerSec <= batches * 5, `peak request rate ${peakPerSec}/s is bounded`)
      assert.equal(stats.delivered, sent.size)
      assert.equal(stats.failed, 0)
      const tl = tally(countIds(em, o), sent)
      assert.deepEqual(tl, { unique: sent.size, duplicates: 0, unknown: 0 })
    })
  })
}
