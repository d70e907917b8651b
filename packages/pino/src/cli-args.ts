/**
 * `logship-pino` flags and env vars → transport options. Every option is a kebab-case flag
 * (`--topic-id`) and an env var `LOGSHIP_<SNAKE_CASE>` (`LOGSHIP_TOPIC_ID`), but for the few in
 * OPTION_OF; a flag wins over the env var. Credentials also fall back to the services' own env vars (VOLCENGINE_*,
 * ALIBABA_CLOUD_*), which the producer reads; prefer env vars to flags for secrets, since
 * flags show in `ps`.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { InvalidOptionError } from '@logship/producer'
import type { LogshipPinoOptions } from './options.js'

type Kind = 'string' | 'integer' | 'codes' | 'boolean' | 'levels' | 'diagnostics' | 'file'

const OPTIONS: Record<string, Kind> = {
  service: 'string',
  endpoint: 'string',
  region: 'string',
  accessKeyId: 'string',
  accessKeySecret: 'string',
  securityToken: 'string',
  topicId: 'string',
  project: 'string',
  logstore: 'string',
  topic: 'string',
  source: 'string',
  filename: 'string',
  hashKey: 'string',
  signatureVersion: 'string',
  adjustShardHash: 'boolean',
  buckets: 'integer',
  totalSizeInBytes: 'integer',
  maxBlockMs: 'integer',
  maxSenderCount: 'integer',
  maxBatchSize: 'integer',
  maxBatchCount: 'integer',
  lingerMs: 'integer',
  retries: 'integer',
  maxReservedAttempts: 'integer',
  baseRetryBackoffMs: 'integer',
  maxRetryBackoffMs: 'integer',
  noRetryStatusCodes: 'codes',
  compression: 'string',
  requestTimeoutMs: 'integer',
  connectTimeoutMs: 'integer',
  closeTimeoutMs: 'integer',
  userAgent: 'string',
  levelKey: 'string',
  messageKey: 'string',
  timeKey: 'string',
  errorKey: 'string',
  customLevels: 'levels',
  nested: 'string',
  name: 'string',
  diagnosticsLevel: 'diagnostics',
  caFile: 'file'
}

/**
 * Flags that are not the option of the same name: `--diagnostics-level` sets `diagnostics.level`
 * (where the producer's own warnings go stays stderr, the CLI's only channel besides stdout), and
 * `--ca-file` reads the PEM file `ca` takes. A credentials function and `flushOnExit` have no
 * flag: the CLI reads fixed credentials and closes on its own when stdin ends.
 */
const OPTION_OF: Record<string, string> = { diagnosticsLevel: 'diagnostics', caFile: 'ca' }
const DIAGNOSTICS_LEVELS = ['debug', 'info', 'warn', 'error', 'off']

export interface CliConfig {
  options: LogshipPinoOptions
  /** Copy stdin to stdout as well. */
  tee: boolean
  help: boolean
  version: boolean
}

export function kebab (name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}

export function envName (name: string): string {
  return 'LOGSHIP_' + name.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()
}

export function parseCli (argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig {
  const spec: Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }> = {
    tag: { type: 'string', multiple: true },
    tee: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' }
  }
  for (const name of Object.keys(OPTIONS)) spec[kebab(name)] = { type: 'string' }
  let values: Record<string, unknown>
  try {
    values = parseArgs({ args: [...argv], options: spec, allowPositionals: false, strict: true }).values
  } catch (err) {
    throw new InvalidOptionError('arguments', (err as Error).message, 'flags listed by --help')
  }

  const options: Record<string, unknown> = {}
  for (const [name, kind] of Object.entries(OPTIONS)) {
    const flag = values[kebab(name)] as string | undefined
    const raw = flag ?? env[envName(name)]
    if (raw === undefined || raw === '') continue
    // A bad value from the environment names its variable: nothing on the command line shows it.
    options[OPTION_OF[name] ?? name] = convert(flag === undefined ? `${name} (from ${envName(name)})` : name, kind, raw)
  }
  const tags = (values.tag as string[] | undefined) ?? splitList(env.LOGSHIP_TAGS)
  if (tags.length > 0) options.tags = parseTags(tags)
  return {
    options: options as unknown as LogshipPinoOptions,
    tee: values.tee === true || env.LOGSHIP_TEE === '1' || env.LOGSHIP_TEE === 'true',
    help: values.help === true,
    version: values.version === true
  }
}

/** Digits with an optional sign, nothing else: Number() would also take ' ' (0), '0x10' or '1e3'. */
const INTEGER_TEXT = /^[+-]?\d+$/
/** A label=number pair of --custom-levels: one '=', a label, an integer (pino's level values). */
const LEVEL_PAIR = /^([^=]+)=\s*([+-]?\d+)$/

function convert (name: string, kind: Kind, raw: string): unknown {
  switch (kind) {
    case 'string': return raw
    case 'integer': {
      const n = Number(raw)
      if (!INTEGER_TEXT.test(raw.trim()) || !Number.isSafeInteger(n)) throw new InvalidOptionError(name, raw, 'an integer')
      return n
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true
      if (raw === 'false' || raw === '0') return false
      throw new InvalidOptionError(name, raw, 'true or false')
    case 'codes':
      return splitList(raw).map((code) => {
        if (!/^\d{3}$/.test(code)) throw new InvalidOptionError(name, raw, 'comma-separated HTTP status codes')
        return Number(code)
      })
    case 'levels': {
      const levels: Record<string, number> = {}
      for (const item of splitList(raw)) {
        const pair = LEVEL_PAIR.exec(item)
        if (pair === null || pair[1].trim() === '') throw new InvalidOptionError(name, raw, 'label=number pairs, comma-separated (audit=35,notice=45)')
        levels[pair[1].trim()] = Number(pair[2])
      }
      return levels
    }
    case 'diagnostics':
      if (!DIAGNOSTICS_LEVELS.includes(raw)) throw new InvalidOptionError(name, raw, DIAGNOSTICS_LEVELS.join(', '))
      return { level: raw }
    case 'file':
      try {
        return readFileSync(raw)
      } catch (err) {
        throw new InvalidOptionError(name, raw, `a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`)
      }
  }
}

function splitList (raw: string | undefined): string[] {
  return raw === undefined ? [] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function parseTags (items: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new InvalidOptionError('tag', item, 'key=value')
    tags[item.slice(0, eq)] = item.slice(eq + 1)
  }
  return tags
}

export function usage (): string {
  const lines = [
    'Usage: node app.js | logship-pino --service tls|sls [options]',
    '',
    'Ships pino NDJSON from stdin to Volcengine TLS or Aliyun SLS; flushes and exits when stdin ends.',
    'Every option is also an env var LOGSHIP_<NAME> (e.g. LOGSHIP_TOPIC_ID); flags win.',
    'Credentials also come from VOLCENGINE_ACCESS_KEY_ID/_SECRET, VOLCENGINE_TOKEN (tls) or',
    'ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN (sls); prefer env vars for secrets.',
    '',
    'Options:'
  ]
  for (const [name, kind] of Object.entries(OPTIONS)) {
    const arg = kind === 'integer' ? '<n>' : kind === 'codes' ? '<400,404>' : kind === 'levels' ? '<name=n,...>' : kind === 'boolean' ? '<true|false>'
      : kind === 'diagnostics' ? '<warn|error|off|…>' : kind === 'file' ? '<path>' : '<value>'
    lines.push(`  --${kebab(name)} ${arg}`.padEnd(44) + envName(name))
  }
  lines.push('  --tag <key=value>   (repeatable)'.padEnd(44) + 'LOGSHIP_TAGS (k=v,k2=v2)')
  lines.push('  --tee               copy stdin to stdout'.padEnd(44) + 'LOGSHIP_TEE')
  lines.push('  -h, --help', '  -v, --version', '',
    'Exit status: 0 all delivered; 1 bad configuration; 2 some records were not delivered.')
  return lines.join('\n')
}
