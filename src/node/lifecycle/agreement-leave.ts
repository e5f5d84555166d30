/**
 * From an agreement in force to the leave: the agent's own negotiation told
 * it the agreement is registered (or it adopted one from the anchor, or it
 * restarted holding one), and it leaves for that swap by itself.
 *
 * The leave request is built from the stored record alone: the signed
 * agreement (validated again, as the negotiation did), this side's swap
 * secret key, and the partner's direct addresses (its stateless node listens
 * where its agent listens: peer-addrs.ts). At most one leave per process:
 * once one is on record, asking again for the same swap does nothing, and
 * for another swap is refused (ALREADY_LEAVING). A swap the VM's history
 * shows completed or aborted is never left for again.
 *
 * An attempt that fails for a passing cause (the partner's address not known
 * yet, a store or platform call that failed) is tried again on a timer with a
 * bounded, jittered back-off (leave-retry.ts) until it succeeds, the
 * agreement expires, it is resolved at the anchor without this side, or its
 * swap ends: no agent restart is needed. Every failed attempt is counted.
 */
import { Counter, type Registry } from 'prom-client'
import { AgreementError, peerIdOfKey, validateAgreement } from '../../protocols/agreement.js'
import { VBoomError } from '../../protocols/errors.js'
import type { InstanceClass } from '../../protocols/ledger-action.js'
import type { Logger } from '../../runtime/log.js'
import type { StoredAgreement } from '../negotiation/agreement-store.js'
import { lifecycleSwapOf, otherRole } from './boot-params.js'
import { LifecycleError, LifecycleErrorCode } from './errors.js'
import type { LeaveRequest } from './leave.js'
import {
  DEFAULT_LEAVE_RETRY,
  isRetryableLeaveCode,
  type LeaveRetryTuning,
  type LeaveState,
  type LeaveStatus,
  leaveRetryDelayMs,
} from './leave-retry.js'
import { type PeerAddressSource, partnerAddrs } from './peer-addrs.js'
import type { LifecycleStore } from './store.js'

/** Why a leave is asked: a fresh agreement, one adopted from the anchor, or one found in force at start. */
export type LeaveCause = 'agreed' | 'adopted' | 'resumed'

export interface AgreementLeaveInit {
  /** This VM's agent public key (raw Ed25519): says which side of the agreement it is. */
  agentKey: Uint8Array
  /** The anchor the agreements must name (the agent's config). */
  anchorKey: Uint8Array
  instanceClass: InstanceClass
  lifecycle: LifecycleStore
  addrs: PeerAddressSource
  /**
   * Whether the agent runs under a platform (can reboot into the stateless
   * swapper). Without one an agreement is held but cannot be swapped.
   */
  canSwap: boolean
  /** Stores the boot parameters and records the leave (Agent.prepareLeave). */
  prepare: (req: LeaveRequest) => Promise<void>
  /** Leaves the running system (Agent.rebootStateless). Never resolves. */
  reboot: () => Promise<never>
  /**
   * Whether the agent still holds the agreement `swapId` in force (not
   * resolved at the anchor without it): asked before each retry. Without it,
   * retries stop only at expiry or when the swap ends.
   */
  stillHeld?: (swapId: string) => Promise<boolean>
  metrics: Registry
  log: Logger
  now?: () => number
  /** The retry back-off; DEFAULT_LEAVE_RETRY outside tests. */
  retry?: Partial<LeaveRetryTuning>
}

/** A retry waiting on its timer. */
interface PendingRetry {
  timer: NodeJS.Timeout
  stored: StoredAgreement
  cause: LeaveCause
}

export class AgreementLeave {
  private readonly now: () => number
  private readonly started: Counter<'cause'>
  private readonly refused: Counter<'code'>
  private readonly retryTuning: LeaveRetryTuning
  /** Per swap id: where its leave stands in this process (`vboom agreements` shows it). */
  private readonly statuses = new Map<string, LeaveStatus>()
  /** Per swap id: the retry waiting on its timer. */
  private readonly pending = new Map<string, PendingRetry>()
  private stopped = false
  /** The swap a leave was put on record for in this process: there is never a second. */
  private leavingFor: string | null = null
  /** Swaps already refused here, so a refusal is logged and counted once. */
  private readonly refusedSwaps = new Set<string>()
  /** The attempt in progress, so two callers (agreement and start) never run it twice. */
  private inFlight: Promise<void> | null = null

  constructor(private readonly init: AgreementLeaveInit) {
    this.now = init.now ?? Date.now
    this.retryTuning = { ...DEFAULT_LEAVE_RETRY, ...init.retry }
    this.started = new Counter({
      name: 'vboom_agreement_leaves_total',
      help: 'Swaps this agent left for by itself, by cause (agreed, adopted from the anchor, resumed at start)',
      labelNames: ['cause'],
      registers: [init.metrics],
    })
    this.refused = new Counter({
      name: 'vboom_agreement_leaves_refused_total',
      help: 'Failed attempts to leave for an agreement in force, by LifecycleError code (each retry of a passing cause counts; a cause no wait changes counts once per swap)',
      labelNames: ['code'],
      registers: [init.metrics],
    })
  }

  /** The swap id this process left for, if any. */
  get leaving(): string | null {
    return this.leavingFor
  }

  /**
   * Leaves for the swap of `stored`: resolves once the boot parameters are
   * stored, the leave recorded and the reboot asked (or the leave refused,
   * logged and counted). Never throws.
   */
  async leaveFor(stored: StoredAgreement, cause: LeaveCause): Promise<void> {
    while (this.inFlight !== null) await this.inFlight
    this.inFlight = this.attempt(stored, cause).finally(() => {
      this.inFlight = null
    })
    await this.inFlight
  }

  /** Where the leave for `swapId` stands in this process; null when none was asked. */
  status(swapId: string): LeaveStatus | null {
    const s = this.statuses.get(swapId)
    return s === undefined ? null : { ...s }
  }

  /** Cancels the retries waiting; later calls do nothing. For the agent's stop. */
  stop(): void {
    this.stopped = true
    for (const p of this.pending.values()) clearTimeout(p.timer)
    this.pending.clear()
  }

  /** Whether the VM's history shows the swap completed or aborted: it is never left for again. */
  async settled(swapId: string): Promise<boolean> {
    return (await this.init.lifecycle.settled(swapId)) !== null
  }

  private async attempt(stored: StoredAgreement, cause: LeaveCause): Promise<void> {
    const { log } = this.init
    const swapId = stored.swapId
    if (this.stopped || this.leavingFor === swapId) return
    // A call for the swap (a fresh agreement, the start's check) replaces the retry waiting.
    this.cancelRetry(swapId)
    const status: LeaveStatus = this.statuses.get(swapId) ?? {
      state: 'retrying',
      attempts: 0,
      nextRetryAtMs: null,
      lastErrorCode: null,
      lastError: null,
    }
    this.statuses.set(swapId, status)
    status.attempts += 1
    status.nextRetryAtMs = null
    try {
      if (this.leavingFor !== null)
        throw new LifecycleError(
          LifecycleErrorCode.ALREADY_LEAVING,
          `this VM is already leaving for swap ${this.leavingFor}; it takes part in one swap at a time`,
        )
      if (await this.settled(swapId)) {
        log.info(
          { swapId },
          'the swap of this agreement already ended (the VM history says so): not leaving again',
        )
        status.state = 'settled'
        return
      }
      const recorded = await this.init.lifecycle.leaving()
      if (recorded !== null && recorded.swapId === swapId) {
        // On record and still running: the boot notice (normal-boot.ts) resumes it at the next start.
        this.leavingFor = swapId
        status.state = 'left'
        return
      }
      if (!this.init.canSwap)
        throw new LifecycleError(
          LifecycleErrorCode.NO_PLATFORM,
          `agreement ${swapId} is held but this agent runs without a platform: it cannot reboot into the stateless swapper, so the swap aborts at its coordinator's timeout; run the agent under a platform (the testnet, or the Linux platform) to swap`,
        )
      const req = await this.request(stored)
      await this.init.prepare(req)
      this.leavingFor = swapId
      status.state = 'left'
      this.started.inc({ cause })
      log.info(
        { swapId, role: req.swap.role, cause, peerAddrs: req.peerAddrs },
        'leaving for the agreed swap',
      )
      this.init
        .reboot()
        .catch((err: unknown) => log.error({ err, swapId }, 'could not reboot into the stateless swapper'))
    } catch (err) {
      const code = err instanceof VBoomError ? err.code : 'FAILED'
      status.lastErrorCode = code
      status.lastError = (err as Error).message
      const retryable = isRetryableLeaveCode(code)
      const firstOfKind = !this.refusedSwaps.has(`${swapId}/${code}`)
      this.refusedSwaps.add(`${swapId}/${code}`)
      if (retryable || firstOfKind) this.refused.inc({ code })
      if (retryable) this.scheduleRetry(stored, cause, status)
      else status.state = 'refused'
      if (!firstOfKind) {
        log.debug({ swapId, code, attempts: status.attempts }, 'leave attempt failed again')
        return
      }
      log.warn(
        {
          swapId,
          cause,
          code,
          err: err instanceof VBoomError ? undefined : err,
          nextRetryAt:
            status.nextRetryAtMs === null ? undefined : new Date(status.nextRetryAtMs).toISOString(),
        },
        retryable
          ? `${(err as Error).message} (retried with back-off until the agreement expires)`
          : (err as Error).message,
      )
    }
  }

  /** Puts the next attempt on a timer, never past the agreement's expiry (checked when it fires). */
  private scheduleRetry(stored: StoredAgreement, cause: LeaveCause, status: LeaveStatus): void {
    const now = this.now()
    if (this.stopped) return
    if (stored.expiresAtMs <= now) {
      status.state = 'expired'
      return
    }
    const delay = Math.min(leaveRetryDelayMs(status.attempts, this.retryTuning), stored.expiresAtMs - now)
    status.state = 'retrying'
    status.nextRetryAtMs = now + delay
    const timer = setTimeout(() => {
      this.pending.delete(stored.swapId)
      void this.retry(stored, cause, status)
    }, delay)
    // A retry waiting never keeps the process alive by itself.
    timer.unref()
    this.pending.set(stored.swapId, { timer, stored, cause })
  }

  private cancelRetry(swapId: string): void {
    const p = this.pending.get(swapId)
    if (p === undefined) return
    clearTimeout(p.timer)
    this.pending.delete(swapId)
  }

  /** A retry's timer fired: tries again unless the agreement ended meanwhile. */
  private async retry(stored: StoredAgreement, cause: LeaveCause, status: LeaveStatus): Promise<void> {
    if (this.stopped) return
    const ended = await this.endedBeforeRetry(stored).catch((err: unknown) => {
      this.init.log.warn(
        { err, swapId: stored.swapId },
        'could not check the agreement before retrying its leave',
      )
      return null
    })
    if (ended !== null) {
      status.state = ended
      status.nextRetryAtMs = null
      this.init.log.info(
        { swapId: stored.swapId, state: ended },
        'stopped retrying the leave: the agreement ended',
      )
      return
    }
    await this.leaveFor(stored, cause)
  }

  /** Why retries stop now (the agreement expired, resolved, or its swap ended), or null to go on. */
  private async endedBeforeRetry(stored: StoredAgreement): Promise<LeaveState | null> {
    if (stored.expiresAtMs <= this.now()) return 'expired'
    if (await this.settled(stored.swapId)) return 'settled'
    if (this.init.stillHeld !== undefined && !(await this.init.stillHeld(stored.swapId))) return 'resolved'
    return null
  }

  /** The leave request of a stored agreement: its signed bytes validated again, the partner's addresses looked up. */
  private async request(stored: StoredAgreement): Promise<LeaveRequest> {
    let agreement: ReturnType<typeof validateAgreement>
    try {
      agreement = validateAgreement(new Uint8Array(Buffer.from(stored.signed, 'hex')), {
        nowMs: this.now(),
        anchorKey: this.init.anchorKey,
        instanceClass: this.init.instanceClass,
      })
    } catch (err) {
      if (!(err instanceof AgreementError)) throw err
      throw new LifecycleError(
        LifecycleErrorCode.BAD_AGREEMENT,
        `the stored agreement ${stored.swapId} does not validate (${err.code}: ${err.message}); it cannot be swapped, and its swap aborts at the coordinator's timeout`,
        { cause: err },
      )
    }
    const swap = lifecycleSwapOf(agreement, this.init.agentKey)
    const partner = peerIdOfKey(agreement[otherRole(swap.role)].agentKey)
    return {
      swap,
      swapSecretKey: new Uint8Array(Buffer.from(stored.swapSecretKey, 'hex')),
      peerAddrs: await partnerAddrs(this.init.addrs, partner),
    }
  }
}
