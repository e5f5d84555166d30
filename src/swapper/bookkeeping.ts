/**
 * What one side of a swap tells and counts: its phases and their times,
 * progress events (rate-limited), notes, the bytes it moved, and the report
 * it ends with.
 */
import type { SwapPhase, SwapProgressEvent, SwapSideReport } from './events.js'
import type { BlockIndex } from './index/block-index.js'
import { BATCHED_HASHING, MAPPED_HASHING } from './index/hash.js'
import type { Role } from './index/manifest.js'
import { noCounts, type Plan } from './plan/plan.js'
import { PROGRESS_STEPS } from './tuning.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** What the report says of the swap itself: both indexes and the plan (null when no run of this side made one). */
export interface ReportedSwap {
  local: BlockIndex
  peer: BlockIndex
  plan: Plan
}

export class SwapBookkeeping {
  readonly phaseMs: Partial<Record<SwapPhase, number>> = {}
  /** Bytes this side's own work moved (serving the peer is counted in `serveStats`). */
  readonly bytes = { read: 0, sent: 0, received: 0, written: 0 }
  /** Filled by the serving side (transfer/serve.ts). */
  readonly serveStats = { bytesRead: 0, bytesSent: 0, blocksServed: 0 }
  badBlocks = 0
  /** This run found a journal left by an earlier one. */
  resumed = false
  /** Whether this run's staging bypassed the page cache. */
  stagingDirect = false

  constructor(
    private readonly role: Role,
    private readonly onProgress?: (e: SwapProgressEvent) => void,
  ) {}

  emit(e: SwapProgressEvent): void {
    this.onProgress?.(e)
  }

  /** Something worth telling the user (a retry, a resume, an abort). */
  note(message: string): void {
    this.emit({ type: 'note', role: this.role, message })
  }

  /** Runs `fn` as `phase`: start and end events, its time added to the phase's total. */
  async phase<T>(phase: SwapPhase, total: number, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    this.emit({ type: 'phase-start', role: this.role, phase, total })
    const r = await fn()
    const ms = performance.now() - t0
    this.phaseMs[phase] = (this.phaseMs[phase] ?? 0) + ms
    this.emit({ type: 'phase-end', role: this.role, phase, ms })
    return r
  }

  /** Progress of `phase` from increments of bytes done. */
  progress(phase: SwapPhase, total: number): (bytes: number) => void {
    let done = 0
    const emit = this.progressAbs(phase, total)
    return (bytes) => {
      done += bytes
      emit({ bytesDone: done })
    }
  }

  /**
   * Progress of `phase` from the bytes done so far: at most ~PROGRESS_STEPS
   * events per phase, and always the last one; smaller steps are merged
   * until they reach 1 % of the phase.
   */
  progressAbs(phase: SwapPhase, total: number): (p: { bytesDone: number }) => void {
    const step = total / PROGRESS_STEPS
    let last = 0
    return (p) => {
      if (p.bytesDone < total && p.bytesDone - last < step) return
      last = p.bytesDone
      this.emit({ type: 'progress', role: this.role, phase, done: p.bytesDone, total })
    }
  }

  report(outcome: SwapSideReport['outcome'], l: ReportedSwap | null, cleanedUp: boolean): SwapSideReport {
    const counts = l?.plan.counts ?? noCounts()
    return {
      role: this.role,
      outcome,
      resumed: this.resumed,
      bytes: {
        read: this.bytes.read + this.serveStats.bytesRead,
        sent: this.bytes.sent + this.serveStats.bytesSent,
        received: this.bytes.received,
        written: this.bytes.written,
      },
      blocks: { ...counts, total: l?.plan.blockCount ?? 0 },
      badBlocks: this.badBlocks,
      phaseMs: { ...this.phaseMs },
      rootBefore: l === null ? '' : hex(l.local.root),
      rootAfter: l === null ? '' : hex(l.peer.root),
      cleanedUp,
      io: {
        stagingDirect: this.stagingDirect,
        batchedHashing: BATCHED_HASHING,
        mappedHashing: MAPPED_HASHING,
      },
    }
  }
}
