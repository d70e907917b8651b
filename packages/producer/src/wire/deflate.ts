/**
 * zlib (RFC 1950) compression: TLS calls it `zlib`, SLS `deflate`; both official SDKs send the
 * zlib-wrapped stream. It runs on the libuv thread pool so a 512 KiB batch (several ms at any
 * level) never stalls the event loop; lz4, the default, is fast enough to run inline.
 */
import { constants, deflate, deflateSync } from 'node:zlib'

/** Level 6 is zlib's default and what the Go and Java SDKs use; users pick deflate for its ratio. */
export const DEFLATE_LEVEL = constants.Z_DEFAULT_COMPRESSION

export function deflateBody (input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflate(input, { level: DEFLATE_LEVEL }, (error, out) => {
      if (error !== null) reject(error)
      else resolve(out)
    })
  })
}

export function deflateBodySync (input: Buffer): Buffer {
  return deflateSync(input, { level: DEFLATE_LEVEL })
}
