/**
 * The diagnostic log's drop lines: the first drop at once, then one summary per 5 s window while
 * drops go on, and the first drop after a quiet window at once again. The windows run on real
 * timers (unref'd); node:test's mock timers drive them here.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exitRegistrySize } from '../../packages/producer/src/exit-hook.js'
import type { DiagnosticRecord, DiagnosticsLogger } from '../../packages/producer/src/types.js'
import { setup } from './helpers/setup.js'

function capture (): { logger: DiagnosticsLogger, lines: string[] } {
  const lines: string[] = []
  const method = (message: string, record: DiagnosticRecord): void => { if (record.event === 'drop') lines.push(message) }
  return { logger: { debug: method, info: method, warn: method, error: method }, lines }
}

test('sustained drops make one summary line per 5 s window; after a quiet window the next drop is said at once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const { logger, lines } = capture()
  const { wire, producer } = setup({ totalSizeInBytes: 100, diagnostics: { logger } })
  wire.manual = true
  const record = { time: 1_700_000_000_000, contents: { pad: 'x'.repeat(30) } }
  const drops = (n: number): void => { for (let i = 0; i < n; i++) producer.send(record) }
  drops(5) // the first ones fill the buffer; the rest are dropped
  const first = producer.stats().dropped
  assert.ok(first >= 2, `${first} dropped`)
  assert.equal(lines.length, 1)
  assert.match(lines[0]!, /^dropped 1 record: the buffer \(totalSizeInBytes\) is full/)
  t.mock.timers.tick(5000)
  assert.deepEqual(lines.slice(1), [`dropped ${first - 1} more records (buffer_full: ${first - 1})`])
  drops(4)
  t.mock.timers.tick(5000)
  assert.deepEqual(lines.slice(2), ['dropped 4 more records (buffer_full: 4)'], 'one line for the window, not a new first drop')
  t.mock.timers.tick(5000) // a window without drops: nothing said, the window closes
  assert.equal(lines.length, 3)
  drops(1)
  assert.match(lines[3]!, /^dropped 1 record: /, 'after a quiet window, said at once again')
  producer.destroy()
  assert.equal(lines.length, 4)
})

test('a producer kept registered for exit by its drop summary leaves the registry once the window closes with nothing pending', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const { logger } = capture()
  const { producer } = setup({ totalSizeInBytes: 100, flushOnExit: true, diagnostics: { logger } })
  const before = exitRegistrySize()
  // One record larger than the whole buffer: dropped, nothing pending.
  producer.send({ time: 1_700_000_000_000, contents: { pad: 'x'.repeat(300) } })
  assert.equal(producer.stats().dropped, 1)
  assert.equal(producer.stats().pending, 0)
  assert.equal(exitRegistrySize(), before + 1, 'registered, so that an exit inside the window writes its summary')
  t.mock.timers.tick(5000) // the window ends: its drop was said at once, nothing more to sum up
  t.mock.timers.tick(5000) // a window without drops closes
  // Before, it stayed registered (and the process kept a beforeExit listener) until the next exit,
  // close() or destroy(): a producer the application had let go was never freed.
  assert.equal(exitRegistrySize(), before)
  producer.destroy()
})
