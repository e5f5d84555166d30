/**
 * Swap agreements: both agents' signatures over the terms, both delegation
 * chains and their limits, the class and the time. Forged, altered, expired
 * and out-of-limit agreements are refused with typed errors naming the rule
 * and the side; the swap id is the hash of the terms; the swapper's view of
 * an agreement derives its peer ids from the swap keys.
 */
import { createHash } from 'node:crypto'
import t from 'tap'
import {
  agreementSwapId,
  agreementToJson,
  assembleAgreement,
  encodeAgreementTerms,
  readAgreement,
  sideOf,
  signAgreementTerms,
  toSwapperAgreement,
  validateAgreement,
} from '../../src/protocols/agreement.js'
import { MAX_AGREEMENT_TTL_MS, MAX_SIGNED_AGREEMENT_BYTES } from '../../src/protocols/constants.js'
import { readDelegation } from '../../src/protocols/delegation.js'
import { Delegation as DelegationPb, SignedDelegation } from '../../src/protocols/proto/delegation.js'
import { SignatureDomain, signable } from '../../src/protocols/signing.js'
import type { SwapAgreement as SwapperAgreement } from '../../src/swapper/agent-options.js'
import { agreement, CLASS, delegate, HOUR, keys, party, termsOf, thrown } from './agreement-fixtures.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const anchor = keys()

t.test('an agreement both agents signed under their delegations validates', async (t) => {
  const a = party('loc-a')
  const b = party('loc-b')
  const terms = termsOf(a, b, anchor.publicKey, { priceMicros: 300_000n, payer: 'b' })
  const bytes = agreement(a, b, anchor.publicKey, { priceMicros: 300_000n, payer: 'b' })
  const v = validateAgreement(bytes, { nowMs: Date.now(), anchorKey: anchor.publicKey, instanceClass: CLASS })
  const termsBytes = encodeAgreementTerms(terms)
  // The swap id is SHA-256 of the signable terms: nobody chooses it.
  const expected = createHash('sha256').update(signable(SignatureDomain.agreement, v.termsBytes)).digest()
  t.equal(hex(v.swapId), expected.toString('hex'))
  t.equal(hex(agreementSwapId(v.termsBytes)), hex(v.swapId))
  t.equal(
    v.termsBytes.length,
    termsBytes.length - (termsBytes.length - v.termsBytes.length),
    'terms kept as signed',
  )
  t.equal(v.payer, 'b')
  t.equal(v.priceMicros, 300_000n)
  t.equal(hex(v.delegations.a.agentKey), hex(a.agent.publicKey))
  t.equal(sideOf(v, b.swap.publicKey), 'b', 'a swap key names its side')
  t.equal(sideOf(v, keys().publicKey), null)
  t.match(agreementToJson(v), { swapId: hex(v.swapId), payer: 'b', priceMicros: '300000' })

  // The swapper's agreement: the same id, each role's peer id derived from its swap key.
  const s: SwapperAgreement = toSwapperAgreement(v)
  t.equal(hex(s.swapId), hex(v.swapId))
  t.equal(hex(s.parties.a.swapKey), hex(a.swap.publicKey))
  t.equal(hex(s.parties.b.peerId.publicKey!.raw), hex(b.swap.publicKey), 'peer id of the swap key')
})

t.test('forged, altered and expired agreements are refused', async (t) => {
  const a = party('loc-a')
  const b = party('loc-b')
  const now = Date.now()
  const ctx = { nowMs: now, anchorKey: anchor.publicKey, instanceClass: CLASS }
  const refused = (
    bytes: Uint8Array,
    match: Record<string, unknown>,
    what: string,
    c: Parameters<typeof validateAgreement>[1] = ctx,
  ) =>
    t.match(
      thrown(() => validateAgreement(bytes, c)),
      match,
      what,
    )

  const termsBytes = encodeAgreementTerms(termsOf(a, b, anchor.publicKey))
  const sigA = signAgreementTerms(termsBytes, a.agent.secretKey)
  const sigB = signAgreementTerms(termsBytes, b.agent.secretKey)
  // Forged: b's signature made by someone else.
  refused(
    assembleAgreement(termsBytes, { a: sigA, b: signAgreementTerms(termsBytes, keys().secretKey) }),
    { name: 'AgreementError', code: 'BAD_SIGNATURE', side: 'b' },
    'a forged signature of side b',
  )
  // Altered: a price slipped in after both signed.
  const altered = encodeAgreementTerms(termsOf(a, b, anchor.publicKey, { priceMicros: 1n, payer: 'a' }))
  refused(
    assembleAgreement(altered, { a: sigA, b: sigB }),
    { name: 'AgreementError', code: 'BAD_SIGNATURE' },
    'terms altered after signing',
  )
  // Time.
  refused(
    agreement(a, b, anchor.publicKey, { issuedAtMs: now - 2 * HOUR, expiresAtMs: now - HOUR }),
    { name: 'AgreementError', code: 'EXPIRED', action: 'IGNORE' },
    'expired',
  )
  refused(
    agreement(a, b, anchor.publicKey, { issuedAtMs: now + HOUR, expiresAtMs: now + 2 * HOUR }),
    { code: 'FUTURE' },
    'issued in the future',
  )
  refused(
    agreement(a, b, anchor.publicKey, { issuedAtMs: now, expiresAtMs: now + MAX_AGREEMENT_TTL_MS + 1 }),
    { code: 'BAD_LIFETIME' },
    'a lifetime over a day',
  )
  // Audience and class.
  refused(agreement(a, b, keys().publicKey), { code: 'WRONG_ANCHOR' }, 'addressed to another anchor')
  refused(
    agreement(a, b, anchor.publicKey, { instanceClass: { ...CLASS, vcpus: 4 } }),
    { code: 'CLASS_MISMATCH' },
    'a class other than the locations',
  )
  // Two distinct sides.
  refused(agreement(a, party('loc-a'), anchor.publicKey), { code: 'SAME_LOCATION' }, 'one location twice')
  refused(agreement(a, { ...b, agent: a.agent }, anchor.publicKey), { code: 'SAME_AGENT' }, 'one agent twice')
  refused(agreement(a, { ...b, swap: a.swap }, anchor.publicKey), { code: 'KEY_REUSE' }, 'one swap key twice')
  refused(
    agreement(a, b, anchor.publicKey, { priceMicros: 5n }),
    { code: 'BAD_PRICE' },
    'a price with no payer',
  )
  refused(new Uint8Array(MAX_SIGNED_AGREEMENT_BYTES + 1), { code: 'OVERSIZED' }, 'oversized')
  refused(new Uint8Array([1, 2, 3]), { name: 'AgreementError', code: 'MALFORMED' }, 'junk')
})

t.test('the delegation chains and their limits bind each side', async (t) => {
  const now = Date.now()
  const ctx = { nowMs: now, anchorKey: anchor.publicKey }
  const refused = (bytes: Uint8Array, match: Record<string, unknown>, what: string) =>
    t.match(
      thrown(() => validateAgreement(bytes, ctx)),
      match,
      what,
    )
  const stingy = party('loc-a', keys(), keys(), {
    maxPriceMicros: 100n,
    mayAcceptPayment: false,
    minGainMicros: 500n,
  })
  const b = party('loc-b')

  refused(
    agreement(stingy, b, anchor.publicKey, { priceMicros: 101n, payer: 'a' }),
    { name: 'AgreementError', code: 'PRICE_ABOVE_LIMIT', side: 'a' },
    "a price above the payer's limit",
  )
  t.ok(
    validateAgreement(agreement(stingy, b, anchor.publicKey, { priceMicros: 100n, payer: 'a' }), ctx),
    'at the limit',
  )
  refused(
    agreement(stingy, b, anchor.publicKey, { priceMicros: 100n, payer: 'b' }),
    { code: 'PAYMENT_NOT_ALLOWED', side: 'a' },
    'a payee whose owner forbids being paid',
  )
  refused(
    agreement(stingy, b, anchor.publicKey, { gain: { a: 499n } }),
    { code: 'GAIN_BELOW_FLOOR', side: 'a' },
    "a stated gain below the owner's floor",
  )
  // The delegation must be for this side's agent, from this side's owner, valid when the agreement was issued.
  const other = keys()
  refused(
    agreement({ ...b, delegation: delegate(b.owner, other.publicKey) }, party('loc-c'), anchor.publicKey),
    { name: 'DelegationError', code: 'WRONG_AGENT', side: 'a' },
    'a delegation to another agent',
  )
  refused(
    agreement({ ...b, delegation: delegate(keys(), b.agent.publicKey) }, party('loc-c'), anchor.publicKey),
    { name: 'DelegationError', code: 'WRONG_OWNER', side: 'a' },
    "another owner's delegation",
  )
  refused(
    agreement(
      party('loc-c'),
      { ...b, delegation: delegate(b.owner, b.agent.publicKey, { expiresAtMs: now - 1 }) },
      anchor.publicKey,
    ),
    { name: 'DelegationError', code: 'EXPIRED', side: 'b' },
    'a delegation expired when the agreement was issued',
  )
  const forgedDelegation = delegate(keys(), b.agent.publicKey)
  const claimed = SignedDelegation.encode({
    delegation: DelegationPb.encode({
      ...DelegationPb.decode(SignedDelegation.decode(forgedDelegation).delegation),
      ownerKey: new Uint8Array(b.owner.publicKey),
    }),
    signature: SignedDelegation.decode(forgedDelegation).signature,
  })
  t.equal(hex(readDelegation(claimed).ownerKey), hex(b.owner.publicKey))
  refused(
    agreement(party('loc-c'), { ...b, delegation: claimed }, anchor.publicKey),
    { name: 'DelegationError', code: 'BAD_SIGNATURE', side: 'b' },
    "a delegation forged in the owner's name",
  )
  t.equal(readAgreement(agreement(stingy, b, anchor.publicKey)).terms.a.location, 'loc-a')
})
