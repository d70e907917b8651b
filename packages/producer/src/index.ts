/** Public API of @logship/producer: this list is the contract; nothing else is exported. */
export { createProducer } from './producer.js'
export type { CloseOptions, Producer } from './producer.js'
export { DEFAULTS } from './options.js'
// The value-to-string rules shared by the adapters.
export { contentToString, mapContents } from './contents.js'
export type { MapContentsOptions } from './contents.js'
// Which keys the adapters send: own enumerable ones only, as the encoder (internal, not in the README).
export { inheritsEnumerableKeys } from './contents.js'
// Which text a logger's time field may be in, and what time it names (internal, not in the README).
export { parseDateText } from './date-text.js'
export type { DateTextTime } from './date-text.js'
// Buffer#utf8Write without Buffer#write's argument checks, for pino's destination() (internal, not in the README).
export { utf8Write } from './wire/protobuf.js'
// What setCredentials() checks, for a worker adapter to throw on the calling thread (internal, not in the README).
export { checkCredentials } from './services/credentials.js'
// How the adapters call their users' event listeners: each guarded, a throw reported once (internal, not in the README).
export { UserCodeGuard } from './user-code.js'
// Observability: the diagnostic log's helper for worker modes, tracing channel names, and the
// metrics messages workers post (registerMetrics lives in '@logship/producer/prometheus').
export { pipeDiagnostics } from './observability/diagnostics.js'
export { CHANNELS } from './observability/channels.js'
export type { BatchSealedMessage, DropMessage, RequestMessage } from './observability/channels.js'
export { createMetricsForwarder, refusalReason, reportAdapterDrop } from './observability/observer.js'
export type { AdapterDropReason, MetricOp, MetricsForwarder, MetricsMessage, RetryReason, SettleResult } from './observability/observer.js'
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
  DestroyedError,
  serviceErrorCode
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
  ProducerEvents,
  DiagnosticsLevel,
  DiagnosticsDestination,
  DiagnosticsFile,
  DiagnosticsLogger,
  DiagnosticsOptions,
  DiagnosticRecord
} from './types.js'
