/**
 * The peer range, tested: each pino major the range admits (the oldest 8.x it claims, the last 9.x,
 * the 10.x the other tests use) logs through @logship/pino as users do, in a worker
 * (pino.transport) and in-process (pino(opts, stream)); the emulator must store exactly the records
 * logged, once each, with their fields and time. The oldest version also exits right after
 * logging, in a child process, without losing a line.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import pino10 from 'pino'
import pino8 from 'pino-8'
import pino9 from 'pino-9'
import logship, { type LogshipPinoOptions } from '@logship/pino'
import type { StoredLog } from '../emulator/index.js'
import { emulator, fields, missingSeq, remoteEmulator, runExitApp, tlsOptions, type RemoteEmulator } from './helpers.js'

/** Each major's own types differ in details this test does not use; it calls them all through pino 10's. */
type Pino = typeof pino10
type Transport = ReturnType<Pino['transport']>

interface Version {
  /** The package the test package has it under. */
  pkg: string
  pino: Pino
  /** The exact version it resolves to (the lockfile's): a changed alias shows here first. */
  version: RegExp
  /** logger.flush(cb) waits for delivery in worker mode: thread-stream ≥ 4.1, from pino 10. */
  workerFlushWaits: boolean
}

const VERSIONS: Version[] = [
  { pkg: 'pino-8', pino: pino8 as unknown as Pino, version: /^8\.21\.0$/, workerFlushWaits: false },
  { pkg: 'pino-9', pino: pino9 as unknown as Pino, version: /^9\.\d+\.\d+$/, workerFlushWaits: false },
  { pkg: 'pino', pino: pino10, version: /^10\.\d+\.\d+$/, workerFlushWaits: true }
]

/** A worker that hangs fails its own test, by name (see worker.test.ts). */
const HANG = { timeout: 30_000 }

async function endTransport (transport: Transport): Promise<void> {
  const closed = once(transport, 'close')
  transport.end()
  await closed
}

function flushLogger (logger: { flush: (cb: (err?: Error) => void) => void }): Promise<void> {
  return new Promise((resolve, reject) => logger.flush((err) => err ? reject(err) : resolve()))
}

/**
 * Logs the test's records through `logger`: plain, with a field, from a child logger (bindings),
 * with an error in a field and an error as the only argument, and one with pino's ISO time.
 * Each carries a distinct `id`.
 */
function logRecords (pino: Pino, logger: pino10.Logger, stream: Parameters<Pino>[1]): void {
  logger.info({ id: 'plain' }, 'first')
  logger.warn({ id: 'fields', n: 2, ok: true, user: { id: 7, tags: ['a', 'b'] } }, 'second')
  const child = logger.child({ reqId: 'r-42', tenant: { name: 'acme' } })
  child.info({ id: 'child' }, 'from a child')
  child.error({ id: 'child-err', err: new TypeError('boom') }, 'failed')
  logger.child({ id: 'err-arg' }).error(Object.assign(new RangeError('out of range'), { code: 'E_RANGE' }))
  pino({ timestamp: pino.stdTimeFunctions.isoTime }, stream).info({ id: 'iso' }, 'iso time')
}

const IDS = ['child', 'child-err', 'err-arg', 'fields', 'iso', 'plain']

/** The stored records are exactly those logged, once each, mapped as packages/pino/README.md says. */
function checkRecords (logs: StoredLog[], before: number, after: number): void {
  const ids = logs.map((l) => fields(l).id).sort()
  assert.deepEqual(ids, IDS, 'each record exactly once')
  const byId = new Map(logs.map((l) => [fields(l).id, l]))
  const f = (id: string): Record<string, string> => fields(byId.get(id)!)
  const keys = (id: string): string[] => Object.keys(f(id)).sort()

  const base = ['hostname', 'id', 'level', 'msg', 'pid']
  assert.deepEqual(keys('plain'), base, 'no time field: the time travels as the log time')
  assert.equal(f('plain').level, 'info')
  assert.equal(f('plain').msg, 'first')
  assert.equal(f('plain').pid, String(process.pid))

  assert.deepEqual(keys('fields'), [...base, 'n', 'ok', 'user'].sort())
  assert.equal(f('fields').level, 'warn')
  assert.equal(f('fields').n, '2')
  assert.equal(f('fields').ok, 'true')
  assert.equal(f('fields').user, '{"id":7,"tags":["a","b"]}')

  assert.deepEqual(keys('child'), [...base, 'reqId', 'tenant'].sort())
  assert.equal(f('child').reqId, 'r-42')
  assert.equal(f('child').tenant, '{"name":"acme"}')
  assert.equal(f('child').msg, 'from a child')

  assert.deepEqual(keys('child-err'), [...base, 'err.message', 'err.stack', 'err.type', 'reqId', 'tenant'].sort())
  assert.equal(f('child-err').level, 'error')
  assert.equal(f('child-err').reqId, 'r-42')
  assert.equal(f('child-err')['err.type'], 'TypeError')
  assert.equal(f('child-err')['err.message'], 'boom')
  assert.match(f('child-err')['err.stack']!, /^TypeError: boom\n\s+at /)

  assert.deepEqual(keys('err-arg'), [...base, 'err.code', 'err.message', 'err.stack', 'err.type'].sort())
  assert.equal(f('err-arg').level, 'error')
  assert.equal(f('err-arg').msg, 'out of range', 'pino takes the message from the error')
  assert.equal(f('err-arg')['err.type'], 'RangeError')
  assert.equal(f('err-arg')['err.code'], 'E_RANGE')

  assert.equal(f('iso').level, 'info')
  // pino's default epochTime and isoTime are both whole milliseconds: the log time, no sub-ms part.
  for (const log of logs) {
    assert.ok(log.time >= before && log.time <= after, `${fields(log).id}: time ${log.time} in [${before}, ${after}]`)
    assert.equal(log.timeNs ?? 0, 0, `${fields(log).id}: no sub-millisecond part`)
  }
}

describe('pino versions in the peer range', () => {
  let emu: RemoteEmulator
  before(async () => { emu = await remoteEmulator() }, HANG)
  after(async () => { await emu.close() })

  for (const v of VERSIONS) {
    describe(`${v.pkg} (pino ${v.pino.version})`, () => {
      it('is the version the test package declares', () => {
        assert.match(v.pino.version, v.version)
      })

      it('worker: pino.transport target, records ended by transport.end()', HANG, async () => {
        const options = tlsOptions(emu, { lingerMs: 60_000 })
        const transport = v.pino.transport({ target: '@logship/pino', options })
        const logger = v.pino(transport)
        const before = Date.now()
        logRecords(v.pino, logger, transport)
        const after = Date.now()
        await endTransport(transport)
        checkRecords(await emu.logs({ topicId: options.topicId }), before, after)
      })

      it('worker: pino sends the worker its config (custom levels, messageKey, errorKey)', HANG, async () => {
        const options = tlsOptions(emu)
        const transport = v.pino.transport({ target: '@logship/pino', options })
        const logger = v.pino({ customLevels: { audit: 35 }, messageKey: 'message', errorKey: 'error' }, transport)
        logger.audit({ id: 'custom' }, 'audited')
        logger.error(new Error('kaput'))
        transport.write('raw line\n')
        await endTransport(transport)
        const logs = await emu.logs({ topicId: options.topicId })
        assert.deepEqual(logs.map((l) => fields(l).message).sort(), ['audited', 'kaput', 'raw line'])
        const byMessage = new Map(logs.map((l) => [fields(l).message, fields(l)]))
        assert.equal(byMessage.get('audited')!.level, 'audit', 'the custom level\'s label, from pino\'s config')
        assert.equal(byMessage.get('kaput')!['error.type'], 'Error')
        assert.equal(byMessage.get('kaput')!['error.message'], 'kaput')
        assert.deepEqual(byMessage.get('raw line'), { message: 'raw line' }, 'a line that is not JSON goes under pino\'s messageKey')
      })

      it(`worker: logger.flush(cb) ${v.workerFlushWaits ? 'waits for delivery' : 'calls back before delivery (thread-stream < 4.1); end() delivers'}`, HANG, async () => {
        const options = tlsOptions(emu, { lingerMs: 60_000 })
        const transport = v.pino.transport({ target: '@logship/pino', options })
        const logger = v.pino(transport)
        for (let i = 0; i < 50; i++) logger.info({ seq: i })
        await flushLogger(logger)
        const atFlush = (await emu.logs({ topicId: options.topicId })).length
        // With lingerMs 60 s nothing is sent unless the flush reaches the producer.
        assert.equal(atFlush, v.workerFlushWaits ? 50 : 0)
        await endTransport(transport)
        assert.equal(missingSeq(await emu.logs({ topicId: options.topicId }), 50), '')
      })

      it('in-process: pino(opts, await logship(options)); logger.flush(cb) waits for delivery, close() summarises', HANG, async () => {
        const options = tlsOptions(emu, { lingerMs: 60_000 })
        const stream = await logship(options as unknown as LogshipPinoOptions)
        const logger = v.pino({}, stream)
        const before = Date.now()
        logRecords(v.pino, logger, stream)
        const after = Date.now()
        await flushLogger(logger)
        checkRecords(await emu.logs({ topicId: options.topicId }), before, after)
        const summary = await stream.close()
        assert.equal(summary.delivered, IDS.length)
        assert.equal(summary.failed + summary.dropped + summary.pending + summary.invalid, 0)
      })
    })
  }
})

describe('pino 8.21 (the oldest in the range): delivery on exit, child process', { concurrency: 2 }, () => {
  let emu: Awaited<ReturnType<typeof emulator>>
  before(async () => { emu = await emulator() })
  after(async () => { await emu.close() })

  it('process.exit(0) right after logging 2,000 lines, before the worker is ready', async () => {
    const topicId = randomUUID()
    const r = await runExitApp(emu, topicId, 'exit', 2000, { pino: 'pino-8' })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(missingSeq(emu.logs({ topicId }), 2000), '')
  })

  it('an uncaught exception after logging 2,000 lines', async () => {
    const topicId = randomUUID()
    const r = await runExitApp(emu, topicId, 'throw', 2000, { pino: 'pino-8' })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /uncaught on purpose/)
    assert.equal(missingSeq(emu.logs({ topicId }), 2000), '')
  })
})
