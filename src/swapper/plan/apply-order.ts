/**
 * Order of the local copies done in place after the commit point.
 *
 * After the commit point each side turns its local disk into the peer's image.
 * A "local copy" gives target block t the original content of local block s.
 * Staging every such copy (read s before the commit point, write t from the
 * staging file after it) costs two writes; most copies can instead be done in
 * place, like memmove, if every block is read by all the copies that use it as
 * a source before it is overwritten, and if a crash can be replayed.
 *
 * Execution runs windows 0, 1, 2, ... in order; after each window the disk is
 * fsynced and the window number recorded durably; after a crash it restarts at
 * the first unrecorded window and runs that whole window again. The schedule
 * guarantees that a non-staged copy reading block s runs in a window strictly
 * earlier than the one writing s. So no window reads a block that the same or
 * an earlier window writes, and a replayed window (with any subset of its
 * writes already done) reads only unchanged sources.
 *
 * Graph: writers are the copies (index k) and the other writes (index C + j).
 * A copy reads one block, and each block has at most one writer, so each copy
 * has at most one "parent": the writer of its source. The graph is therefore a
 * forest plus at most one cycle per component (a functional graph).
 * window(w) = 0 if no non-staged copy reads target(w), else 1 + the largest
 * window of those readers: the height of w in its tree of readers.
 *
 * Algorithm (Kahn's topological order from the leaves up):
 *  1. a hash table maps each written block to its writer (O(W) memory, no
 *     array the size of the disk: blockCount may be 2^28 or more);
 *  2. parent[k] = writer of copySources[k]; pending[w] = number of readers;
 *  3. leaves (pending 0) are queued; taking a copy r off the queue settles its
 *     window h: if h + 1 would reach maxWindows, r is staged (it reads before
 *     the commit point, so it stops being a reader and its parent no longer
 *     waits for it), otherwise its parent's window becomes at least h + 1; the
 *     parent is queued once all its readers are settled;
 *  4. what is left unsettled are exactly the cycles (a node whose readers never
 *     settle has an endless chain of readers, which must loop, and since each
 *     node has one parent the loop goes through it): for each, stage one copy
 *     on it (cutting its edge to its parent) and resume step 3.
 * Staging at the cap is greedy: a copy is staged only once its window reaches
 * maxWindows - 1, which is optimal on a chain (a shift of L blocks stages
 * floor((L - 1) / maxWindows) copies); in general each cap-staged copy heads a
 * disjoint path of maxWindows copies, so at most C / maxWindows of them, plus
 * one per cycle (which is necessary).
 *
 * Complexity: O(C + O) expected time and memory (C copies, O other writes),
 * independent of blockCount. No recursion.
 */

import { PLANNING_IS_SAFE, PlanTooLargeError, SwapInternalError } from '../errors.js'

/** Windows are stored in Uint16Array. */
export const MAX_WINDOWS_LIMIT = 65536

/**
 * Most writes (copies and others) one schedule takes: its writer table has
 * 2^(bits) slots for 2 * W writers in a signed 32-bit mask, so 2^29 (2 TiB of
 * 4 KiB blocks all rewritten).
 */
export const MAX_WRITES = 2 ** 29

function internal(code: string, what: string): never {
  throw new SwapInternalError(code, what, PLANNING_IS_SAFE)
}

export interface InPlaceInput {
  blockCount: number
  /**
   * Direct local-copy candidates, parallel arrays: target block copyTargets[k]
   * gets the ORIGINAL content of local block copySources[k].
   * copySources[k] !== copyTargets[k]. A source may be used by many copies;
   * each target appears at most once across copies and otherWrites.
   */
  copyTargets: Uint32Array
  copySources: Uint32Array
  /**
   * Targets written with no local source (from staging or zeros): they only
   * matter as writers that may overwrite some copy's source.
   */
  otherWrites: Uint32Array
  /** Cap on the number of windows (checkpoints); the plan chooses it (plan.ts PLAN_MAX_WINDOWS). */
  maxWindows: number
}

export interface InPlaceSchedule {
  /**
   * Indices k of copies that must go through staging (read their source
   * before the commit point). Sorted ascending.
   */
  staged: Uint32Array
  /**
   * Window of each copy k. Meaningful for staged copies too: a staged copy
   * still WRITES its target, and must do so in this window (its target may be
   * read by in-place copies of earlier windows).
   */
  copyWindow: Uint16Array
  /** Window of each otherWrites entry. */
  otherWindow: Uint16Array
  /** Number of windows: 1 + the largest window, 0 when there is nothing to write. */
  windowCount: number
}

export function scheduleInPlace(input: InPlaceInput): InPlaceSchedule {
  const { blockCount, copyTargets, copySources, otherWrites } = input
  const { maxWindows } = input
  // the plan (plan.ts) builds the input from two verified indexes: a bad one is a bug there
  if (!Number.isInteger(blockCount) || blockCount < 0 || blockCount > 2 ** 32)
    internal('PLAN_BLOCK_COUNT', `the in-place schedule was given a block count of ${blockCount}`)
  if (!Number.isInteger(maxWindows) || maxWindows < 1 || maxWindows > MAX_WINDOWS_LIMIT)
    internal(
      'PLAN_MAX_WINDOWS',
      `the in-place schedule was given ${maxWindows} windows, not 1..${MAX_WINDOWS_LIMIT}`,
    )
  if (copySources.length !== copyTargets.length) {
    internal(
      'PLAN_COPY_ARRAYS',
      `the in-place schedule was given ${copyTargets.length} copy targets but ${copySources.length} sources`,
    )
  }
  const C = copyTargets.length
  const W = C + otherWrites.length
  const targetOf = (w: number): number => (w < C ? copyTargets[w]! : otherWrites[w - C]!)

  // 1. Writer of each block: open addressing, linear probing, slots hold writer + 1.
  if (W > MAX_WRITES) throw new PlanTooLargeError(W, MAX_WRITES)
  let bits = 1
  while (1 << bits < 2 * W) bits++
  const mask = (1 << bits) - 1
  const shift = 32 - bits
  const slots = new Uint32Array(mask + 1)
  const slotOf = (block: number): number => Math.imul(block, 0x9e3779b1) >>> shift
  for (let w = 0; w < W; w++) {
    const t = targetOf(w)
    if (t >= blockCount)
      internal('PLAN_TARGET_RANGE', `copy target ${t} is past the disk's ${blockCount} blocks`)
    let i = slotOf(t)
    for (let v = slots[i]!; v !== 0; v = slots[i]!) {
      if (targetOf(v - 1) === t) internal('PLAN_DOUBLE_WRITE', `the plan writes block ${t} twice`)
      i = (i + 1) & mask
    }
    slots[i] = w + 1
  }
  const writerOf = (block: number): number => {
    for (let i = slotOf(block), v = slots[i]!; v !== 0; i = (i + 1) & mask, v = slots[i]!) {
      if (targetOf(v - 1) === block) return v - 1
    }
    return -1
  }

  // 2. Parent of each copy (the writer of its source) and reader counts.
  const parent = new Int32Array(C)
  const pending = new Uint32Array(W)
  for (let k = 0; k < C; k++) {
    const s = copySources[k]!
    if (s >= blockCount)
      internal('PLAN_SOURCE_RANGE', `copy source ${s} is past the disk's ${blockCount} blocks`)
    if (s === copyTargets[k]) internal('PLAN_SELF_COPY', `local copy ${k} reads and writes block ${s}`)
    const p = writerOf(s)
    parent[k] = p
    if (p >= 0) pending[p]!++
  }

  // 3. Settle windows from the leaves up.
  const window = new Uint16Array(W)
  const staged = new Uint8Array(C)
  let stagedCount = 0
  const queue = new Int32Array(W)
  let head = 0
  let tail = 0
  for (let w = 0; w < W; w++) if (pending[w] === 0) queue[tail++] = w
  const top = maxWindows - 1
  const settle = (): void => {
    while (head < tail) {
      const r = queue[head++]!
      if (r >= C) continue // other writes read nothing
      const p = parent[r]!
      if (p < 0) continue // source never written, or already staged
      const h = window[r]!
      if (h >= top) {
        // p would need window h + 1 >= maxWindows: read r's source before the commit point instead
        staged[r] = 1
        stagedCount++
        parent[r] = -1
      } else if (h + 1 > window[p]!) {
        window[p] = h + 1
      }
      if (--pending[p]! === 0) queue[tail++] = p
    }
  }
  settle()

  // 4. Only cycles are left unsettled: stage one copy on each and go on.
  for (let k = 0; k < C; k++) {
    if (pending[k] === 0) continue
    const p = parent[k]!
    staged[k] = 1
    stagedCount++
    parent[k] = -1
    if (--pending[p]! === 0) queue[tail++] = p
    settle()
  }

  let windowCount = 0
  for (let w = 0; w < W; w++) if (window[w]! >= windowCount) windowCount = window[w]! + 1
  const stagedList = new Uint32Array(stagedCount)
  for (let k = 0, n = 0; k < C; k++) if (staged[k]) stagedList[n++] = k
  return {
    staged: stagedList,
    copyWindow: window.slice(0, C),
    otherWindow: window.slice(C),
    windowCount,
  }
}
