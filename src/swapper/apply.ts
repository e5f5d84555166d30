/**
 * The apply phase, after the commit point: write every planned block onto the
 * local disk from staging (or zeros), then fsync. It reads nothing but staging
 * and the plan, so running it again after a crash writes the same bytes to the
 * same places: idempotent.
 */
import type { BlockIndex } from './block-index.js'
import type { Disk } from './disk.js'
import type { Plan } from './plan.js'
import { STAGING_RUN_BYTES, type Staging } from './staging.js'

export interface ApplyResult {
  bytesWritten: number
  bytesRead: number
}

export async function applyPlan(
  plan: Plan,
  staging: Staging,
  target: BlockIndex,
  disk: Disk,
  onBytes?: (bytes: number) => void,
): Promise<ApplyResult> {
  const bs = plan.blockSize
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / bs))
  const r: ApplyResult = { bytesWritten: 0, bytesRead: 0 }
  const buf = new Uint8Array(perRun * bs)

  // zero blocks: runs of consecutive block numbers, one write each
  const zeros = new Uint8Array(perRun * bs)
  const z = plan.zeroBlocks
  for (let k = 0; k < z.length; ) {
    let n = 1
    while (k + n < z.length && n < perRun && z[k + n] === z[k]! + n) n++
    const first = z[k]!
    const last = first + n - 1
    const len = last * bs + target.blockLength(last) - first * bs
    await disk.write(zeros.subarray(0, len), first * bs)
    r.bytesWritten += len
    onBytes?.(len)
    k += n
  }

  // staged blocks: runs of consecutive targets; inside a run, consecutive slots read at once
  const wb = plan.writeBlocks
  const ws = plan.writeSlots
  for (let k = 0; k < wb.length; ) {
    let n = 1
    while (k + n < wb.length && n < perRun && wb[k + n] === wb[k]! + n) n++
    const first = wb[k]!
    const last = first + n - 1
    const len = last * bs + target.blockLength(last) - first * bs
    for (let j = 0; j < n; ) {
      let m = 1
      while (j + m < n && ws[k + j + m] === ws[k + j]! + m) m++
      const off = j * bs
      const end = Math.min(len, (j + m) * bs)
      await staging.read(ws[k + j]!, buf.subarray(off, end))
      r.bytesRead += end - off
      j += m
    }
    await disk.write(buf.subarray(0, len), first * bs)
    r.bytesWritten += len
    onBytes?.(len)
    k += n
  }
  await disk.flush()
  return r
}
