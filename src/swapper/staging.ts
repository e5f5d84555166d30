/**
 * The staging file: every distinct content the plan will write onto the local
 * disk, one block-sized slot per plan slot (slot k at byte k * blockSize).
 *
 * Staging is filled before the commit point, from the local disk (local copies)
 * and from the peer (fetched), each block hash-checked against the peer's
 * signed manifest in memory just before it is written; then fsynced. Only then
 * may the side vote to commit. A staging file this run did not write and
 * fsync itself (a restart) is read back in full against the same hashes
 * before any of it is trusted (findBadSlots). Until the
 * swap completes on both sides, staging is also what rebuilds this side's
 * peer's original image, so it is removed only then.
 */
import { readSync } from 'node:fs'
import { type FileHandle, open, stat, statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import { setImmediate as turn } from 'node:timers/promises'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { BlockIndex } from './block-index.js'
import type { Disk } from './disk.js'
import { InsufficientStagingSpaceError, SwapStateError } from './errors.js'
import { equalBytes, hashBlock } from './hash.js'
import type { Plan } from './plan.js'

/** Staging I/O in runs of up to 1 MiB: large enough for sequential throughput, bounded memory. */
export const STAGING_RUN_BYTES = 1024 * 1024

/**
 * Refuses to start when staging would not fit: free space (for unprivileged
 * users: f_bavail) of the filesystem holding `path`, minus `reserveBytes`,
 * must cover what the staging file still needs (its size minus what an
 * earlier run already allocated).
 */
export async function checkStagingSpace(
  path: string,
  neededBytes: number,
  reserveBytes: number,
): Promise<void> {
  let allocated = 0
  try {
    allocated = (await stat(path)).blocks * 512
  } catch {}
  const fs = await statfs(dirname(path))
  const available = Math.max(0, fs.bavail * fs.bsize - reserveBytes)
  const needed = Math.max(0, neededBytes - allocated)
  if (needed > available) throw new InsufficientStagingSpaceError(dirname(path), needed, available)
}

export class Staging {
  private constructor(
    readonly path: string,
    readonly blockSize: number,
    readonly slotCount: number,
    private readonly fh: FileHandle,
    /** False when the file existed: its slots must be verified before they are trusted. */
    readonly fresh: boolean,
  ) {}

  static async open(path: string, slotCount: number, blockSize: number): Promise<Staging> {
    let fresh = false
    let fh: FileHandle
    try {
      fh = await open(path, 'r+')
    } catch {
      fh = await open(path, 'w+')
      fresh = true
    }
    const size = slotCount * blockSize
    if ((await fh.stat()).size !== size) await fh.truncate(size)
    return new Staging(path, blockSize, slotCount, fh, fresh)
  }

  /** Writes `data` from slot `slot` on; a list of chunks (received blocks) goes out in one writev. */
  async write(slot: number, data: Uint8Array | Uint8ArrayList): Promise<void> {
    const position = slot * this.blockSize
    if (data instanceof Uint8Array) return this.writeAt(position, data)
    const { bytesWritten } = await this.fh.writev([...data], position)
    // a short writev is rare; finish from where it stopped
    if (bytesWritten < data.byteLength)
      await this.writeAt(position + bytesWritten, data.subarray(bytesWritten))
  }

  private async writeAt(position: number, data: Uint8Array): Promise<void> {
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done)
      done += bytesWritten
    }
  }

  /** Reads whole slots from `slot` on; synchronous (scattered slot reads in apply; see Disk.readSync). */
  readSync(slot: number, buf: Uint8Array): void {
    let done = 0
    while (done < buf.length) {
      const n = readSync(this.fh.fd, buf, done, buf.length - done, slot * this.blockSize + done)
      if (n === 0)
        throw new SwapStateError('STAGING_SHORT', `staging ${this.path} ends early at slot ${slot}`)
      done += n
    }
  }

  async sync(): Promise<void> {
    await this.fh.sync()
  }

  async close(): Promise<void> {
    await this.fh.close()
  }
}

/**
 * Reads every slot back and checks it against the target hash it must carry.
 * Returns the slots that do not.
 */
export async function findBadSlots(
  staging: Staging,
  plan: Plan,
  target: BlockIndex,
  onBytes?: (bytes: number) => void,
): Promise<number[]> {
  const bad: number[] = []
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / plan.blockSize))
  const buf = new Uint8Array(perRun * plan.blockSize)
  for (let first = 0; first < plan.slots.length; first += perRun) {
    const n = Math.min(perRun, plan.slots.length - first)
    staging.readSync(first, buf.subarray(0, n * plan.blockSize))
    for (let k = first; k < first + n; k++) {
      const t = plan.slots[k]!.target
      const len = target.blockLength(t)
      const off = (k - first) * plan.blockSize
      if (!equalBytes(hashBlock(buf.subarray(off, off + len)), target.hashAt(t))) bad.push(k)
    }
    onBytes?.(n * plan.blockSize)
    await turn() // synchronous reads: let the event loop run between runs
  }
  return bad
}

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
 */
export async function stageLocal(
  staging: Staging,
  plan: Plan,
  target: BlockIndex,
  disk: Disk,
  slots: number[],
  onBlock?: (bytes: number) => void,
): Promise<StageLocalResult> {
  const r: StageLocalResult = { bytesRead: 0, bytesWritten: 0 }
  const bs = plan.blockSize
  const perRun = Math.max(1, Math.floor(STAGING_RUN_BYTES / bs))
  const local = slots.filter((k) => plan.slots[k]!.from === 'local')
  const buf = new Uint8Array(perRun * bs)
  for (let k = 0; k < local.length; ) {
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
      for (let q = 0, off = len; q < m; q++) {
        const t = plan.slots[local[k + j + q]!]!.target
        const l = target.blockLength(t)
        if (!equalBytes(hashBlock(buf.subarray(off, off + l)), target.hashAt(t))) {
          throw new SwapStateError(
            'LOCAL_SOURCE_CHANGED',
            `local block ${first.source + q} no longer matches the index: disk changed`,
          )
        }
        off += l
      }
      len += runLen
      j += m
    }
    r.bytesRead += len
    await staging.write(local[k]!, buf.subarray(0, len))
    r.bytesWritten += len
    onBlock?.(len)
    k += n
  }
  return r
}
