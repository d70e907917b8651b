// SLS's window of accepted log times, checked per record (services/time-window.ts): its edges and
// margins, and how rarely it reads the clock on the send path.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidRecordError } from '../../packages/producer/src/errors.js'
import { SLS_TIME_WINDOW, TimeWindow } from '../../packages/producer/src/services/time-window.js'

const MINUTE = 60_000
const DAY = 86_400_000

function windowAt (start: number): { window: TimeWindow, clock: { now: number, reads: number } } {
  const clock = { now: start, reads: 0 }
  const window = new TimeWindow(SLS_TIME_WINDOW, () => { clock.reads++; return clock.now })
  return { window, clock }
}

function refused (window: TimeWindow, ms: number): boolean {
  try {
    window.check(ms)
    return false
  } catch (e) {
    assert.ok(e instanceof InvalidRecordError)
    assert.equal(e.code, 'LOGSHIP_INVALID_RECORD')
    return true
  }
}

test('SLS window: 7 days back to 15 minutes ahead, less 10 minutes at the old edge and 5 at the new one', () => {
  const now = Date.parse('2026-11-23T12:00:00Z')
  const { window } = windowAt(now)
  assert.equal(refused(window, now), false)
  assert.equal(refused(window, now - 7 * DAY + 11 * MINUTE), false)
  assert.equal(refused(window, now - 7 * DAY + 9 * MINUTE), true, 'within the margin for time spent in the buffer')
  assert.equal(refused(window, now - 8 * DAY), true)
  assert.equal(refused(window, now + 9 * MINUTE), false)
  assert.equal(refused(window, now + 11 * MINUTE), true, 'within the margin for a server clock a little behind')
  assert.equal(refused(window, 0), true)
})

test('SLS window: the error names the time, the window and why', () => {
  const now = Date.parse('2026-11-23T12:00:00Z')
  const { window } = windowAt(now)
  assert.throws(() => window.check(now - 8 * DAY), {
    message: 'invalid record: time 2026-11-15T12:00:00.000Z is outside what SLS accepts (7 days back to 15 minutes ahead; ' +
      'checked from 2026-11-16T12:10:00.000Z to 2026-11-23T12:10:00.000Z, leaving a margin for time in the buffer): ' +
      'SLS would refuse the whole request that carried it'
  })
})

test('SLS window: records dated around the clock read it about once a minute, an old one at once', () => {
  const { window, clock } = windowAt(Date.parse('2026-11-23T12:00:00Z'))
  // 10,000 records over 10 minutes, each dated when it is sent.
  for (let i = 0; i < 10_000; i++) {
    clock.now += 60
    window.check(clock.now)
  }
  assert.ok(clock.reads >= 10 && clock.reads <= 12, `${clock.reads} clock readings`)
  const before = clock.reads
  // A record from yesterday is outside the band around the last reading: the clock is read before deciding.
  window.check(clock.now - DAY)
  assert.equal(clock.reads, before + 1)
})

test('SLS window: a reading is not trusted for ever when every time stands still', () => {
  const { window, clock } = windowAt(Date.parse('2026-11-23T12:00:00Z'))
  const frozen = clock.now
  window.check(frozen)
  // Eight days later the same time is outside the window: within a bounded number of checks it is refused.
  clock.now += 8 * DAY
  let passed = 0
  while (!refused(window, frozen)) passed++
  assert.ok(passed < 70_000, `${passed} checks passed on a reading eight days old`)
})
