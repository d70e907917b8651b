/**
 * registerMetrics() called twice for one source and registry counts once (the same registration is
 * returned), and a registration made after logging started still has records_total equal to the
 * lifetime stats(): for a producer, and for the winston transport in both modes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import winston from 'winston'
import { createProducer } from '@logship/producer'
import { registerMetrics } from '@logship/producer/prometheus'
import { LogshipTransport } from '@logship/winston'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { scrape, tlsOptions, value, waitFor } from './helpers.js'

describe('registerMetrics: registering twice, registering late', () => {
  let emu: Emulator
  before(async () => { emu = await startEmulator({ port: 0 }) })
  after(async () => { await emu.close() })

  const line = (i: number) => ({ contents: { i: String(i) } })

  it('a producer registered twice with one registry is counted once; unregister and register again does not recount', async () => {
    const registry = new Registry()
    const p = createProducer(tlsOptions(emu, { name: 'twice', diagnostics: { level: 'off' } }) as any)
    const first = registerMetrics(p, { registry })
    const second = registerMetrics(p, { registry })
    assert.equal(second, first, 'the same registration')
    for (let i = 0; i < 10; i++) p.send(line(i))
    await p.flush()
    let m = await scrape(registry)
    assert.equal(p.stats().delivered, 10)
    assert.equal(value(m, 'logship_records_total', { producer: 'twice', result: 'delivered' }), 10)
    assert.equal(value(m, 'logship_requests_total', { producer: 'twice' }), p.stats().requests)
    second.unregister()
    const third = registerMetrics(p, { registry })
    assert.notEqual(third, first)
    for (let i = 0; i < 5; i++) p.send(line(i))
    await p.flush()
    m = await scrape(registry)
    assert.equal(value(m, 'logship_records_total', { producer: 'twice', result: 'delivered' }), 15)
    assert.equal(p.stats().delivered, 15)
    await p.close()
  })

  it('a producer registered after logging started: records_total matches its lifetime stats()', async () => {
    const registry = new Registry()
    const p = createProducer(tlsOptions(emu, { name: 'late', diagnostics: { level: 'off' } }) as any)
    for (let i = 0; i < 10; i++) p.send(line(i))
    await p.flush()
    registerMetrics(p, { registry })
    for (let i = 0; i < 5; i++) p.send(line(i))
    await p.flush()
    const m = await scrape(registry)
    assert.equal(value(m, 'logship_records_total', { producer: 'late', result: 'delivered' }), 15)
    assert.equal(p.stats().delivered, 15)
    await p.close()
  })

  for (const worker of [false, true]) {
    it(`winston ${worker ? 'worker' : 'in-process'} mode, registered late and twice: records_total matches stats()`, async () => {
      const registry = new Registry()
      const name = `winston-late-${worker ? 'worker' : 'here'}`
      const transport = new LogshipTransport(tlsOptions(emu, { name, worker, diagnostics: { level: 'off' } }) as any)
      const log = winston.createLogger({ transports: [transport] })
      for (let i = 0; i < 10; i++) log.info('early', { i })
      await transport.flush()
      await waitFor(() => transport.stats().delivered === 10, 5000, 'the early records delivered')
      const first = registerMetrics(transport, { registry })
      assert.equal(registerMetrics(transport, { registry }), first)
      for (let i = 0; i < 5; i++) log.info('late', { i })
      await new Promise<void>((resolve) => { log.on('finish', resolve); log.end() })
      await waitFor(() => transport.stats().delivered === 15, 5000, 'all delivered')
      const m = await scrape(registry)
      assert.equal(value(m, 'logship_records_total', { producer: name, result: 'delivered' }), 15)
    })
  }
})
