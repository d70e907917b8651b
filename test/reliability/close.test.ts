/**
 * close({ timeoutMs }) under every fault state, both services: it returns within its deadline (plus
 * a small scheduling tolerance), its summary says what was left, every callback is called exactly
 * once, and delivered + failed + dropped + pending = sent. A later close({ timeoutMs }) during a
 * running close is held to its own deadline too, and its timeoutMs is checked.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProducer, InvalidOptionError, type Result } from '@logship/producer'
import { startEmulator, type Emulator, type FaultSpec } from '../emulator/index.js'
import { closedPort, options, record, SERVICES, sleep, target } from './helpers.js'

const DEADLINE_MS = 300
/** Settling 500 callbacks after the deadline, beyond the lateness a plain timer sees. */
const TOLERANCE_MS = 250

let em: Emulator
before(async () => { em = await startEmulator({}) })
after(async () => { await em.close() })

interface State {
  name: string
  /** Sets the fault up for these options; may change the endpoint. */
  setup (o: ReturnType<typeof options>): Promise<Partial<ReturnType<typeof options>>> | Partial<ReturnType<typeof options>>
  /** What the summary must show. */
  /**
   * abandoned: still in flight at the deadline; failed: finally failed before it; transient: not
   * delivered, either failed or abandoned (whether a transient failure is retried during close
   * is the engine's choice; the deadline bounds it either way); any: partly delivered.
   */
  expect: 'abandoned' | 'failed' | 'transient' | 'any'
}

const STATES: State[] = [
  { name: 'outage (503)', setup: (o) => { em.inject({ kind: 'outage', durationMs: 5000, ...target(o) }); return {} }, expect: 'transient' },
  { name: 'outage (connection reset)', setup: (o) => { em.inject({ kind: 'outage', durationMs: 5000, mode: 'reset', ...target(o) }); return {} }, expect: 'transient' },
  { name: 'throttled', setup: (o) => { em.inject({ kind: 'throttle', ratePerSec: 2, durationMs: 5000, ...target(o) } as FaultSpec); return {} }, expect: 'any' },
  { name: 'response held past the deadline', setup: (o) => { em.inject({ kind: 'hold', ms: 3000, count: 100, ...target(o) }); return { requestTimeoutMs: 10_000 } }, expect: 'abandoned' },
  { name: 'slow service (latency past the deadline)', setup: (o) => { em.inject({ kind: 'latency', ms: 3000, ...target(o) }); return { requestTimeoutMs: 10_000 } }, expect: 'abandoned' },
  { name: 'connection refused', setup: async () => ({ endpoint: `http://127.0.0.1:${await closedPort()}` }), expect: 'transient' },
  { name: 'authentication failure', setup: () => ({ accessKeySecret: 'wrong' }), expect: 'failed' }
]

for (const service of SERVICES) {
  describe(`${service}: close under faults`, () => {
    for (const state of STATES) {
      it(`${state.name}: close respects its deadline and reports what was left`, async (t) => {
        const base = options(service, em.url)
        const o = { ...base, maxBatchCount: 50, ...(await state.setup(base)) }
        const producer = createProducer(o)
        const results: Result[] = []
        const sent = 500
        for (let i = 0; i < sent; i++) producer.send(record(`c${i}`, 20), { callback: (r) => results.push(r) })
        // Let the first attempts and retries start, so the fault is in full swing.
        await sleep(150)
        const start = Date.now()
        // A plain timer with the same deadline measures how late this (possibly loaded) machine runs timers.
        let timerAt = 0
        const control = new Promise<void>((resolve) => setTimeout(() => { timerAt = Date.now(); resolve() }, DEADLINE_MS))
        const summary = await producer.close({ timeoutMs: DEADLINE_MS })
        const took = Date.now() - start
        await control
        const lateness = Math.max(0, timerAt - start - DEADLINE_MS)
        const stats = producer.stats()
        t.diagnostic(`close took ${took} ms (timer lateness ${lateness} ms): delivered ${summary.delivered}, failed ${summary.failed}, dropped ${summary.dropped}, pending ${summary.pending}, timedOut ${summary.timedOut}`)
        assert.ok(took <= DEADLINE_MS + lateness + TOLERANCE_MS, `close took ${took} ms, a plain ${DEADLINE_MS} ms timer ${DEADLINE_MS + lateness} ms`)
        assert.equal(summary.delivered + summary.failed + summary.dropped + summary.pending, sent)
        assert.equal(summary.pending, stats.abandoned)
        assert.equal(results.length, sent, 'every callback was called')
        assert.equal(results.filter((r) => r.errorCode === 'LOGSHIP_CLOSE_TIMEOUT').length, summary.pending)
        assert.equal(stats.pending, 0)
        assert.equal(stats.bufferedBytes, 0)
        if (state.expect === 'abandoned') {
          assert.equal(summary.timedOut, true)
          assert.ok(summary.pending > 0)
        } else if (state.expect === 'failed') {
          assert.equal(summary.timedOut, false)
          assert.equal(summary.failed, sent)
        } else if (state.expect === 'transient') {
          assert.equal(summary.delivered, 0)
          assert.equal(summary.failed + summary.pending, sent)
        }
        assert.throws(() => producer.send(record('late')), { code: 'LOGSHIP_PRODUCER_CLOSED' })
      })
    }
  })
}

for (const service of SERVICES) {
  describe(`${service}: a later close({ timeoutMs }) while a close is running`, () => {
    /** A producer whose every reply is held for 3 s, so a close() without a deadline waits for them. */
    function heldProducer (): { producer: ReturnType<typeof createProducer>, results: Result[], sent: number } {
      const base = options(service, em.url)
      em.inject({ kind: 'hold', ms: 3000, count: 100, ...target(base) })
      const producer = createProducer({ ...base, maxBatchCount: 10, requestTimeoutMs: 10_000 })
      const results: Result[] = []
      const sent = 50
      for (let i = 0; i < sent; i++) producer.send(record(`l${i}`, 20), { callback: (r) => results.push(r) })
      return { producer, results, sent }
    }

    it('settles by its own deadline, abandoning what is left as the first close\'s deadline would', async (t) => {
      const { producer, results, sent } = heldProducer()
      const first = producer.close()
      await sleep(100)
      const start = Date.now()
      let timerAt = 0
      const control = new Promise<void>((resolve) => setTimeout(() => { timerAt = Date.now(); resolve() }, DEADLINE_MS))
      const second = producer.close({ timeoutMs: DEADLINE_MS })
      // A longer deadline after that does not push it back.
      const third = producer.close({ timeoutMs: 60_000 })
      const summary = await second
      const took = Date.now() - start
      await control
      const lateness = Math.max(0, timerAt - start - DEADLINE_MS)
      t.diagnostic(`second close took ${took} ms (timer lateness ${lateness} ms): pending ${summary.pending}`)
      assert.ok(took <= DEADLINE_MS + lateness + TOLERANCE_MS, `close took ${took} ms, a plain ${DEADLINE_MS} ms timer ${DEADLINE_MS + lateness} ms`)
      assert.deepEqual(summary, { delivered: 0, failed: 0, dropped: 0, pending: sent, timedOut: true })
      assert.deepEqual(await first, summary, 'every caller gets the same summary')
      assert.deepEqual(await third, summary)
      assert.equal(results.length, sent, 'every callback was called')
      assert.ok(results.every((r) => r.errorCode === 'LOGSHIP_CLOSE_TIMEOUT'))
      const stats = producer.stats()
      assert.equal(stats.abandoned, sent)
      assert.equal(stats.pending, 0)
      assert.throws(() => producer.send(record('late')), { code: 'LOGSHIP_PRODUCER_CLOSED' })
    })

    it('has its timeoutMs checked like the first call\'s, leaving the running close alone', async () => {
      const { producer, sent } = heldProducer()
      const first = producer.close({ timeoutMs: DEADLINE_MS })
      await sleep(100)
      await Promise.all([
        assert.rejects(producer.close({ timeoutMs: -1 }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'timeoutMs'),
        assert.rejects(producer.close({ timeoutMs: 'soon' as unknown as number }), InvalidOptionError)
      ])
      assert.deepEqual(await first, { delivered: 0, failed: 0, dropped: 0, pending: sent, timedOut: true })
    })
  })
}
