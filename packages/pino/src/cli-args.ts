/**
 * `logship-pino` flags and env vars → transport options. Every option is a kebab-case flag
 * (`--topic-id`) and an env var `LOGSHIP_<SNAKE_CASE>` (`LOGSHIP_TOPIC_ID`), but for the few in
 * OPTION_OF; a flag wins over the env var. Credentials also fall back to the services' own env vars (VOLCENGINE_*,
 * ALIBABA_CLOUD_*), which the producer reads; prefer env vars to flags for secrets, since
 * flags show in `ps`.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { InvalidOptionError, LogshipError } from '@logship/producer'
import type { LogshipPinoOptions } from './options.js'

type Kind = 'string' | 'integer' | 'codes' | 'boolean' | 'levels' | 'diagnostics' | 'file'
type FlagSpec = Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }>

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
  /** The env var each option came from, when no flag gave it: errors found later name it too. */
  fromEnv: Record<string, string>
}

export function kebab (name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}

export function envName (name: string): string {
  return 'LOGSHIP_' + name.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()
}

export function parseCli (argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig {
  const spec: FlagSpec = {
    tag: { type: 'string', multiple: true },
    tee: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' }
  }
  for (const name of Object.keys(OPTIONS)) spec[kebab(name)] = { type: 'string' }
  const problem = argumentProblem(argv, spec)
  if (problem !== undefined) throw invalidArguments(problem)
  let values: Record<string, unknown>
  try {
    values = parseArgs({ args: [...argv], options: spec, allowPositionals: false, strict: true }).values
  } catch (err) {
    // argumentProblem() finds what parseArgs rejects; should a Node version reject more, its message
    // may quote the argument, so only its code is given.
    throw invalidArguments(`not understood (${String((err as { code?: unknown }).code ?? 'no code')})`)
  }

  const options: Record<string, unknown> = {}
  const fromEnv: Record<string, string> = {}
  for (const [name, kind] of Object.entries(OPTIONS)) {
    const flag = values[kebab(name)] as string | undefined
    const raw = flag ?? env[envName(name)]
    if (raw === undefined || raw === '') continue
    if (flag === undefined) fromEnv[OPTION_OF[name] ?? name] = envName(name)
    // A bad value from the environment names its variable: nothing on the command line shows it.
    options[OPTION_OF[name] ?? name] = convert(flag === undefined ? `${name} (from ${envName(name)})` : name, kind, raw)
  }
  const tagFlags = values.tag as string[] | undefined
  const tags = tagFlags ?? splitList(env.LOGSHIP_TAGS)
  if (tags.length > 0) options.tags = parseTags(tags, tagFlags === undefined ? 'tags (from LOGSHIP_TAGS)' : 'tag')
  if (tagFlags === undefined && tags.length > 0) fromEnv.tags = 'LOGSHIP_TAGS'
  return {
    options: options as unknown as LogshipPinoOptions,
    tee: values.tee === true || env.LOGSHIP_TEE === '1' || env.LOGSHIP_TEE === 'true',
    help: values.help === true,
    version: values.version === true,
    fromEnv
  }
}

/**
 * An option error found after parsing (the producer's range checks: `LOGSHIP_LINGER_MS=5`) names
 * the env var the value came from, as parsing errors do: nothing on the command line shows it.
 */
export function nameEnvSource (message: string, option: unknown, fromEnv: Readonly<Record<string, string>>): string {
  if (typeof option !== 'string') return message
  const source = fromEnv[option.split('.')[0]!]
  const named = `invalid option ${option}`
  if (source === undefined || !message.includes(named + ':')) return message
  return message.replace(named + ':', `${named} (from ${source}):`)
}

/** Digits with an optional sign, nothing else: Number() would also take ' ' (0), '0x10' or '1e3'. */
const INTEGER_TEXT = /^[+-]?\d+$/
/** A label=number pair of --custom-levels: one '=', a label, an integer (pino's level values). */
const LEVEL_PAIR = /^([^=]+)=\s*([+-]?\d+)$/
/**
 * What is wrong with the arguments, said without repeating any of them but a known flag's name
 * (or an unknown one that looks like a flag): an argument in the wrong place is often a secret
 * passed without its flag (`--access-key-secret= SECRET`, with a space), and parseArgs' own
 * messages quote it. Arguments are counted from 1.
 */
function argumentProblem (argv: readonly string[], spec: FlagSpec): string | undefined {
  // Not strict: every argument comes back as a token, with where it was, instead of a thrown message.
  const { tokens } = parseArgs({ args: [...argv], options: spec, allowPositionals: true, strict: false, tokens: true })
  let previous: (typeof tokens)[number] | undefined
  for (const token of tokens) {
    const at = `argument ${token.index + 1}`
    if (token.kind === 'positional') {
      const emptyValue = previous?.kind === 'option' && previous.inlineValue === true && previous.value === ''
        ? `; ${previous.rawName}= (argument ${previous.index + 1}) has an empty value: write ${previous.rawName}=VALUE, without a space`
        : ''
      return `${at} is not a flag and follows none that takes a value (not shown, as it may be a secret); ` +
        `give values as --name value or --name=value${emptyValue}`
    }
    previous = token
    if (token.kind !== 'option') continue
    const option = Object.hasOwn(spec, token.name) ? spec[token.name] : undefined
    if (option === undefined) {
      return looksLikeFlag(argv[token.index]!) ? `unknown option '${token.rawName}' (${at})` : `unknown option (${at}, not shown)`
    }
    if (option.type === 'boolean' && token.value !== undefined) return `${token.rawName} takes no value (${at})`
    if (option.type === 'string' && token.value === undefined) return `${token.rawName} needs a value (${at})`
    if (option.type === 'string' && token.inlineValue === false && token.value!.startsWith('-')) {
      return `${token.rawName} is followed by argument ${token.index + 2}, which begins with '-' (not shown): ` +
        `if it is the value, join it with '=', as in ${token.rawName}=-XYZ`
    }
  }
  return undefined
}

/** `--some-flag`, `--some-flag=…` or `-x`: lowercase words and dashes, as every flag here is; a secret rarely is. */
function looksLikeFlag (arg: string): boolean {
  return /^--[a-z][a-z0-9-]{0,39}(=|$)/.test(arg) || /^-[a-z]$/.test(arg)
}

function invalidArguments (problem: string): LogshipError {
  return new LogshipError('LOGSHIP_INVALID_OPTION', `invalid arguments: ${problem}`)
}

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

/** `name`: what an error calls the source, the flag or the env var (nothing on the command line shows that). */
function parseTags (items: readonly string[], name: string): Record<string, string> {
  const tags: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new InvalidOptionError(name, item, 'key=value')
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
    'Exit status: 0 all delivered; 1 bad configuration; 2 some records were not delivered (or',
    'reading stdin failed); 128 + the signal\'s number (129 SIGHUP, 130 SIGINT, 143 SIGTERM) when a',
    'second signal cut delivery short. On SIGINT/SIGTERM/SIGHUP, stdin is read until it ends (at most',
    '2 s), then what is buffered is delivered within closeTimeoutMs of the signal; a second signal exits at once.')
  return lines.join('\n')
}
