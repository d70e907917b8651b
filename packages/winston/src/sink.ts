/**
 * Where mapped records go: a producer in a worker thread (worker/client.ts) or on the logging
 * thread (in-process.ts). The transport only ever talks to this interface.
 */
import type { CloseSummary, Credentials, ProducerStats } from '@logship/producer'
import type { MappedRecord } from './mapping.js'

export type TransportEventName = 'delivered' | 'failed' | 'retry' | 'drop' | 'warn' | 'diagnostic' | 'metrics'

/** Re-emits an event on the transport. Never 'error': winston would crash or unpipe on it. */
export type EmitEvent = (name: TransportEventName, arg: unknown) => void

export interface Sink {
  readonly mode: 'worker' | 'in-process'
  /** Takes one record; never blocks and never throws. */
  write (record: MappedRecord): void
  /**
   * Optional fast path: takes the info object itself when it can be carried exactly without
   * mapInfo (worker mode, see worker/encode.ts); false means call write(mapInfo(…)) instead.
   */
  writeInfo?: (info: Record<string | symbol, unknown>) => boolean
  /** Optional: the transport got a listener for this event (worker mode forwards only those). */
  listen?: (name: string | symbol) => void
  /** Starts delivering what is queued without waiting (an exception record is about to end the process). */
  kick (): void
  /** Resolves when every record written before the call is delivered or has finally failed. */
  flush (): Promise<void>
  /** Delivers what is buffered, bounded by closeTimeoutMs, then releases everything. Idempotent. */
  close (): Promise<CloseSummary>
  stats (): ProducerStats
  setCredentials (credentials: Credentials): void
}

/** A drop that happened in the adapter itself (the producer reports its own through 'drop'). */
export interface AdapterDropEvent {
  reason: 'closed' | 'worker_exited' | 'invalid_record'
  count: number
  bytes: number
  error?: Error
}
