/** createProducer(): validated options + the service's wire + the engine. */
import { createEngine } from './engine.js'
import { resolveOptions } from './options.js'
import { createWire } from './services/index.js'
import { systemClock } from './transport.js'
import type { Producer, ProducerOptions } from './types.js'

export { createEngine } from './engine.js'
export type { EngineDeps } from './engine.js'
export type { CloseOptions, Producer } from './types.js'

/**
 * Creates a producer. Options are validated here, once: a value that makes no sense throws an
 * InvalidOptionError naming the option, the value and what is allowed.
 */
export function createProducer (options: ProducerOptions): Producer {
  const resolved = resolveOptions(options)
  return createEngine(resolved, createWire(resolved), systemClock)
}
