/** Producer options for the emulator, per service: lz4 and signed (TLS V4, SLS v1), Go-like linger. */
import type { ProducerOptions } from '@logship/producer'
import { AK, SK } from './emulator.js'

export function producerOptions (service: 'tls' | 'sls', url: string, tag: string, extra: Partial<ProducerOptions> = {}): ProducerOptions {
  const common = { endpoint: url, accessKeyId: AK, accessKeySecret: SK, compression: 'lz4' as const, lingerMs: 100, source: '10.0.0.7', flushOnExit: false }
  return service === 'tls'
    ? { service, region: 'cn-beijing', topicId: `bench-${tag}`, filename: 'app.log', ...common, ...extra }
    : { service, region: 'cn-hangzhou', project: 'bench', logstore: `bench-${tag}`, signatureVersion: 'v1', ...common, ...extra }
}
