/**
 * A batch's request body, built once: protobuf envelope, compression, digests. It is cached on the
 * SealedBatch so a retry only re-signs (the signature covers X-Date, which changes).
 */
import { createHash } from 'node:crypto'
import { deflateBody } from './deflate.js'
import { lz4CompressBlock } from './lz4.js'
import { encodeBody, type Flavor } from './protobuf.js'

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
}

export interface BuildBodyOptions {
  flavor: Flavor
  compression: BodyCompression
  md5: boolean
  sha256: boolean
}

export async function buildBody (entries: Uint8Array, trailer: Uint8Array, options: BuildBodyOptions): Promise<BuiltBody> {
  const raw = encodeBody(options.flavor, entries, trailer)
  let body: Buffer
  switch (options.compression) {
    case 'lz4': body = lz4CompressBlock(raw); break
    case 'deflate': body = await deflateBody(raw); break
    default: body = raw
  }
  return {
    body,
    rawSize: raw.length,
    compression: options.compression,
    md5Hex: options.md5 ? createHash('md5').update(body).digest('hex').toUpperCase() : '',
    sha256Hex: options.sha256 ? createHash('sha256').update(body).digest('hex') : ''
  }
}

export function isBuiltBody (value: unknown): value is BuiltBody {
  return value !== null && typeof value === 'object' && Buffer.isBuffer((value as BuiltBody).body) && typeof (value as BuiltBody).rawSize === 'number'
}
