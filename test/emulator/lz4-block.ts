// Strict decoder for a raw LZ4 block (no frame, no size prefix). The output size comes from
// the request's bodyrawsize header, as the services' own decoders do. Literal-only blocks
// (the Go SDK's fallback for incompressible input) are ordinary blocks and decode here too.
// Log text gives many short sequences (~40 per record): runs up to SHORT_COPY bytes are copied in
// place (matches four bytes at a time), because a subarray() view or a copyWithin() call per
// sequence costs more than the copy itself, and in the benchmark the emulator shares the machine
// with the producer it measures.

const SHORT_COPY = 48

// LZ4's end-of-block rules, which liblz4's safe decoder (what a service runs) enforces: the last
// match starts at least MFLIMIT bytes before the end of the output, and the last LAST_LITERALS
// bytes are always literals. A compressor that breaks them makes blocks the service refuses.
// (liblz4 1.9.4 skips the second check on its shortcut for short sequences, so it lets a few such
// blocks through; the format allows a decoder to refuse them all, and this one does.) Matches only
// move forward, so the rules concern the last match alone: the loop notes where each match starts,
// and both rules are checked once, after the last sequence. (Checked per sequence, with the error
// texts built inline, they made the loop about half as fast on a 446 KB batch.)
const MFLIMIT = 12
const LAST_LITERALS = 5

export class Lz4Error extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'Lz4Error'
  }
}

export function decodeLz4Block (src: Uint8Array, rawSize: number): Buffer {
  if (!Number.isSafeInteger(rawSize) || rawSize < 0) throw new Lz4Error(`invalid output size ${rawSize}`)
  if (src.length === 0) throw new Lz4Error('empty lz4 block')
  const dst = Buffer.allocUnsafe(rawSize)
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength)
  let ip = 0
  let op = 0
  const end = src.length
  // Where the last match so far starts; -1 while there was none.
  let lastMatch = -1
  let finalLiterals = 0
  for (;;) {
    const token = src[ip++]!
    let litLen = token >>> 4
    if (litLen === 15) {
      let b: number
      do {
        if (ip >= end) throw new Lz4Error('truncated literal length')
        b = src[ip++]!
        litLen += b
      } while (b === 255)
    }
    if (ip + litLen > end) throw new Lz4Error('literals run past the end of the block')
    if (op + litLen > rawSize) throw new Lz4Error(`output exceeds bodyrawsize ${rawSize}`)
    if (litLen <= SHORT_COPY) {
      for (let i = 0; i < litLen; i++) dst[op + i] = src[ip + i]!
    } else {
      dst.set(src.subarray(ip, ip + litLen), op)
    }
    ip += litLen
    op += litLen
    if (ip === end) { // the last sequence holds literals only
      finalLiterals = litLen
      break
    }
    if (ip + 2 > end) throw new Lz4Error('truncated match offset')
    const offset = src[ip]! | (src[ip + 1]! << 8)
    ip += 2
    if (offset === 0 || offset > op) throw new Lz4Error(`match offset ${offset} out of range at output ${op}`)
    let matchLen = token & 15
    if (matchLen === 15) {
      let b: number
      do {
        if (ip >= end) throw new Lz4Error('truncated match length')
        b = src[ip++]!
        matchLen += b
      } while (b === 255)
    }
    matchLen += 4
    if (op + matchLen > rawSize) throw new Lz4Error(`output exceeds bodyrawsize ${rawSize}`)
    lastMatch = op
    const from = op - offset
    if (offset >= matchLen && matchLen > SHORT_COPY) {
      dst.copyWithin(op, from, from + matchLen)
      op += matchLen
    } else {
      // Front to back, four bytes at a time while every byte read is already written (offset >= 4),
      // then byte by byte: also right for an overlapping match (offset < length), which repeats
      // the last `offset` bytes.
      let i = 0
      if (offset >= 4) for (; i + 4 <= matchLen; i += 4) view.setUint32(op + i, view.getUint32(from + i))
      for (; i < matchLen; i++) dst[op + i] = dst[from + i]!
      op += matchLen
    }
    if (ip >= end) throw new Lz4Error('block ends with a match instead of literals')
  }
  if (op !== rawSize) throw new Lz4Error(`decoded ${op} bytes, bodyrawsize says ${rawSize}`)
  if (lastMatch >= 0) {
    if (lastMatch > rawSize - MFLIMIT) throw new Lz4Error(`a match starts at output ${lastMatch}, within the last ${MFLIMIT} bytes of ${rawSize} (LZ4 end-of-block rule)`)
    if (finalLiterals < LAST_LITERALS) throw new Lz4Error(`the last match ends at output ${rawSize - finalLiterals}, within the last ${LAST_LITERALS} bytes of ${rawSize}, which must be literals (LZ4 end-of-block rule)`)
  }
  return dst
}
