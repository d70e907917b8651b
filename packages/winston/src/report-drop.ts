/**
 * The producer's internal entry for drops the transport made itself (kReportDrop in
 * @logship/producer): an invalid record, records after the close. The producer counts them in its
 * `dropped` (so in stats() and its close summary), emits its `drop` event (which the transport
 * re-emits like any other) and tells its diagnostic log, channel and metrics. Reached through
 * Symbol.for, as it is not part of the producer's public API.
 */
import type { Producer } from '@logship/producer'

const kReportDrop = Symbol.for('logship.producer.reportDrop')

type DropReporter = Record<typeof kReportDrop, (reason: 'closed' | 'invalid_record', count: number, bytes: number, error?: Error) => void>

export function reportDrop (producer: Producer, reason: 'closed' | 'invalid_record', count: number, bytes: number, error?: Error): void {
  (producer as unknown as DropReporter)[kReportDrop](reason, count, bytes, error)
}

/** Why send() refused a record: the producer is closed (or closing), or the record is invalid. */
export function refusalReason (error: unknown): 'closed' | 'invalid_record' {
  return (error as { code?: unknown } | null)?.code === 'LOGSHIP_PRODUCER_CLOSED' ? 'closed' : 'invalid_record'
}
