/**
 * A swap agreement made for the owners by a test harness that decides a
 * swap itself instead of through the agents' negotiation (the Linux
 * platform's qemu tests; a testnet run's agents negotiate their own): each
 * owner signs a delegation to its VM's agent key, both agents sign the terms,
 * and the result is the same SignedAgreement the negotiation service makes,
 * registered at the anchor the same way (ledger `registerAgreement`), so the
 * anchor checks the whole chain (owners of record, delegations, signatures,
 * expiry) as it would for agents.
 */
import type { Side } from '../protocols/agreement.js'
import { readAgreement, signAgreement } from '../protocols/agreement.js'
import { newDelegationId, signDelegation } from '../protocols/delegation.js'
import type { InstanceClass } from '../protocols/ledger-action.js'
import { publicKeyOf, type SigningKeyPair } from '../protocols/signing.js'

/** One side of a swap the owners decided. */
export interface OwnerSwapSide {
  location: string
  owner: SigningKeyPair
  /** The VM's agent secret key (its identity; on the VM's disk). */
  agentSecretKey: Uint8Array
  /** This side's stateless swapper key (public half). */
  swapKey: Uint8Array
}

/**
 * Delegations last a month: a testnet run or a test is over long before.
 * The agreement gets the caller's lifetime (the swap must commit within it).
 */
const DELEGATION_LIFETIME_MS = 30 * 86_400_000

/** A signed agreement of mutual gain (no price) between `a` and `b`, and its swap id. */
export function ownersAgreement(opts: {
  a: OwnerSwapSide
  b: OwnerSwapSide
  instanceClass: InstanceClass
  anchorKey: Uint8Array
  lifetimeMs: number
  now?: number
}): { agreement: Uint8Array; swapId: Uint8Array } {
  const now = opts.now ?? Date.now()
  const party = (s: OwnerSwapSide) => {
    const agentKey = publicKeyOf(s.agentSecretKey)
    return {
      location: s.location,
      agentKey,
      ownerKey: s.owner.publicKey,
      swapKey: s.swapKey,
      advertSequence: 1n,
      delegation: signDelegation(
        {
          id: newDelegationId(),
          ownerKey: s.owner.publicKey,
          agentKey,
          limits: { maxPriceMicros: 0n, minGainMicros: 0n, mayAcceptPayment: false },
          notBeforeMs: now - 3600_000,
          expiresAtMs: now + DELEGATION_LIFETIME_MS,
        },
        s.owner,
      ),
      statedGainMicros: 0n,
    }
  }
  const secrets: Record<Side, Uint8Array> = { a: opts.a.agentSecretKey, b: opts.b.agentSecretKey }
  const agreement = signAgreement(
    {
      a: party(opts.a),
      b: party(opts.b),
      instanceClass: opts.instanceClass,
      priceMicros: 0n,
      payer: null,
      issuedAtMs: now,
      expiresAtMs: now + opts.lifetimeMs,
      anchorKey: opts.anchorKey,
    },
    secrets,
  )
  return { agreement, swapId: readAgreement(agreement).swapId }
}
