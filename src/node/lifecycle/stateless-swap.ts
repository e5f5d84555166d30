/**
 * Step 2 of the lifecycle, the stateless side: what a host boots while its
 * boot parameters say 'stateless' (the testnet supervisor's stateless
 * process, the Linux initramfs's /init). It runs the swap on the VM's disk and
 * stores how it ended before booting the disk again:
 *
 * - a libp2p node whose key is this side's swap key (the agreement names both
 *   sides' swap keys, so the peer and the anchor know the node by it), and
 *   the anchor's coordinator, every call signed by that key;
 * - first the coordinator's status: a side already done (a crash after its
 *   completion) does not swap again, a swap already aborted does not start;
 * - then the swap agent on `platform.diskPath`, its journal and staging in
 *   `platform.swapStateDir` (outside the disk), which resumes from its
 *   journal after any crash;
 * - completed: phase 'completed' stored, then the normal boot (the disk now
 *   holds the partner's VM); aborted before the commit point: phase
 *   'aborted' stored (the disk is untouched), then the normal boot;
 * - anything else (the anchor or the peer unreachable for long, a disk
 *   error): tried again, with growing pauses, for as long as it takes. The
 *   disk's own system is never booted half-swapped.
 *
 * Once this side has completed, it does not wait for the partner to finish
 * too (the swapper's cleanup waits up to its decision timeout): nothing of
 * this side's swap state is of use to anyone after its completion is
 * recorded, so it is removed and the VM boots at once.
 */
import { rm } from 'node:fs/promises'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { toSwapperAgreement } from '../../protocols/agreement.js'
import type { Logger } from '../../runtime/log.js'
import { SwapAgent } from '../../swapper/agent.js'
import type { SwapAgreement } from '../../swapper/agent-options.js'
import { pause } from '../../swapper/cancellable.js'
import type { Coordinator } from '../../swapper/coordinator/coordinator.js'
import { ResilientCoordinator } from '../../swapper/coordinator/resilient.js'
import {
  CoordinatorNotPartyError,
  SwapAbortedError,
  SwapInterruptedError,
  UnknownSwapError,
} from '../../swapper/errors.js'
import { Journal, phaseAtLeast } from '../../swapper/journal.js'
import { createSwapNode } from '../../swapper/local/swap-node.js'
import { DEFAULT_DECISION_TIMEOUT_MS } from '../../swapper/tuning.js'
import { AnchorCoordinatorClient } from '../anchor-coordinator-client.js'
import type { StatelessPlatform } from '../platform/platform.js'
import { type BootOutcome, type BootParams, swapIdHex } from './boot-params.js'

/** First pause after a failed attempt, ms; doubled up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 1_000
/** Longest pause between attempts, ms: a host waiting on a long outage still tries twice a minute. */
const RETRY_MAX_MS = 30_000

export interface StatelessSwapOptions {
  /** Ends the attempts (the stateless system is shutting down); nothing is stored then. */
  signal?: AbortSignal
  now?: () => number
}

export interface SettledSwap {
  phase: 'completed' | 'aborted'
  outcome: BootOutcome
}

/** The libp2p peer id of a raw Ed25519 swap key: how the partner's stateless node is known. */
export const swapPeerId = (swapKey: Uint8Array) => peerIdFromPublicKey(publicKeyFromRaw(swapKey))

/** Runs the swap to its end, stores the outcome, and boots the disk. Never resolves. */
export async function runStatelessSwap(
  params: BootParams,
  platform: StatelessPlatform,
  log: Logger,
  opts: StatelessSwapOptions = {},
): Promise<never> {
  const settled = await settleSwap(params, platform, log, opts)
  if (params.phase === 'stateless')
    await platform.storeBootParams({ ...params, phase: settled.phase, outcome: settled.outcome })
  log.info({ swapId: swapIdHex(params), ...settled }, 'swap settled: booting the disk')
  return platform.rebootNormal()
}

/** How the swap ends for this side, once it has; retries everything but an abort and a completion. */
export async function settleSwap(
  params: BootParams,
  platform: StatelessPlatform,
  log: Logger,
  opts: StatelessSwapOptions = {},
): Promise<SettledSwap> {
  const now = opts.now ?? Date.now
  if (params.phase !== 'stateless')
    // settled before a crash, not yet booted
    return { phase: params.phase, outcome: params.outcome ?? { atMs: now(), reason: 'settled earlier' } }
  let delay = RETRY_FIRST_MS
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(params, platform, log, now, opts.signal)
    } catch (err) {
      if (opts.signal?.aborted) throw err
      log.warn(
        { err, attempt, retryInMs: delay, swapId: swapIdHex(params) },
        'the swap did not finish; trying again (its journal keeps what is done)',
      )
      await pause(delay, opts.signal)
      delay = Math.min(RETRY_MAX_MS, delay * 2)
    }
  }
}

/** One attempt: a node, the coordinator's status, the swap agent. */
async function attemptOnce(
  params: BootParams,
  platform: StatelessPlatform,
  log: Logger,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<SettledSwap> {
  const { role, swapKeys } = params.swap
  const decisionTimeoutMs = params.tuning.decisionTimeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS
  const node = await createSwapNode(params.swapSecretKey, params.network.listen[0])
  try {
    const coordinator: Coordinator = new AnchorCoordinatorClient({
      node,
      anchor: params.anchor.addrs.map((a) => multiaddr(a)),
      key: { secretKey: params.swapSecretKey, publicKey: swapKeys[role] },
    })
    const early = await settledByStatus(params, platform, coordinator, decisionTimeoutMs, now, signal)
    if (early !== null) return early
    return await runAgent(params, platform, log, node, coordinator, decisionTimeoutMs, now, signal)
  } finally {
    await node.stop()
  }
}

/** The swap's end when the coordinator already knows it for this side; null when the swap must run. */
async function settledByStatus(
  params: BootParams,
  platform: StatelessPlatform,
  coordinator: Coordinator,
  retryForMs: number,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<SettledSwap | null> {
  const id = swapIdHex(params)
  const role = params.swap.role
  const resilient = new ResilientCoordinator(coordinator, { retryForMs, signal })
  let status: Awaited<ReturnType<Coordinator['status']>>
  try {
    status = await resilient.status(id)
  } catch (err) {
    if (!(err instanceof UnknownSwapError || err instanceof CoordinatorNotPartyError)) throw err
    // the anchor coordinates no such swap for this key: nothing can commit, unless this side has seen a commit
    const rec = await new Journal(platform.swapStateDir).read()
    if (rec !== null && rec.swapId === id && phaseAtLeast(rec, 'committed')) throw err
    await rm(platform.swapStateDir, { recursive: true, force: true })
    return {
      phase: 'aborted',
      outcome: { atMs: now(), reason: `the anchor refused the swap: ${err.message}` },
    }
  }
  if (status.completed[role]) {
    // done before a crash: the disk holds the partner's VM; what state is left helps no one
    await rm(platform.swapStateDir, { recursive: true, force: true })
    return { phase: 'completed', outcome: { atMs: now(), reason: 'this side had completed the swap' } }
  }
  if (status.decision === 'aborted') {
    await rm(platform.swapStateDir, { recursive: true, force: true })
    return { phase: 'aborted', outcome: { atMs: now(), reason: status.reason ?? 'aborted' } }
  }
  return null
}

async function runAgent(
  params: BootParams,
  platform: StatelessPlatform,
  log: Logger,
  node: Libp2p,
  coordinator: Coordinator,
  decisionTimeoutMs: number,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<SettledSwap> {
  const { role, swapKeys } = params.swap
  const agreement: SwapAgreement = toSwapperAgreement({
    swapId: params.swap.swapId,
    a: { swapKey: swapKeys.a },
    b: { swapKey: swapKeys.b },
  })
  // cuts the swapper's wait for the partner's completion short: ours is recorded by then
  const afterCompletion = new AbortController()
  const agent = new SwapAgent({
    role,
    diskPath: platform.diskPath,
    openDisk: platform.openSwapDisk?.bind(platform),
    stateDir: platform.swapStateDir,
    agreement,
    swapSecretKey: params.swapSecretKey,
    coordinator,
    node,
    peerAddrs: params.peerAddrs.map((a) => multiaddr(a)),
    blockSize: params.tuning.blockSize,
    decisionTimeoutMs,
    signal: signal === undefined ? afterCompletion.signal : AbortSignal.any([signal, afterCompletion.signal]),
    onProgress: (e) => {
      platform.reportSwapProgress?.(e)
      if (e.type === 'note') log.info({ note: e.message }, 'swap')
      if (e.type === 'phase-start' && e.phase === 'cleanup') afterCompletion.abort()
    },
  })
  await agent.start()
  try {
    const report = await agent.run()
    return {
      phase: 'completed',
      outcome: {
        atMs: now(),
        reason: report.outcome === 'swapped' ? 'swapped' : 'this side had completed the swap',
        rootBefore: report.rootBefore,
        rootAfter: report.rootAfter,
      },
    }
  } catch (err) {
    if (err instanceof SwapInterruptedError && afterCompletion.signal.aborted && signal?.aborted !== true) {
      await rm(platform.swapStateDir, { recursive: true, force: true })
      return {
        phase: 'completed',
        outcome: { atMs: now(), reason: 'swapped; the partner finishes on its own' },
      }
    }
    if (err instanceof SwapAbortedError) {
      log.info({ reason: err.reason }, 'the swap aborted before its commit point: the disk is untouched')
      return { phase: 'aborted', outcome: { atMs: now(), reason: err.reason } }
    }
    throw err
  } finally {
    await agent.stop()
  }
}
