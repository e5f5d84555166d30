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
import type { BlockIndex } from './block-index.js'
import type { Disk } from './disk.js'
import type { Plan } from './plan.js'
import { STAGING_RUN_BYTES, type Staging } from './staging.js'

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
}

/** [start, end) of each window in a list sorted by window. */
function windowBounds(windows: Uint32Array, count: number): Uint32Array {
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
  const buf = new Uint8Array(perRun * bs)
  const zb = windowBounds(plan.zeroWindows, plan.windowCount)
  const wbnd = windowBounds(plan.writeWindows, plan.windowCount)
  const cb = windowBounds(plan.copyWindows, plan.windowCount)
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

    // staged blocks: runs of consecutive targets; inside a run, consecutive slots read at once
    const wb = plan.writeBlocks
    const ws = plan.writeSlots
    for (const [k, n] of runs(wb, wbnd[w]!, wbnd[w + 1]!, perRun)) {
      const len = span(wb[k]!, n)
      for (let j = 0; j < n; ) {
        let m = 1
        while (j + m < n && ws[k + j + m] === ws[k + j]! + m) m++
        const end = Math.min(len, (j + m) * bs)
        staging.readSync(ws[k + j]!, buf.subarray(j * bs, end))
        r.bytesRead += end - j * bs
        j += m
      }
      await disk.write(buf.subarray(0, len), wb[k]! * bs)
      wrote(len)
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
        disk.readSync(buf.subarray(j * bs, end), cs[k + j]! * bs)
        r.bytesRead += end - j * bs
        j += m
      }
      disk.writeSync(buf.subarray(0, len), ct[k]! * bs)
      wrote(len)
      sinceYield += n
      if (sinceYield >= perRun) {
        sinceYield = 0
        await turn()
      }
    }

    await disk.flush()
    await opts.onWindowDone?.(w)
  }
  return r
}
