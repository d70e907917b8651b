/** Public API of @logship/producer: this list is the contract; nothing else is exported. */
export { createProducer } from './producer.js'
export type { CloseOptions, Producer } from './producer.js'
export { DEFAULTS } from './options.js'
// The value-to-string rules shared by the adapters.
export { contentToString, mapContents } from './contents.js'
export type { MapContentsOptions } from './contents.js'
export {
  LogshipError,
  InvalidOptionError,
  InvalidRecordError,
  ProducerClosedError,
  BufferFullError,
  RecordTooLargeError,
  HttpError,
  NetworkError,
  RequestTimeoutError,
  CredentialsError,
  CloseTimeoutError,
  DestroyedError
} from './errors.js'
export type { ErrorCode } from './errors.js'
export type {
  ServiceName,
  Compression,
  Credentials,
  CredentialsProvider,
  DestinationOptions,
  SendOptions,
  RecordTime,
  ContentsInput,
  LogRecord,
  ProducerOptions,
  Attempt,
  Result,
  DestinationInfo,
  BatchEvent,
  FailedEvent,
  RetryEvent,
  DropReason,
  DropEvent,
  ProducerStats,
  CloseSummary,
  ProducerEvents
} from './types.js'
