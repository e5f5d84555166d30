/**
 * The plan for one side: how to turn the local disk into the peer's image.
 *
 * Per target block i (the peer's block i):
 * - skipped: the local disk already holds the same bytes at i;
 * - zero: the target is all zeros: written without any transfer;
 * - local: the same content exists somewhere on the local disk (the source
 *   is preferably a block the swap never overwrites). Copied in place after
 *   the commit point, read before anything overwrites it (apply-order.ts
 *   orders the writes in windows so that a crash replays safely); the few
 *   copies that ordering cannot serve (cycles, over-long chains) are copied
 *   into staging before the commit point instead;
 * - fetched: everything else, requested from the peer into staging.
 * Each distinct staged content takes one slot, however many targets carry it.
 */

import { DiskSizeMismatchError, PLANNING_IS_SAFE, SwapInternalError } from '../errors.js'
import type { BlockIndex } from '../index/block-index.js'
import { type InPlaceSchedule, scheduleInPlace } from './apply-order.js'
import { ContentTable, sameWords, wordsOf } from './content-table.js'
import { orderByKey } from './order-by-key.js'

/**
 * Apply windows by default: one. Measured on bench:swap's 1 GiB ext4 pair
 * (130k local copies per side, files moved by a few blocks, so chains of
 * copies): with 64 windows, 99 % of copies ran in place but each window's
 * writes were every ~64th block, and fsyncing those scattered pages took
 * 1.4 s of a 2.8 s apply; with one window, copies whose source the swap
 * overwrites go through staging and apply writes everything in block order
 * (merged I/O). In place then means: copies from blocks the swap never
 * writes. More windows pay when moved content comes in long runs.
 */
export const PLAN_MAX_WINDOWS = 1

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
  /** Targets whose content comes from the local disk (in place or through staging). */
  local: number
  fetched: number
  /** Distinct contents fetched (a content needed at several offsets is fetched once). */
  fetchedUnique: number
  /** Distinct local contents staged before the commit point. */
  localUnique: number
  /** Local copies done in place after the commit point (no staging). */
  localInPlace: number
}

/** All counts zero. */
export function noCounts(): PlanCounts {
  return { skipped: 0, zero: 0, local: 0, fetched: 0, fetchedUnique: 0, localUnique: 0, localInPlace: 0 }
}

export interface Plan {
  blockSize: number
  blockCount: number
  slots: StagingSlot[]
  /** Target blocks to write from staging, and the slot each takes (parallel arrays, sorted by window, then block). */
  writeBlocks: Uint32Array
  writeSlots: Uint32Array
  writeWindows: Uint32Array
  /** Target blocks to write as zeros (sorted by window, then block). */
  zeroBlocks: Uint32Array
  zeroWindows: Uint32Array
  /** In-place local copies after the commit point: target copyTargets[k] gets local block copySources[k]'s original bytes (sorted by window, then target). */
  copyTargets: Uint32Array
  copySources: Uint32Array
  copyWindows: Uint32Array
  /** Apply runs windows 0..windowCount-1 in order, with a durable checkpoint after each. */
  windowCount: number
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
  /** Default true: local copies in place after the commit point. False stages every local copy. */
  inPlace?: boolean
  /** Cap on apply windows (checkpoints). Default PLAN_MAX_WINDOWS. */
  maxWindows?: number
}

export function makePlan(local: BlockIndex, target: BlockIndex, opts: PlanOptions = {}): Plan {
  if (local.diskSize !== target.diskSize)
    throw new DiskSizeMismatchError(local.diskSize, target.diskSize, 'manifests')
  // the agent refuses a peer manifest of another block size before it plans
  if (local.blockSize !== target.blockSize) {
    throw new SwapInternalError(
      'PLAN_BLOCK_SIZE',
      `a plan was asked between indexes of ${local.blockSize}- and ${target.blockSize}-byte blocks`,
      PLANNING_IS_SAFE,
    )
  }
  const n = target.blockCount
  if (opts.dedup === false) return fullTransferPlan(target)
  const tw = wordsOf(target.hashes)
  const lw = wordsOf(local.hashes)
  // stable[j]: local block j already holds its target content, so the swap never writes it
  const stable = new Uint8Array(n)
  for (let i = 0; i < n; i++) if (sameWords(tw, i, lw, i)) stable[i] = 1
  // one local source per content, a stable one where there is one (it imposes no ordering)
  const sources = new ContentTable(local.hashes, n - local.zeroCount)
  for (let j = 0; j < n; j++) {
    if (local.isZero(j)) continue
    const cur = sources.add(j)
    if (cur !== j && stable[j] === 1 && stable[cur] !== 1) sources.add(j, true)
  }

  const counts = noCounts()
  // typed lists filled in one scan (ascending blocks), trimmed after
  const zb0 = new Uint32Array(n)
  const ct0 = new Uint32Array(n)
  const cs0 = new Uint32Array(n)
  const ft0 = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    if (stable[i] === 1) {
      counts.skipped++
    } else if (target.isZero(i)) {
      zb0[counts.zero++] = i
    } else {
      const j = sources.find(tw, i)
      if (j >= 0) {
        ct0[counts.local] = i
        cs0[counts.local++] = j
      } else {
        ft0[counts.fetched++] = i
      }
    }
  }
  const zb = zb0.subarray(0, counts.zero)
  const ct = ct0.subarray(0, counts.local)
  const cs = cs0.subarray(0, counts.local)
  const ft = ft0.subarray(0, counts.fetched)

  // which copies run in place, and in which window each write goes
  const maxWindows = opts.maxWindows ?? PLAN_MAX_WINDOWS
  const stagedCopy = new Uint8Array(ct.length)
  let sched: InPlaceSchedule | null = null
  if (opts.inPlace === false) stagedCopy.fill(1)
  else if (maxWindows === 1) stageOverwrittenSources(stable, cs, stagedCopy)
  else {
    const others = new Uint32Array(zb.length + ft.length)
    others.set(zb)
    others.set(ft, zb.length)
    sched = scheduleInPlace({
      blockCount: n,
      copyTargets: ct,
      copySources: cs,
      otherWrites: others,
      maxWindows,
    })
    for (const k of sched.staged) stagedCopy[k] = 1
  }
  // every write's window comes from the schedule (staged copies too: they still
  // overwrite their target after its in-place readers); without it, one window
  const windowOfCopy = (k: number): number => sched?.copyWindow[k] ?? 0
  const windowOfOther = (j: number): number => sched?.otherWindow[j] ?? 0

  // staging slots: each distinct content once (fetched and staged local copies)
  const slots: StagingSlot[] = []
  const slotOfTarget = new Int32Array(n).fill(-1)
  const firstTarget = new ContentTable(target.hashes, ft.length + (sched?.staged.length ?? ct.length))
  const slotFor = (i: number, from: 'local' | 'peer', source: number): number => {
    const first = firstTarget.add(i)
    if (first !== i) return slotOfTarget[first]!
    slotOfTarget[i] = slots.length
    slots.push({ from, source, target: i })
    if (from === 'local') counts.localUnique++
    else counts.fetchedUnique++
    return slots.length - 1
  }
  // per target: its slot (staged writes) or its source (in-place copies), and its window
  const slotAt = new Int32Array(n).fill(-1)
  const sourceAt = new Int32Array(n).fill(-1)
  const windowAt = new Uint32Array(n)
  const stagedCopyKeys: number[] = []
  const copyKeys: number[] = []
  for (let k = 0; k < ct.length; k++) {
    const i = ct[k]!
    if (stagedCopy[k] === 1) {
      slotAt[i] = slotFor(i, 'local', cs[k]!)
      windowAt[i] = windowOfCopy(k)
      stagedCopyKeys.push(i)
    } else {
      sourceAt[i] = cs[k]!
      windowAt[i] = windowOfCopy(k)
      copyKeys.push(i)
      counts.localInPlace++
    }
  }
  // others = zeros, then fetched (the order given to the schedule)
  for (let j = 0; j < zb.length; j++) windowAt[zb[j]!] = windowOfOther(j)
  for (let j = 0; j < ft.length; j++) {
    const i = ft[j]!
    slotAt[i] = slotFor(i, 'peer', i)
    windowAt[i] = windowOfOther(zb.length + j)
  }
  // every list here is in ascending block order (copies and fetches were found in a scan of i)
  const writeKeys = mergeAscending(stagedCopyKeys, ft)
  // at least one (an empty plan still runs its one window: the fsync and checkpoint)
  const windowCount = Math.max(1, sched?.windowCount ?? 1)
  const writeBlocks = byWindow(writeKeys, windowAt, windowCount)
  const copyTargets = byWindow(copyKeys, windowAt, windowCount)
  const zeroBlocks = byWindow(zb, windowAt, windowCount)
  return {
    blockSize: target.blockSize,
    blockCount: n,
    slots,
    writeBlocks,
    writeSlots: lookup(writeBlocks, slotAt),
    writeWindows: lookup(writeBlocks, windowAt),
    zeroBlocks,
    zeroWindows: lookup(zeroBlocks, windowAt),
    copyTargets,
    copySources: lookup(copyTargets, sourceAt),
    copyWindows: lookup(copyTargets, windowAt),
    windowCount,
    counts,
    stagingBytes: slots.length * target.blockSize,
  }
}

/**
 * In one window, what scheduleInPlace decides without its graph: every block
 * the swap writes is written in the same window, so a copy runs in place
 * exactly when its source is a block the swap never writes (`stable`: it
 * already holds its target content); every other copy reads its source into
 * staging before the commit point. (A test checks both agree.)
 */
function stageOverwrittenSources(stable: Uint8Array, copySources: Uint32Array, staged: Uint8Array): void {
  for (let k = 0; k < copySources.length; k++) if (stable[copySources[k]!] !== 1) staged[k] = 1
}

/** values[i] for each i of `at` (a loop: TypedArray.map with a callback cost ~8 ms per 130k here). */
function lookup(at: Uint32Array, values: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(at.length)
  for (let k = 0; k < at.length; k++) out[k] = values[at[k]!]!
  return out
}

/** Two ascending lists as one. */
function mergeAscending(a: ArrayLike<number>, b: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(a.length + b.length)
  let i = 0
  let j = 0
  for (let o = 0; o < out.length; o++)
    out[o] = j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!
  return out
}

/** `targets` (ascending blocks) sorted by (window, block): stable by window. */
function byWindow(targets: ArrayLike<number>, windowAt: Uint32Array, windowCount: number): Uint32Array {
  const order = orderByKey(0, targets.length, (e) => windowAt[targets[e]!]!, windowCount)
  return lookup(order, targets)
}

function fullTransferPlan(target: BlockIndex): Plan {
  const n = target.blockCount
  const all = new Uint32Array(n)
  for (let i = 0; i < n; i++) all[i] = i
  const slots: StagingSlot[] = []
  for (let i = 0; i < n; i++) slots.push({ from: 'peer', source: i, target: i })
  const none = new Uint32Array(0)
  return {
    blockSize: target.blockSize,
    blockCount: n,
    slots,
    writeBlocks: all,
    writeSlots: all.slice(),
    writeWindows: new Uint32Array(n),
    zeroBlocks: none,
    zeroWindows: none,
    copyTargets: none,
    copySources: none,
    copyWindows: none,
    windowCount: 1,
    counts: { ...noCounts(), fetched: n, fetchedUnique: n },
    stagingBytes: n * target.blockSize,
  }
}
