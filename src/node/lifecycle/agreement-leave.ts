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
  metrics: Registry
  log: Logger
  now?: () => number
}

export class AgreementLeave {
  private readonly now: () => number
  private readonly started: Counter<'cause'>
  private readonly refused: Counter<'code'>
  /** The swap a leave was put on record for in this process: there is never a second. */
  private leavingFor: string | null = null
  /** Swaps already refused here, so a refusal is logged and counted once. */
  private readonly refusedSwaps = new Set<string>()
  /** The attempt in progress, so two callers (agreement and start) never run it twice. */
  private inFlight: Promise<void> | null = null

  constructor(private readonly init: AgreementLeaveInit) {
    this.now = init.now ?? Date.now
    this.started = new Counter({
      name: 'vboom_agreement_leaves_total',
      help: 'Swaps this agent left for by itself, by cause (agreed, adopted from the anchor, resumed at start)',
      labelNames: ['cause'],
      registers: [init.metrics],
    })
    this.refused = new Counter({
      name: 'vboom_agreement_leaves_refused_total',
      help: 'Agreements in force this agent could not leave for, by LifecycleError code',
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

  /** Whether the VM's history shows the swap completed or aborted: it is never left for again. */
  async settled(swapId: string): Promise<boolean> {
    return (await this.init.lifecycle.settled(swapId)) !== null
  }

  private async attempt(stored: StoredAgreement, cause: LeaveCause): Promise<void> {
    const { log } = this.init
    const swapId = stored.swapId
    if (this.leavingFor === swapId) return
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
        return
      }
      const recorded = await this.init.lifecycle.leaving()
      if (recorded !== null && recorded.swapId === swapId) {
        // On record and still running: the boot notice (normal-boot.ts) resumes it at the next start.
        this.leavingFor = swapId
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
      if (this.refusedSwaps.has(`${swapId}/${code}`)) return
      this.refusedSwaps.add(`${swapId}/${code}`)
      this.refused.inc({ code })
      log.warn(
        { swapId, cause, code, err: err instanceof VBoomError ? undefined : err },
        (err as Error).message,
      )
    }
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
