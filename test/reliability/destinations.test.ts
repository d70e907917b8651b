/**
 * The memory bound with many destinations, both services: every record goes to a source of its own,
 * so every record opens a batch. The batches' buffers (what the process really holds) stay within
 * totalSizeInBytes, bufferedBytes never exceeds it, and every record, including those that had to
 * wait for space, arrives exactly once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProducer } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { countIds, field, options, record, SERVICES, stored, tally } from './helpers.js'

const KiB = 1024
const MiB = 1024 * KiB

let em: Emulator
before(async () => { em = await startEmulator({}) })
after(async () => { await em.close() })

for (const service of SERVICES) {
  describe(`${service}: many destinations`, () => {
    it('2,000 destinations with a 256 KiB bound: the batches\' memory stays within it and every record arrives once', async (t) => {
      const bound = 256 * KiB
      const o = options(service, em.url, { totalSizeInBytes: bound })
      const producer = createProducer(o)
      const n = 2000
      const id = (i: number): string => `r${i}`
      const sourceOf = (i: number): string => `src-${i}`
      let peak = 0
      const sampler = setInterval(() => { peak = Math.max(peak, producer.stats().bufferedBytes) }, 5)
      try {
        // send() in one synchronous loop: no batch is sealed or sent meanwhile, so the ArrayBuffer
        // memory it adds is the open batches' buffers (plus the destinations' small cached trailers).
        const arrayBuffersBefore = process.memoryUsage().arrayBuffers
        const refused: number[] = []
        for (let i = 0; i < n; i++) {
          const dropped = producer.stats().dropped
          producer.send(record(id(i), 20), { source: sourceOf(i) })
          if (producer.stats().dropped > dropped) refused.push(i)
          peak = Math.max(peak, producer.stats().bufferedBytes)
        }
        const grown = process.memoryUsage().arrayBuffers - arrayBuffersBefore
        t.diagnostic(`accepted ${n - refused.length} at once, ${refused.length} refused; ArrayBuffer memory +${(grown / KiB).toFixed(0)} KiB for a ${bound / KiB} KiB bound`)
        // Before open batches were charged for their buffers: 2,000 buffers of 4 KiB, ~8 MiB.
        assert.ok(grown <= bound + 1 * MiB, `the open batches took ${grown} bytes of ArrayBuffer memory`)
        assert.ok(refused.length > 0, 'the bound was reached')

        // The refused ones again, through sendAsync(): each waits until batches settle and free space.
        await Promise.all(refused.map((i) => producer.sendAsync(record(id(i), 20), { source: sourceOf(i) })))
        await producer.flush()
      } finally {
        clearInterval(sampler)
      }
      const stats = producer.stats()
      await producer.close()
      t.diagnostic(`delivered ${stats.delivered}, requests ${stats.requests}, peak bufferedBytes ${peak} of ${bound}`)
      assert.ok(peak <= bound, `bufferedBytes ${peak} stayed within ${bound}`)
      assert.equal(stats.bufferedBytes, 0)
      assert.equal(stats.delivered, n)
      const tl = tally(countIds(em, o), new Set(Array.from({ length: n }, (_, i) => id(i))))
      assert.deepEqual(tl, { unique: n, duplicates: 0, unknown: 0 })
      for (const log of stored(em, o)) assert.equal(log.source, sourceOf(Number(field(log, 'id')?.slice(1))))
    })
  })
}
