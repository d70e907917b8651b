/**
 * The standard record: level, message, time and eight 60-byte string fields (`field_0`..`field_7`),
 * about 560 bytes of key and value text: the shape of the Aliyun Go producer's published performance
 * test. Field values come from a fixed pool of log-like strings (words, numbers, hex ids), so each
 * record is a new object with a varying mix and lz4 sees realistic, not flattering, input.
 */
const WORDS = ['user', 'order', 'payment', 'id', 'ok', 'failed', 'retry', 'GET', 'POST', '/api/v1/items', 'cache', 'hit', 'miss', 'db', 'latency', 'ms', 'region', 'cn-beijing', 'shard', 'trace']
const LEVELS = ['info', 'info', 'info', 'warn', 'error', 'debug', 'info', 'info']

let seed = 42
function rand (n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed % n
}

function field (): string {
  let s = ''
  while (s.length < 60) {
    const r = rand(3)
    s += (r === 0 ? WORDS[rand(WORDS.length)] : r === 1 ? String(rand(100000)) : rand(0xffffff).toString(16)) + ' '
  }
  return s.slice(0, 60)
}

/** 4096 distinct 60-character field values (4093 is prime, so field i of record n rotates through them). */
export const POOL: readonly string[] = Array.from({ length: 4096 }, field)
const POOL_MOD = 4093
const MESSAGES: readonly string[] = Array.from({ length: 256 }, (_, i) => `request ${i * 7919 % 100000} handled in ${i % 500} ms`)

export interface StandardContents {
  level: string
  message: string
  field_0: string
  field_1: string
  field_2: string
  field_3: string
  field_4: string
  field_5: string
  field_6: string
  field_7: string
}

/** The contents of record n: a new object each call (building it is part of the measured loop). */
export function standardContents (n: number): StandardContents {
  const b = (n * 8) % POOL_MOD
  return {
    level: LEVELS[n & 7],
    message: MESSAGES[n & 255],
    field_0: POOL[b],
    field_1: POOL[(b + 1) % POOL_MOD],
    field_2: POOL[(b + 2) % POOL_MOD],
    field_3: POOL[(b + 3) % POOL_MOD],
    field_4: POOL[(b + 4) % POOL_MOD],
    field_5: POOL[(b + 5) % POOL_MOD],
    field_6: POOL[(b + 6) % POOL_MOD],
    field_7: POOL[(b + 7) % POOL_MOD]
  }
}

/** Raw size of a standard record: key and value bytes of its contents plus an 8-byte time. */
export function rawBytes (c: StandardContents): number {
  let n = 8
  for (const [k, v] of Object.entries(c)) n += Buffer.byteLength(k) + Buffer.byteLength(v)
  return n
}

/** A deterministic sleep-free pacing helper: how many records should have been sent by `elapsedMs`. */
export function due (ratePerSec: number, elapsedMs: number): number {
  return Math.floor(ratePerSec * elapsedMs / 1000)
}
