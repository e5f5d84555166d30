/**
 * Where a fresh apply reads a staged local copy from.
 *
 * Before the commit point every local copy whose source the swap overwrites is
 * read into staging, so that a crashed apply can always be run again from
 * staging (apply.ts). On the first run after the commit point (no run before
 * it has written the disk since the plan), most of those sources still hold
 * their original bytes on the local disk, warm in the page cache since the
 * index read them. Reading a copy's bytes from its source there instead of
 * back from staging saves a device read per block (staging is written and read
 * with O_DIRECT), provided the source is read before this apply overwrites it.
 *
 * That is an ordering problem on the window's staged writes. Writing entry x
 * overwrites block target(x); an entry r that reads its source from the disk
 * must run before the entry writing source(r). Each entry reads one block and
 * each block has one writer, so "r before writer(source(r))" is a functional
 * graph: trees of readers hanging off at most one cycle per component. Kahn's
 * algorithm from the entries nobody reads orders all of it except the cycles;
 * for each cycle one entry is moved to staging (it then reads nothing), which
 * frees the rest of its cycle. Entries read from staging are written after all
 * direct ones, so no direct read ever sees a block this apply has written.
 *
 * Not a crash path: staging still holds every staged block, and a resumed run
 * reads them all from there, since its sources may be overwritten.
 */
import type { Plan } from './plan.js'

export interface SourceOrder {
  /** Write-list indexes (into plan.writeBlocks) to write from their local source, in this order. */
  fromSource: Uint32Array
  /** The source block of each entry of `fromSource`. */
  sources: Uint32Array
  /** Write-list indexes to write from staging, after every entry of `fromSource`, in list order. */
  fromStaging: Uint32Array
}

/** Index of `block` in the ascending list `a[from..to)`, or -1. */
function find(a: Uint32Array, from: number, to: number, block: number): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < block) lo = mid + 1
    else hi = mid
  }
  return lo < to && a[lo] === block ? lo : -1
}

/**
 * Splits window `w`'s staged writes (plan.writeBlocks[from..to), ascending
 * blocks) into those read from their local source, in an order that reads
 * every source before it is overwritten, and those read from staging.
 * `bounds(list)` gives the [start, end) of each window in a plan list.
 */
export function sourceFirstOrder(
  plan: Plan,
  w: number,
  bounds: { zero: Uint32Array; write: Uint32Array; copy: Uint32Array },
): SourceOrder {
  const from = bounds.write[w]!
  const to = bounds.write[w + 1]!
  const m = to - from
  // overwritten before this window's staged writes begin: every write of an
  // earlier window, and this window's zeros (apply writes them first)
  // (each list is ascending only within one window)
  const overwritten = (block: number): boolean => {
    if (find(plan.zeroBlocks, bounds.zero[w]!, bounds.zero[w + 1]!, block) >= 0) return true
    for (let v = 0; v < w; v++) {
      if (find(plan.zeroBlocks, bounds.zero[v]!, bounds.zero[v + 1]!, block) >= 0) return true
      if (find(plan.writeBlocks, bounds.write[v]!, bounds.write[v + 1]!, block) >= 0) return true
      if (find(plan.copyTargets, bounds.copy[v]!, bounds.copy[v + 1]!, block) >= 0) return true
    }
    return false
  }
  // parent[i]: the entry that overwrites entry i's source (-1: none, or i reads staging)
  const parent = new Int32Array(m).fill(-1)
  const source = new Uint32Array(m)
  const direct = new Uint8Array(m)
  const pending = new Uint32Array(m)
  for (let i = 0; i < m; i++) {
    const slot = plan.slots[plan.writeSlots[from + i]!]!
    if (slot.from !== 'local' || overwritten(slot.source)) continue
    direct[i] = 1
    source[i] = slot.source
    const p = find(plan.writeBlocks, from, to, slot.source)
    if (p >= 0) {
      parent[i] = p - from
      pending[p - from]!++
    }
  }

  const order = new Uint32Array(m)
  let out = 0
  let head = 0
  const release = (i: number) => {
    const p = parent[i]!
    if (p >= 0 && direct[p] === 1 && --pending[p]! === 0) order[out++] = p
  }
  for (let i = 0; i < m; i++) if (direct[i] === 1 && pending[i] === 0) order[out++] = i
  const done = new Uint8Array(m)
  for (let scan = 0; ; ) {
    while (head < out) {
      const i = order[head++]!
      done[i] = 1
      release(i)
    }
    // what is left is cycles: read one entry of the next one from staging
    while (scan < m && (direct[scan] === 0 || done[scan] === 1)) scan++
    if (scan === m) break
    direct[scan] = 0
    release(scan)
  }

  const fromSource = new Uint32Array(out)
  const sources = new Uint32Array(out)
  for (let e = 0; e < out; e++) {
    fromSource[e] = from + order[e]!
    sources[e] = source[order[e]!]!
  }
  const fromStaging = new Uint32Array(m - out)
  for (let i = 0, s = 0; i < m; i++) if (direct[i] === 0) fromStaging[s++] = from + i
  return { fromSource, sources, fromStaging }
}
