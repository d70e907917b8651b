/**
 * One frozen defaults object, env-var fallbacks, and validation that names the option, the value
 * and what is allowed. Validation happens once, in createProducer.
 */
import { X509Certificate } from 'node:crypto'
import { networkInterfaces, hostname } from 'node:os'
import { InvalidOptionError, ValueDescription } from './errors.js'
import { credentialTextProblem } from './services/credentials.js'
import { lz4WorstCase } from './wire/lz4.js'
import type {
  Compression, Credentials, CredentialsProvider, DiagnosticsLevel, DiagnosticsLogger, ProducerOptions, ServiceName
} from './types.js'

const KiB = 1024
const MiB = 1024 * KiB

export const DEFAULTS = Object.freeze({
  totalSizeInBytes: 100 * MiB,
  maxBlockMs: 60_000,
  maxSenderCount: 50,
  maxBatchSize: 512 * KiB,
  maxBatchCount: 4096,
  lingerMs: 2000,
  retries: 10,
  maxReservedAttempts: 11,
  baseRetryBackoffMs: 100,
  maxRetryBackoffMs: 50_000,
  noRetryStatusCodes: Object.freeze([400, 404]) as readonly number[],
  compression: 'lz4' as Compression,
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  // Below pino's 10 s exit window, so an exit flush finishes before pino gives up on the worker.
  closeTimeoutMs: 8_000,
  flushOnExit: true,
  signatureVersion: 'v1' as 'v1' | 'v4',
  adjustShardHash: true,
  buckets: 64,
  // The Go producers' LoggerConfig defaults, except the level: only what needs attention is shown.
  diagnostics: Object.freeze({
    level: 'warn' as DiagnosticsLevel,
    maxSizeBytes: 10 * MiB,
    maxFiles: 10,
    compress: false
  })
})

/** The smallest linger the Go producers allow; shorter ones defeat batching. */
export const MIN_LINGER_MS = 100

/** Hard limits of each service, from the protocol docs. They cap maxBatchSize and maxBatchCount. */
export const SERVICE_LIMITS = Object.freeze({
  tls: Object.freeze({ maxLogBytes: 1 * MiB, maxBodyBytes: 5 * MiB, maxLogsPerBatch: 10_000 }),
  sls: Object.freeze({ maxLogBytes: 1 * MiB, maxBodyBytes: 10 * MiB, maxLogsPerBatch: 40_960 })
})

/**
 * The largest batch (raw body bytes) whose request body still fits `maxBodyBytes` once compressed.
 * Incompressible text makes a compressed body larger than the raw one: an LZ4 block by up to
 * n/255 + 16 bytes (lz4WorstCase), zlib by less. Without this room a batch sealed at the service's
 * limit would be refused (TLS: 413 LogGroupListSizeTooLarge, final) and lost.
 */
function batchSizeCap (maxBodyBytes: number, compression: 'lz4' | 'deflate' | 'none'): number {
  if (compression === 'none') return maxBodyBytes
  return maxBodyBytes - (lz4WorstCase(maxBodyBytes) - maxBodyBytes)
}

const ENV = Object.freeze({
  tls: {
    accessKeyId: 'VOLCENGINE_ACCESS_KEY_ID',
    accessKeySecret: 'VOLCENGINE_ACCESS_KEY_SECRET',
    securityToken: 'VOLCENGINE_TOKEN',
    endpoint: 'VOLCENGINE_ENDPOINT',
    region: 'VOLCENGINE_REGION'
  },
  sls: {
    accessKeyId: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
    accessKeySecret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    securityToken: 'ALIBABA_CLOUD_SECURITY_TOKEN',
    endpoint: 'ALIBABA_CLOUD_SLS_ENDPOINT',
    region: 'ALIBABA_CLOUD_REGION'
  }
})

export interface ResolvedDiagnostics {
  level: DiagnosticsLevel
  logger: DiagnosticsLogger | undefined
  destination: 'stderr' | 'none' | { file: string, maxSizeBytes: number, maxFiles: number, compress: boolean }
  format: 'text' | 'json'
}

export interface ResolvedOptions {
  service: ServiceName
  /** Diagnostics, metrics and tracing name. */
  name: string
  diagnostics: ResolvedDiagnostics
  endpoint: URL
  region: string
  /** Static credentials, or a provider to call. Never logged. */
  credentials: Credentials | CredentialsProvider
  topicId: string
  project: string
  logstore: string
  topic: string
  source: string
  filename: string
  hashKey: string
  tags: ReadonlyArray<readonly [string, string]>
  signatureVersion: 'v1' | 'v4'
  adjustShardHash: boolean
  buckets: number
  totalSizeInBytes: number
  maxBlockMs: number
  maxSenderCount: number
  maxBatchSize: number
  maxBatchCount: number
  lingerMs: number
  retries: number
  maxReservedAttempts: number
  baseRetryBackoffMs: number
  maxRetryBackoffMs: number
  noRetryStatusCodes: ReadonlySet<number>
  compression: 'lz4' | 'deflate' | 'none'
  requestTimeoutMs: number
  connectTimeoutMs: number
  closeTimeoutMs: number
  flushOnExit: boolean
  ca: ReadonlyArray<string | Buffer> | undefined
  userAgent: string
}

export const USER_AGENT = 'logship/0.1.0'

/**
 * A TLS hash key is a position on the topic's 128-bit shard ring: 32 hex digits (protocol doc §1.6).
 * The service refuses a request with any other non-empty x-tls-hashkey, so every batch would fail.
 */
export const TLS_HASH_KEY = /^[0-9a-fA-F]{32}$/

/**
 * What a User-Agent may hold: printable ASCII and Latin-1. CR, LF and other control characters,
 * and characters above U+00FF, cannot go into an HTTP header: every request would fail to build.
 */
const HEADER_TEXT = /^[\x20-\x7e\xa0-\xff]*$/

/** A region id: visible ASCII without '/', which separates the parts of the signing scope. */
const REGION_TEXT = /^[\x21-\x2e\x30-\x7e]*$/

/** One label of a host name: SLS sends requests to <project>.<endpoint>. */
export const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/**
 * A UTF-16 surrogate without its pair. The names that go into a request's path or query (TLS
 * topicId, SLS logstore, SLS route key) are percent-encoded, which throws on one: every batch for
 * that destination would fail as an internal error. In contents and tags, by contrast, UTF-8
 * encoding turns one into U+FFFD and nothing fails.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export function hasLoneSurrogate (text: string): boolean {
  return LONE_SURROGATE.test(text)
}

export function resolveOptions (options: ProducerOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'an object')
  const service = options.service
  if (service !== 'tls' && service !== 'sls') throw new InvalidOptionError('service', service, "'tls' (Volcengine) or 'sls' (Aliyun)")
  const names = ENV[service]
  const limits = SERVICE_LIMITS[service]

  const endpoint = parseEndpoint(options.endpoint ?? env[names.endpoint], names.endpoint)
  const region = optionalString('region', options.region ?? env[names.region]) ?? ''
  // The region is part of the signature's scope in the Authorization header: whitespace (an env
  // file's line break) or a slash would make every request fail, so it is refused here.
  if (!REGION_TEXT.test(region)) throw new InvalidOptionError('region', options.region ?? new ValueDescription(`the value of env ${names.region}`), "a region id such as 'cn-beijing': visible ASCII, no spaces, line breaks or '/'")
  if (service === 'tls' && region === '') throw new InvalidOptionError('region', options.region, `a region such as 'cn-beijing' (or env ${names.region})`)

  const signatureVersion = options.signatureVersion ?? DEFAULTS.signatureVersion
  if (signatureVersion !== 'v1' && signatureVersion !== 'v4') throw new InvalidOptionError('signatureVersion', signatureVersion, "'v1' or 'v4'")
  if (service === 'sls' && signatureVersion === 'v4' && region === '') throw new InvalidOptionError('region', options.region, 'a region for SLS v4 signing')

  const topicId = requestName('topicId', options.topicId)
  const project = optionalString('project', options.project) ?? ''
  const logstore = requestName('logstore', options.logstore)
  if (service === 'tls' && topicId === '') throw new InvalidOptionError('topicId', options.topicId, 'the TLS topic id to ship to')
  if (service === 'sls' && project === '') throw new InvalidOptionError('project', options.project, 'the SLS project to ship to')
  // The project is the first label of the request's host name (<project>.<endpoint>).
  if (service === 'sls' && !DNS_LABEL.test(project)) throw new InvalidOptionError('project', options.project, 'an SLS project name: letters, digits and hyphens, at most 63, not starting or ending with a hyphen')
  if (service === 'sls' && logstore === '') throw new InvalidOptionError('logstore', options.logstore, 'the SLS logstore to ship to')

  const compression = resolveCompression(options.compression)
  const maxBatchSize = Math.min(positiveInteger('maxBatchSize', options.maxBatchSize, DEFAULTS.maxBatchSize), batchSizeCap(limits.maxBodyBytes, compression))
  const maxBatchCount = Math.min(positiveInteger('maxBatchCount', options.maxBatchCount, DEFAULTS.maxBatchCount), limits.maxLogsPerBatch)
  const lingerMs = integerAtLeast('lingerMs', options.lingerMs, DEFAULTS.lingerMs, MIN_LINGER_MS)
  const baseRetryBackoffMs = positiveInteger('baseRetryBackoffMs', options.baseRetryBackoffMs, DEFAULTS.baseRetryBackoffMs)
  const maxRetryBackoffMs = integerAtLeast('maxRetryBackoffMs', options.maxRetryBackoffMs, Math.max(DEFAULTS.maxRetryBackoffMs, baseRetryBackoffMs), baseRetryBackoffMs)

  const credentials = resolveCredentials(options, env, names)
  const resolved: Omit<ResolvedOptions, 'credentials'> = {
    service,
    name: optionalNonEmpty('name', options.name) ?? (service === 'tls' ? `tls:${topicId}` : `sls:${project}/${logstore}`),
    diagnostics: resolveDiagnostics(options.diagnostics),
    endpoint,
    region,
    topicId,
    project,
    logstore,
    topic: optionalString('topic', options.topic) ?? '',
    source: optionalString('source', options.source) ?? defaultSource(),
    filename: optionalString('filename', options.filename) ?? '',
    hashKey: resolveHashKey(service, options.hashKey),
    tags: resolveTags(service, options.tags),
    signatureVersion,
    adjustShardHash: booleanOption('adjustShardHash', options.adjustShardHash, DEFAULTS.adjustShardHash),
    buckets: resolveBuckets(options.buckets),
    totalSizeInBytes: positiveInteger('totalSizeInBytes', options.totalSizeInBytes, DEFAULTS.totalSizeInBytes),
    maxBlockMs: finiteNumber('maxBlockMs', options.maxBlockMs, DEFAULTS.maxBlockMs),
    maxSenderCount: positiveInteger('maxSenderCount', options.maxSenderCount, DEFAULTS.maxSenderCount),
    maxBatchSize,
    maxBatchCount,
    lingerMs,
    retries: integerAtLeast('retries', options.retries, DEFAULTS.retries, 0),
    maxReservedAttempts: positiveInteger('maxReservedAttempts', options.maxReservedAttempts, DEFAULTS.maxReservedAttempts),
    baseRetryBackoffMs,
    maxRetryBackoffMs,
    noRetryStatusCodes: resolveStatusCodes(options.noRetryStatusCodes),
    compression,
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, DEFAULTS.requestTimeoutMs),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
    closeTimeoutMs: positiveInteger('closeTimeoutMs', options.closeTimeoutMs, DEFAULTS.closeTimeoutMs),
    flushOnExit: booleanOption('flushOnExit', options.flushOnExit, DEFAULTS.flushOnExit),
    ca: resolveCa(options.ca),
    userAgent: resolveUserAgent(options.userAgent)
  }
  // Not enumerable: the resolved options are held by the producer's parts, and a serializer or an
  // inspect() that walks them (a crash reporter's, say, or inspect without the producer's own
  // custom inspect) must not come upon the secret.
  return Object.defineProperty(resolved, 'credentials', { value: credentials, enumerable: false }) as ResolvedOptions
}

/** A name that goes into the request's path or query: any string but one with a lone surrogate. */
function requestName (name: 'topicId' | 'logstore' | 'hashKey', value: unknown): string {
  const text = optionalString(name, value) ?? ''
  if (hasLoneSurrogate(text)) throw new InvalidOptionError(name, new ValueDescription('a string with an unpaired UTF-16 surrogate'), 'well-formed text')
  return text
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

function parseEndpoint (value: unknown, envName: string): URL {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidOptionError('endpoint', value, `the service endpoint URL (or env ${envName})`)
  // User info (`user:password@`) may hold a secret, so it is refused before anything quotes the
  // value. A valid endpoint has no '@' anywhere (a path, query or fragment is refused below), and a
  // secret may itself hold '/', '#' or '@' where a parser would end the user info early: so any
  // '@' is refused, and what precedes the last one is never shown.
  const at = value.lastIndexOf('@')
  if (at >= 0) {
    const shown = (URL_SCHEME.exec(value)?.[0] ?? '') + '***' + value.slice(at)
    throw new InvalidOptionError('endpoint', new ValueDescription(`a URL with user info, ${JSON.stringify(shown.length > 80 ? shown.slice(0, 80) + '…' : shown)}`), 'a URL without user:password@ (or any other "@")')
  }
  const text = URL_SCHEME.test(value) ? value : `https://${value}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new InvalidOptionError('endpoint', value, 'a URL such as https://tls-cn-beijing.volces.com')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidOptionError('endpoint', value, 'an http:// or https:// URL')
  // Requests go to the service's own paths (/PutLogs, /logstores/…) at the endpoint's origin: a
  // path prefix (a proxy's /prefix/) would be ignored and the requests sent elsewhere.
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new InvalidOptionError('endpoint', value, 'a scheme, host and optional port only, without a path, query or fragment')
  }
  return url
}

function resolveCredentials (options: ProducerOptions, env: NodeJS.ProcessEnv, names: typeof ENV['tls']): Credentials | CredentialsProvider {
  if (typeof options.accessKeyId === 'function') return options.accessKeyId
  const accessKeyId = options.accessKeyId ?? env[names.accessKeyId]
  const accessKeySecret = options.accessKeySecret ?? env[names.accessKeySecret]
  const securityToken = options.securityToken ?? env[names.securityToken]
  if (typeof accessKeyId !== 'string' || accessKeyId === '') {
    throw new InvalidOptionError('accessKeyId', accessKeyId, `an access key id or a credentials provider function (or env ${names.accessKeyId})`)
  }
  // The secret's value is never echoed, only whether it is there.
  if (typeof accessKeySecret !== 'string' || accessKeySecret === '') {
    throw new InvalidOptionError('accessKeySecret', accessKeySecret === undefined ? undefined : '(not a non-empty string)', `the access key secret (or env ${names.accessKeySecret})`)
  }
  if (securityToken !== undefined && typeof securityToken !== 'string') {
    throw new InvalidOptionError('securityToken', new ValueDescription('not a string'), 'an STS session token string')
  }
  // None of the three is quoted back: a secret never appears in an error.
  const bad = credentialTextProblem({ accessKeyId, accessKeySecret, securityToken })
  if (bad !== undefined) throw new InvalidOptionError(bad.field, new ValueDescription(`a value that ${bad.problem}`), 'visible ASCII characters only')
  return securityToken ? { accessKeyId, accessKeySecret, securityToken } : { accessKeyId, accessKeySecret }
}

/** SLS takes any route key (bucketed by adjustShardHash or sent as the `key` query parameter). */
function resolveHashKey (service: ServiceName, value: unknown): string {
  const hashKey = requestName('hashKey', value)
  if (service === 'tls' && hashKey !== '' && !TLS_HASH_KEY.test(hashKey)) {
    throw new InvalidOptionError('hashKey', value, "32 hex digits for TLS (a position on the shard ring, such as '80000000000000000000000000000000'), or '' for none")
  }
  return hashKey
}

function resolveUserAgent (value: unknown): string {
  const userAgent = optionalString('userAgent', value) ?? USER_AGENT
  if (!HEADER_TEXT.test(userAgent)) {
    throw new InvalidOptionError('userAgent', value, 'header text: printable characters up to U+00FF, no CR, LF, tab or other control characters')
  }
  return userAgent
}

function resolveTags (service: ServiceName, tags: unknown): ReadonlyArray<readonly [string, string]> {
  if (tags === undefined) return []
  // A plain object only: a Map (or any class instance) has no own entries to read, and would ship no tags.
  const proto: unknown = tags === null || typeof tags !== 'object' ? undefined : Object.getPrototypeOf(tags)
  if (proto !== Object.prototype && proto !== null) throw new InvalidOptionError('tags', tags, 'an object of string keys and string values')
  const out: Array<readonly [string, string]> = []
  for (const [key, value] of Object.entries(tags as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new InvalidOptionError(`tags.${key}`, value, 'a string')
    // SLS refuses the whole request for an empty tag key (InvalidKey): every batch would fail.
    if (key === '' && service === 'sls') throw new InvalidOptionError('tags', new ValueDescription('an empty key'), 'non-empty tag keys for SLS')
    out.push([key, value])
  }
  return out
}

function resolveBuckets (value: unknown): number {
  const buckets = positiveInteger('buckets', value, DEFAULTS.buckets)
  if (buckets > 256 || (buckets & (buckets - 1)) !== 0) throw new InvalidOptionError('buckets', value, 'a power of 2 from 1 to 256')
  return buckets
}

function resolveStatusCodes (value: unknown): ReadonlySet<number> {
  if (value === undefined) return new Set(DEFAULTS.noRetryStatusCodes)
  if (!Array.isArray(value) || !value.every((code) => Number.isInteger(code) && code >= 100 && code <= 599)) {
    throw new InvalidOptionError('noRetryStatusCodes', value, 'an array of HTTP status codes (100..599)')
  }
  return new Set(value as number[])
}

function resolveCompression (value: unknown): 'lz4' | 'deflate' | 'none' {
  if (value === undefined) return DEFAULTS.compression as 'lz4'
  if (value === 'zlib') return 'deflate'
  if (value === 'lz4' || value === 'deflate' || value === 'none') return value
  throw new InvalidOptionError('compression', value, "'lz4', 'deflate' (alias 'zlib') or 'none'")
}

/**
 * PEM strings or bytes. A plain Uint8Array is taken as bytes too: the adapters' worker threads get
 * their options by structured clone, which turns a Buffer into a Uint8Array.
 */
function resolveCa (value: unknown): ReadonlyArray<string | Buffer> | undefined {
  if (value === undefined) return undefined
  const list: unknown[] = Array.isArray(value) ? value : [value]
  return list.map((item, index) => {
    let ca: string | Buffer
    if (typeof item === 'string' || Buffer.isBuffer(item)) ca = item
    else if (item instanceof Uint8Array) ca = Buffer.from(item.buffer, item.byteOffset, item.byteLength)
    else throw new InvalidOptionError('ca', new ValueDescription('not PEM'), CA_EXPECTED)
    const problem = pemCertificatesProblem(typeof ca === 'string' ? ca : ca.toString('latin1'))
    if (problem !== undefined) {
      throw new InvalidOptionError('ca', new ValueDescription(Array.isArray(value) ? `entry ${index}: ${problem}` : problem), CA_EXPECTED)
    }
    return ca
  })
}

const CA_EXPECTED = 'PEM CA certificates (-----BEGIN CERTIFICATE-----): a string or Buffer, one or several concatenated, or an array of them'
/** The PEM labels OpenSSL, and so Node's tls `ca`, reads as certificates. */
const PEM_CERTIFICATE_BEGIN = /-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----/g
const PEM_CERTIFICATE = /-----BEGIN ((?:TRUSTED |X509 )?CERTIFICATE)-----[^-]*-----END \1-----/g

/**
 * What is wrong with one `ca` entry, never quoting it, or undefined. Node's tls takes any text
 * there and ignores what is not a certificate, so a key or garbage would only show as every request
 * failing its certificate check. Like Node, text around and between the certificates (a bundle's
 * comments, another PEM block) is left alone; each certificate must parse.
 */
function pemCertificatesProblem (text: string): string | undefined {
  const blocks = text.match(PEM_CERTIFICATE) ?? []
  const begins = text.match(PEM_CERTIFICATE_BEGIN)?.length ?? 0
  if (begins === 0) {
    return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text) ? 'a PEM private key, not a certificate' : 'not a PEM certificate'
  }
  if (blocks.length !== begins) return 'a PEM certificate without its END line'
  for (let i = 0; i < blocks.length; i++) {
    try {
      new X509Certificate(blocks[i])
    } catch {
      return blocks.length === 1 ? 'a PEM certificate that does not parse' : `certificate ${i + 1} of ${blocks.length} does not parse`
    }
  }
  return undefined
}

const LEVELS = new Set(['debug', 'info', 'warn', 'error', 'off'])

function resolveDiagnostics (value: unknown): ResolvedDiagnostics {
  const d = DEFAULTS.diagnostics
  if (value === undefined || value === null) return { level: d.level, logger: undefined, destination: 'stderr', format: 'text' }
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidOptionError('diagnostics', value, 'an object { level?, logger?, destination?, format? }')
  const o = value as Record<string, unknown>
  const level = o.level ?? d.level
  if (typeof level !== 'string' || !LEVELS.has(level)) throw new InvalidOptionError('diagnostics.level', level, "'debug', 'info', 'warn', 'error' or 'off'")
  const logger = o.logger
  if (logger !== undefined && (logger === null || typeof logger !== 'object' ||
    !['debug', 'info', 'warn', 'error'].every((m) => typeof (logger as Record<string, unknown>)[m] === 'function'))) {
    throw new InvalidOptionError('diagnostics.logger', logger, 'an object with debug, info, warn and error methods (not the logger being shipped)')
  }
  const format = o.format
  if (format !== undefined && format !== 'text' && format !== 'json') throw new InvalidOptionError('diagnostics.format', format, "'text' or 'json'")
  let destination: ResolvedDiagnostics['destination']
  const dest = o.destination ?? (logger === undefined ? 'stderr' : 'none')
  if (dest === 'stderr' || dest === 'none') destination = dest
  else if (dest !== null && typeof dest === 'object' && !Array.isArray(dest)) {
    const f = dest as Record<string, unknown>
    const file = optionalNonEmpty('diagnostics.destination.file', f.file)
    if (file === undefined) throw new InvalidOptionError('diagnostics.destination.file', f.file, 'the path of the diagnostics file')
    destination = {
      file,
      maxSizeBytes: positiveInteger('diagnostics.destination.maxSizeBytes', f.maxSizeBytes, d.maxSizeBytes),
      maxFiles: positiveInteger('diagnostics.destination.maxFiles', f.maxFiles, d.maxFiles),
      compress: booleanOption('diagnostics.destination.compress', f.compress, d.compress)
    }
  } else {
    throw new InvalidOptionError('diagnostics.destination', dest, "'stderr', 'none' or { file, maxSizeBytes?, maxFiles?, compress? }")
  }
  return {
    level: level as DiagnosticsLevel,
    logger: logger as DiagnosticsLogger | undefined,
    destination,
    format: format ?? (typeof destination === 'object' ? 'json' : 'text')
  }
}

function optionalNonEmpty (name: string, value: unknown): string | undefined {
  const s = optionalString(name, value)
  if (s === '') throw new InvalidOptionError(name, value, 'a non-empty string')
  return s
}

function optionalString (name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new InvalidOptionError(name, value, 'a string')
  return value
}

function booleanOption (name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, value, 'true or false')
  return value
}

function finiteNumber (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) throw new InvalidOptionError(name, value, 'a number of milliseconds (negative: wait forever)')
  return value
}

function positiveInteger (name: string, value: unknown, fallback: number): number {
  return integerAtLeast(name, value, fallback, 1)
}

function integerAtLeast (name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(name, value, `an integer >= ${min}`)
  }
  return value
}

let cachedSource: string | undefined
/** Like the official agents: the machine's first non-internal IPv4 address, else its hostname. */
function defaultSource (): string {
  if (cachedSource !== undefined) return cachedSource
  for (const list of Object.values(networkInterfaces())) {
    for (const item of list ?? []) {
      if (item.family === 'IPv4' && !item.internal) return (cachedSource = item.address)
    }
  }
  return (cachedSource = hostname())
}
