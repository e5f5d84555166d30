/**
 * The staging pipeline: fills staging with every block the plan stages,
 * local copies from this disk (stage-local.ts) and blocks fetched from the
 * peer, written as the fetch delivers them (this is its sink), each
 * hash-checked against the peer's manifest in memory just before its write.
 * Then fsyncs it.
 *
 * No read-back after the fsync: pwrite took every verified byte and fsync
 * succeeded, so staging holds exactly the verified bytes; a read-back would
 * come from the page cache and prove nothing more. Staging is trusted
 * unread only by the run that wrote and fsynced it, and only once the
 * journal says `staged` (written after the fsync). Any other run finds the
 * file not fresh and hashes every slot before trusting it (bad-slots.ts,
 * here and in roll-forward.ts after a restart), so a crash mid-staging or a
 * torn slot is always detected.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Disk } from '../disk.js'
import type { BlockIndex } from '../index/block-index.js'
import type { Plan } from '../plan/plan.js'
import { type BlockSink, chunkCount, type FetchJob } from '../transfer/fetch.js'
import { findBadSlots } from './bad-slots.js'
import { stageLocal } from './stage-local.js'
import { checkStagingSpace, Staging } from './staging.js'

export interface StagingPipelineOptions {
  /** Bytes to leave free on the staging filesystem. */
  reserveBytes: number
  /** Bytes of staging filled (or found good), as they are. */
  onBytes: (bytes: number) => void
  /** Ends the local copies and the check of an earlier run's staging (then rejects with its reason). */
  signal?: AbortSignal
}

export class StagingPipeline implements BlockSink {
  /** Staged bytes read (the local copies' sources, an earlier run's staging) and written. */
  bytesRead = 0
  bytesWritten = 0
  /** Slots whose fetched block is written: a fetch retried after a lost connection skips them. */
  private readonly fetched = new Set<number>()

  private constructor(
    private readonly staging: Staging,
    private readonly plan: Plan,
    private readonly peer: BlockIndex,
    private readonly o: StagingPipelineOptions,
  ) {}

  /** Opens (or reopens) the staging file at `path` once the space check passes. */
  static async open(
    path: string,
    plan: Plan,
    peer: BlockIndex,
    o: StagingPipelineOptions,
  ): Promise<StagingPipeline> {
    await checkStagingSpace(path, plan.stagingBytes, o.reserveBytes)
    const staging = await Staging.open(path, plan.slots.length, plan.blockSize)
    return new StagingPipeline(staging, plan, peer, o)
  }

  /** True when staging I/O bypasses the page cache. */
  get direct(): boolean {
    return this.staging.direct
  }

  /**
   * Fills every slot still to fill (all of a fresh file; those of an earlier
   * run's file that fail their hash) and fsyncs. `fetch` delivers the peer's
   * blocks into this sink while the local copies are staged: on loopback this
   * is no faster (both share one thread), but over a real link the fetch's
   * round trips and wire time hide under the local copies. Nothing is left
   * writing into staging when this settles, whatever failed.
   */
  async fill(disk: Disk, fetch: (jobs: FetchJob[], sink: BlockSink) => Promise<void>): Promise<void> {
    const { plan, peer, staging, o } = this
    let toFill: number[]
    if (staging.fresh) {
      toFill = plan.slots.map((_, k) => k)
    } else {
      // left by an earlier run: nothing in it is trusted until hashed
      toFill = await findBadSlots(staging, plan, peer, undefined, o.signal)
      this.bytesRead += plan.stagingBytes
      o.onBytes(plan.stagingBytes - toFill.length * plan.blockSize)
    }
    const jobs: FetchJob[] = []
    for (const k of toFill) {
      const s = plan.slots[k]!
      if (s.from === 'peer') jobs.push({ block: s.source, slot: k })
    }
    const fetched = jobs.length > 0 ? fetch(jobs, this) : Promise.resolve()
    const local = await afterAll([fetched], () =>
      stageLocal(staging, plan, peer, disk, toFill, o.onBytes, o.signal),
    )
    this.bytesRead += local.bytesRead
    this.bytesWritten += local.bytesWritten
    await staging.sync()
  }

  buffer(bytes: number): Uint8Array {
    return this.staging.buffer(bytes)
  }

  holds(slot: number): boolean {
    return this.fetched.has(slot)
  }

  /** The sink: verified blocks of one batch, consecutive slots in one write. */
  async write(got: FetchJob[], data: Uint8ArrayList): Promise<void> {
    const { peer, staging } = this
    const oneChunk = chunkCount(data) === 1
    let pos = 0
    for (let k = 0; k < got.length; ) {
      let m = 1
      while (k + m < got.length && got[k + m]!.slot === got[k]!.slot + m) m++
      let len = 0
      for (let j = k; j < k + m; j++) len += peer.blockLength(got[j]!.block)
      // one chunk (a gathered batch, in an aligned staging buffer): a view, written without a copy
      await staging.write(
        got[k]!.slot,
        oneChunk ? data.subarray(pos, pos + len) : data.sublist(pos, pos + len),
      )
      for (let j = k; j < k + m; j++) this.fetched.add(got[j]!.slot)
      pos += len
      this.bytesWritten += len
      this.o.onBytes(len)
      k += m
    }
  }

  close(): Promise<void> {
    return this.staging.close()
  }
}

/**
 * Runs `fn` while `pending` work finishes, and returns or throws only once
 * it has: nothing is left writing into the state directory behind a failure
 * (an abort removes it). A failure of `pending` wins over `fn`'s result.
 */
async function afterAll<T>(pending: Promise<void>[], fn: () => Promise<T>): Promise<T> {
  for (const p of pending) p.catch(() => undefined) // settled below, not unhandled meanwhile
  try {
    return await fn()
  } finally {
    for (const p of pending) await p
  }
}
