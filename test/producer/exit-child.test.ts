/**
 * Exit behaviour in a real child process against the loopback emulator: a script that sends and
 * returns without close() exits on its own with every record delivered; idle producers never keep
 * the process alive; retries waiting on unref'd timers are sent by the exit flush; the exit flush is
 * bounded by closeTimeoutMs, but does not close a producer whose process goes on running; an
 * awaited flush() keeps the process alive through a retry backoff; many producers share one
 * beforeExit listener.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startEmulator, type Emulator } from '../emulator/index.js'
import type { ProducerStats } from '../../packages/producer/src/types.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url))

let emulator: Emulator
before(async () => { emulator = await startEmulator() })
after(async () => { await emulator.close() })

interface ChildReport {
  code: number
  closeSummary: unknown
  listenersAtEndOfMain: number
  mainDone: boolean
  sendErrors: string[]
  stats: ProducerStats[]
}

async function runChild (args: Record<string, unknown>, killAfterMs = 30_000): Promise<{ status: number | null, elapsedMs: number, report: ChildReport, stderr: string }> {
  const started = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify({ endpoint: emulator.url, count: 0, ...args })], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  clearTimeout(killer)
  const elapsedMs = Date.now() - started
  const line = stdout.trim().split('\n').pop() ?? ''
  let report: ChildReport
  try {
    report = JSON.parse(line) as ChildReport
  } catch {
    throw new Error(`child printed no report (status ${status}, ${elapsedMs} ms)\nstdout: ${stdout}\nstderr: ${stderr}`)
  }
  return { status, elapsedMs, report, stderr }
}

function total (stats: ProducerStats[], key: keyof ProducerStats): number {
  return stats.reduce((sum, s) => sum + s[key], 0)
}

test('a script that sends and returns without close() exits by itself with every record delivered', async () => {
  emulator.reset()
  const count = 300
  const { status, elapsedMs, report, stderr } = await runChild({ mode: 'send', count })
  assert.equal(status, 0, stderr)
  assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`)
  assert.equal(emulator.logs({ topicId: 'exit-topic' }).length, count)
  const [s] = report.stats
  assert.equal(s.accepted, count)
  assert.equal(s.delivered, count)
  assert.equal(s.pending, 0)
  assert.equal(report.listenersAtEndOfMain, 1, 'one beforeExit listener while records are buffered')
})

test('a script that drops records and ends on its own says how many: the first drop at once, the rest summed up at exit', async () => {
  emulator.reset()
  for (const mode of ['send', 'delivered'] as const) {
    // 'delivered' awaits flush(): the producer is idle, but its drops are still to be summed up.
    const { status, report, stderr } = await runChild({ mode, count: 200, options: { totalSizeInBytes: 2000 } })
    assert.equal(status, 0, stderr)
    const [s] = report.stats
    assert.ok(s.dropped > 1 && s.delivered === s.accepted, `${mode}: ${JSON.stringify(s)}`)
    assert.match(stderr, /WARN {2}logship\[tls:exit-topic\] dropped 1 record: the buffer \(totalSizeInBytes\) is full/, mode)
    assert.match(stderr, new RegExp(`WARN {2}logship\\[tls:exit-topic\\] dropped ${s.dropped - 1} more records \\(buffer_full: ${s.dropped - 1}\\)`), `${mode}: ${stderr}`)
  }
})

test('records sent by the application\'s own beforeExit handler to an idle producer are delivered before the exit', async () => {
  emulator.reset()
  const { status, report, stderr } = await runChild({ mode: 'send-in-before-exit', count: 5 })
  assert.equal(status, 0, stderr)
  const [s] = report.stats
  assert.equal(s.accepted, 5)
  assert.equal(s.delivered, 5)
  assert.equal(emulator.logs({ topicId: 'exit-topic' }).length, 5)
})

test('an idle producer, and one whose records are all delivered, let the process exit promptly', async () => {
  emulator.reset()
  const idle = await runChild({ mode: 'idle' })
  assert.equal(idle.status, 0, idle.stderr)
  assert.equal(idle.report.listenersAtEndOfMain, 0, 'no beforeExit listener for an idle producer')
  const delivered = await runChild({ mode: 'delivered', count: 50 })
  assert.equal(delivered.status, 0, delivered.stderr)
  assert.equal(delivered.report.listenersAtEndOfMain, 0)
  assert.equal(emulator.logs({ topicId: 'exit-topic' }).length, 50)
  // Node + tsx start-up dominates; a kept-alive socket or timer would add seconds (linger is 60 s).
  assert.ok(idle.elapsedMs < 10_000 && delivered.elapsedMs < 10_000, `idle ${idle.elapsedMs} ms, delivered ${delivered.elapsedMs} ms`)
  assert.ok(Math.abs(delivered.elapsedMs - idle.elapsedMs) < 4000, `idle ${idle.elapsedMs} ms, delivered ${delivered.elapsedMs} ms`)
})

test('a batch waiting for a retry on an unref\'d timer is sent by the exit flush, not lost', async () => {
  emulator.reset()
  emulator.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: 'exit-topic' })
  const { status, elapsedMs, report, stderr } = await runChild({ mode: 'retry-pending', count: 20 })
  assert.equal(status, 0, stderr)
  const [s] = report.stats
  assert.equal(s.retried, 1)
  assert.equal(s.delivered, 20)
  assert.equal(emulator.logs({ topicId: 'exit-topic' }).length, 20)
  assert.ok(elapsedMs < 12_000, `took ${elapsedMs} ms: the 15–30 s backoff was waited for`)
})

for (const mode of ['send', 'close'] as const) {
  test(`a transient 503 during the ${mode === 'send' ? 'exit flush' : 'final close()'} is retried with backoff, not lost`, async () => {
    emulator.reset()
    // The first two requests fail; their retries wait 200–400 ms on a timer that has to keep the
    // process alive while the producer drains.
    emulator.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 2, topicId: 'exit-topic' })
    const { status, report, stderr } = await runChild({ mode, count: 40, options: { baseRetryBackoffMs: 400, maxRetryBackoffMs: 400 } })
    assert.equal(status, 0, stderr)
    const [s] = report.stats
    assert.equal(s.retried, 2)
    assert.equal(s.delivered, 40)
    assert.equal(s.abandoned, 0)
    if (mode === 'close') assert.deepEqual(report.closeSummary, { delivered: 40, failed: 0, dropped: 0, pending: 0, timedOut: false })
    assert.equal(emulator.logs({ topicId: 'exit-topic' }).length, 40)
  })
}

test('the exit flush is bounded by closeTimeoutMs when the service does not answer', async () => {
  emulator.reset()
  emulator.inject({ kind: 'hold', ms: 60_000, count: 5, topicId: 'exit-topic' })
  const { status, elapsedMs, report, stderr } = await runChild({ mode: 'send', count: 10, options: { closeTimeoutMs: 1000, requestTimeoutMs: 60_000 } })
  assert.equal(status, 0, stderr)
  const [s] = report.stats
  assert.equal(s.abandoned, 10)
  assert.equal(s.pending, 0)
  assert.ok(elapsedMs < 12_000, `took ${elapsedMs} ms`)
  emulator.clearFaults()
})

test('an application whose beforeExit handler keeps it running (and logging) past closeTimeoutMs keeps a working producer', async () => {
  emulator.reset()
  const count = 10
  const late = 20 // one every 50 ms from the application's beforeExit handler: about 1 s
  const { status, report, stderr } = await runChild({ mode: 'keep-running', count, options: { closeTimeoutMs: 300 } })
  assert.equal(status, 0, stderr)
  assert.deepEqual(report.sendErrors, [], 'send() kept accepting records')
  const [s] = report.stats
  assert.equal(s.accepted, count + late)
  assert.equal(s.abandoned, 0)
  assert.equal(s.delivered, count + late, 'the records logged after the first exit flush went out at the real exit')
  assert.equal(emulator.logs({ topicId: 'exit-topic' }).length, count + late)
})

test('with flushOnExit: false, an awaited flush() keeps the process alive through a retry backoff', async () => {
  emulator.reset()
  emulator.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: 'exit-topic' })
  const { status, report, stderr } = await runChild({ mode: 'flush-awaited', count: 20 })
  assert.equal(status, 0, stderr)
  assert.equal(report.mainDone, true, 'await producer.flush() settled before the process exited')
  assert.equal(report.listenersAtEndOfMain, 0)
  const [s] = report.stats
  assert.equal(s.retried, 1)
  assert.equal(s.delivered, 20)
  assert.equal(emulator.logs({ topicId: 'exit-topic' }).length, 20)
})

test('an awaited close({ timeoutMs }) returns at its deadline while the credentials provider never answers', async () => {
  emulator.reset()
  const { status, elapsedMs, report, stderr } = await runChild({ mode: 'close-provider-hangs', count: 5 })
  assert.equal(status, 0, stderr)
  assert.equal(report.mainDone, true, 'await producer.close() settled before the process exited')
  assert.deepEqual(report.closeSummary, { delivered: 0, failed: 0, dropped: 0, pending: 5, timedOut: true })
  const [s] = report.stats
  assert.equal(s.inFlight, 0)
  assert.equal(s.abandoned, 5)
  assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`)
})

test('many producers, some closed early: one beforeExit listener, every record delivered', async () => {
  emulator.reset()
  const { status, report, stderr } = await runChild({ mode: 'many', count: 5 })
  assert.equal(status, 0, stderr)
  assert.equal(report.listenersAtEndOfMain, 1)
  assert.equal(report.stats.length, 20)
  assert.equal(total(report.stats, 'delivered'), 100)
  let stored = 0
  for (let p = 0; p < 20; p++) stored += emulator.logs({ topicId: `exit-topic-${p}` }).length
  assert.equal(stored, 100)
})
