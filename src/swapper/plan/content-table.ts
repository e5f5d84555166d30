/**
 * A set of block contents keyed by their hashes: which block of an index
 * holds a given content. Open addressing over an Int32Array, keyed by the
 * first 4 bytes of the hash (uniformly random: BLAKE3 output) and confirmed
 * with a full 32-byte compare (as 8 words: a Buffer.compare call per probe cost
 * more than the table). A Map keyed by hash strings cost ~0.3 s per
 * GiB of 4 KiB blocks here (one string per block); this costs ~30 ms.
 */
import { PLANNING_IS_SAFE, SwapInternalError } from '../errors.js'
import { HASH_BYTES } from '../index/hash.js'

/** 32-bit words per hash. */
const WORDS = HASH_BYTES / 4

export class ContentTable {
  private readonly slots: Int32Array
  private readonly mask: number
  private readonly words: Uint32Array
  private size = 0

  /** `hashes`: the index this table points into (HASH_BYTES per block); room for `capacity` entries. */
  constructor(
    hashes: Uint8Array,
    private readonly capacity: number,
  ) {
    let size = 16
    // at most half full: short probe sequences, and always a free slot to end a probe
    while (size < capacity * 2) size *= 2
    this.slots = new Int32Array(size).fill(-1)
    this.mask = size - 1
    this.words = wordsOf(hashes)
  }

  /** The block recorded for the content at block `i` of another index (`otherWords` = wordsOf(its hashes)), or -1. */
  find(otherWords: Uint32Array, i: number): number {
    const key = otherWords[i * WORDS]!
    for (let s = key & this.mask; ; s = (s + 1) & this.mask) {
      const j = this.slots[s]!
      if (j < 0) return -1
      if (sameWords(this.words, j, otherWords, i)) return j
    }
  }

  /** Records block `j` for its content unless one is recorded; `replace` overrides it. Returns the block now recorded. */
  add(j: number, replace = false): number {
    const key = this.words[j * WORDS]!
    for (let s = key & this.mask; ; s = (s + 1) & this.mask) {
      const k = this.slots[s]!
      if (k < 0) {
        // the plan sizes the table for every block it may add
        if (++this.size > this.capacity) {
          throw new SwapInternalError(
            'CONTENT_TABLE_FULL',
            `the content table is full at its capacity of ${this.capacity} entries`,
            PLANNING_IS_SAFE,
          )
        }
        this.slots[s] = j
        return j
      }
      if (sameWords(this.words, k, this.words, j)) {
        if (replace) this.slots[s] = j
        return replace ? j : k
      }
    }
  }
}

/** Whether hash i of `a` equals hash j of `b` (both as words): 8 compares, no call into Buffer. */
export function sameWords(a: Uint32Array, i: number, b: Uint32Array, j: number): boolean {
  const x = i * WORDS
  const y = j * WORDS
  for (let k = 0; k < WORDS; k++) if (a[x + k] !== b[y + k]) return false
  return true
}

/** The hashes as 32-bit words (copied when the bytes are not 4-aligned). */
export function wordsOf(hashes: Uint8Array): Uint32Array {
  const h = hashes.byteOffset % 4 === 0 ? hashes : Uint8Array.from(hashes)
  return new Uint32Array(h.buffer, h.byteOffset, h.byteLength / 4)
}
