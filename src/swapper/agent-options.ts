/**
 * What a swap agent is given: the agreement it executes, its tuning knobs
 * (shared by the agent, its process wrapper and swap-images) and the
 * resources it runs with.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../protocols/swap-constants.js'
import type { Coordinator } from './coordinator/coordinator.js'
import type { SwapProgressEvent } from './events.js'
import { DEFAULT_BLOCK_SIZE } from './index/block-index.js'
import type { Role } from './index/manifest.js'
import type { ServeFaults } from './transfer/serve.js'
import {
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_MAX_BAD_BLOCKS,
  DEFAULT_STAGING_RESERVE_BYTES,
  DEFAULT_STREAMS,
  DEFAULT_WINDOW,
} from './tuning.js'

export interface SwapParty {
  peerId: PeerId
  /** Ed25519 public key that signs this party's manifest. */
  swapKey: Uint8Array
}

/** What the two owners agreed (negotiation produces it; here only what the swapper needs). */
export interface SwapAgreement {
  swapId: Uint8Array
  parties: Record<Role, SwapParty>
}

/** The swap's tuning knobs, shared by the agent, its process wrapper and swap-images; defaults in tuning.ts. */
export interface SwapTuning {
  /** Default DEFAULT_BLOCK_SIZE (4 KiB, see block-index.ts). */
  blockSize?: number
  /** Parallel streams for blocks. Default DEFAULT_STREAMS. */
  streams?: number
  /** Batch requests in flight per stream. Default DEFAULT_WINDOW. */
  window?: number
  /** zstd where it pays (default true). */
  compress?: boolean
  /** Skip equal, zero and local blocks (default true); false = full transfer. */
  dedup?: boolean
  /**
   * Apply windows (durable checkpoints after the commit point), default
   * PLAN_MAX_WINDOWS: more windows let more local copies run in place instead
   * of through staging (plan.ts says when that pays). Must be the same on a restart.
   */
  applyWindows?: number
  /** Default DEFAULT_MAX_BAD_BLOCKS. */
  maxBadBlocks?: number
  /** Bytes to leave free beside staging. Default DEFAULT_STAGING_RESERVE_BYTES. */
  stagingReserveBytes?: number
  /** Per-message deadline on streams. Default DEFAULT_REQUEST_TIMEOUT_MS. */
  timeoutMs?: number
  /** How long to wait for the peer to stage / complete. Default DEFAULT_DECISION_TIMEOUT_MS. */
  decisionTimeoutMs?: number
}

export const SWAP_TUNING_KEYS = [
  'blockSize',
  'streams',
  'window',
  'compress',
  'dedup',
  'applyWindows',
  'maxBadBlocks',
  'stagingReserveBytes',
  'timeoutMs',
  'decisionTimeoutMs',
] as const satisfies readonly (keyof SwapTuning)[]

/** The tuning fields of `opts`, and nothing else (for passing on across a process boundary). */
export function pickTuning(opts: SwapTuning): SwapTuning {
  const out: Record<string, unknown> = {}
  for (const k of SWAP_TUNING_KEYS) if (opts[k] !== undefined) out[k] = opts[k]
  return out as SwapTuning
}

export interface SwapAgentOptions extends SwapTuning {
  role: Role
  diskPath: string
  /** Journal, manifests and staging of this side; same path on restart. */
  stateDir: string
  agreement: SwapAgreement
  /** Secret key of this side's swap key (agreement.parties[role].swapKey). */
  swapSecretKey: Uint8Array
  coordinator: Coordinator
  /** Started libp2p node whose peer id is agreement.parties[role].peerId. */
  node: Libp2p
  peerAddrs: Multiaddr[]
  faults?: ServeFaults
  onProgress?: (e: SwapProgressEvent) => void
  /**
   * Cancels the swap. Before the commit point the side votes abort, removes
   * its staging and rejects with SwapCancelledError, its disk untouched;
   * after it, the side stops at its next durable point (an apply window
   * recorded) and rejects with SwapInterruptedError: a rerun with the same
   * state directory resumes and finishes the swap.
   */
  signal?: AbortSignal
}

/** The knobs with their defaults filled in (applyWindows stays optional: the plan has its own default). */
export type ResolvedTuning = Required<Omit<SwapTuning, 'applyWindows'>> & Pick<SwapTuning, 'applyWindows'>

export function resolveTuning(t: SwapTuning): ResolvedTuning {
  return {
    blockSize: t.blockSize ?? DEFAULT_BLOCK_SIZE,
    streams: Math.max(1, t.streams ?? DEFAULT_STREAMS),
    window: Math.max(1, t.window ?? DEFAULT_WINDOW),
    compress: t.compress ?? true,
    dedup: t.dedup ?? true,
    applyWindows: t.applyWindows,
    maxBadBlocks: t.maxBadBlocks ?? DEFAULT_MAX_BAD_BLOCKS,
    stagingReserveBytes: t.stagingReserveBytes ?? DEFAULT_STAGING_RESERVE_BYTES,
    timeoutMs: t.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    decisionTimeoutMs: t.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS,
  }
}
