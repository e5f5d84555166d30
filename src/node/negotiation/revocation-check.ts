/**
 * Whether a partner's delegation is revoked, as the anchor's ledger says:
 * asked before this side signs anything under a partner's delegation, so a
 * revoked agent is refused by its partner and not only by the anchor at
 * registration. Answers are kept a short while (one query per partner per
 * minute, not one per message); a revocation, once seen, is kept for good.
 * An anchor that cannot answer decides nothing here: registration checks the
 * chain again, revocation included, and refuses then.
 */
import type { DelegationStatusAnswer } from '../anchor-client.js'

/**
 * How long a "not revoked" answer is trusted, ms. A revocation reaches
 * partners within this; the anchor refuses a revoked chain at registration
 * regardless, so this only bounds the work wasted on a revoked partner.
 */
export const REVOCATION_RECHECK_MS = 60_000
/** Delegations remembered at once: every partner of a busy market round, with room. */
const MAX_REMEMBERED = 4096

export type RevocationVerdict = 'revoked' | 'valid' | 'unknown'

export interface RevocationCheckInit {
  /** The anchor's answer for a SignedDelegation. */
  status: (signed: Uint8Array) => Promise<DelegationStatusAnswer>
  now: () => number
  /** Told when the anchor cannot answer (logged by the caller). */
  onUnknown?: (err: unknown) => void
}

export class RevocationCheck {
  private readonly known = new Map<string, { revoked: boolean; atMs: number }>()

  constructor(private readonly init: RevocationCheckInit) {}

  /** The delegation `signed` (its hash names it: `hashHex`) as the anchor sees it now. */
  async verdict(signed: Uint8Array, hashHex: string): Promise<RevocationVerdict> {
    const now = this.init.now()
    const seen = this.known.get(hashHex)
    if (seen !== undefined && (seen.revoked || now - seen.atMs < REVOCATION_RECHECK_MS))
      return seen.revoked ? 'revoked' : 'valid'
    let answer: DelegationStatusAnswer
    try {
      answer = await this.init.status(signed)
    } catch (err) {
      this.init.onUnknown?.(err)
      return 'unknown'
    }
    if (this.known.size >= MAX_REMEMBERED) this.known.delete(this.known.keys().next().value!)
    this.known.set(hashHex, { revoked: answer.revoked, atMs: now })
    return answer.revoked ? 'revoked' : 'valid'
  }
}
