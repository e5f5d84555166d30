/**
 * The check of a staging file this run did not write and fsync itself (a
 * restart, or a repair after the final check failed): every slot is read
 * back and hashed against the target block it must carry before any of it
 * is trusted.
 */
import { setImmediate as turn } from 'node:timers/promises'
import type { BlockIndex } from '../index/block-index.js'
import { equalBytes, HASH_BYTES, hashBlock, hashWholeBlocks } from '../index/hash.js'
import type { Plan } from '../plan/plan.js'
import { STAGING_RUN_BYTES } from '../tuning.js'
import type { Staging } from './staging.js'

/**
 * Reads every slot back and checks it against the target hash it must carry.
 * Returns the slots that do not. `signal` ends the pass between runs (it
 * then throws the signal's reason).
 */
export async function findBadSlots(
  staging: Staging,
  plan: Plan,
  target: BlockIndex,
  onBytes?: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<number[]> {
  const bad: number[] = []
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / plan.blockSize))
  const buf = staging.buffer(perRun * plan.blockSize)
  const hashes = new Uint8Array(perRun * HASH_BYTES)
  for (let first = 0; first < plan.slots.length; first += perRun) {
    signal?.throwIfAborted()
    const n = Math.min(perRun, plan.slots.length - first)
    staging.readSync(first, buf.subarray(0, n * plan.blockSize))
    // every slot as a whole block in one call; a slot holding the disk's short last block again alone
    hashWholeBlocks(buf.subarray(0, n * plan.blockSize), plan.blockSize, hashes.subarray(0, n * HASH_BYTES))
    for (let k = first; k < first + n; k++) {
      const t = plan.slots[k]!.target
      const len = target.blockLength(t)
      const off = (k - first) * plan.blockSize
      const h =
        len === plan.blockSize
          ? hashes.subarray((k - first) * HASH_BYTES, (k - first + 1) * HASH_BYTES)
          : hashBlock(buf.subarray(off, off + len))
      if (!equalBytes(h, target.hashAt(t))) bad.push(k)
    }
    onBytes?.(n * plan.blockSize)
    await turn() // synchronous reads: let the event loop run between runs
  }
  return bad
}
