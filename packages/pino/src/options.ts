/**
 * The transport's options are the producer's flat options plus a few mapping options. This file
 * splits them, fills the defaults, and rejects a bad mapping option with a message that names it;
 * the producer validates its own options when it is created.
 */
import { InvalidOptionError, type ProducerOptions } from '@logship/producer'
import { PINO_LEVELS, levelLabels, type MappingSettings } from './mapping.js'

export interface MappingOptions {
  /** Key of the level in pino's output. Default 'level'. */
  levelKey?: string
  /** Key of the message. Default: pino's messageKey when pino sends its config, else 'msg'. */
  messageKey?: string
  /** Key of the time. Default 'time'. */
  timeKey?: string
  /** Key of the serialized error. Default: pino's errorKey when pino sends its config, else 'err'. */
  errorKey?: string
  /** Custom levels as pino takes them, `{ label: number }`; needed only when pino cannot send them. */
  customLevels?: Record<string, number>
  /** Nested objects as compact JSON ('json', default) or flattened to dotted keys ('flatten'). */
  nested?: 'json' | 'flatten'
}

/** Everything `pino.transport({ target: '@logship/pino', options })` accepts. */
export interface LogshipPinoOptions extends ProducerOptions, MappingOptions {}

/** What pino's PINO_CONFIG message carries. */
export interface PinoConfig {
  levels?: { values?: Record<string, number>, labels?: Record<number, string> }
  messageKey?: string
  errorKey?: string
}

export const DEFAULTS = Object.freeze({
  levelKey: 'level',
  messageKey: 'msg',
  timeKey: 'time',
  errorKey: 'err',
  nested: 'json' as const,
  // pino blocks the exiting main thread for at most 10 s while the worker closes; stay below it.
  closeTimeoutMs: 8000
})

/**
 * How long pino waits for a worker transport to close, at exit and on transport.end():
 * thread-stream's end() blocks in 10 waits of 1 s, then gives up ("end() took too long (10s)").
 */
export const PINO_END_WAIT_MS = 10_000

const MAPPING_KEYS = new Set(['levelKey', 'messageKey', 'timeKey', 'errorKey', 'customLevels', 'nested'])
// Added by pino and thread-stream to the options they hand to the worker; not ours to validate.
const TRANSPORT_KEYS = new Set(['pinoWillSendConfig', '$context'])

export interface SplitOptions {
  mapping: MappingOptions
  producer: ProducerOptions
  closeTimeoutMs: number
}

export function splitOptions (options: unknown): SplitOptions {
  // In `targets`, pino passes `options: undefined` when the user gives none.
  const input = options ?? {}
  if (typeof input !== 'object' || Array.isArray(input)) throw new InvalidOptionError('options', input, 'an object of producer and mapping options')
  const mapping: Record<string, unknown> = {}
  const producer: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (TRANSPORT_KEYS.has(key)) continue
    if (MAPPING_KEYS.has(key)) mapping[key] = value
    else producer[key] = value
  }
  const closeTimeoutMs = positiveInteger('closeTimeoutMs', producer.closeTimeoutMs, DEFAULTS.closeTimeoutMs)
  producer.closeTimeoutMs = closeTimeoutMs
  return { mapping: validateMapping(mapping), producer: producer as unknown as ProducerOptions, closeTimeoutMs }
}

function validateMapping (raw: Record<string, unknown>): MappingOptions {
  const out: MappingOptions = {}
  for (const key of ['levelKey', 'messageKey', 'timeKey', 'errorKey'] as const) {
    const value = raw[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value === '') throw new InvalidOptionError(key, value, 'a non-empty string')
    out[key] = value
  }
  if (raw.nested !== undefined) {
    if (raw.nested !== 'json' && raw.nested !== 'flatten') throw new InvalidOptionError('nested', raw.nested, "'json' or 'flatten'")
    out.nested = raw.nested
  }
  if (raw.customLevels !== undefined) out.customLevels = validateLevels(raw.customLevels)
  return out
}

function validateLevels (value: unknown): Record<string, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError('customLevels', value, 'an object of level labels to numbers, as pino takes it')
  }
  const levels: Record<string, number> = {}
  for (const [label, level] of Object.entries(value)) {
    if (typeof level !== 'number' || !Number.isFinite(level)) throw new InvalidOptionError(`customLevels.${label}`, level, 'a number')
    levels[label] = level
  }
  return levels
}

function positiveInteger (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new InvalidOptionError(name, value, 'an integer >= 1 (ms)')
  return value
}

/** The mapping in force: options first, then what pino sent, then pino's defaults. */
export function resolveMapping (mapping: MappingOptions, pinoConfig: PinoConfig | undefined): MappingSettings {
  return {
    levelKey: mapping.levelKey ?? DEFAULTS.levelKey,
    messageKey: mapping.messageKey ?? pinoConfig?.messageKey ?? DEFAULTS.messageKey,
    timeKey: mapping.timeKey ?? DEFAULTS.timeKey,
    errorKey: mapping.errorKey ?? pinoConfig?.errorKey ?? DEFAULTS.errorKey,
    labels: levelLabels(PINO_LEVELS, pinoConfig?.levels?.values, mapping.customLevels),
    nested: mapping.nested ?? DEFAULTS.nested
  }
}
