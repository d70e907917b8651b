import { createEngine } from '../../../packages/producer/src/engine.js'
import type { Producer, ProducerOptions } from '../../../packages/producer/src/types.js'
import { FakeWire, testOptions, type FakeWireOptions } from './fake-wire.js'
import { ManualClock } from './manual-clock.js'

export interface Harness {
  clock: ManualClock
  wire: FakeWire
  producer: Producer
}

export function setup (options: Partial<ProducerOptions> = {}, wireOptions: FakeWireOptions = {}, random?: () => number): Harness {
  const clock = new ManualClock()
  const wire = new FakeWire({ now: () => clock.now(), ...wireOptions })
  const producer = createEngine(testOptions(options), wire, clock, random === undefined ? {} : { random })
  return { clock, wire, producer }
}

/** The encoded entry size the fake wire produces for a record. */
export function entrySize (wire: FakeWire, ms: number, contents: Record<string, unknown>): number {
  return wire.encodeLog({ ms, subMsNs: 0 }, contents).length
}
