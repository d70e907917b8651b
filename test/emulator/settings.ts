// Emulator settings: one frozen defaults object per service, merged with user options once.
// Every open question from the protocol notes is a setting here (see README.md).

export interface Credential {
  accessKeyId: string
  accessKeySecret: string
  /** When set, requests must carry this token (TLS X-Security-Token / SLS x-acs-security-token). */
  securityToken?: string
  /** Epoch ms after which the (STS) credential is refused as expired. */
  expiresAt?: number
  /** Restrict the credential to one service; both when absent. */
  services?: Array<'tls' | 'sls'>
}

export interface TlsLimits {
  /** Encoded size of one Log message. */
  maxLogBytes: number | null
  /** x-tls-bodyrawsize (uncompressed LogGroupList). */
  maxRawBytes: number | null
  /** Bytes sent (compressed body). */
  maxBodyBytes: number | null
  maxLogsPerGroup: number | null
  maxKeyBytes: number | null
  maxValueBytes: number | null
}

export interface TlsSettings {
  /** Topic ids that exist. */
  topics: string[]
  /** Accept any topic id. Defaults to true only when `topics` is empty. */
  autoCreate: boolean
  /** When set, the credential scope's region must equal it. */
  region: string | null
  maxSkewSec: number
  /** Compare X-Content-Sha256 with the body hash (the Node SDK sends a wrong hash, §2.3). */
  verifyContentSha256: boolean
  requireContentMd5: boolean
  /** Accepted x-tls-apiversion values; a missing header is accepted. */
  apiVersions: string[]
  /** Accepted x-tls-compresstype values; 'none' also covers an absent header. */
  compressTypes: string[]
  /** A non-empty x-tls-hashkey must be 32 hex digits. */
  validateHashKey: boolean
  timeNsMax: number | null
  rejectEmptyKeys: boolean
  rejectUnknownFields: boolean
  /** Refuse a body with no LogGroup or no log at all. */
  rejectEmptyRequest: boolean
  /** Keys accepted in x-tls-anonymous-identity (API-key mode, no signature). */
  apiKeys: string[]
  expiredTokenCode: string
  throttleStatus: number
  throttleCode: string
  limits: TlsLimits
  statusByCode: Record<string, number>
}

export interface SlsLimits {
  /** x-log-bodyrawsize (uncompressed LogGroup). */
  maxRawBytes: number | null
  maxBodyBytes: number | null
  maxValueBytes: number | null
  maxKeyBytes: number | null
  maxLogsPerGroup: number | null
}

export interface SlsSettings {
  /** project → logstores that exist. */
  projects: Record<string, string[]>
  /** Accept any project/logstore. Defaults to true only when `projects` is empty. */
  autoCreate: boolean
  region: string | null
  maxSkewSec: number
  skewCode: string
  signatureVersions: Array<'v1' | 'v4'>
  /** v4: compare x-log-content-sha256 with the body hash. */
  verifyContentSha256: boolean
  requireContentMd5: boolean
  md5MismatchCode: string
  apiVersions: string[]
  compressTypes: string[]
  /** How `deflate` bodies are read: zlib (RFC1950) and/or raw (RFC1951). */
  deflate: 'both' | 'zlib' | 'raw'
  /** Accepted log time window relative to now, seconds; null disables. */
  timeWindow: { pastSec: number, futureSec: number } | null
  timeWindowCode: string
  timeNsMax: number | null
  rejectEmptyKeys: boolean
  rejectUnknownFields: boolean
  rejectEmptyRequest: boolean
  expiredTokenCode: string
  invalidTokenCode: string
  throttleStatus: number
  throttleCode: string
  limits: SlsLimits
  statusByCode: Record<string, number>
}

export interface EmulatorSettings {
  credentials: Credential[]
  /** Keep decoded logs (false = counting mode for benchmarks). */
  store: boolean
  /** Stop keeping logs beyond this many (they are still counted). */
  maxStoredLogs: number
  /** Recent refusals kept for inspection. */
  maxRejectionsKept: number
  /** Hard cap on a request body read from the socket. */
  maxRequestBytes: number
  /** Epoch-ms clock used for skew, expiry and log time windows. */
  clock: () => number
  tls: TlsSettings
  sls: SlsSettings
}

export type TlsSettingsInput = Partial<Omit<TlsSettings, 'limits'>> & { limits?: Partial<TlsLimits> }
export type SlsSettingsInput = Partial<Omit<SlsSettings, 'limits'>> & { limits?: Partial<SlsLimits> }

export interface EmulatorSettingsInput extends Partial<Omit<EmulatorSettings, 'tls' | 'sls'>> {
  tls?: TlsSettingsInput
  sls?: SlsSettingsInput
}

const MiB = 1024 * 1024

export const DEFAULT_CREDENTIAL: Readonly<Credential> = Object.freeze({
  accessKeyId: 'emulator-ak',
  accessKeySecret: 'emulator-secret'
})

export const DEFAULT_TLS: Readonly<TlsSettings> = Object.freeze({
  topics: [],
  autoCreate: true,
  region: null,
  maxSkewSec: 900,
  verifyContentSha256: false,
  requireContentMd5: false,
  apiVersions: ['0.2.0', '0.3.0'],
  compressTypes: ['lz4', 'zlib', 'none'],
  validateHashKey: true,
  timeNsMax: 999_999,
  rejectEmptyKeys: false,
  rejectUnknownFields: true,
  rejectEmptyRequest: false,
  apiKeys: [],
  expiredTokenCode: 'InvalidSecurityToken',
  throttleStatus: 429,
  throttleCode: 'ExceedQPSLimit',
  limits: Object.freeze({
    maxLogBytes: 1 * MiB,
    maxRawBytes: 5 * MiB,
    maxBodyBytes: 5 * MiB,
    maxLogsPerGroup: 10_000,
    maxKeyBytes: null,
    maxValueBytes: null
  }),
  statusByCode: Object.freeze({})
}) as TlsSettings

export const DEFAULT_SLS: Readonly<SlsSettings> = Object.freeze({
  projects: {},
  autoCreate: true,
  region: null,
  maxSkewSec: 900,
  skewCode: 'RequestTimeTooSkewed',
  signatureVersions: ['v1', 'v4'],
  verifyContentSha256: true,
  requireContentMd5: false,
  md5MismatchCode: 'InvalidContentMD5',
  apiVersions: ['0.6.0'],
  compressTypes: ['lz4', 'deflate', 'none'],
  deflate: 'both',
  timeWindow: Object.freeze({ pastSec: 168 * 3600, futureSec: 15 * 60 }),
  timeWindowCode: 'PostBodyInvalid',
  timeNsMax: 999_999_999,
  rejectEmptyKeys: true,
  rejectUnknownFields: true,
  rejectEmptyRequest: false,
  expiredTokenCode: 'SecurityTokenExpired',
  invalidTokenCode: 'InvalidSecurityToken',
  throttleStatus: 403,
  throttleCode: 'WriteQuotaExceed',
  limits: Object.freeze({
    maxRawBytes: 10 * MiB,
    maxBodyBytes: null,
    maxValueBytes: 1 * MiB,
    maxKeyBytes: null,
    maxLogsPerGroup: 40_960
  }),
  statusByCode: Object.freeze({})
}) as SlsSettings

export const DEFAULTS = Object.freeze({
  store: true,
  maxStoredLogs: 5_000_000,
  maxRejectionsKept: 1000,
  maxRequestBytes: 64 * MiB
})

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Merges `patch` into a copy of `base`: objects recursively, arrays and scalars replaced. */
export function mergeDeep<T> (base: T, patch: unknown): T {
  if (!isPlainObject(patch) || !isPlainObject(base)) return (patch === undefined ? base : patch) as T
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue
    out[k] = isPlainObject(v) && isPlainObject(out[k]) && k !== 'projects' && k !== 'statusByCode'
      ? mergeDeep(out[k], v)
      : (isPlainObject(v) ? { ...v } : v)
  }
  return out as T
}

export function resolveSettings (input: EmulatorSettingsInput = {}): EmulatorSettings {
  const tlsIn = input.tls ?? {}
  const slsIn = input.sls ?? {}
  const tls: TlsSettings = mergeDeep<TlsSettings>(structuredClone(DEFAULT_TLS), tlsIn)
  const sls: SlsSettings = mergeDeep<SlsSettings>(structuredClone(DEFAULT_SLS), slsIn)
  if (tlsIn.autoCreate === undefined) tls.autoCreate = tls.topics.length === 0
  if (slsIn.autoCreate === undefined) sls.autoCreate = Object.keys(sls.projects).length === 0
  const settings: EmulatorSettings = {
    credentials: input.credentials ?? [{ ...DEFAULT_CREDENTIAL }],
    store: input.store ?? DEFAULTS.store,
    maxStoredLogs: input.maxStoredLogs ?? DEFAULTS.maxStoredLogs,
    maxRejectionsKept: input.maxRejectionsKept ?? DEFAULTS.maxRejectionsKept,
    maxRequestBytes: input.maxRequestBytes ?? DEFAULTS.maxRequestBytes,
    clock: input.clock ?? Date.now,
    tls,
    sls
  }
  validateSettings(settings)
  return settings
}

function validateSettings (s: EmulatorSettings): void {
  if (!Array.isArray(s.credentials)) throw new TypeError('credentials must be an array')
  for (const c of s.credentials) {
    if (!c || typeof c.accessKeyId !== 'string' || typeof c.accessKeySecret !== 'string') {
      throw new TypeError(`each credential needs string accessKeyId and accessKeySecret, got ${JSON.stringify(c && { accessKeyId: c.accessKeyId })}`)
    }
  }
  if (typeof s.clock !== 'function') throw new TypeError('clock must be a function returning epoch ms')
  if (!Array.isArray(s.tls.topics)) throw new TypeError('tls.topics must be an array of topic ids')
  if (!isPlainObject(s.sls.projects)) throw new TypeError('sls.projects must map project → logstore names')
  if (!['both', 'zlib', 'raw'].includes(s.sls.deflate)) throw new TypeError(`sls.deflate must be both|zlib|raw, got ${s.sls.deflate}`)
}

/** Settings as JSON-safe data with secrets redacted (for the admin API). */
export function publicSettings (s: EmulatorSettings): unknown {
  return {
    ...s,
    clock: undefined,
    credentials: s.credentials.map(c => ({ ...c, accessKeySecret: '***', securityToken: c.securityToken ? '***' : undefined }))
  }
}
