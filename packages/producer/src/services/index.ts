/** The wire protocol of the configured service, as the engine's Wire. */
import type { ResolvedOptions } from '../options.js'
import type { Wire } from '../transport.js'
import type { WireDeps } from './service-wire.js'
import { createSlsWire } from './sls.js'
import { createTlsWire } from './tls.js'

export function createWire (options: ResolvedOptions, deps?: WireDeps): Wire {
  return options.service === 'tls' ? createTlsWire(options, deps) : createSlsWire(options, deps)
}

export { adjustShardHash } from './adjust-hash.js'
export { CredentialsSource } from './credentials.js'
