/**
 * The position base of both LZ4 compressors (lz4.ts in TypeScript, lz4-wasm.ts in WebAssembly).
 *
 * Their hash tables store each position seen as position + the base of the call that stored it.
 * Every call takes a base above anything an earlier call can have stored (its own base plus its
 * input length plus the 64 KiB window), so an entry left by an earlier call reads as a negative or
 * too distant position and cannot produce a match: the table never needs clearing between calls.
 * Only when the bases would leave the int32 range is the table cleared and the count restarted.
 */

/** LZ4's largest match offset: an entry further back than this is never used. */
export const MAX_OFFSET = 65535
/** Bases stay below 2^30, so position + base stays a positive int32 for any input up to 1 GiB. */
const BASE_LIMIT = 0x3fffffff

export class PositionBase {
  private next = 1

  /**
   * The base for a call over `n` input bytes. Runs `clearTable` first when the bases have to
   * start over: each call uses up n + 64 KiB of the range, so after about 8,000 calls of 64 KiB
   * or 1,000 of 1 MiB.
   */
  claim (n: number, clearTable: () => void): number {
    if (this.next > BASE_LIMIT - n - MAX_OFFSET) {
      clearTable()
      this.next = 1
    }
    const base = this.next
    this.next += n + MAX_OFFSET + 1
    return base
  }
}
