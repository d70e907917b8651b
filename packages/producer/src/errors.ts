/**
 * Every error logship raises or reports. Each has a stable `code` (tests and users switch on it)
 * and a `retriable` flag (the sender's classification). Messages never contain secrets: the only
 * credential-derived value that may appear is the access key id.
 */

export type ErrorCode =
  | 'LOGSHIP_INVALID_OPTION'
  | 'LOGSHIP_INVALID_RECORD'
  | 'LOGSHIP_PRODUCER_CLOSED'
  | 'LOGSHIP_BUFFER_FULL'
  | 'LOGSHIP_RECORD_TOO_LARGE'
  | 'LOGSHIP_HTTP_ERROR'
  | 'LOGSHIP_NETWORK_ERROR'
  | 'LOGSHIP_REQUEST_TIMEOUT'
  | 'LOGSHIP_CREDENTIALS_ERROR'
  | 'LOGSHIP_CLOSE_TIMEOUT'
  | 'LOGSHIP_DESTROYED'

export class LogshipError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean

  constructor (code: ErrorCode, message: string, options?: { retriable?: boolean, cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retriable = options?.retriable ?? false
  }
}

/** An option that makes no sense; thrown by createProducer and the adapters' factories. */
export class InvalidOptionError extends LogshipError {
  readonly option: string
  constructor (option: string, value: unknown, allowed: string) {
    super('LOGSHIP_INVALID_OPTION', `invalid option ${option}: ${describeValue(value)}; expected ${allowed}`)
    this.option = option
  }
}

/** A record that cannot be sent at all (not an object, bad time, bad contents). */
export class InvalidRecordError extends LogshipError {
  constructor (message: string) {
    super('LOGSHIP_INVALID_RECORD', `invalid record: ${message}`)
  }
}

export class ProducerClosedError extends LogshipError {
  constructor () {
    super('LOGSHIP_PRODUCER_CLOSED', 'the producer is closed; send() is not accepted after close() or destroy()')
  }
}

/** sendAsync() waited maxBlockMs for buffer space and none came. */
export class BufferFullError extends LogshipError {
  constructor (waitedMs: number, totalSizeInBytes: number, message?: string) {
    super('LOGSHIP_BUFFER_FULL', message ??
      `no buffer space after waiting ${waitedMs} ms: totalSizeInBytes (${totalSizeInBytes}) is taken by records not yet delivered`)
  }

  /** No wait could help: the record needed a new batch, whose own memory this budget can never hold. */
  static noRoomForBatch (totalSizeInBytes: number, needed: number, freeBatches: number): BufferFullError {
    return new BufferFullError(0, totalSizeInBytes,
      `no buffer space for another open batch: with ${freeBatches} batches open, a new one takes ${needed} bytes ` +
      `with its record, more than totalSizeInBytes (${totalSizeInBytes}); raise totalSizeInBytes or send to fewer destinations at once`)
  }
}

/** The service answered with a non-success status. */
export class HttpError extends LogshipError {
  readonly status: number
  readonly errorCode: string
  readonly requestId: string
  constructor (status: number, errorCode: string, errorMessage: string, requestId: string, retriable: boolean) {
    super('LOGSHIP_HTTP_ERROR', `HTTP ${status} ${errorCode}: ${errorMessage}${requestId ? ` (request id ${requestId})` : ''}`, { retriable })
    this.status = status
    this.errorCode = errorCode
    this.requestId = requestId
  }
}

/** Connection refused, reset, DNS failure, TLS failure: no usable response. */
export class NetworkError extends LogshipError {
  readonly causeCode: string
  constructor (causeCode: string, message: string, retriable = true) {
    super('LOGSHIP_NETWORK_ERROR', `network error ${causeCode}: ${message}`, { retriable })
    this.causeCode = causeCode
  }
}

/**
 * The most specific code of a failure, as Result.errorCode gives it: the service's own error code
 * for a refused request (`SignatureDoesNotMatch`, `ServiceUnavailable`), the network cause
 * (`ECONNRESET`) for a request without a response, else the logship code.
 */
export function serviceErrorCode (error: LogshipError): string {
  if (error instanceof HttpError) return error.errorCode === '' ? error.code : error.errorCode
  if (error instanceof NetworkError) return error.causeCode
  return error.code
}

export class RequestTimeoutError extends LogshipError {
  constructor (timeoutMs: number) {
    super('LOGSHIP_REQUEST_TIMEOUT', `no response within requestTimeoutMs (${timeoutMs} ms)`, { retriable: true })
  }
}

/** The credentials provider threw or returned something unusable. Retriable: providers recover. */
export class CredentialsError extends LogshipError {
  constructor (message: string) {
    super('LOGSHIP_CREDENTIALS_ERROR', `credentials: ${message}`, { retriable: true })
  }
}

/** Reported (never thrown) for records still pending when close() hit its deadline. */
export class CloseTimeoutError extends LogshipError {
  constructor (timeoutMs: number) {
    super('LOGSHIP_CLOSE_TIMEOUT', `close() deadline of ${timeoutMs} ms passed before this record was delivered`)
  }
}

/** Reported for records discarded by destroy(). */
export class DestroyedError extends LogshipError {
  constructor () {
    super('LOGSHIP_DESTROYED', 'the producer was destroyed before this record was delivered')
  }
}

/**
 * What an InvalidOptionError says in place of the value, when the value must not be quoted (a
 * secret, a URL with user info) or cannot be (a non-string token, a malformed certificate).
 */
export class ValueDescription {
  readonly text: string
  constructor (text: string) {
    this.text = text
  }
}

function describeValue (value: unknown): string {
  if (value instanceof ValueDescription) return value.text
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value == null) return String(value)
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

/** A record whose encoded size alone exceeds totalSizeInBytes: sendAsync() rejects with it (send() drops it). */
export class RecordTooLargeError extends LogshipError {
  readonly bytes: number
  constructor (bytes: number, totalSizeInBytes: number) {
    super('LOGSHIP_RECORD_TOO_LARGE', `the record's encoded size (${bytes} bytes) exceeds totalSizeInBytes (${totalSizeInBytes})`)
    this.bytes = bytes
  }
}
