// Each fault kind observably happens and is counted.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startEmulator } from '../emulator/index.js'
import type { Emulator } from '../emulator/index.js'
import { expectSlsError, expectTlsError } from './helpers/expect.js'
import { send } from './helpers/http.js'
import { AK, SK, TOPIC, buildTls, sendSls, sendTls } from './helpers/requests.js'

let em: Emulator
before(async () => { em = await startEmulator({ credentials: [{ accessKeyId: AK, accessKeySecret: SK }] }) })
after(() => em.close())
beforeEach(() => em.reset())

describe('faults', () => {
  it('error: the next N requests of one service answer the given status and code', async () => {
    const id = em.inject({ kind: 'error', status: 500, code: 'InternalError', count: 2, service: 'tls' })
    assert.equal(typeof id, 'number')
    assert.equal((await sendSls(em.url)).status, 200)
    expectTlsError(em, await sendTls(em.url), 500, 'InternalError')
    expectTlsError(em, await sendTls(em.url), 500, 'InternalError')
    assert.equal((await sendTls(em.url)).status, 200)
    assert.equal(em.stats().faultsInjected.error, 2)
    assert.equal(em.faults().length, 0)
  })

  it('error: targeted at one destination only', async () => {
    em.inject({ kind: 'error', status: 503, code: 'ServerBusy', project: 'proj-b', count: 5 })
    assert.equal((await sendSls(em.url)).status, 200)
    expectSlsError(em, await sendSls(em.url, { project: 'proj-b' }), 503, 'ServerBusy')
    em.inject({ kind: 'error', status: 400, code: 'InvalidArgument', topicId: 'other' })
    assert.equal((await sendTls(em.url)).status, 200)
    expectTlsError(em, await sendTls(em.url, { topicId: 'other' }), 400, 'InvalidArgument')
  })

  it('latency: adds delay before processing', async () => {
    em.inject({ kind: 'latency', ms: 250, count: 1 })
    let t = Date.now()
    assert.equal((await sendTls(em.url)).status, 200)
    assert.ok(Date.now() - t >= 240, `took ${Date.now() - t} ms`)
    t = Date.now()
    assert.equal((await sendTls(em.url)).status, 200)
    assert.ok(Date.now() - t < 200)
    assert.equal(em.stats().faultsInjected.latency, 1)
  })

  it('drop: the socket is destroyed after the body is read, nothing is stored', async () => {
    em.inject({ kind: 'drop', service: 'tls' })
    await assert.rejects(sendTls(em.url), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET' || /socket hang up/.test(e.message))
    assert.equal(em.logs().length, 0)
    assert.equal((await sendTls(em.url)).status, 200)
    assert.equal(em.stats().faultsInjected.drop, 1)
  })

  it('drop afterStore: the request is stored, then the socket is destroyed without an answer', async () => {
    em.inject({ kind: 'drop', service: 'tls', afterStore: true })
    await assert.rejects(sendTls(em.url), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET' || /socket hang up/.test(e.message))
    const stored = em.logs().length
    assert.ok(stored > 0, 'the dropped request was stored')
    assert.equal((await sendTls(em.url)).status, 200)
    assert.equal(em.logs().length, 2 * stored, 'the same request sent again is stored again')
    assert.equal(em.stats().faultsInjected.drop, 1)
    assert.throws(() => em.inject({ kind: 'drop', afterStore: 'yes' } as never), /afterStore must be true or false/)
  })

  it('throttle: 429 ExceedQPSLimit (TLS) and 403 WriteQuotaExceed (SLS) above the rate', async () => {
    em.inject({ kind: 'throttle', ratePerSec: 3, durationMs: 5000 })
    const tls = []
    for (let i = 0; i < 5; i++) tls.push(await sendTls(em.url))
    assert.deepEqual(tls.map(r => r.status), [200, 200, 200, 429, 429])
    expectTlsError(em, tls[4]!, 429, 'ExceedQPSLimit')
    em.clearFaults()
    em.inject({ kind: 'throttle', ratePerSec: 2, service: 'sls' })
    const sls = []
    for (let i = 0; i < 3; i++) sls.push(await sendSls(em.url))
    assert.deepEqual(sls.map(r => r.status), [200, 200, 403])
    expectSlsError(em, sls[2]!, 403, 'WriteQuotaExceed')
    assert.equal((await sendTls(em.url)).status, 200)
    await sleep(1050)
    assert.equal((await sendSls(em.url)).status, 200)
    assert.equal(em.stats().faultsInjected.throttle, 3)
  })

  it('outage (status): 503 for the window, then normal', async () => {
    em.inject({ kind: 'outage', durationMs: 300 })
    expectTlsError(em, await sendTls(em.url), 503, 'ServiceUnavailable')
    expectSlsError(em, await sendSls(em.url), 503, 'ServerBusy')
    await sleep(350)
    assert.equal((await sendTls(em.url)).status, 200)
    assert.equal(em.stats().faultsInjected.outage, 2)
  })

  it('outage (reset): connections are reset for the window', async () => {
    em.inject({ kind: 'outage', durationMs: 300, mode: 'reset' })
    await assert.rejects(sendTls(em.url), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET' || e.code === 'EPIPE' || /socket hang up/.test(e.message))
    await assert.rejects(sendSls(em.url))
    await sleep(350)
    assert.equal((await sendSls(em.url)).status, 200)
    assert.ok((em.stats().faultsInjected.outage ?? 0) >= 2)
  })

  it('hold: the request is processed but the reply comes after the client timeout', async () => {
    em.inject({ kind: 'hold', ms: 600 })
    const req = buildTls(em.url)
    await assert.rejects(send(em.url, { ...req, timeoutMs: 200 }), (e: NodeJS.ErrnoException) => e.code === 'CLIENT_TIMEOUT')
    assert.equal(em.logs({ topicId: TOPIC }).length, 2)
    const t = Date.now()
    em.inject({ kind: 'hold', ms: 300 })
    assert.equal((await sendTls(em.url)).status, 200)
    assert.ok(Date.now() - t >= 290)
    assert.equal(em.stats().faultsInjected.hold, 2)
  })

  it('invalid fault specs are refused with a clear error', () => {
    assert.throws(() => em.inject({ kind: 'nope' } as never), /fault kind/)
    assert.throws(() => em.inject({ kind: 'latency', ms: -1 }), /ms must be/)
  })
})
