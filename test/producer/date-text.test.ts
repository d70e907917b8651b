/**
 * parseDateText: which text a logger's time field may be in (both adapters use it). Only forms that
 * say which number is the day; V8's Date.parse read "build 7" as 2001-07-01 and 05-11-2026 as May 11.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDateText } from '../../packages/producer/src/date-text.js'

const UTC = Date.UTC(2026, 10, 23, 17, 4, 5)

test('ISO 8601 / RFC 3339: T or space, seconds and fraction optional, any zone spelling; no zone is local time, a date alone UTC', () => {
  assert.equal(parseDateText('2026-11-23T17:04:05Z'), UTC)
  assert.equal(parseDateText('2026-11-23t17:04:05z'), UTC)
  assert.equal(parseDateText('2026-11-23 17:04:05.250Z'), UTC + 250)
  assert.equal(parseDateText('2026-11-23T17:04:05,5Z'), UTC + 500)
  assert.equal(parseDateText('2026-11-24T01:04:05+08:00'), UTC)
  assert.equal(parseDateText('2026-11-24T01:04:05+0800'), UTC)
  assert.equal(parseDateText('2026-11-24T01:04:05+08'), UTC)
  assert.equal(parseDateText('2026-11-23T11:04:05-06:00'), UTC)
  assert.equal(parseDateText('2026-11-23T17:04Z'), UTC - 5000)
  assert.equal(parseDateText('2026-11-23T17:04:05.123456789Z'), BigInt(UTC + 123) * 1_000_000n + 456_789n)
  assert.equal(parseDateText('2026-11-23T17:04:05.1234Z'), BigInt(UTC + 123) * 1_000_000n + 400_000n)
  // winston's format.timestamp({ format: 'YYYY-MM-DD HH:mm:ss' }): no zone, the machine's local time.
  assert.equal(parseDateText('2026-11-23 17:04:05'), new Date(2026, 10, 23, 17, 4, 5).getTime())
  assert.equal(parseDateText('2026-11-23 17:04'), new Date(2026, 10, 23, 17, 4).getTime())
  assert.equal(parseDateText('2026-11-23'), Date.UTC(2026, 10, 23))
  assert.equal(parseDateText('2024-02-29T12:00:00Z'), Date.UTC(2024, 1, 29, 12), 'a leap day')
  assert.equal(parseDateText('2000-02-29'), Date.UTC(2000, 1, 29))
})

test('with an English month name: RFC 2822, Date#toUTCString(), Date#toString()', () => {
  const date = new Date(UTC)
  assert.equal(parseDateText(date.toUTCString()), UTC)
  assert.equal(parseDateText(date.toString()), UTC)
  assert.equal(parseDateText('Mon, 23 Nov 2026 17:04:05 GMT'), UTC)
  assert.equal(parseDateText('23 Nov 2026 17:04:05 +0000'), UTC)
  assert.equal(parseDateText('Tue, 24 Nov 2026 01:04:05 +0800'), UTC)
  assert.equal(parseDateText('Mon Nov 23 2026 17:04:05 GMT+0000 (Coordinated Universal Time)'), UTC)
})

test('text that does not say which number is the day, or is no date at all, is not a time', () => {
  for (const text of [
    '05-11-2026 17:00:00', // DD-MM-YYYY (Date.parse: May 11)
    '05/11/2026 17:00:00',
    '11/05/2026',
    '2026/11/23 17:04:05',
    'build 7', // Date.parse: 2001-07-01
    'version 2.3',
    'yesterday',
    'Nov 2026',
    '',
    ' 2026-11-23T17:04:05Z',
    '2026-11-23T17:04:05Z trailing',
    '2026-11-23Z', // a zone on a date alone
    '2026-13-01T00:00:00Z', // no 13th month
    '2026-11-23T25:00:00Z',
    '1969-12-31T23:59:59Z', // before 1970: not a record time
    // Dates that do not exist, which Date.parse rolls over into the next day or month:
    '2024-02-30T00:00:00Z',
    '2023-02-29',
    '2026-04-31 10:00:00',
    '2024-01-01T24:00:00Z',
    'Fri, 30 Feb 2024 10:00:00 GMT',
    'Feb 30 2024 10:00:00 GMT+0000'
  ]) {
    assert.equal(parseDateText(text), undefined, text)
  }
})
