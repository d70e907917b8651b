/**
 * The Go producer's AdjustShardHash: MD5 of the key, keep the top log2(buckets) bits, as 32
 * lowercase hex digits. Keys that land in the same bucket share batches and a shard.
 */
import { createHash } from 'node:crypto'

export function adjustShardHash (key: string, buckets: number): string {
  const digest = createHash('md5').update(key).digest()
  let bits = Math.round(Math.log2(buckets))
  for (let i = 0; i < digest.length; i++) {
    if (bits >= 8) bits -= 8
    else {
      digest[i] &= (0xff << (8 - bits)) & 0xff
      bits = 0
    }
  }
  return digest.toString('hex')
}
