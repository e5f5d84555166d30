/**
 * What a swap agent is given: the agreement it executes, its tuning knobs
 * (shared by the agent, its process wrapper and swap-images) and the
 * resources it runs with.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Coordinator } from './coordinator/coordinator.js'
import type { SwapProgressEvent } from './events.js'
import type { Role } from './index/manifest.js'
import type { ServeFaults } from './transfer/serve.js'

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

/** The swap's tuning knobs, shared by the agent, its process wrapper and swap-images. */
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
  /** Bytes to leave free beside staging. Default 64 MiB: the filesystem must stay usable. */
  stagingReserveBytes?: number
  /** Per-message deadline on streams. Default DEFAULT_REQUEST_TIMEOUT_MS. */
  timeoutMs?: number
  /** How long to wait for the peer to stage / complete. Default 10 min. */
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
}

export const DEFAULT_STAGING_RESERVE_BYTES = 64 * 1024 * 1024
export const DEFAULT_DECISION_TIMEOUT_MS = 10 * 60 * 1000
