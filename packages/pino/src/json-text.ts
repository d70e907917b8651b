/**
 * Where a JSON string and a JSON number end, read in place in a line: shared by the line scanner,
 * which checks the text as it goes, and parseJsonExact, which reads text JSON.parse has accepted.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39

function isNumberChar (c: number): boolean {
  // digits . + - e E
  return (c >= ZERO && c <= NINE) || c === 0x2e || c === 0x2b || c === MINUS || c === 0x65 || c === 0x45
}

/**
 * The end of the JSON number at `from`, or -1 when the text there is not one: `-`? then `0` or a
 * digit 1–9 and more digits, then optionally `.` and digits, then optionally `e`/`E`, a sign and
 * digits, and then no further number character.
 */
export function numberEnd (line: string, from: number, end: number): number {
  let j = from
  if (j < end && line.charCodeAt(j) === MINUS) j++
  if (j >= end || !isDigit(line.charCodeAt(j))) return -1
  if (line.charCodeAt(j++) !== ZERO) while (j < end && isDigit(line.charCodeAt(j))) j++
  if (j < end && line.charCodeAt(j) === 0x2e) {
    if (++j >= end || !isDigit(line.charCodeAt(j))) return -1
    while (j < end && isDigit(line.charCodeAt(j))) j++
  }
  const e = j < end ? line.charCodeAt(j) : 0
  if (e === 0x65 || e === 0x45) {
    j++
    if (j < end && (line.charCodeAt(j) === 0x2b || line.charCodeAt(j) === MINUS)) j++
    if (j >= end || !isDigit(line.charCodeAt(j))) return -1
    while (j < end && isDigit(line.charCodeAt(j))) j++
  }
  return j < end && isNumberChar(line.charCodeAt(j)) ? -1 : j
}

function isDigit (c: number): boolean {
  return c >= ZERO && c <= NINE
}

/** Index of the quote closing the string whose content starts at `from`, or -1 (none before `end`). */
export function stringEnd (line: string, from: number, end: number): number {
  for (let j = from; j < end; j++) {
    const c = line.charCodeAt(j)
    if (c === BACKSLASH) j++
    else if (c === QUOTE) return j
  }
  return -1
}
