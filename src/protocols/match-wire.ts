/**
 * The decentralized matching's wire (/vboom/match/1.0.0): one-way frames,
 * each one signed NegotiationMessage of a matching kind (propose, accept,
 * reject, withdraw, pair; phases 1 and 2), the schema of negotiation.proto.
 * So a matching message is authenticated, bound to both adverts, carries the
 * sender's delegation and keeps to its limits exactly as a bilateral one;
 * validateNegotiationMessage checks all of that, and the rules below add
 * what the matching needs on top:
 *
 *   - the sender is the peer at the other end of the stream (libp2p's
 *     connection is authenticated: a message relayed by another peer is
 *     refused, WRONG_SENDER);
 *   - the message belongs to the receiver's session: it expires exactly at
 *     the session's end (the sender sets expiresAtMs so), so a message of
 *     an earlier session, or of another schedule, is refused (STALE_SESSION);
 *   - only the matching's kinds travel here (WRONG_KIND: an offer, a
 *     counter, or a reject for a failed probe, which the matching has not).
 *
 * No answer is sent for a frame, and none is needed: the matching tolerates
 * lost messages (its round deadlines recover from them).
 */

import { MAX_NEGOTIATION_MESSAGE_BYTES } from './constants.js'
import { ValidationError } from './errors.js'
import {
  asMatchMessage,
  type DelegationToSend,
  type MatchWireMessage,
  type NegotiationMessage,
  newNegotiationNonce,
  peerIdOfAgentKey,
  signNegotiationMessage,
  type ValidatedNegotiation,
  validateNegotiationMessage,
} from './negotiation.js'
import { NegotiationMessage as NegotiationMessagePb, SignedNegotiationMessage } from './proto/negotiation.js'
import { type Bytes, ED25519_PUBLIC_KEY_BYTES } from './signing.js'

export const MatchWireErrorCode = {
  /** The signer is not the peer the stream comes from. */
  WRONG_SENDER: 'WRONG_SENDER',
  /** The message expires at another time than the receiver's session ends: another session. */
  STALE_SESSION: 'STALE_SESSION',
  /** A bilateral kind (offer, counter, probe-failed reject) sent on the matching's protocol. */
  WRONG_KIND: 'WRONG_KIND',
} as const
export type MatchWireErrorCode = (typeof MatchWireErrorCode)[keyof typeof MatchWireErrorCode]

export class MatchWireError extends ValidationError {
  constructor(code: MatchWireErrorCode, message: string) {
    super(code === 'STALE_SESSION' ? 'IGNORE' : 'REJECT', code, message)
    this.name = 'MatchWireError'
  }
}

/** What binds a matching message: the two adverts it rests on and the session it belongs to. */
export interface MatchBinding {
  /** The sender's advert in force. */
  fromAdvertSeq: bigint
  /** The receiver's advert in the sender's market view. */
  toAdvertSeq: bigint
  /** The message's issue time, ms since the epoch. */
  nowMs: number
  /** The end of the session the message belongs to: its expiry. */
  sessionEndMs: number
}

/** Signs matching message `m` (its `from` the agent's peer id) for the wire. */
export function encodeMatchMessage(
  m: MatchWireMessage,
  binding: MatchBinding,
  delegation: DelegationToSend,
  agent: { secretKey: Uint8Array; publicKey: Uint8Array },
): Bytes {
  const full = {
    ...m,
    fromAdvertSeq: binding.fromAdvertSeq,
    toAdvertSeq: binding.toAdvertSeq,
    nonce: newNegotiationNonce(),
    issuedAtMs: binding.nowMs,
    expiresAtMs: binding.sessionEndMs,
  } as NegotiationMessage
  return signNegotiationMessage(full, delegation, agent)
}

export interface MatchValidationContext {
  nowMs: number
  /** Our agent's peer id. */
  self: string
  /** The peer id at the other end of the stream. */
  remotePeer: string
  /** Sequences of our adverts the sender may still name (those published during the session, and the current one). */
  ownAdvertSeqs: readonly bigint[]
  /** The sender's advert sequence in our market view; undefined when it has none in our class. */
  peerAdvertSeq: bigint | undefined
  /** The sender's advert the one in our view replaced during the session, still accepted. */
  peerReplacedAdvertSeq?: bigint
  /** The end of our current session, ms since the epoch; null between sessions. */
  sessionEndMs: number | null
  /**
   * The end of our next session, ms since the epoch, when its messages are
   * taken early (a sender whose clock or timers run ahead of ours); null or
   * absent: only the current session's are.
   */
  nextSessionEndMs?: number | null
}

export interface ValidatedMatch {
  message: MatchWireMessage
  validated: ValidatedNegotiation
  /** The message belongs to our next session, not the current one: the receiver holds it until then. */
  early: boolean
}

/**
 * Decodes and validates one frame of the matching protocol. Throws
 * NegotiationError, DelegationError or MatchWireError on a broken rule.
 */
export function validateMatchMessage(data: Uint8Array, ctx: MatchValidationContext): ValidatedMatch {
  // Rule: the signer is the peer at the other end of the stream; read first, so that a relayed
  // message is refused as such (not for the adverts it names, which are the signer's).
  if (data.length <= MAX_NEGOTIATION_MESSAGE_BYTES) {
    let fromKey: Uint8Array | undefined
    try {
      fromKey = NegotiationMessagePb.decode(SignedNegotiationMessage.decode(data).message).from
    } catch {
      // The full validator below names the malformation.
    }
    if (fromKey !== undefined && fromKey.length === ED25519_PUBLIC_KEY_BYTES) {
      const from = peerIdOfAgentKey(fromKey)
      if (from !== ctx.remotePeer)
        throw new MatchWireError('WRONG_SENDER', `a message signed by ${from} came from ${ctx.remotePeer}`)
    }
  }
  const v = validateNegotiationMessage(data, {
    nowMs: ctx.nowMs,
    self: ctx.self,
    ownAdvertSeqs: ctx.ownAdvertSeqs,
    peerAdvertSeq: ctx.peerAdvertSeq,
    peerReplacedAdvertSeq: ctx.peerReplacedAdvertSeq,
  })
  const m = v.message
  // Rule: the signer is the peer at the other end of the stream.
  if (m.from !== ctx.remotePeer)
    throw new MatchWireError('WRONG_SENDER', `a message signed by ${m.from} came from ${ctx.remotePeer}`)
  // Rule: the message belongs to our session (it expires when the session ends), or to the next
  // one when the receiver takes those early.
  const early =
    m.expiresAtMs !== ctx.sessionEndMs &&
    ctx.nextSessionEndMs != null &&
    m.expiresAtMs === ctx.nextSessionEndMs
  if (m.expiresAtMs !== ctx.sessionEndMs && !early)
    throw new MatchWireError(
      'STALE_SESSION',
      `the message belongs to a session ending at ${m.expiresAtMs}; ${ctx.sessionEndMs === null ? 'no session runs here now' : `ours ends at ${ctx.sessionEndMs}`}`,
    )
  // Rule: the matching's kinds only.
  const match = asMatchMessage(m)
  if (match === null)
    throw new MatchWireError('WRONG_KIND', `a ${m.kind} in phase ${m.phase} is not a matching message`)
  return { message: match, validated: v, early }
}
