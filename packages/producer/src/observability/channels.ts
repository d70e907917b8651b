/**
 * Tracing hooks on node:diagnostics_channel, for APM tools and tests to subscribe to without code
 * changes. Channels are process-wide (per thread); every message names its producer. A message is
 * only built when the channel has subscribers, so an unobserved producer pays one property read.
 * Messages carry counts, destinations, statuses and error codes, never credentials or record contents.
 */
// A namespace import: the module has no default export in its typings, and the declarations must
// compile without the user's esModuleInterop.
import * as diagnosticsChannel from 'node:diagnostics_channel'
import type { DestinationInfo, DropReason, ServiceName } from '../types.js'

export const CHANNELS = Object.freeze({
  batchSealed: 'logship:batch:sealed',
  requestStart: 'logship:request:start',
  requestEnd: 'logship:request:end',
  drop: 'logship:drop'
})

export const batchSealedChannel = diagnosticsChannel.channel(CHANNELS.batchSealed)
export const requestStartChannel = diagnosticsChannel.channel(CHANNELS.requestStart)
export const requestEndChannel = diagnosticsChannel.channel(CHANNELS.requestEnd)
export const dropChannel = diagnosticsChannel.channel(CHANNELS.drop)

/** `logship:batch:sealed`: a batch stopped taking records and was queued for sending. */
export interface BatchSealedMessage {
  producer: string
  service: ServiceName
  destination: DestinationInfo
  /** Per producer, in creation order. */
  batchId: number
  logCount: number
  /** Uncompressed protobuf bytes of the request body. */
  rawBytes: number
}

/**
 * `logship:request:start` and `logship:request:end` receive the SAME object for one request: the
 * end fields are added to it before it is published on `end`, so a subscriber can keep state on it
 * (a span, a start time) the way TracingChannel contexts are used.
 */
export interface RequestMessage {
  producer: string
  service: ServiceName
  destination: DestinationInfo
  batchId: number
  /** 1 for the first send of the batch. */
  attempt: number
  logCount: number
  rawBytes: number
  // Set on end:
  success?: boolean
  /** HTTP status; 0 when no response came (network error, timeout). */
  status?: number
  /** '' on success; the service's error code, a network cause (ECONNRESET) or a LOGSHIP_ code. */
  errorCode?: string
  requestId?: string
  durationMs?: number
  /** Another attempt is scheduled. */
  willRetry?: boolean
  /** The batch was abandoned (close deadline, destroy) while this request was in flight. */
  abandoned?: boolean
}

/** `logship:drop`: records refused before they were buffered, by the producer or by an adapter. */
export interface DropMessage {
  producer: string
  service: ServiceName
  reason: DropReason
  count: number
  bytes: number
}
