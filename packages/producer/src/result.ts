/**
 * Attempt and Result. A batch keeps the MOST RECENT `maxReservedAttempts` attempts in a ring (the
 * Go producers keep the first N although their docs say the most recent; the docs are right for
 * debugging: the last failures are the interesting ones) plus the total attempt count.
 */
import type { AttemptOutcome } from './transport.js'
import type { Attempt, Result } from './types.js'

export interface AttemptLog {
  /** Ring of attempts; `attemptCount % ring.length` is the oldest once it is full. */
  attempts: Attempt[] | null
  attemptCount: number
}

export function attemptFromOutcome (outcome: AttemptOutcome, endMs: number, latencyMs: number): Attempt {
  return outcome.ok
    ? { success: true, requestId: outcome.requestId, errorCode: '', errorMessage: '', status: outcome.status, timestampMs: endMs, latencyMs }
    : { success: false, requestId: outcome.requestId, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage, status: outcome.status, timestampMs: endMs, latencyMs }
}

export function recordAttempt (log: AttemptLog, attempt: Attempt, maxReserved: number): void {
  if (log.attempts === null) log.attempts = []
  const ring = log.attempts
  if (ring.length < maxReserved) ring.push(attempt)
  else ring[log.attemptCount % maxReserved] = attempt
  log.attemptCount++
}

/** The reserved attempts, oldest first. */
export function reservedAttempts (log: AttemptLog): Attempt[] {
  const ring = log.attempts
  if (ring === null) return []
  if (log.attemptCount <= ring.length) return ring.slice()
  const start = log.attemptCount % ring.length
  return ring.slice(start).concat(ring.slice(0, start))
}

/**
 * Builds the Result handed to every callback of a batch. Its top-level fields are the last attempt's.
 * When the batch was settled without a final attempt of its own (close deadline, destroy), `abandon`
 * supplies errorCode and errorMessage instead, and timestampMs is when it was abandoned.
 */
export function buildResult (log: AttemptLog, successful: boolean, abandon?: { code: string, message: string, nowMs: number }): Result {
  const attempts = Object.freeze(reservedAttempts(log).map((a) => Object.freeze(a)))
  const last = attempts.length > 0 ? attempts[attempts.length - 1] : undefined
  return Object.freeze({
    successful,
    attempts,
    requestId: last?.requestId ?? '',
    errorCode: abandon !== undefined ? abandon.code : last?.errorCode ?? '',
    errorMessage: abandon !== undefined ? abandon.message : last?.errorMessage ?? '',
    timestampMs: abandon !== undefined ? abandon.nowMs : last?.timestampMs ?? 0,
    latencyMs: last?.latencyMs ?? 0,
    attemptCount: log.attemptCount
  })
}
