/**
 * The matching's wire (/vboom/match/1.0.0) and its session clock: a matching
 * message round-trips through encode and validate; one relayed by another
 * peer than its signer, one of another session, a bilateral kind, a
 * malformed and an oversized one are refused with typed errors. Sessions
 * start at whole strides of the market interval and hold their rounds.
 */
import t from 'tap'
import {
  nextSession,
  roundStartMs,
  sessionNumbered,
  sessionStride,
} from '../../../src/node/market/matching-clock.js'
import type { MatchMessage } from '../../../src/node/market/matching-messages.js'
import { MAX_NEGOTIATION_MESSAGE_BYTES } from '../../../src/protocols/constants.js'
import {
  encodeMatchMessage,
  type MatchValidationContext,
  validateMatchMessage,
} from '../../../src/protocols/match-wire.js'
import {
  newNegotiationNonce,
  peerIdOfAgentKey,
  signNegotiationMessage,
} from '../../../src/protocols/negotiation.js'
import { keys, party, thrown } from '../../protocols/agreement-fixtures.js'

const now = Date.now()
const a = party('loc-a')
const b = party('loc-b')
const A = peerIdOfAgentKey(a.agent.publicKey)
const B = peerIdOfAgentKey(b.agent.publicKey)
const C = peerIdOfAgentKey(keys().publicKey)
const ADVERT_A = 7n
const ADVERT_B = 9n
const END = now + 20_000

const propose: MatchMessage = {
  from: A,
  to: B,
  round: 2,
  seq: 5,
  phase: 1,
  kind: 'propose',
  terms: { payer: null, priceMicros: 0n },
  welfareMicros: 12_345,
}
const encode = (m: MatchMessage = propose, sessionEndMs = END) =>
  encodeMatchMessage(
    m,
    { fromAdvertSeq: ADVERT_A, toAdvertSeq: ADVERT_B, nowMs: now, sessionEndMs },
    { signed: a.delegation, full: true },
    a.agent,
  )
const ctx = (over: Partial<MatchValidationContext> = {}): MatchValidationContext => ({
  nowMs: now,
  self: B,
  remotePeer: A,
  ownAdvertSeqs: [ADVERT_B],
  peerAdvertSeq: ADVERT_A,
  sessionEndMs: END,
  ...over,
})

t.test('a matching message round-trips', async (t) => {
  const v = validateMatchMessage(encode(), ctx())
  t.same(v.message, propose)
})

t.test(
  "a message of the receiver's next session is taken early, flagged so; others stay stale",
  async (t) => {
    const NEXT = END + 30_000
    const early = validateMatchMessage(encode(propose, NEXT), ctx({ nextSessionEndMs: NEXT }))
    t.same(early.message, propose)
    t.equal(early.early, true, 'flagged early: the receiver holds it until that session begins')
    t.equal(
      validateMatchMessage(encode(), ctx({ nextSessionEndMs: NEXT })).early,
      false,
      'the current one is not',
    )
    t.equal(
      validateMatchMessage(encode(propose, NEXT), ctx({ sessionEndMs: null, nextSessionEndMs: NEXT })).early,
      true,
      'between sessions too',
    )
    t.match(
      thrown(() => validateMatchMessage(encode(propose, NEXT + 30_000), ctx({ nextSessionEndMs: NEXT }))),
      {
        name: 'MatchWireError',
        code: 'STALE_SESSION',
      },
    )
    t.match(
      thrown(() => validateMatchMessage(encode(propose, NEXT), ctx())),
      {
        name: 'MatchWireError',
        code: 'STALE_SESSION',
      },
    )
  },
)

t.test('refusals', async (t) => {
  t.match(
    thrown(() => validateMatchMessage(encode(), ctx({ remotePeer: C }))),
    {
      name: 'MatchWireError',
      code: 'WRONG_SENDER',
    },
  )
  t.match(
    thrown(() => validateMatchMessage(encode(propose, END + 1), ctx())),
    {
      name: 'MatchWireError',
      code: 'STALE_SESSION',
    },
  )
  t.match(
    thrown(() => validateMatchMessage(encode(), ctx({ sessionEndMs: null }))),
    {
      name: 'MatchWireError',
      code: 'STALE_SESSION',
    },
  )
  t.match(
    thrown(() => validateMatchMessage(encode(), ctx({ peerAdvertSeq: undefined }))),
    {
      name: 'NegotiationError',
      code: 'ADVERT_NOT_SEEN',
    },
  )
  const offer = signNegotiationMessage(
    {
      from: A,
      to: B,
      round: 0,
      seq: 1,
      phase: 0,
      fromAdvertSeq: ADVERT_A,
      toAdvertSeq: ADVERT_B,
      nonce: newNegotiationNonce(),
      issuedAtMs: now,
      expiresAtMs: END,
      kind: 'offer',
      terms: { payer: null, priceMicros: 0n },
      swapKey: a.swap.publicKey,
      statedGainMicros: 100n,
    },
    { signed: a.delegation, full: true },
    a.agent,
  )
  t.match(
    thrown(() => validateMatchMessage(offer, ctx())),
    { name: 'MatchWireError', code: 'WRONG_KIND' },
  )
  t.match(
    thrown(() => validateMatchMessage(new Uint8Array([0x0a, 0xff, 0xff, 1]), ctx())),
    {
      name: 'NegotiationError',
      code: 'MALFORMED',
    },
  )
  t.match(
    thrown(() => validateMatchMessage(new Uint8Array(MAX_NEGOTIATION_MESSAGE_BYTES + 1), ctx())),
    {
      name: 'NegotiationError',
      code: 'OVERSIZED',
    },
  )
})

t.test('sessions on the wall clock', async (t) => {
  const s = { intervalMs: 5_000, roundMs: 1_000, rounds: 14 }
  t.equal(sessionStride(s), 15_000, 'whole intervals that hold a session')
  t.equal(sessionStride({ ...s, rounds: 5 }), 5_000, 'one interval when a session fits in it')
  const next = nextSession(s, 31_000)
  t.same(next, { k: 3, startMs: 45_000, endMs: 59_000 })
  t.same(nextSession(s, 45_000), next, 'a session starting now is the next one')
  t.equal(roundStartMs(s, next, 1), 45_000)
  t.equal(roundStartMs(s, next, 14), 58_000, 'the last round ends with the session')
  t.same(sessionNumbered(s, 4).startMs, next.endMs + 1_000, 'sessions do not overlap')
})
