/**
 * After the commit point: this side's disk becomes the peer's original
 * image, from staging and the manifests, idempotently however often it
 * restarts. Apply runs in windows, each fsynced and recorded in the journal
 * before the next (apply.ts); then a final check reads the whole disk and
 * proves it; when that fails, a repair pass applies all of staging again
 * (proved again first) and checks once more. Once the disk is proved and
 * every window recorded, no run reads staging again, so its removal starts
 * then, and `applied` is recorded.
 */
import { access, rm } from 'node:fs/promises'
import type { SignedManifest } from '../../protocols/proto/swap.js'
import type { SwapBookkeeping } from '../bookkeeping.js'
import { type Disk, openDisk } from '../disk.js'
import { SwapInterruptedError, SwapStateError } from '../errors.js'
import { type BlockIndex, hashDisk } from '../index/block-index.js'
import { equalBytes, merkleRoot } from '../index/hash.js'
import type { Role } from '../index/manifest.js'
import type { Journal } from '../journal.js'
import type { Plan } from '../plan/plan.js'
import { applyPlan } from './apply.js'
import { findBadSlots } from './bad-slots.js'
import { Staging } from './staging.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Both manifests of a swap, verified, and the plan made from them. */
export interface Loaded {
  local: BlockIndex
  peer: BlockIndex
  localSigned: SignedManifest
  plan: Plan
}

export interface RollForwardContext {
  loaded: Loaded
  diskPath: string
  journal: Journal
  swapIdHex: string
  role: Role
  /** The first apply window the journal does not record as done. */
  fromWindow: number
  /**
   * A run after others may have written the disk (a restart): staging is
   * proved again first, and every staged block is read from it (a first run
   * reads moved blocks from their sources).
   */
  resumed: boolean
  book: SwapBookkeeping
  /** Stops the roll-forward after the apply window running when it aborts is recorded (SwapInterruptedError). */
  signal?: AbortSignal
}

/**
 * Applies, proves and records `applied`; resolves with the removal of
 * staging, started then and not yet awaited (it runs while the coordinator
 * hears of this side: ~0.1-0.2 s for 0.5 GB here, ext4 frees and discards
 * the blocks), which the caller awaits before it reports.
 */
export async function rollForward(c: RollForwardContext): Promise<{ stagingRemoved: Promise<void> }> {
  const { loaded: l, journal, book } = c
  const disk = await openDisk(c.diskPath, { writable: true })
  try {
    const p = l.plan
    // the final check stays a real read pass over the whole disk, not a sum
    // of what apply wrote: it also covers the blocks the plan skipped
    // (trusted so far only from the index taken before the commit point).
    // Comparing every block hash with the peer's list is the same proof as
    // comparing Merkle roots (that list rebuilt the peer's signed root)
    // without ~65k inner-node hashes per GiB. It reads through the page
    // cache, so it can start once apply has issued its last write: it then
    // runs (CPU) during apply's last fsync (device), ~0.2-0.3 s each per GiB here
    let checking = undefined as Promise<void> | undefined
    const startCheck = (): Promise<void> => {
      checking ??= finalCheck(l, disk, book)
      checking.catch(() => undefined) // awaited below
      return checking
    }
    const applyAndCheck = async (fromWindow: number, fromStaging: boolean): Promise<void> => {
      try {
        if (fromWindow < p.windowCount) await applyFromStaging(c, disk, fromWindow, startCheck, fromStaging)
      } finally {
        // never left reading behind a failed apply (the disk closes after)
        await checking?.catch(() => undefined)
      }
      await startCheck()
    }
    try {
      await applyAndCheck(c.fromWindow, c.resumed)
    } catch (err) {
      // every window is recorded but the disk is not the peer's image: a
      // moved block read from its source (a first run reads them there) or
      // an earlier run's write did not hold. Staging still holds every
      // staged block, verified before the vote: apply all of it again from
      // there (proved again first), then check once more
      if (
        !(err instanceof SwapStateError && err.code === 'FINAL_CHECK') ||
        !(await exists(journal.stagingPath))
      )
        throw err
      book.note(`${err.message}; applying again from staging`)
      checking = undefined
      await applyAndCheck(0, true)
    }
    // the disk is the peer's image and every window is recorded: staging is
    // no longer read by any run (a restart goes straight to the final
    // check), so it is removed now
    const stagingRemoved = rm(journal.stagingPath, { force: true })
    stagingRemoved.catch(() => undefined) // awaited by the caller
    await journal.write(c.swapIdHex, c.role, 'applied')
    return { stagingRemoved }
  } finally {
    await disk.close()
  }
}

/** Hashes the whole disk and proves it is the peer's original image (FINAL_CHECK otherwise). */
async function finalCheck(l: Loaded, disk: Disk, book: SwapBookkeeping): Promise<void> {
  const after = await book.phase('verify', disk.size, () =>
    hashDisk(disk, l.peer.blockSize, book.progressAbs('verify', disk.size)),
  )
  book.bytes.read += disk.size
  if (!equalBytes(after, l.peer.hashes)) {
    throw new SwapStateError(
      'FINAL_CHECK',
      `disk root ${hex(merkleRoot(after))} is not the peer's original root ${hex(l.peer.root)}: something else wrote to ${disk.path} during the swap; stop that writer and run the swap again`,
    )
  }
}

/**
 * Apply windows `fromWindow`.. from staging, each durable and recorded
 * before the next. `fromStaging`: a run after others wrote the disk (a
 * restart, or a repair): staging is proved again first, and every staged
 * block is read from it (a first run reads moved blocks from their sources).
 */
async function applyFromStaging(
  c: RollForwardContext,
  disk: Disk,
  fromWindow: number,
  onLastWrites: () => unknown,
  fromStaging: boolean,
): Promise<void> {
  const { loaded: l, journal, book } = c
  const p = l.plan
  const staging = await Staging.open(journal.stagingPath, p.slots.length, p.blockSize)
  book.stagingDirect = staging.direct
  try {
    if (staging.fresh)
      throw new SwapStateError(
        'STAGING_LOST',
        `staging ${staging.path} is missing after the commit point: this side cannot rebuild the peer's image without it; keep the swap's state directory intact until the swap completes`,
      )
    if (fromStaging) {
      // a restart or a repair: prove staging is still what was verified before the vote
      const bad = await findBadSlots(staging, p, l.peer)
      book.bytes.read += p.stagingBytes
      if (bad.length > 0)
        throw new SwapStateError(
          'STAGING_BAD',
          `${bad.length} staged blocks in ${staging.path} fail verification after the commit point: something changed staging on disk, and this side cannot rebuild the peer's image from it; keep the swap's state directory intact until the swap completes`,
        )
    }
    const total = (p.writeBlocks.length + p.zeroBlocks.length + p.copyTargets.length) * p.blockSize
    const r = await book.phase('apply', total, () =>
      applyPlan(p, staging, l.peer, disk, {
        fromWindow,
        onLastWrites,
        sourcesIntact: !fromStaging,
        onWindowDone: async (w) => {
          await journal.write(c.swapIdHex, c.role, 'committed', w + 1)
          // a durable point: a cancellation stops here (the last window goes on to the final check)
          if (c.signal?.aborted === true && w + 1 < p.windowCount) {
            throw new SwapInterruptedError(
              c.swapIdHex,
              journal.dir,
              `after apply window ${w + 1} of ${p.windowCount} (recorded): ${disk.path} is part way to the peer's image`,
            )
          }
        },
        onBytes: book.progress('apply', total),
      }),
    )
    book.bytes.read += r.bytesRead
    book.bytes.written += r.bytesWritten
  } finally {
    await staging.close()
  }
}

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}
