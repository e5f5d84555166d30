// Shared fixtures of the delegation, agreement and negotiation tests: keys, delegations, signed agreements.
import { type AgreementTerms, type Side, signAgreement } from '../../src/protocols/agreement.js'
import { type DelegationLimits, newDelegationId, signDelegation } from '../../src/protocols/delegation.js'
import type { InstanceClass } from '../../src/protocols/ledger-action.js'
import { type SigningKeyPair as Keys, generateSigningKeyPair as keys } from '../../src/protocols/signing.js'

/** The tests' short names for a fresh Ed25519 key pair. */
export { type Keys, keys }

export const CLASS: InstanceClass = { vcpus: 2, memoryBytes: 4n << 30n, diskBytes: 20n << 30n }
export const HOUR = 3_600_000
export const DAY = 24 * HOUR

/** Generous limits: pays up to 5 credits, needs no gain, may be paid. */
export const OPEN_LIMITS: DelegationLimits = {
  maxPriceMicros: 5_000_000n,
  minGainMicros: 0n,
  mayAcceptPayment: true,
}

/** The owner's signed delegation to `agent`, valid from an hour before `nowMs` for 30 days. */
export function delegate(
  owner: Keys,
  agent: Uint8Array,
  opts: {
    limits?: Partial<DelegationLimits>
    nowMs?: number
    notBeforeMs?: number
    expiresAtMs?: number
    id?: Uint8Array
  } = {},
): Uint8Array {
  const now = opts.nowMs ?? Date.now()
  return signDelegation(
    {
      id: opts.id ?? newDelegationId(),
      ownerKey: owner.publicKey,
      agentKey: agent,
      limits: { ...OPEN_LIMITS, ...opts.limits },
      notBeforeMs: opts.notBeforeMs ?? now - HOUR,
      expiresAtMs: opts.expiresAtMs ?? now + 30 * DAY,
    },
    owner,
  )
}

/** One side of a swap as the tests build it: a location, its owner, its VM's agent, a swap key, a delegation. */
export interface Party {
  location: string
  owner: Keys
  agent: Keys
  swap: Keys
  delegation: Uint8Array
}

export function party(
  location: string,
  owner: Keys = keys(),
  agent: Keys = keys(),
  limits?: Partial<DelegationLimits>,
): Party {
  return { location, owner, agent, swap: keys(), delegation: delegate(owner, agent.publicKey, { limits }) }
}

/** Terms between two parties: mutual by default, issued now, expiring in an hour. */
export function termsOf(
  a: Party,
  b: Party,
  anchorKey: Uint8Array,
  opts: Partial<
    Pick<AgreementTerms, 'priceMicros' | 'payer' | 'issuedAtMs' | 'expiresAtMs' | 'instanceClass'>
  > & {
    gain?: Partial<Record<Side, bigint>>
  } = {},
): AgreementTerms {
  const now = Date.now()
  const side = (p: Party, s: Side) => ({
    location: p.location,
    agentKey: p.agent.publicKey,
    ownerKey: p.owner.publicKey,
    swapKey: p.swap.publicKey,
    advertSequence: 7n,
    delegation: p.delegation,
    statedGainMicros: opts.gain?.[s] ?? 1_000n,
  })
  return {
    a: side(a, 'a'),
    b: side(b, 'b'),
    instanceClass: opts.instanceClass ?? CLASS,
    priceMicros: opts.priceMicros ?? 0n,
    payer: opts.payer ?? null,
    issuedAtMs: opts.issuedAtMs ?? now,
    expiresAtMs: opts.expiresAtMs ?? now + HOUR,
    anchorKey,
  }
}

/** The SignedAgreement of two parties, both agents signing. */
export function agreement(
  a: Party,
  b: Party,
  anchorKey: Uint8Array,
  opts: Parameters<typeof termsOf>[3] = {},
): Uint8Array {
  return signAgreement(termsOf(a, b, anchorKey, opts), { a: a.agent.secretKey, b: b.agent.secretKey })
}

/** The error `fn` throws (undefined when it throws none), for `t.match` against name, code and side. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
