/**
 * The negotiation wire: every kind round-trips through sign and validate;
 * forged, altered, replayed, misdirected, expired, out-of-limit messages and
 * messages under a revoked delegation are refused with typed errors; an
 * accept's agreement terms must be the message's; the matching's messages
 * are the wire's matching kinds, type for type.
 */
import t from 'tap'
import type { MatchMessage } from '../../src/node/market/matching-messages.js'
import { encodeAgreementTerms, signAgreementTerms } from '../../src/protocols/agreement.js'
import { MAX_NEGOTIATION_MESSAGE_BYTES } from '../../src/protocols/constants.js'
import { delegationHash, validateDelegation } from '../../src/protocols/delegation.js'
import {
  asMatchMessage,
  keyOfPeerId,
  type MatchWireMessage,
  type NegotiationBody,
  type NegotiationMessage,
  type NegotiationValidationContext,
  newNegotiationNonce,
  peerIdOfAgentKey,
  signNegotiationMessage,
  validateNegotiationMessage,
} from '../../src/protocols/negotiation.js'
import {
  NegotiationMessage as MessagePb,
  SignedNegotiationMessage,
} from '../../src/protocols/proto/negotiation.js'
import { delegate, keys, party, termsOf, thrown } from './agreement-fixtures.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const now = Date.now()
const anchor = keys()

// Two agents: a (the sender) and b (the receiver), with their owners' delegations.
const a = party('loc-a', keys(), keys(), {
  maxPriceMicros: 1_000n,
  minGainMicros: 10n,
  mayAcceptPayment: false,
})
const b = party('loc-b')
const A = peerIdOfAgentKey(a.agent.publicKey)
const B = peerIdOfAgentKey(b.agent.publicKey)
const ADVERT_A = 1_700_000_000_001n
const ADVERT_B = 1_700_000_000_002n

function message(body: NegotiationBody, over: Partial<NegotiationMessage> = {}): NegotiationMessage {
  return {
    from: A,
    to: B,
    round: 3,
    seq: 10,
    phase: body.kind === 'offer' || body.kind === 'counter' ? 0 : body.kind === 'pair' ? 2 : 1,
    fromAdvertSeq: ADVERT_A,
    toAdvertSeq: ADVERT_B,
    nonce: newNegotiationNonce(),
    issuedAtMs: now,
    expiresAtMs: now + 60_000,
    ...body,
    ...over,
  } as NegotiationMessage
}

const send = (m: NegotiationMessage, full = true, signer = a.agent) =>
  signNegotiationMessage(m, { signed: a.delegation, full }, signer)

/** b's view: its adverts, a's advert, nothing seen from a yet, a's delegation not held. */
const ctx = (over: Partial<NegotiationValidationContext> = {}): NegotiationValidationContext => ({
  nowMs: now,
  self: B,
  ownAdvertSeqs: [ADVERT_B - 1n, ADVERT_B],
  peerAdvertSeq: ADVERT_A,
  anchorKey: anchor.publicKey,
  ...over,
})

const offer: NegotiationBody = {
  kind: 'offer',
  terms: { payer: A, priceMicros: 900n },
  swapKey: a.swap.publicKey,
  statedGainMicros: 5_000n,
}

t.test('every kind round-trips through sign and validate', async (t) => {
  const view = {
    peer: B,
    welfareMicros: 12.5,
    terms: { payer: null, priceMicros: 0n },
    takenBy: A,
    takenWelfareMicros: 3,
  }
  const bodies: NegotiationBody[] = [
    offer,
    {
      kind: 'counter',
      ref: 4,
      terms: { payer: null, priceMicros: 0n },
      swapKey: a.swap.publicKey,
      statedGainMicros: 10n,
    },
    { kind: 'accept', ref: 4, terms: { payer: null, priceMicros: 0n } },
    { kind: 'reject', ref: 4, reason: 'probe-failed' },
    { kind: 'propose', terms: { payer: null, priceMicros: 0n }, welfareMicros: 1234.5 },
    {
      kind: 'propose',
      terms: { payer: A, priceMicros: 7n },
      welfareMicros: 99,
      move: { id: `${A}/3`, gainMicros: 4.25, replaces: B, notifyReplaced: true },
    },
    { kind: 'withdraw', reason: 'taken', partner: B, pairWelfareMicros: 77 },
    { kind: 'withdraw', reason: 'leaving' },
    {
      kind: 'pair',
      step: 'view',
      candidates: [view, { peer: A, welfareMicros: 1, terms: { payer: B, priceMicros: 2n } }],
    },
    {
      kind: 'pair',
      step: 'plan',
      moveId: 'm1',
      target: view,
      move: { id: 'm1', gainMicros: 1, replaces: null, notifyReplaced: false },
    },
    { kind: 'pair', step: 'plan', moveId: 'm2', target: null, move: null },
    { kind: 'pair', step: 'report', moveId: 'm1', accepted: true },
    { kind: 'pair', step: 'cancel', moveId: 'm1' },
  ]
  for (const body of bodies) {
    const sent = message(body)
    const got = validateNegotiationMessage(send(sent), ctx())
    t.same(got.message, sent, `${body.kind}${'step' in body ? ` ${body.step}` : ''} round-trips`)
    t.equal(got.delegationIsNew, true)
    t.equal(hex(got.delegation.agentKey), hex(a.agent.publicKey))
  }
  // Once b holds a's delegation, a sends only its hash.
  const held = validateDelegation(a.delegation, { atMs: now })
  const byHash = validateNegotiationMessage(
    send(message(offer), false),
    ctx({ knownDelegation: (h) => (h === hex(held.hash) ? held : undefined) }),
  )
  t.equal(byHash.delegationIsNew, false)
  t.ok(
    send(message(offer), false).length < send(message(offer), true).length,
    'the hash is shorter than the delegation',
  )
  // Peer ids and agent keys convert both ways.
  t.equal(hex(keyOfPeerId(A)), hex(a.agent.publicKey))
})

t.test('the matching messages are the wire matching kinds', async (t) => {
  const m: MatchMessage = {
    kind: 'accept',
    from: A,
    to: B,
    round: 1,
    seq: 2,
    phase: 1,
    ref: 1,
    terms: { payer: null, priceMicros: 0n },
  }
  // A matching message plus the binding is a negotiation message, and a received matching kind is a matching message.
  const wire: MatchWireMessage = m
  const back: MatchMessage = wire
  const signed = send({
    ...m,
    fromAdvertSeq: ADVERT_A,
    toAdvertSeq: ADVERT_B,
    nonce: newNegotiationNonce(),
    issuedAtMs: now,
    expiresAtMs: now + 1000,
  })
  const got = asMatchMessage(validateNegotiationMessage(signed, ctx()).message)
  t.same(got, back)
  t.equal(asMatchMessage(message(offer)), null, 'an offer is not the matching')
  t.equal(asMatchMessage(message({ kind: 'reject', ref: 1, reason: 'probe-failed' })), null)
})

t.test('forged, altered, replayed, misdirected and expired messages are refused', async (t) => {
  const refused = (bytes: Uint8Array, match: Record<string, unknown>, what: string, c = ctx()) =>
    t.match(
      thrown(() => validateNegotiationMessage(bytes, c)),
      match,
      what,
    )
  const good = send(message(offer))

  // Forged: a signs as a, but with another key; or another agent claims to be a.
  const mallory = keys()
  const env = SignedNegotiationMessage.decode(good)
  const pb = MessagePb.decode(env.message)
  const resign = (p: MessagePb, key = mallory) =>
    SignedNegotiationMessage.encode({
      message: MessagePb.encode(p),
      signature: SignedNegotiationMessage.decode(
        signNegotiationMessage(
          message(offer, { from: peerIdOfAgentKey(key.publicKey) }),
          { signed: a.delegation, full: true },
          key,
        ),
      ).signature,
    })
  refused(
    resign(pb),
    { name: 'NegotiationError', code: 'BAD_SIGNATURE' },
    "a signature not by the sender's key",
  )
  // Altered: the bid lowered after signing.
  const altered = SignedNegotiationMessage.encode({
    message: MessagePb.encode({
      ...pb,
      offer: { ...pb.offer!, terms: { payer: pb.offer!.terms!.payer, priceMicros: 1n } },
    }),
    signature: env.signature,
  })
  refused(altered, { code: 'BAD_SIGNATURE' }, 'the bid changed after signing')
  // Replayed: the same sequence number again, or a nonce already seen.
  refused(
    good,
    { code: 'STALE_SEQUENCE', action: 'IGNORE' },
    'a sequence number not above the last',
    ctx({ lastSeq: 10 }),
  )
  refused(
    good,
    { code: 'DUPLICATE_NONCE' },
    'a nonce seen before',
    ctx({ seenNonce: (n) => n === hex(pb.nonce) }),
  )
  // Misdirected: addressed to another agent.
  refused(
    good,
    { code: 'WRONG_RECIPIENT' },
    'for another agent',
    ctx({ self: peerIdOfAgentKey(keys().publicKey) }),
  )
  // Time.
  refused(
    send(message(offer, { issuedAtMs: now - 120_000, expiresAtMs: now - 1 })),
    { code: 'EXPIRED', action: 'IGNORE' },
    'expired',
  )
  refused(
    send(message(offer, { issuedAtMs: now + 120_000, expiresAtMs: now + 180_000 })),
    { code: 'FUTURE' },
    'from the future',
  )
  refused(send(message(offer, { expiresAtMs: now + 3_600_000 })), { code: 'BAD_LIFETIME' }, 'living an hour')
  // Bound to the adverts.
  refused(
    send(message(offer, { toAdvertSeq: ADVERT_B + 5n })),
    { code: 'UNKNOWN_ADVERT' },
    'an advert of ours never published',
  )
  refused(
    send(message(offer, { toAdvertSeq: ADVERT_B - 9n })),
    { code: 'STALE_ADVERT' },
    'an advert of ours no longer in force',
  )
  refused(
    send(message(offer, { fromAdvertSeq: ADVERT_A + 1n })),
    { code: 'ADVERT_NOT_SEEN' },
    "a sender's advert we have not seen",
  )
  refused(
    send(message(offer, { fromAdvertSeq: ADVERT_A - 1n })),
    { code: 'STALE_ADVERT' },
    "a sender's superseded advert",
  )
  // The advert the sender replaced while its message was on the way, when the caller still takes it.
  const justReplaced = send(message(offer, { fromAdvertSeq: ADVERT_A - 1n }))
  t.equal(
    validateNegotiationMessage(justReplaced, ctx({ peerReplacedAdvertSeq: ADVERT_A - 1n })).message
      .fromAdvertSeq,
    ADVERT_A - 1n,
    "a message bound to the sender's just-replaced advert passes where the caller accepts it",
  )
  refused(
    send(message(offer, { fromAdvertSeq: ADVERT_A - 2n })),
    { code: 'STALE_ADVERT' },
    "an advert older than the sender's just-replaced one",
    ctx({ peerReplacedAdvertSeq: ADVERT_A - 1n }),
  )
  refused(
    good,
    { code: 'ADVERT_NOT_SEEN' },
    'a sender we hold no advert of',
    ctx({ peerAdvertSeq: undefined }),
  )
  // Shape.
  refused(send(message(offer, { phase: 1 })), { code: 'WRONG_PHASE' }, 'an offer inside the matching')
  refused(
    send(
      message({
        kind: 'propose',
        terms: { payer: peerIdOfAgentKey(keys().publicKey), priceMicros: 3n },
        welfareMicros: 1,
      }),
    ),
    { code: 'BAD_TERMS' },
    'a third party as payer',
  )
  refused(new Uint8Array(MAX_NEGOTIATION_MESSAGE_BYTES + 1), { code: 'OVERSIZED' }, 'oversized')
  refused(new Uint8Array([9, 9, 9]), { code: 'MALFORMED' }, 'junk')
})

t.test("the sender's delegation: carried, named, limited, revocable", async (t) => {
  const refused = (bytes: Uint8Array, match: Record<string, unknown>, what: string, c = ctx()) =>
    t.match(
      thrown(() => validateNegotiationMessage(bytes, c)),
      match,
      what,
    )
  refused(
    send(message(offer), false),
    { code: 'UNKNOWN_DELEGATION', action: 'IGNORE' },
    'a hash of a delegation never sent',
  )
  // The full delegation must be the one the message names.
  const pb = MessagePb.decode(SignedNegotiationMessage.decode(send(message(offer))).message)
  t.equal(hex(pb.delegationHash), hex(delegationHash(a.delegation)))
  // A delegation to another agent, or one expired.
  const other = party('loc-x')
  const mutual: NegotiationBody = { ...offer, terms: { payer: null, priceMicros: 0n } } as NegotiationBody
  refused(
    signNegotiationMessage(
      message(mutual, { from: peerIdOfAgentKey(other.agent.publicKey) }),
      { signed: a.delegation, full: true },
      other.agent,
    ),
    { name: 'DelegationError', code: 'WRONG_AGENT' },
    "someone else's delegation",
  )
  refused(
    send(message(offer)),
    { name: 'DelegationError', code: 'REVOKED' },
    'a revoked delegation',
    ctx({ isRevoked: () => true }),
  )
  // A delegation held from an earlier message that has expired since.
  const shortLived = delegate(a.owner, a.agent.publicKey, {
    nowMs: now,
    expiresAtMs: now + 3_600_000,
    limits: { maxPriceMicros: 1_000n },
  })
  const held = validateDelegation(shortLived, { atMs: now })
  const later = now + 2 * 3_600_000
  refused(
    signNegotiationMessage(
      message(offer, { issuedAtMs: later, expiresAtMs: later + 60_000 }),
      { signed: shortLived, full: false },
      a.agent,
    ),
    { name: 'DelegationError', code: 'EXPIRED' },
    'a held delegation expired since',
    ctx({ nowMs: later, knownDelegation: (h) => (h === hex(held.hash) ? held : undefined) }),
  )
  // The limits its owner set: a pays at most 1000, may not be paid, states at least 10.
  refused(
    send(message({ ...offer, terms: { payer: A, priceMicros: 1_001n } } as NegotiationBody)),
    { code: 'PRICE_ABOVE_LIMIT' },
    'a bid above the limit',
  )
  refused(
    send(message({ ...offer, terms: { payer: B, priceMicros: 5n } } as NegotiationBody)),
    { code: 'PAYMENT_NOT_ALLOWED' },
    'asking to be paid',
  )
  refused(
    send(message({ ...offer, statedGainMicros: 9n } as NegotiationBody)),
    { code: 'GAIN_BELOW_FLOOR' },
    'a gain below the floor',
  )
})

t.test("an accept carries the sender's signature on the message's own agreement terms", async (t) => {
  const refused = (bytes: Uint8Array, match: Record<string, unknown>, what: string) =>
    t.match(
      thrown(() => validateNegotiationMessage(bytes, ctx())),
      match,
      what,
    )
  const terms = termsOf(a, b, anchor.publicKey)
  terms.a.advertSequence = ADVERT_A
  terms.b.advertSequence = ADVERT_B
  const termsBytes = encodeAgreementTerms(terms)
  const accept = (tb: Uint8Array, signature = signAgreementTerms(tb, a.agent.secretKey), priced = false) =>
    send(
      message({
        kind: 'accept',
        ref: 2,
        terms: priced ? { payer: A, priceMicros: 5n } : { payer: null, priceMicros: 0n },
        agreement: { terms: tb, signature },
      }),
    )
  const ok = validateNegotiationMessage(accept(termsBytes), ctx())
  t.equal(ok.agreement?.senderSide, 'a')
  t.equal(ok.agreement?.terms.b.location, 'loc-b')
  refused(
    accept(termsBytes, signAgreementTerms(termsBytes, b.agent.secretKey)),
    { code: 'BAD_AGREEMENT_SIGNATURE' },
    "the receiver's signature passed off as the sender's",
  )
  refused(
    accept(termsBytes, undefined, true),
    { code: 'AGREEMENT_MISMATCH' },
    'a price in the accept that the terms lack',
  )
  const stale = { ...terms, b: { ...terms.b, advertSequence: ADVERT_B - 1n } }
  refused(accept(encodeAgreementTerms(stale)), { code: 'AGREEMENT_MISMATCH' }, 'terms on other adverts')
  const third = party('loc-c')
  const elsewhere = termsOf(a, third, anchor.publicKey)
  refused(accept(encodeAgreementTerms(elsewhere)), { code: 'AGREEMENT_MISMATCH' }, 'terms with a third agent')
  const otherAnchor = termsOf(a, b, keys().publicKey)
  otherAnchor.a.advertSequence = ADVERT_A
  otherAnchor.b.advertSequence = ADVERT_B
  refused(accept(encodeAgreementTerms(otherAnchor)), { code: 'AGREEMENT_MISMATCH' }, 'another anchor')
})
