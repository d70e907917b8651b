/**
 * What the engine tells operators about its own work, beyond its events: the diagnostic log,
 * metrics observers and diagnostics_channel messages. Kept out of engine.ts so the engine reads as
 * batching, budget and lifecycle. Every hook costs next to nothing when nobody observes: the
 * engine calls them per batch, per request, on retries and on drops, never per accepted record.
 */
import type { ProducerBatch } from '../accumulator.js'
import { serviceErrorCode, type LogshipError } from '../errors.js'
import { monotonicNow, type Clock, type CredentialsListener } from '../transport.js'
import type { Attempt, DropReason, ServiceName } from '../types.js'
import {
  batchSealedChannel, dropChannel, requestEndChannel, requestStartChannel, type BatchSealedMessage, type DropMessage,
  type RequestMessage
} from './channels.js'
import type { Diagnostics } from './diagnostics.js'
import { destinationLabel, retryReason, type ProducerObserver } from './observer.js'

export class EngineHooks {
  readonly diag: Diagnostics
  /** Metrics observers (observer.ts); usually none. Replaced, never mutated, so a loop over it is safe. */
  private observers: ProducerObserver[] = []
  private readonly name: string
  private readonly service: ServiceName
  private readonly clock: Clock
  private readonly lingerMs: number
  private readonly retries: number

  constructor (diag: Diagnostics, name: string, service: ServiceName, clock: Clock, settings: { lingerMs: number, retries: number }) {
    this.diag = diag
    this.name = name
    this.service = service
    this.clock = clock
    this.lingerMs = settings.lingerMs
    this.retries = settings.retries
  }

  /** Attaches a metrics observer; returns the detach function. */
  observe (observer: ProducerObserver): () => void {
    this.observers = [...this.observers, observer]
    return () => { this.observers = this.observers.filter((o) => o !== observer) }
  }

  readonly credentials: CredentialsListener = (event) => {
    if (event.ok) this.diag.info('credentials', `credentials refreshed by the provider${event.forced ? ' after an authentication failure' : ''}`, { expiresAt: event.expiresAt })
    else this.diag.warn('credentials', `credentials refresh failed: ${event.error}`, { forced: event.forced })
  }

  sealed (batch: ProducerBatch): void {
    if (!batchSealedChannel.hasSubscribers && !this.diag.debugOn) return
    if (batchSealedChannel.hasSubscribers) {
      batchSealedChannel.publish({
        producer: this.name, service: this.service, destination: batch.destination, batchId: batch.id, logCount: batch.logCount, rawBytes: batch.bodyBytes
      } satisfies BatchSealedMessage)
    }
    this.diag.debug('batch_sealed', `batch ${batch.id} sealed: ${batch.logCount} logs, ${batch.bodyBytes} bytes`, {
      batchId: batch.id, destination: destinationLabel(batch.destination), logCount: batch.logCount, rawBytes: batch.bodyBytes
    })
  }

  /** The channel message of a request, reused by requestEnd; undefined when nobody listens. */
  requestStart (batch: ProducerBatch): RequestMessage | undefined {
    if (!requestStartChannel.hasSubscribers && !requestEndChannel.hasSubscribers) return undefined
    const message: RequestMessage = {
      producer: this.name,
      service: this.service,
      destination: batch.destination,
      batchId: batch.id,
      attempt: batch.attemptCount + 1,
      logCount: batch.logCount,
      rawBytes: batch.bodyBytes
    }
    if (requestStartChannel.hasSubscribers) requestStartChannel.publish(message)
    return message
  }

  /**
   * Every request that was sent ends here once, also one whose batch was abandoned while it was in
   * flight (`abandoned`: its attempt is not recorded on the batch, usually the wire's abort), so
   * that requests_total matches stats().requests.
   */
  requestEnd (batch: ProducerBatch, context: object | undefined, attempt: Attempt, willRetry: boolean, abandoned: boolean): void {
    const observers = this.observers
    for (let i = 0; i < observers.length; i++) {
      observers[i].request(batch.destination, attempt.status, attempt.errorCode, attempt.latencyMs, attempt.success)
    }
    if (this.diag.debugOn) {
      // An abandoned batch's attempts stop at the one in flight: its number is attemptCount + 1.
      const n = abandoned ? batch.attemptCount + 1 : batch.attemptCount
      this.diag.debug('request', `batch ${batch.id} attempt ${n}: ${attempt.success ? 'ok' : `${attempt.status} ${attempt.errorCode}`} in ${attempt.latencyMs} ms${abandoned ? ' (batch abandoned meanwhile)' : ''}`, {
        batchId: batch.id, attempt: n, status: attempt.status, errorCode: attempt.errorCode, requestId: attempt.requestId, latencyMs: attempt.latencyMs, willRetry, abandoned: abandoned || undefined
      })
    }
    if (context !== undefined && requestEndChannel.hasSubscribers) {
      const message = context as RequestMessage
      message.success = attempt.success
      message.status = attempt.status
      message.errorCode = attempt.errorCode
      message.requestId = attempt.requestId
      message.durationMs = attempt.latencyMs
      message.willRetry = willRetry
      message.abandoned = abandoned
      requestEndChannel.publish(message)
    }
  }

  retry (batch: ProducerBatch, attempt: Attempt, retry: number, delayMs: number, error: LogshipError): void {
    if (this.observers.length === 0 && !this.diag.infoOn) return
    const reason = retryReason(error, attempt.status)
    const observers = this.observers
    for (let i = 0; i < observers.length; i++) observers[i].retry(batch.destination, reason)
    this.diag.info('retry', `batch ${batch.id} (${batch.logCount} logs) retry ${retry}/${this.retries} in ${delayMs} ms: ${reason}: ${error.message}`, {
      batchId: batch.id, destination: destinationLabel(batch.destination), logCount: batch.logCount, retry, delayMs, reason, status: attempt.status, errorCode: attempt.errorCode, requestId: attempt.requestId
    })
  }

  dropped (reason: DropReason, count: number, bytes: number, detail?: string): void {
    const observers = this.observers
    for (let i = 0; i < observers.length; i++) observers[i].dropped(reason, count, bytes)
    if (dropChannel.hasSubscribers) {
      dropChannel.publish({ producer: this.name, service: this.service, reason, count, bytes } satisfies DropMessage)
    }
    this.diag.drop(reason, count, bytes, detail)
  }

  /** A batch is done. Final failures are always logged (at error); the rest only when observed. */
  settled (batch: ProducerBatch, successful: boolean, error: LogshipError | undefined, abandoned: boolean): void {
    const observers = this.observers
    if (observers.length === 0 && !this.diag.debugOn && (successful || abandoned)) return
    const result = successful ? 'delivered' : abandoned ? 'abandoned' : 'failed'
    if (observers.length > 0) {
      // The batch's deadline is its first record's time + lingerMs: its age is measured from that record.
      const ageMs = Math.max(0, monotonicNow(this.clock) - (batch.deadline - this.lingerMs))
      for (let i = 0; i < observers.length; i++) observers[i].settled(batch.destination, result, batch.logCount, batch.bodyBytes, ageMs)
    }
    if (successful) {
      this.diag.debug('delivered', `batch ${batch.id} delivered: ${batch.logCount} logs after ${batch.attemptCount} attempt(s)`, {
        batchId: batch.id, destination: destinationLabel(batch.destination), logCount: batch.logCount, rawBytes: batch.bodyBytes, attempts: batch.attemptCount
      })
    } else if (!abandoned) {
      this.diag.error('failed', `batch ${batch.id} failed, ${batch.logCount} logs not delivered after ${batch.attemptCount} attempt(s): ${error?.message ?? 'unknown error'}`, {
        batchId: batch.id, destination: destinationLabel(batch.destination), logCount: batch.logCount, attempts: batch.attemptCount, errorCode: error === undefined ? undefined : serviceErrorCode(error), retriable: error?.retriable
      })
    }
  }

  abandoned (count: number, error: LogshipError): void {
    if (count > 0) this.diag.error('abandoned', `${count} logs abandoned: ${error.message}`, { count, errorCode: error.code })
  }
}
