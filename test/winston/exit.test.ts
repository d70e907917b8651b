/**
 * Exit paths, each in a fresh child process with real winston and the transport in its default
 * worker mode: every record logged before the process ends must reach the emulator.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { logsOf, runFixture, startEmulator, tlsOptions } from './helpers.js'
import type { Emulator } from './helpers.js'

let emulator: Emulator

before(async () => { emulator = await startEmulator({}) })
after(async () => { await emulator.close() })

function assertAllArrived (topicId: string, runId: string, count: number): void {
  const ids = new Set<string>()
  for (const { fields } of logsOf(emulator, topicId)) {
    if (fields.runId === runId && fields.id !== undefined) ids.add(fields.id)
  }
  const missing: string[] = []
  for (let i = 0; i < count && missing.length < 5; i++) if (!ids.has(`${runId}-${i}`)) missing.push(`${runId}-${i}`)
  assert.equal(ids.size, count, `expected ${count} distinct records, got ${ids.size}; missing e.g. ${missing.join(', ')}`)
}

describe('worker mode exit paths', () => {
  test('normal return: the event loop empties and every record arrives', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['return', runId, '2000'], options)
    assert.equal(child.code, 0, child.stderr)
    assertAllArrived(options.topicId, runId, 2000)
  })

  test('process.exit(0) right after 10,000 records: every record arrives', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['exit', runId, '10000'], options)
    assert.equal(child.code, 0, child.stderr)
    assertAllArrived(options.topicId, runId, 10_000)
  })

  test('logger.configure() with the same transport half-way, then process.exit(0): every record arrives', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['configure-exit', runId, '2000'], options)
    assert.equal(child.code, 0, child.stderr)
    assert.doesNotMatch(child.stderr, /drop:/)
    assertAllArrived(options.topicId, runId, 2000)
  })

  test('uncaught exception with handleExceptions: the exception and every record arrive, exit code 1', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['exception', runId, '500'], options)
    assert.equal(child.code, 1, child.stderr)
    assertAllArrived(options.topicId, runId, 500)
    const exception = logsOf(emulator, options.topicId).find(({ fields }) => fields.exception === 'true')
    assert.ok(exception, 'the uncaught exception record arrived')
    assert.equal(exception.fields.level, 'error')
    assert.match(exception.fields.message, new RegExp(`uncaughtException: boom ${runId}`))
    const error = JSON.parse(exception.fields.error) as { name: string, message: string, stack: string }
    assert.equal(error.name, 'Error')
    assert.equal(error.message, `boom ${runId}`)
    assert.match(error.stack, /exit\.mjs/)
    assert.equal(exception.fields.runId, runId, 'defaultMeta is kept on the exception record')
  })

  test('unhandled rejection with handleRejections: the rejection and every record arrive, exit code 1', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['rejection', runId, '500'], options)
    assert.equal(child.code, 1, child.stderr)
    assertAllArrived(options.topicId, runId, 500)
    const rejection = logsOf(emulator, options.topicId).find(({ fields }) => fields.rejection === 'true')
    assert.ok(rejection, 'the unhandled rejection record arrived')
    assert.match(rejection.fields.message, new RegExp(`unhandledRejection: nope ${runId}`))
  })

  test('logger.end(): finish fires in the child only after delivery', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['end', runId, '3000'], options)
    assert.equal(child.code, 0, child.stderr)
    assert.equal(child.stdout, 'finish\n')
    assertAllArrived(options.topicId, runId, 3000)
  })

  test('a backend that never answers cannot hold the exit longer than closeTimeoutMs', async () => {
    const options = { ...tlsOptions(emulator), closeTimeoutMs: 1500, requestTimeoutMs: 60_000 }
    const fault = emulator.inject({ kind: 'hold', ms: 30_000, topicId: options.topicId })
    const child = await runFixture('exit.mjs', ['exit', randomUUID(), '100'], options)
    emulator.removeFault(fault)
    assert.equal(child.code, 0, child.stderr)
    assert.ok(child.ms >= 1500, `the exit path waited for delivery (${child.ms} ms)`)
    // Without the deadline the exit would wait for the 30 s hold; the slack covers a slow start.
    assert.ok(child.ms < 1500 + 8000, `exit took ${child.ms} ms`)
  })

  test('flushOnExit: false: the exit does not wait for delivery', async () => {
    // A held backend and a long closeTimeoutMs: with the exit wait the child would take 20 s.
    const options = { ...tlsOptions(emulator), closeTimeoutMs: 20_000, requestTimeoutMs: 60_000, flushOnExit: false }
    const fault = emulator.inject({ kind: 'hold', ms: 30_000, topicId: options.topicId })
    const child = await runFixture('exit.mjs', ['exit', randomUUID(), '100'], options)
    emulator.removeFault(fault)
    assert.equal(child.code, 0, child.stderr)
    assert.ok(child.ms < 10_000, `exit took ${child.ms} ms`)
  })

  test('a dead endpoint: the process still exits promptly', async () => {
    const options = { ...tlsOptions(emulator), endpoint: 'http://127.0.0.1:9', closeTimeoutMs: 1500 }
    const child = await runFixture('exit.mjs', ['exit', randomUUID(), '100'], options)
    assert.equal(child.code, 0, child.stderr)
    // Without the deadline, retrying a refused connection would take ~100 s (10 retries, backoff to 50 s).
    assert.ok(child.ms < 1500 + 8000, `exit took ${child.ms} ms`)
  })
})

describe('in-process mode exit paths', () => {
  test('normal return: the producer flushes when the event loop empties', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['return', runId, '2000', 'in-process'], options)
    assert.equal(child.code, 0, child.stderr)
    assertAllArrived(options.topicId, runId, 2000)
  })

  test('uncaught exception: sent at once, so it arrives within winston\'s 3 s before exit (best effort)', async () => {
    const options = tlsOptions(emulator, { lingerMs: 60_000 })
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['exception', runId, '200', 'in-process'], options)
    assert.equal(child.code, 1, child.stderr)
    assertAllArrived(options.topicId, runId, 200)
    assert.ok(logsOf(emulator, options.topicId).some(({ fields }) => fields.exception === 'true'))
  })

  test('logger.end(): finish only after delivery', async () => {
    const options = tlsOptions(emulator)
    const runId = randomUUID()
    const child = await runFixture('exit.mjs', ['end', runId, '3000', 'in-process'], options)
    assert.equal(child.code, 0, child.stderr)
    assert.equal(child.stdout, 'finish\n')
    assertAllArrived(options.topicId, runId, 3000)
  })
})
