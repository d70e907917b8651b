/**
 * A batch's request body, built once: protobuf envelope, compression, digests. It is cached on the
 * SealedBatch so a retry only re-signs (the signature covers X-Date, which changes).
 */
import * as crypto from 'node:crypto'
import { deflateBody } from './deflate.js'
import { lz4CompressBody } from './lz4.js'
import { bodySize, encodeBody, encodeBodyInto, type Flavor } from './protobuf.js'

export type BodyCompression = 'lz4' | 'deflate' | 'none'

export interface BuiltBody {
  /** The bytes sent. */
  readonly body: Buffer
  /** Uncompressed protobuf length (bodyrawsize). */
  readonly rawSize: number
  readonly compression: BodyCompression
  /** Uppercase hex MD5 of `body`, or '' when not asked for. */
  readonly md5Hex: string
  /** Lowercase hex SHA-256 of `body`, or '' when not asked for. */
  readonly sha256Hex: string
  /** `body`'s memory came from body-memory.ts: it goes back there once nothing reads the body. */
  readonly pooled: boolean
}

export interface BuildBodyOptions {
  flavor: Flavor
  compression: BodyCompression
  md5: boolean
  sha256: boolean
}

export async function buildBody (entries: Uint8Array, trailer: Uint8Array, options: BuildBodyOptions): Promise<BuiltBody> {
  if (options.compression !== 'deflate') return buildBodySync(entries, trailer, options)
  const raw = encodeBody(options.flavor, entries, trailer)
  return finish(await deflateBody(raw), raw.length, options)
}

/** buildBody for 'lz4' and 'none', which need no waiting: the engine builds bodies at seal time with it. */
export function buildBodySync (entries: Uint8Array, trailer: Uint8Array, options: BuildBodyOptions): BuiltBody {
  if (options.compression === 'deflate') throw new Error('a deflate body is built with buildBody()')
  if (options.compression === 'none') {
    const raw = encodeBody(options.flavor, entries, trailer)
    return finish(raw, raw.length, options)
  }
  // The raw body is assembled in the compressor's input memory, reused call after call, so only
  // the compressed bytes are allocated per batch.
  const size = bodySize(options.flavor, entries.length, trailer.length)
  const { block, pooled } = lz4CompressBody(size, (into) => encodeBodyInto(options.flavor, entries, trailer, into))
  return finish(block, size, options, pooled)
}

/** One-shot digest: crypto.hash (Node >= 20.12) skips the Hash object and stream machinery of createHash. */
type OneShotHash = (algorithm: string, data: Buffer, encoding: 'hex') => string
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash
function hexDigest (algorithm: string, data: Buffer): string {
  return oneShot !== undefined ? oneShot(algorithm, data, 'hex') : crypto.createHash(algorithm).update(data).digest('hex')
}

function finish (body: Buffer, rawSize: number, options: BuildBodyOptions, pooled = false): BuiltBody {
  return {
    body,
    rawSize,
    compression: options.compression,
    md5Hex: options.md5 ? hexDigest('md5', body).toUpperCase() : '',
    sha256Hex: options.sha256 ? hexDigest('sha256', body) : '',
    pooled
  }
}

export function isBuiltBody (value: unknown): value is BuiltBody {
  return value !== null && typeof value === 'object' && Buffer.isBuffer((value as BuiltBody).body) && typeof (value as BuiltBody).rawSize === 'number'
}
