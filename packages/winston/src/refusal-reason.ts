/** Why the producer's send() refused a record: it is closed (or closing), or the record is invalid. */
import type { AdapterDropReason } from '@logship/producer'

export function refusalReason (error: unknown): AdapterDropReason {
  return (error as { code?: unknown } | null)?.code === 'LOGSHIP_PRODUCER_CLOSED' ? 'closed' : 'invalid_record'
}
