/**
 * A manifest's hash list on the wire, in pages of up to HASH_PAGE_HASHES
 * blocks. Zero blocks are marked in a bitmap and their hashes left out: both
 * sides know the hash of a zero block of any length, and disks are often
 * mostly empty (bench:swap's ext4 images are ~45 % zeros; a fresh 100 GiB
 * cloud disk far more), while the full list costs 32 B per 4 KiB block.
 * The receiver puts the list back together and accepts it only if it rebuilds
 * the signed Merkle root (manifest.ts), so a lying page cannot pass.
 */
import type { HashPage } from '../../protocols/proto/swap.js'
import { HASH_PAGE_HASHES } from '../../protocols/swap-constants.js'
import { SwapProtocolError } from '../errors.js'
import { wordsOf } from '../plan/content-table.js'
import type { BlockIndex } from './block-index.js'
import { HASH_BYTES, zeroHash } from './hash.js'

/** The page of `index`'s hashes that starts at block `first`. */
export function encodeHashPage(index: BlockIndex, first: number): HashPage {
  const count = Math.min(HASH_PAGE_HASHES, index.blockCount - first)
  const zeroMap = new Uint8Array(Math.ceil(count / 8))
  // at most every hash; trimmed to those of the non-zero blocks. Copied as
  // 32-bit words: a subarray and set() per run of non-zero blocks cost ~12 ms
  // per GiB of ext4 image here (its runs are short)
  const hashes = new Uint8Array(count * HASH_BYTES)
  const to = wordsOf(hashes)
  const from = wordsOf(index.hashes)
  const W = HASH_BYTES / 4
  let w = 0
  for (let k = 0; k < count; k++) {
    const i = first + k
    if (index.isZero(i)) {
      zeroMap[k >> 3]! |= 1 << (k & 7)
      continue
    }
    for (let j = 0, f = i * W; j < W; j++) to[w++] = from[f + j]!
  }
  return { first, count, zeroMap, hashes: hashes.subarray(0, w * 4) }
}

export interface HashListGeometry {
  diskSize: number
  blockSize: number
  blockCount: number
}

/**
 * Writes a received page into `into` (blockCount * HASH_BYTES), which holds
 * blocks [0, have) so far; returns the new `have`. A page that does not
 * continue at `have`, overruns the disk, or whose bitmap and hash bytes
 * disagree is refused with SWAP_BAD_PAGE.
 */
export function decodeHashPage(page: HashPage, into: Uint8Array, have: number, g: HashListGeometry): number {
  const { first, count, zeroMap, hashes } = page
  const bad = (why: string): never => {
    throw new SwapProtocolError('SWAP_BAD_PAGE', `hash page at block ${first}: ${why}`)
  }
  // rule: pages arrive in order, non-empty, within the block count
  if (first !== have) bad(`does not continue at block ${have}`)
  if (count === 0 || count > HASH_PAGE_HASHES || have + count > g.blockCount)
    bad(`${count} blocks is empty, over ${HASH_PAGE_HASHES}, or past the disk's ${g.blockCount}`)
  // rule: a bit per block, unused bits clear, one whole hash per block not marked zero
  if (zeroMap.length !== Math.ceil(count / 8)) bad(`zero map of ${zeroMap.length} bytes for ${count} blocks`)
  if (count % 8 !== 0 && zeroMap[zeroMap.length - 1]! >> (count % 8) !== 0)
    bad('zero map marks blocks past the page')
  let zeros = 0
  for (const b of zeroMap) zeros += popcount(b)
  if (hashes.length !== (count - zeros) * HASH_BYTES)
    bad(`${hashes.length} hash bytes for ${count - zeros} blocks that are not zero`)
  const isZero = (k: number): boolean => ((zeroMap[k >> 3]! >> (k & 7)) & 1) === 1
  const zeros32 = zeroRun(g.blockSize)
  let from = 0
  // runs of one kind at once: a copy per block cost ~20 ms per GiB of 4 KiB blocks
  for (let k = 0; k < count; ) {
    const zero = isZero(k)
    let n = 1
    while (k + n < count && isZero(k + n) === zero) n++
    const at = (first + k) * HASH_BYTES
    if (!zero) {
      into.set(hashes.subarray(from, from + n * HASH_BYTES), at)
      from += n * HASH_BYTES
    } else {
      for (let done = 0; done < n; done += ZERO_RUN)
        into.set(zeros32.subarray(0, Math.min(ZERO_RUN, n - done) * HASH_BYTES), at + done * HASH_BYTES)
      // the last block of a disk whose size is not a multiple of the block size is short
      const last = first + k + n - 1
      const length = Math.min(g.blockSize, g.diskSize - last * g.blockSize)
      if (length !== g.blockSize) into.set(zeroHash(length), last * HASH_BYTES)
    }
    k += n
  }
  return have + count
}

/** Zero-block hashes copied per call. */
const ZERO_RUN = 256
const zeroRuns = new Map<number, Uint8Array>()

/** ZERO_RUN copies of the hash of a zero block of `blockSize` bytes, end to end. */
function zeroRun(blockSize: number): Uint8Array {
  let run = zeroRuns.get(blockSize)
  if (run === undefined) {
    run = new Uint8Array(ZERO_RUN * HASH_BYTES)
    const h = zeroHash(blockSize)
    for (let k = 0; k < ZERO_RUN; k++) run.set(h, k * HASH_BYTES)
    zeroRuns.set(blockSize, run)
  }
  return run
}

function popcount(b: number): number {
  let n = 0
  for (let x = b; x !== 0; x &= x - 1) n++
  return n
}
