/**
 * The local half of staging: blocks the peer's image needs that this disk
 * already holds (at another offset) are copied into their staging slots,
 * each hash-checked against the peer's manifest just before its write.
 */
import type { Disk } from '../disk.js'
import { SwapStateError } from '../errors.js'
import type { BlockIndex } from '../index/block-index.js'
import { equalBytes, HASH_BYTES, hashBlocks } from '../index/hash.js'
import type { Plan } from '../plan/plan.js'
import { STAGE_WRITES_AHEAD, STAGING_RUN_BYTES } from '../tuning.js'
import type { Staging } from './staging.js'

export interface StageLocalResult {
  bytesRead: number
  bytesWritten: number
}

/**
 * Copies the local-source slots among `slots` (ascending) from the local disk
 * into staging, each checked against the target hash. This reads sources
 * before the commit point, so no later write can have overwritten them.
 * Groups of consecutive slots (up to STAGING_RUN_BYTES) are assembled in
 * memory, one synchronous read per run of consecutive sources (moved files
 * make many short runs: see Disk.readSync), and written to staging at once.
 * `signal` ends the copy between groups (it then throws the signal's
 * reason); on any failure the writes already issued are settled first, so
 * nothing is left writing into staging.
 */
export async function stageLocal(
  staging: Staging,
  plan: Plan,
  target: BlockIndex,
  disk: Disk,
  slots: number[],
  onBlock?: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<StageLocalResult> {
  const r: StageLocalResult = { bytesRead: 0, bytesWritten: 0 }
  const bs = plan.blockSize
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / bs))
  const local = slots.filter((k) => plan.slots[k]!.from === 'local')
  // a ring of buffers: staging writes of earlier groups run while the next is read and hashed
  const bufs = Array.from({ length: STAGE_WRITES_AHEAD + 1 }, () => staging.buffer(perRun * bs))
  const writes: Promise<void>[] = []
  const hashes = new Uint8Array(perRun * HASH_BYTES)
  try {
    for (let k = 0, g = 0; k < local.length; g++) {
      signal?.throwIfAborted()
      const buf = bufs[g % bufs.length]!
      // a group of consecutive slots
      let n = 1
      while (k + n < local.length && n < perRun && local[k + n] === local[k]! + n) n++
      let len = 0
      for (let j = 0; j < n; ) {
        // a run of consecutive sources inside the group: one read
        const first = plan.slots[local[k + j]!]!
        let m = 1
        let runLen = target.blockLength(first.target)
        while (j + m < n && plan.slots[local[k + j + m]!]!.source === first.source + m) {
          runLen += target.blockLength(plan.slots[local[k + j + m]!]!.target)
          m++
        }
        disk.readSync(buf.subarray(len, len + runLen), first.source * bs)
        len += runLen
        j += m
      }
      // the group's blocks, hashed in one call (only the disk's last block can be short: it ends a group)
      hashBlocks(buf.subarray(0, len), bs, hashes.subarray(0, n * HASH_BYTES))
      for (let q = 0; q < n; q++) {
        const s = plan.slots[local[k + q]!]!
        if (!equalBytes(hashes.subarray(q * HASH_BYTES, (q + 1) * HASH_BYTES), target.hashAt(s.target))) {
          throw new SwapStateError(
            'LOCAL_SOURCE_CHANGED',
            `local block ${s.source} no longer matches this swap's index: something wrote to the disk during the swap; the swap aborts with both disks as they were; stop the writer and start a new swap`,
          )
        }
      }
      r.bytesRead += len
      const w = staging.write(local[k]!, buf.subarray(0, len))
      w.catch(() => undefined) // awaited below; a failure surfaces there
      writes.push(w)
      r.bytesWritten += len
      onBlock?.(len)
      k += n
      // the buffer of the oldest write is reused next: wait for it
      if (writes.length > STAGE_WRITES_AHEAD) await writes.shift()
    }
    while (writes.length > 0) await writes.shift()
  } catch (err) {
    await Promise.allSettled(writes)
    throw err
  }
  return r
}
