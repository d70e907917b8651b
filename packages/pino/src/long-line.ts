/**
 * What is shipped for a line over the reader's MAX_LINE_CHARS, of which only the head was kept
 * (line-reader.ts): one record, the head as the message with the producer's truncation marker,
 * and the fields that lead the head when it is a JSON object (pino writes level and time first).
 */

/**
 * `head` with the marker the producer puts on a value it cut to the per-log limit, so both read
 * the same: `…[truncated N bytes]`, N the bytes of UTF-8 removed.
 */
export function markTruncated (head: string, dropped: number): string {
  return `${head}…[truncated ${dropped} bytes]`
}

// Only the start of the head is searched: the leading fields pino writes (level, time, pid,
// hostname, short bindings) fit many times over, and what is found stays small next to the head.
const LEADING_WINDOW = 4096

// One complete JSON string, number or literal, exactly as JSON defines them, so that what matches
// is valid JSON.
const STRING = String.raw`"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"`
const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`
// The leading "key":scalar pairs, each followed by a comma, so that none was cut off by the head's
// end (a number cut short would still look like a number). It stops at the first object or array:
// no partial JSON is parsed. The alternatives never overlap, so matching is linear.
const LEADING_PAIRS = new RegExp(String.raw`^\{(?:${STRING}:(?:${STRING}|${NUMBER}|true|false|null),)+`)

/**
 * The head's leading scalar fields as a complete JSON object (`{"level":30,"time":…}`) for the
 * mapping to read, or undefined when the head does not start with such fields.
 */
export function leadingFields (head: string): string | undefined {
  const match = LEADING_PAIRS.exec(head.length > LEADING_WINDOW ? head.slice(0, LEADING_WINDOW) : head)
  return match === null ? undefined : match[0].slice(0, -1) + '}'
}
