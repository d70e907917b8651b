// Error codes and their default HTTP statuses for both services.
// The services do not document a status for every code (TLS documents none), so every
// status here is a default that `statusByCode` in the settings can override.

export type ServiceName = 'tls' | 'sls'

/** A refusal: the service answers `status` with a JSON body naming `code`. */
export class ServiceError extends Error {
  readonly code: string
  readonly status: number | undefined
  constructor (code: string, message: string, status?: number) {
    super(message)
    this.name = 'ServiceError'
    this.code = code
    this.status = status
  }
}

export const TLS_STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  InvalidArgument: 400,
  DeserializeFailed: 400,
  ErrLogMD5CheckFailed: 400,
  TooManyLogs: 400,
  LogSizeTooLarge: 413,
  LogGroupListSizeTooLarge: 413,
  AuthFailed: 401,
  InvalidAccessKeyId: 401,
  InvalidSecurityToken: 401,
  SignatureDoesNotMatch: 401,
  RequestExpired: 401,
  RequestTimeTooSkewed: 401,
  AccessDenied: 403,
  TopicNotExist: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  ExceedQPSLimit: 429,
  ExceedRateLimit: 429,
  InternalError: 500,
  ServiceUnavailable: 503
})

export const SLS_STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  MissingContentType: 400,
  MissingBodyRawSize: 400,
  InvalidBodyRawSize: 400,
  InvalidCompressType: 400,
  MissingHost: 400,
  MissingDate: 400,
  InvalidDateFormat: 400,
  MissingAPIVersion: 400,
  InvalidAPIVersion: 400,
  MissAccessKeyId: 400,
  MissingSignatureMethod: 400,
  InvalidSignatureMethod: 400,
  RequestTimeTooSkewed: 400,
  RequestTimeExpired: 400,
  ParameterInvalid: 400,
  PostBodyInvalid: 400,
  InvalidTimestamp: 400,
  InvalidEncoding: 400,
  InvalidKey: 400,
  PostBodyTooLarge: 400,
  PostBodyUncompressError: 400,
  InvalidContentMD5: 400,
  SignatureNotMatch: 401,
  Unauthorized: 401,
  InvalidAccessKeyId: 401,
  SecurityTokenExpired: 401,
  InvalidSecurityToken: 401,
  WriteQuotaExceed: 403,
  ProjectNotExists: 404,
  LogStoreNotExist: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  InvalidContentType: 415,
  InternalServerError: 500,
  ServerBusy: 503
})

export function statusFor (code: string, overrides: Record<string, number>, defaults: Readonly<Record<string, number>>): number {
  return overrides[code] ?? defaults[code] ?? 400
}
