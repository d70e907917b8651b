/**
 * Worker mode, logging thread: the cheap way to hand a record to the worker.
 *
 * Most winston records are a string level, a string message and string fields, logged again and
 * again with the same keys. For those, mapping on this thread (a new contents object per record)
 * and then structured-cloning that object (every key and every value, per record) is most of what
 * the transport costs. Instead, each distinct key sequence gets a *shape* id once, and a record
 * travels as `shape, time, level, message, value…`: only the values are copied, no object is
 * built here, and the worker builds the contents (and parses a `timestamp` in UTC) exactly as
 * mapInfo would have; a `timestamp` in local time is parsed here (see encode).
 *
 * The shortcut is taken only where its result is provably the same as mapInfo's: every field value
 * a string, the level and message strings, and the info not an Error and without inherited
 * enumerable keys. Anything else, and anything that throws while being read, returns false and
 * goes through mapInfo on this thread (see protocol.ts for the batch layout).
 */
import { inheritsEnumerableKeys } from '@logship/producer'
import { LEVEL, parseTimestamp, set } from '../mapping.js'
import type { Contents } from '../mapping.js'
import { MAPPED } from './protocol.js'

/** Shapes (and trie nodes) are bounded: keys made of data (ids as keys) fall back to mapInfo. */
const MAX_SHAPES = 1024
const MAX_NODES = 8192

interface ShapeNode {
  readonly key: string
  /** The first child: most paths never branch. */
  first: ShapeNode | undefined
  /** Further children, by key. */
  more: Map<string, ShapeNode> | undefined
  /** The shape id of the key sequence ending here, or -1 when none was given yet. */
  id: number
}

function newNode (key: string): ShapeNode {
  return { key, first: undefined, more: undefined, id: -1 }
}

export class ShapeEncoder {
  readonly #root: ShapeNode = newNode('')
  #nodes = 1
  #shapes = 0
  /** Scratch: the keys of the record being encoded. */
  readonly #keys: string[] = []

  /**
   * Appends one record to `batch` in shape form and returns true, or returns false with `batch`
   * unchanged when the record needs mapInfo. A new shape travels as its key array in the head slot
   * (the worker numbers shapes in the order it receives them); a known one as its id.
   */
  encode (info: Record<string | symbol, unknown>, now: number, batch: unknown[]): boolean {
    const start = batch.length
    try {
      const level = info[LEVEL]
      const message = info.message
      if (typeof level !== 'string' || typeof message !== 'string' || info instanceof Error) return false
      // for…in below would also visit inherited enumerable keys (a polluted Object.prototype):
      // such a record goes through mapInfo, which sends own keys only. One check per record.
      if (inheritsEnumerableKeys(info)) return false
      batch.push(0, now, level, message)
      const keys = this.#keys
      let node = this.#root
      let n = 0
      for (const key in info) {
        if (key === 'level' || key === 'message') continue
        const value = info[key]
        if (typeof value !== 'string') return this.#undo(batch, start)
        if (key === 'timestamp' && !endsInUtc(value)) {
          // Read here, not in the worker: a timestamp without a zone is local time, and V8 keeps each
          // thread's zone; the worker's does not follow a change of process.env.TZ made on this thread.
          const parsed = parseTimestamp(value)
          if (parsed !== undefined) {
            batch[start + 1] = parsed
            continue
          }
        }
        let child = node.first
        if (child === undefined || child.key !== key) {
          child = this.#child(node, key)
          if (child === undefined) return this.#undo(batch, start)
        }
        keys[n++] = key
        batch.push(value)
        node = child
      }
      if (node.id >= 0) {
        batch[start] = node.id
      } else {
        if (this.#shapes >= MAX_SHAPES) return this.#undo(batch, start)
        node.id = this.#shapes++
        batch[start] = keys.slice(0, n)
      }
      return true
    } catch {
      // A getter or Proxy trap that throws: mapInfo knows what to keep.
      return this.#undo(batch, start)
    }
  }

  #undo (batch: unknown[], start: number): false {
    batch.length = start
    return false
  }

  #child (node: ShapeNode, key: string): ShapeNode | undefined {
    const found = node.more?.get(key)
    if (found !== undefined) return found
    if (this.#nodes >= MAX_NODES) return undefined
    this.#nodes++
    const child = newNode(key)
    if (node.first === undefined) node.first = child
    else (node.more ??= new Map()).set(key, child)
    return child
  }
}

/** `format.timestamp()`'s default (toISOString) ends in Z: the same time on any thread, so the worker parses it. */
function endsInUtc (text: string): boolean {
  const last = text.charCodeAt(text.length - 1)
  return last === 0x5a || last === 0x7a // Z z
}

/**
 * Worker side: calls `send` for each record of a batch, in order, with the time and contents mapInfo
 * would have given. `shapes` is the worker's table of key sequences, extended by definitions.
 */
export function decodeBatch (items: unknown[], shapes: string[][], send: (time: number | bigint, contents: Contents) => void): void {
  let i = 1
  while (i < items.length) {
    const head = items[i]
    if (head === MAPPED) {
      send(items[i + 1] as number | bigint, items[i + 2] as Contents)
      i += 3
      continue
    }
    let keys: string[]
    if (typeof head === 'number') {
      keys = shapes[head]
    } else {
      keys = head as string[]
      shapes.push(keys)
    }
    // As mapInfo: level, message, then the fields in order; a timestamp that parses is the time.
    let time = items[i + 1] as number | bigint
    const contents: Contents = { level: items[i + 2] as string, message: items[i + 3] as string }
    let p = i + 4
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]
      const value = items[p++] as string
      if (key === 'timestamp') {
        const parsed = parseTimestamp(value)
        if (parsed !== undefined) {
          time = parsed
          continue
        }
      }
      set(contents, key, value)
    }
    i = p
    send(time, contents)
  }
}
