/**
 * Typed progress events and the final report of a swap side. A CLI turns the
 * events into one progress bar per phase (see progress-bars.ts).
 */
import type { Role } from './index/manifest.js'
import type { PlanCounts } from './plan/plan.js'

export const SWAP_PHASES = [
  'index',
  'manifest',
  'plan',
  'stage',
  'commit',
  'apply',
  'verify',
  'cleanup',
] as const
export type SwapPhase = (typeof SWAP_PHASES)[number]

export type SwapProgressEvent =
  /** `total` in bytes for index/stage/apply/verify, 0 where the phase has no byte count. */
  | { type: 'phase-start'; role: Role; phase: SwapPhase; total: number }
  | { type: 'progress'; role: Role; phase: SwapPhase; done: number; total: number }
  | { type: 'phase-end'; role: Role; phase: SwapPhase; ms: number }
  /** Something worth telling the user: resumed from a journal, a bad block, an abort. */
  | { type: 'note'; role: Role; message: string }

export interface SwapSideReport {
  role: Role
  /** 'swapped': this run moved the disk to the peer's image; 'already-swapped': a previous run had. */
  outcome: 'swapped' | 'already-swapped'
  resumed: boolean
  bytes: { read: number; sent: number; received: number; written: number }
  blocks: PlanCounts & { total: number }
  badBlocks: number
  phaseMs: Partial<Record<SwapPhase, number>>
  /** Merkle roots (hex) of this disk before and after the swap: after = the peer's original. */
  rootBefore: string
  rootAfter: string
  /**
   * True once both sides completed and this side removed its swap state
   * (staging goes earlier, after apply). False when the peer had not
   * completed in time: the manifests and journal stay for a rerun to finish.
   */
  cleanedUp: boolean
  /** The fast paths this side ran on: staging bypassing the page cache (O_DIRECT), blocks hashed many per call. */
  io: { stagingDirect: boolean; batchedHashing: boolean; mappedHashing: boolean }
}
