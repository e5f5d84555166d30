/**
 * Block hashing. BLAKE3-256: many whole blocks per call through
 * native/blake3-batch.c (built on `npm ci` from the official BLAKE3 C sources
 * by scripts/build-native.mjs), one block per call through
 * @napi-rs/blake-hash where that was not built; both give the same hashes.
 *
 * Chosen by measurement (node, 2 cores, 4 MiB random buffer, per-block calls):
 *   block   SHA-256 (node:crypto)   BLAKE3 (native)
 *   4 KiB   1.18 GB/s               1.94 GB/s
 *   64 KiB  1.89 GB/s               6.63 GB/s
 *   1 MiB   2.00 GB/s               7.75 GB/s
 * A peer may be malicious, so the hash must be collision and second-preimage
 * resistant (xxh3/xxh128 are not): of the two that are, BLAKE3 is faster at
 * every block size. At 4 KiB a call costs more than its hashing: 64 MiB of 4
 * KiB blocks took 44 ms one per call and 10 ms 256 per call (batched: every
 * level of all 256 trees fills the SIMD lanes at once).
 */
import { blake3 } from '@napi-rs/blake-hash'
import { SwapInternalError } from '../errors.js'
import { native } from './native.js'

export const HASH_ALG = 'blake3-256'
export const HASH_BYTES = 32

export function hashBlock(data: Uint8Array): Buffer {
  return blake3(data)
}

/** Smallest block the batched hash takes: one BLAKE3 chunk. */
const BATCH_MIN_BLOCK = 1024

/** True when whole blocks are hashed many per call (see native/blake3-batch.c). */
export const BATCHED_HASHING = native !== null

const mapped = process.env.VBOOM_HASH_MAPPED === '0' ? undefined : native?.hashMappedBlocks

/**
 * True when a disk can be hashed where its pages lie (native/hash-mapped.c):
 * no copy out of the page cache, ~125 ms less of a core per GiB here.
 * VBOOM_HASH_MAPPED=0 reads with pread instead.
 */
export const MAPPED_HASHING = mapped !== undefined

/** Position and length of every mapped hash must be multiples of this (the page size on every Linux VBoom runs on). */
export const MAPPED_ALIGN = 4096

/**
 * The hashes of the whole blocks in `length` bytes of descriptor `fd` from
 * `position` (a multiple of MAPPED_ALIGN) into `out`, as hashBlocksInto
 * gives them for the same bytes. Only where MAPPED_HASHING. A read error of
 * the device rejects (code EIO) instead of ending the process.
 */
export function hashMapped(
  fd: number,
  position: number,
  length: number,
  blockSize: number,
  out: Uint8Array,
): Promise<void> {
  if (mapped === undefined)
    throw new SwapInternalError(
      'HASH_MAPPED_UNAVAILABLE',
      'hashMapped was called although the native mapped hashing is not built (callers check MAPPED_HASHING first)',
      'nothing was hashed or written',
    )
  return mapped(fd, position, length, blockSize, out, zeroHash(blockSize))
}

/** hashWholeBlocks one block per call: the fallback, and the reference the batched one is tested against. */
export function hashWholeBlocksPerCall(data: Uint8Array, blockSize: number, out: Uint8Array): void {
  for (let off = 0, o = 0; off < data.length; off += blockSize, o += HASH_BYTES)
    out.set(blake3(data.subarray(off, off + blockSize)), o)
}

/** Hashes `data`, whole blocks of `blockSize`, into `out` (HASH_BYTES per block). */
export function hashWholeBlocks(data: Uint8Array, blockSize: number, out: Uint8Array): void {
  if (native !== null && blockSize >= BATCH_MIN_BLOCK) native.hashBlocks(data, blockSize, out)
  else hashWholeBlocksPerCall(data, blockSize, out)
}

/** Hashes `data` as consecutive blocks of `blockSize`, the last possibly short, into `out`. */
export function hashBlocks(data: Uint8Array, blockSize: number, out: Uint8Array): void {
  const whole = Math.floor(data.length / blockSize)
  hashWholeBlocks(data.subarray(0, whole * blockSize), blockSize, out.subarray(0, whole * HASH_BYTES))
  if (whole * blockSize < data.length) out.set(blake3(data.subarray(whole * blockSize)), whole * HASH_BYTES)
}

const zeroHashes = new Map<number, Uint8Array>()

/** The hash of `length` zero bytes (cached: a disk has at most two block lengths). */
export function zeroHash(length: number): Uint8Array {
  let h = zeroHashes.get(length)
  if (h === undefined) {
    h = blake3(new Uint8Array(length))
    zeroHashes.set(length, h)
  }
  return h
}

/** All-zero bytes to compare blocks with (grown on demand to the largest block seen). */
let zeros = new Uint8Array(4096)

/**
 * Hashes `data` as consecutive blocks of `blockSize` (the last may be short)
 * into `out` at block `firstBlock`. An all-zero block is recognised by a
 * memcmp (~10x cheaper than hashing it) and gets the zero hash: the same
 * value BLAKE3 would give, so this is an optimisation, not a shortcut.
 * Sparse images are mostly zero blocks.
 */
export function hashBlocksInto(
  data: Uint8Array,
  blockSize: number,
  out: Uint8Array,
  firstBlock: number,
): void {
  if (zeros.length < blockSize) zeros = new Uint8Array(blockSize)
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const whole = Math.floor(data.length / blockSize)
  const at = (k: number) => (firstBlock + k) * HASH_BYTES
  if (native !== null && blockSize >= BATCH_MIN_BLOCK) {
    // the zero check and the hashing in one native call: no call per block
    native.hashBlocksSkippingZeros(
      data.subarray(0, whole * blockSize),
      blockSize,
      out.subarray(at(0), at(whole)),
      zeroHash(blockSize),
    )
    hashTail(b, whole * blockSize, out, at(whole))
    return
  }
  // runs of non-zero whole blocks go to the batched hash in one call
  let run = 0
  const hashRun = (end: number) => {
    if (end > run)
      hashWholeBlocks(
        data.subarray(run * blockSize, end * blockSize),
        blockSize,
        out.subarray(at(run), at(end)),
      )
  }
  for (let k = 0; k < whole; k++) {
    const off = k * blockSize
    if (b.compare(zeros, 0, blockSize, off, off + blockSize) !== 0) continue
    hashRun(k)
    out.set(zeroHash(blockSize), at(k))
    run = k + 1
  }
  hashRun(whole)
  hashTail(b, whole * blockSize, out, at(whole))
}

/** The hash of a short last block (the bytes of `b` from `off` on, if any) into `out` at `at`. */
function hashTail(b: Buffer, off: number, out: Uint8Array, at: number): void {
  const tail = b.length - off
  if (tail === 0) return
  if (zeros.length < tail) zeros = new Uint8Array(tail)
  out.set(b.compare(zeros, 0, tail, off, b.length) === 0 ? zeroHash(tail) : blake3(b.subarray(off)), at)
}

const NODE_TAG = new Uint8Array([1])

/**
 * Children per inner node of the Merkle tree. Wide nodes keep the tree cheap:
 * 262144 leaves (1 GiB of 4 KiB blocks) take 1029 hash calls over 8 MiB,
 * where a binary tree takes 262143 calls of 65 bytes each (~0.3 s here, the
 * per-call cost dominating).
 */
export const MERKLE_FANOUT = 256

/**
 * Merkle root over leaf hashes (`HASH_BYTES` each, concatenated). Each level
 * groups up to MERKLE_FANOUT consecutive nodes; an inner node is
 * BLAKE3(0x01 || child_1 || ... || child_k) for k >= 2, and a group of one
 * node is carried up unchanged. The tag keeps an inner node from ever
 * equalling a leaf (a block hash); the tree's shape follows from the block
 * count, which the signed manifest header carries.
 */
export function merkleRoot(leaves: Uint8Array): Uint8Array {
  // callers pass whole hash lists: a disk's, or a manifest's after its length was checked
  if (leaves.length % HASH_BYTES !== 0)
    throw new SwapInternalError(
      'MERKLE_LEAVES',
      `a Merkle root was asked of ${leaves.length} bytes, not a whole number of ${HASH_BYTES}-byte hashes`,
      'nothing was written on its account',
    )
  if (leaves.length === 0) return blake3(NODE_TAG)
  let level = leaves
  const buf = new Uint8Array(1 + MERKLE_FANOUT * HASH_BYTES)
  buf[0] = 1
  while (level.length > HASH_BYTES) {
    const n = level.length / HASH_BYTES
    const next = new Uint8Array(Math.ceil(n / MERKLE_FANOUT) * HASH_BYTES)
    for (let i = 0, o = 0; i < n; i += MERKLE_FANOUT, o += HASH_BYTES) {
      const k = Math.min(MERKLE_FANOUT, n - i)
      const children = level.subarray(i * HASH_BYTES, (i + k) * HASH_BYTES)
      if (k === 1) {
        next.set(children, o)
      } else {
        buf.set(children, 1)
        next.set(blake3(buf.subarray(0, 1 + k * HASH_BYTES)), o)
      }
    }
    level = next
  }
  return level.slice()
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}
