/**
 * The apply phase, after the commit point: turn the local disk into the
 * peer's image, window by window (plan.ts, apply-order.ts). A window writes
 * zeros, staged blocks and in-place local copies; no step of a window reads a
 * block any step of the same window writes, and every block an in-place copy
 * reads is overwritten only in a later window. After each window the disk is
 * fsynced and the window recorded durably (`onWindowDone`). After a crash,
 * apply restarts at the first unrecorded window and runs it again whole:
 * whatever part of it reached the disk, its sources are unchanged, so it
 * writes the same bytes to the same places (idempotent).
 */
import { setImmediate as turn } from 'node:timers/promises'
import type { Disk } from '../disk.js'
import type { BlockIndex } from '../index/block-index.js'
import { orderByKey } from '../plan/order-by-key.js'
import type { Plan } from '../plan/plan.js'
import { sourceFirstOrder } from '../plan/source-order.js'
import { APPLY_READ_AHEAD, STAGING_RUN_BYTES } from '../tuning.js'
import type { Staging } from './staging.js'

export interface ApplyResult {
  bytesWritten: number
  bytesRead: number
}

export interface ApplyOptions {
  /** First window to run (windows before it are durably done). Default 0. */
  fromWindow?: number
  /** Called after window `w` is fsynced; must record it durably before resolving. */
  onWindowDone?: (w: number) => Promise<void>
  onBytes?: (bytes: number) => void
  /**
   * Called once every write of the plan has been issued, just before the last
   * window's fsync: what reads the disk through the page cache from then on
   * (the final check) sees its final bytes and can run during that fsync.
   */
  onLastWrites?: () => void
  /**
   * True when no run before this one has written the disk since the plan was
   * made (a fresh apply, not a resume): staged local copies are then read from
   * their sources where this apply has not yet overwritten them
   * (source-order.ts), staging only for the rest.
   */
  sourcesIntact?: boolean
}

/** [start, end) of each window in a list sorted by window. */
export function windowBounds(windows: Uint32Array, count: number): Uint32Array {
  const b = new Uint32Array(count + 1)
  for (const w of windows) b[w + 1]!++
  for (let w = 0; w < count; w++) b[w + 1]! += b[w]!
  return b
}

/** Runs of consecutive entries in [from, to) where `a` goes up by one, at most `max` long. */
function runs(a: Uint32Array, from: number, to: number, max: number): [number, number][] {
  const out: [number, number][] = []
  for (let k = from; k < to; ) {
    let n = 1
    while (k + n < to && n < max && a[k + n] === a[k]! + n) n++
    out.push([k, n])
    k += n
  }
  return out
}

/** Consecutive runs [from, to) of `order` whose slots span at most `maxSlots` (one staging read each). */
function slotGroups(slots: Uint32Array, order: Uint32Array, maxSlots: number): [number, number][] {
  const out: [number, number][] = []
  for (let e = 0; e < order.length; ) {
    const first = slots[order[e]!]!
    let f = e + 1
    while (f < order.length && slots[order[f]!]! - first < maxSlots) f++
    out.push([e, f])
    e = f
  }
  return out
}

export async function applyPlan(
  plan: Plan,
  staging: Staging,
  target: BlockIndex,
  disk: Disk,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const bs = plan.blockSize
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / bs))
  const r: ApplyResult = { bytesWritten: 0, bytesRead: 0 }
  const zeros = new Uint8Array(perRun * bs)
  // one being written out while staging is read into the others
  const bufs = Array.from({ length: APPLY_READ_AHEAD + 1 }, () => staging.buffer(perRun * bs))
  const copyBuf = bufs[0]!
  const zb = windowBounds(plan.zeroWindows, plan.windowCount)
  const wbnd = windowBounds(plan.writeWindows, plan.windowCount)
  const cb = windowBounds(plan.copyWindows, plan.windowCount)
  const intact = opts.sourcesIntact === true && (opts.fromWindow ?? 0) === 0
  /** Bytes from block `first` to the end of block `first + n - 1` (the last block may be short). */
  const span = (first: number, n: number) =>
    (first + n - 1) * bs + target.blockLength(first + n - 1) - first * bs
  const wrote = (len: number) => {
    r.bytesWritten += len
    opts.onBytes?.(len)
  }

  for (let w = opts.fromWindow ?? 0; w < plan.windowCount; w++) {
    for (const [k, n] of runs(plan.zeroBlocks, zb[w]!, zb[w + 1]!, perRun)) {
      const len = span(plan.zeroBlocks[k]!, n)
      await disk.write(zeros.subarray(0, len), plan.zeroBlocks[k]! * bs)
      wrote(len)
    }

    // staged local copies whose source is still original, from that source,
    // in an order that reads each source before it is overwritten: a run of
    // consecutive targets and sources is read whole, then written whole (it may
    // overlap itself); page-cache reads, synchronous
    let fromStaging: Uint32Array | null = null
    if (intact) {
      const so = sourceFirstOrder(plan, w, { zero: zb, write: wbnd, copy: cb }, perRun)
      fromStaging = so.fromStaging
      let sinceYield = 0
      for (let q = 0; q + 1 < so.runStarts.length; q++) {
        const e = so.runStarts[q]!
        const n = so.runStarts[q + 1]! - e
        const t = plan.writeBlocks[so.fromSource[e]!]!
        const len = span(t, n)
        // copyBuf: no staging read is in flight yet in this window
        disk.readSync(copyBuf.subarray(0, len), so.sources[e]! * bs)
        r.bytesRead += len
        disk.writeSync(copyBuf.subarray(0, len), t * bs)
        wrote(len)
        sinceYield += n
        if (sinceYield >= perRun) {
          sinceYield = 0
          await turn()
        }
      }
    }

    // the other staged blocks in slot order: staging is read front to back in
    // runs of up to 1 MiB of slots (the next run read ahead while this one is
    // written); each block goes to its target, consecutive targets at once
    const slotOf = plan.writeSlots
    let order: Uint32Array
    if (fromStaging === null) order = orderByKey(wbnd[w]!, wbnd[w + 1]!, (k) => slotOf[k]!, plan.slots.length)
    else {
      const list = fromStaging
      order = orderByKey(0, list.length, (e) => slotOf[list[e]!]!, plan.slots.length)
      for (let e = 0; e < order.length; e++) order[e] = list[order[e]!]!
    }
    const groups = slotGroups(plan.writeSlots, order, perRun)
    const readGroup = async (g: number): Promise<void> => {
      const [from, to] = groups[g]!
      const first = plan.writeSlots[order[from]!]!
      const slots = plan.writeSlots[order[to - 1]!]! - first + 1
      await staging.read(first, bufs[g % bufs.length]!.subarray(0, slots * bs))
      r.bytesRead += slots * bs
    }
    const ahead: Promise<void>[] = []
    const readFrom = (g: number) => {
      if (g >= groups.length) return
      const p = readGroup(g)
      p.catch(() => undefined) // awaited in turn; a failure surfaces there
      ahead.push(p)
    }
    for (let g = 0; g < APPLY_READ_AHEAD; g++) readFrom(g)
    for (let g = 0; g < groups.length; g++) {
      await ahead.shift()
      const buf = bufs[g % bufs.length]!
      const [from, to] = groups[g]!
      const base = plan.writeSlots[order[from]!]!
      for (let e = from; e < to; ) {
        const k0 = order[e]!
        let n = 1
        while (
          e + n < to &&
          plan.writeSlots[order[e + n]!] === plan.writeSlots[k0]! + n &&
          plan.writeBlocks[order[e + n]!] === plan.writeBlocks[k0]! + n
        )
          n++
        const len = span(plan.writeBlocks[k0]!, n)
        const at = (plan.writeSlots[k0]! - base) * bs
        disk.writeSync(buf.subarray(at, at + len), plan.writeBlocks[k0]! * bs)
        wrote(len)
        e += n
      }
      readFrom(g + APPLY_READ_AHEAD)
      await turn() // synchronous writes: let the event loop run between runs
    }

    // in-place copies, sorted by target: a chunk of consecutive targets is
    // assembled in memory (one read per run of consecutive sources) and written
    // at once. Moved files make short source runs, so reads are synchronous
    // (see Disk.readSync); the event loop gets a turn after every ~1 MiB.
    const ct = plan.copyTargets
    const cs = plan.copySources
    let sinceYield = 0
    for (const [k, n] of runs(ct, cb[w]!, cb[w + 1]!, perRun)) {
      const len = span(ct[k]!, n)
      for (let j = 0; j < n; ) {
        let m = 1
        while (j + m < n && cs[k + j + m] === cs[k + j]! + m) m++
        const end = Math.min(len, (j + m) * bs)
        disk.readSync(copyBuf.subarray(j * bs, end), cs[k + j]! * bs)
        r.bytesRead += end - j * bs
        j += m
      }
      disk.writeSync(copyBuf.subarray(0, len), ct[k]! * bs)
      wrote(len)
      sinceYield += n
      if (sinceYield >= perRun) {
        sinceYield = 0
        await turn()
      }
    }

    if (w === plan.windowCount - 1) opts.onLastWrites?.()
    await disk.flush()
    await opts.onWindowDone?.(w)
  }
  return r
}
