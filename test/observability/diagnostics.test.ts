/**
 * The producer's diagnostic log: levels (warn by default), what is said and why, a user logger,
 * stderr in text or JSON, never a secret, and the loop guard when the logger ships into the producer.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { createProducer, InvalidOptionError, type DiagnosticRecord, type DiagnosticsLogger } from '@logship/producer'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { ACCESS_KEY_ID, SECRET, tlsOptions } from './helpers.js'

function capture (): { logger: DiagnosticsLogger, calls: Array<[string, string, DiagnosticRecord]> } {
  const calls: Array<[string, string, DiagnosticRecord]> = []
  const method = (level: string) => (message: string, record: DiagnosticRecord) => { calls.push([level, message, record]) }
  return { logger: { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') }, calls }
}

const CHILD = fileURLToPath(new URL('./fixtures/diag-child.ts', import.meta.url))

function runChild (mode: string, emu: Emulator, topicId: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, LOGSHIP_TEST_MODE: mode, LOGSHIP_TEST_URL: emu.url, LOGSHIP_TEST_TOPIC: topicId },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('diagnostics', () => {
  let emu: Emulator
  before(async () => { emu = await startEmulator({ port: 0 }) })
  after(async () => { await emu.close() })

  it('is warn by default: drops, failures and a lossy close are said; retries and deliveries are not', async () => {
    const { logger, calls } = capture()
    const options = tlsOptions(emu, { baseRetryBackoffMs: 10, totalSizeInBytes: 400, diagnostics: { logger } })
    const producer = createProducer(options as any)
    emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', count: 1, topicId: options.topicId })
    producer.send({ contents: { n: '1' } })
    await producer.flush()
    emu.inject({ kind: 'error', status: 400, code: 'InvalidArgument', count: 1, topicId: options.topicId })
    for (let i = 0; i < 30; i++) producer.send({ contents: { i: String(i), pad: 'x'.repeat(20) } })
    await producer.close()
    const levels = new Set(calls.map(([level]) => level))
    assert.ok(!levels.has('debug') && !levels.has('info'), [...levels].join())
    const events = calls.map(([, , r]) => r.event)
    assert.equal(events.filter((e) => e === 'drop').length, 2, 'the first drop, then one summary at close')
    assert.ok(events.includes('failed'))
    assert.ok(events.includes('closed'))
    const failed = calls.find(([, , r]) => r.event === 'failed')!
    assert.equal(failed[0], 'error')
    assert.match(failed[1], /failed, \d+ logs not delivered after 1 attempt\(s\): HTTP 400 InvalidArgument/)
    // The service's code, as in the retry record and Result.errorCode (not the generic LOGSHIP_HTTP_ERROR).
    assert.equal(failed[2].errorCode, 'InvalidArgument')
    const summary = calls.filter(([, , r]) => r.event === 'drop')[1][2]
    assert.equal(Number(summary.count) + 1, producer.stats().dropped, 'the summary counts every drop after the first')
    const closed = calls.find(([, , r]) => r.event === 'closed')!
    assert.equal(closed[0], 'warn')
    assert.equal(closed[2].dropped, producer.stats().dropped)
    for (const [, message, record] of calls) {
      assert.equal(message, record.msg)
      assert.equal(record.producer, `tls:${options.topicId}`)
      assert.equal(typeof record.time, 'number')
      assert.doesNotThrow(() => structuredClone(record))
    }
  })

  it('at debug says what it did and why, including credential refreshes, and never a secret', async () => {
    const { logger, calls } = capture()
    let provided = 0
    const options = tlsOptions(emu, {
      name: 'verbose',
      baseRetryBackoffMs: 10,
      diagnostics: { level: 'debug', logger },
      accessKeyId: () => {
        provided++
        return { accessKeyId: ACCESS_KEY_ID, accessKeySecret: SECRET, expiresAt: Date.now() + 3_600_000 }
      }
    })
    delete options.accessKeySecret
    const producer = createProducer(options as any)
    const events: DiagnosticRecord[] = []
    producer.on('diagnostic', (record) => events.push(record))
    emu.inject({ kind: 'error', status: 503, code: 'ServiceUnavailable', message: `echo ${SECRET}`, count: 1, topicId: options.topicId })
    for (let i = 0; i < 3; i++) producer.send({ contents: { secretish: 'record contents stay out' } })
    await producer.flush()
    producer.setCredentials({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: SECRET })
    await producer.close()
    assert.equal(provided, 1)
    assert.deepEqual(events, calls.map(([, , r]) => r), 'the diagnostic event sees what the logger sees')
    const byEvent = (name: string) => calls.filter(([, , r]) => r.event === name)
    assert.equal(byEvent('credentials')[0][0], 'info')
    assert.match(byEvent('credentials')[0][1], /credentials refreshed by the provider/)
    assert.ok(typeof byEvent('credentials')[0][2].expiresAt === 'string')
    assert.match(byEvent('credentials')[1][1], /replaced by setCredentials/)
    assert.equal(byEvent('batch_sealed').length, 1)
    assert.equal(byEvent('request').length, 2)
    assert.equal(byEvent('request')[0][2].status, 503)
    assert.equal(byEvent('request')[0][2].willRetry, true)
    const retry = byEvent('retry')[0]
    assert.equal(retry[0], 'info')
    assert.equal(retry[2].reason, 'server_error')
    assert.equal(retry[2].errorCode, 'ServiceUnavailable')
    assert.match(retry[1], /retry 1\/10 in \d+ ms: server_error: HTTP 503 ServiceUnavailable/)
    assert.equal(byEvent('delivered')[0][2].attempts, 2)
    assert.equal(byEvent('closed')[0][0], 'info')
    assert.match(byEvent('closed')[0][1], /producer closed: 3 delivered, 0 failed, 0 dropped/)
    const text = JSON.stringify(calls)
    assert.ok(text.includes('[redacted]'), 'the echoed secret was scrubbed')
    assert.ok(!text.includes(SECRET), 'no secret')
    assert.ok(!text.includes(ACCESS_KEY_ID), 'no key id')
    assert.ok(!text.includes('record contents stay out'), 'no record contents')
  })

  it('writes to stderr by default, as text or JSON lines', async () => {
    const text = await runChild('default', emu, 'topic-text')
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}logship\[child\] dropped 1 record: the buffer \(totalSizeInBytes\) is full .* event=drop reason=buffer_full count=1 bytes=\d+$/m)
    assert.match(text.stderr, /WARN {2}logship\[child\] producer closed: \d+ delivered, 0 failed, \d+ dropped/)
    assert.ok(!/INFO|DEBUG/.test(text.stderr))
    const json = await runChild('json', emu, 'topic-json')
    assert.equal(json.code, 0, json.stderr)
    const records = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as DiagnosticRecord)
    assert.deepEqual(records.map((r) => r.event), ['drop', 'drop', 'closed'])
    assert.equal(records[0].level, 'warn')
    assert.ok(!json.stderr.includes(SECRET) && !text.stderr.includes(SECRET))
  })

  it('never loops: a logger that ships into the producer is detected and replaced by stderr', async () => {
    const r = await runChild('loop', emu, 'topic-loop')
    assert.equal(r.code, 0, r.stderr)
    const { calls, accepted } = JSON.parse(r.stdout) as { calls: number, accepted: number }
    assert.equal(calls, 1, 'the logger was called once, then dropped')
    assert.equal(accepted, 6, 'five records and the one diagnostic that looped')
    assert.match(r.stderr, /diagnostics\.logger ships its records into this producer/)
    assert.match(r.stderr, /DEBUG logship\[child\] batch \d+ sealed/)
  })

  it('validates its options, naming them', () => {
    const base = tlsOptions(emu)
    const bad: Array<[unknown, string]> = [
      [{ level: 'verbose' }, 'diagnostics.level'],
      [{ logger: { info () {} } }, 'diagnostics.logger'],
      [{ destination: 'stdout' }, 'diagnostics.destination'],
      [{ destination: { file: '' } }, 'diagnostics.destination.file'],
      [{ destination: { file: '/tmp/x.log', maxSizeBytes: 0 } }, 'diagnostics.destination.maxSizeBytes'],
      [{ destination: { file: '/tmp/x.log', maxFiles: 1.5 } }, 'diagnostics.destination.maxFiles'],
      [{ destination: { file: '/tmp/x.log', compress: 'gzip' } }, 'diagnostics.destination.compress'],
      [{ format: 'yaml' }, 'diagnostics.format'],
      ['warn', 'diagnostics']
    ]
    for (const [diagnostics, option] of bad) {
      assert.throws(() => createProducer({ ...base, diagnostics } as any), (e: unknown) => e instanceof InvalidOptionError && e.option === option, option)
    }
    assert.throws(() => createProducer({ ...base, name: '' } as any), /invalid option name/)
    createProducer({ ...base, diagnostics: { level: 'off' } } as any).destroy()
  })
})
