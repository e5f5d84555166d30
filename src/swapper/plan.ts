/**
 * The plan for one side: how to turn the local disk into the peer's image.
 *
 * Per target block i (the peer's block i):
 * - skipped: the local disk already holds the same bytes at i;
 * - zero: the target is all zeros: written without any transfer;
 * - local: the same content exists somewhere on the local disk: copied from
 *   there into staging before the commit point, so the source is read before
 *   anything can overwrite it;
 * - fetched: everything else, requested from the peer.
 * Each distinct content is staged once (a slot), however many target blocks
 * carry it; the apply phase writes slots and zeros only, all from durable
 * staging, which is what makes it idempotent.
 */
import type { BlockIndex } from './block-index.js'
import { DiskSizeMismatchError } from './errors.js'
import { HASH_BYTES } from './hash.js'

export interface StagingSlot {
  /** 'local': read block `source` of the local disk; 'peer': fetch block `source` of the peer's disk. */
  from: 'local' | 'peer'
  source: number
  /** The target block whose hash this slot must match (first one using it). */
  target: number
}

export interface PlanCounts {
  skipped: number
  zero: number
  local: number
  fetched: number
  /** Distinct contents fetched (a content needed at several offsets is fetched once). */
  fetchedUnique: number
  localUnique: number
}

export interface Plan {
  blockSize: number
  blockCount: number
  slots: StagingSlot[]
  /** Target blocks to write from staging, and the slot each takes (parallel arrays). */
  writeBlocks: Uint32Array
  writeSlots: Uint32Array
  /** Target blocks to write as zeros. */
  zeroBlocks: Uint32Array
  counts: PlanCounts
  /** Bytes of staging needed: one block per slot. */
  stagingBytes: number
}

export interface PlanOptions {
  /**
   * Default true. False plans a full transfer: every block fetched and staged
   * as it is, nothing skipped, zeroed or copied locally (the baseline the
   * benchmark compares against).
   */
  dedup?: boolean
}

export function makePlan(local: BlockIndex, target: BlockIndex, opts: PlanOptions = {}): Plan {
  if (local.diskSize !== target.diskSize)
    throw new DiskSizeMismatchError(local.diskSize, target.diskSize, 'manifests')
  if (local.blockSize !== target.blockSize) {
    throw new RangeError(`block sizes differ: ${local.blockSize} vs ${target.blockSize}`)
  }
  const n = target.blockCount
  if (opts.dedup === false) return fullTransferPlan(target)
  // first local offset of each content: candidates for local copies
  const localAt = new Map<string, number>()
  for (let j = 0; j < n; j++) {
    if (local.isZero(j)) continue
    const k = local.keyAt(j)
    if (!localAt.has(k)) localAt.set(k, j)
  }
  const slotOf = new Map<string, number>()
  const slots: StagingSlot[] = []
  const writeBlocks: number[] = []
  const writeSlots: number[] = []
  const zeroBlocks: number[] = []
  const counts: PlanCounts = { skipped: 0, zero: 0, local: 0, fetched: 0, fetchedUnique: 0, localUnique: 0 }
  // byte views of both hash lists: the skip test compares in place, no key string per block
  const th = Buffer.from(target.hashes.buffer, target.hashes.byteOffset, target.hashes.byteLength)
  const lh = Buffer.from(local.hashes.buffer, local.hashes.byteOffset, local.hashes.byteLength)
  for (let i = 0; i < n; i++) {
    const at = i * HASH_BYTES
    if (th.compare(lh, at, at + HASH_BYTES, at, at + HASH_BYTES) === 0) {
      counts.skipped++
      continue
    }
    if (target.isZero(i)) {
      counts.zero++
      zeroBlocks.push(i)
      continue
    }
    const k = target.keyAt(i)
    let slot = slotOf.get(k)
    if (slot === undefined) {
      const j = localAt.get(k)
      slot = slots.length
      slots.push(
        j !== undefined ? { from: 'local', source: j, target: i } : { from: 'peer', source: i, target: i },
      )
      slotOf.set(k, slot)
      if (j !== undefined) counts.localUnique++
      else counts.fetchedUnique++
    }
    if (slots[slot]!.from === 'local') counts.local++
    else counts.fetched++
    writeBlocks.push(i)
    writeSlots.push(slot)
  }
  return {
    blockSize: target.blockSize,
    blockCount: n,
    slots,
    writeBlocks: Uint32Array.from(writeBlocks),
    writeSlots: Uint32Array.from(writeSlots),
    zeroBlocks: Uint32Array.from(zeroBlocks),
    counts,
    stagingBytes: slots.length * target.blockSize,
  }
}

function fullTransferPlan(target: BlockIndex): Plan {
  const n = target.blockCount
  const all = new Uint32Array(n)
  for (let i = 0; i < n; i++) all[i] = i
  const slots: StagingSlot[] = []
  for (let i = 0; i < n; i++) slots.push({ from: 'peer', source: i, target: i })
  return {
    blockSize: target.blockSize,
    blockCount: n,
    slots,
    writeBlocks: all,
    writeSlots: all.slice(),
    zeroBlocks: new Uint32Array(0),
    counts: { skipped: 0, zero: 0, local: 0, fetched: n, fetchedUnique: n, localUnique: 0 },
    stagingBytes: n * target.blockSize,
  }
}
