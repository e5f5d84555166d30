/**
 * The agent's negotiation service over /vboom/negotiate/1.0.0: one signed
 * negotiation message (src/protocols/negotiation.ts) per request, one signed
 * answer per response, over the stream layer's request/response (rpc.ts).
 *
 * The exchange, the initiator being side a of the agreement:
 *   a -> b  offer (terms, a's swap key, a's stated gain)
 *   b -> a  accept carrying the full agreement terms and b's signature, or
 *           counter (other terms), or reject;
 *   after a counter: a -> b accept with the terms and a's signature,
 *                    b -> a accept with b's signature (b registered it);
 *   after an accept: a registers the agreement, a -> b accept with a's
 *                    signature, b -> a accept (b holds the agreement too).
 * Whoever completes the signatures registers the agreement at the anchor; the
 * other side registers the same bytes on confirmation, the anchor's
 * SWAP_EXISTS telling it the swap is on record.
 *
 * Each agent holds at most one commitment (commitment.ts); a partner that
 * falls silent frees it at the negotiation timeout, and costs reputation. The
 * partner is probed (src/node/probe/) before this side accepts, when the
 * policy asks. Every message is validated by the protocol's pure validator;
 * refusals are counted by class and code and never answered (the stream is
 * reset).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import { Counter, type Registry } from 'prom-client'
import { type Advert, RESOURCE_NAMES, type ResourceName } from '../../protocols/advert.js'
import {
  type AgreementParty,
  type AgreementTerms,
  assembleAgreement,
  decodeAgreementTerms,
  encodeAgreementTerms,
  peerIdOfKey,
  readAgreement,
  type Side,
  type SwapAgreement,
  sideOf,
  signAgreementTerms,
  validateAgreement,
} from '../../protocols/agreement.js'
import { MAX_NEGOTIATION_MESSAGE_BYTES, NEGOTIATE_PROTOCOL } from '../../protocols/constants.js'
import type { VerifiedDelegation } from '../../protocols/delegation.js'
import { VBoomError } from '../../protocols/errors.js'
import type { InstanceClass } from '../../protocols/ledger-action.js'
import {
  type NegotiationBody,
  type NegotiationMessage,
  newNegotiationNonce,
  signNegotiationMessage,
  type ValidatedNegotiation,
  validateNegotiationMessage,
  type WireTerms,
} from '../../protocols/negotiation.js'
import { handleRpc, rpcCall, unhandleRpc } from '../../protocols/rpc.js'
import { generateSecretKey, publicKeyOf } from '../../protocols/signing.js'
import { StreamErrorCode } from '../../protocols/stream/index.js'
import type { Logger } from '../../runtime/log.js'
import type { VerifiedBenchmark } from '../../runtime/sandbox/index.js'
import { AnchorLedgerClient, AnchorRequestError } from '../anchor-client.js'
import {
  DEFAULT_MARKET_POLICY,
  type Decision,
  decide,
  type MarketPolicy,
  type MarketSide,
  type PairTerms,
  publicPair,
  type SelfState,
  sameTerms,
} from '../market/decision.js'
import type { MatchingSessionReport, PartnerJudge } from '../market/matching-driver.js'
import type { ProbeRecord } from '../market/reputation.js'
import { advertisedLink, DEFAULT_UTILITY_MODEL, type UtilityModel } from '../market/utility.js'
import type { BandwidthSink } from '../probe/bandwidth-sink.js'
import { ProbeClient } from '../probe/probe-client.js'
import {
  type AgreementStore,
  type AgreementView,
  agreementView,
  type StoredAgreement,
} from './agreement-store.js'
import { Commitment, type Held } from './commitment.js'
import { NegotiationServiceError, NegotiationServiceErrorCode } from './errors.js'
import { PeerLedger } from './peer-ledger.js'
import { type MarketConfig, marketPolicyOf, privateModelOf } from './policy.js'
import type { PersistentReputation } from './reputation-store.js'
import { RevocationCheck } from './revocation-check.js'

/** Inbound negotiation streams per connection: one exchange at a time is the norm, a few overlap. */
const NEGOTIATE_STREAMS = 8
/** The rpc deadline of an answer that needs no probe or registration: a local decision. */
const QUICK_ANSWER_MS = 30_000
/** What the answering side keeps of the offer's deadline for its reply after probing the offering side, ms. */
const RESPONDER_PROBE_MARGIN_MS = 15_000
/** Interval jitter: each wait is interval x (1 + JITTER x u), u uniform in [-1, 1], so agents do not move in step. */
const JITTER = 0.2
/**
 * How long the responder waits, after its last answer is handed to the rpc
 * layer, before it tells the agent the agreement is in force: the answer (a
 * few KiB on an open stream) must leave the host before the agent may reboot
 * it into the stateless swapper. Milliseconds suffice on an idle machine;
 * 2 s covers a loaded one's scheduling and the stream's close.
 */
export const RESPONDER_GRACE_MS = 2_000

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

export interface NegotiationServiceInit {
  node: Libp2p
  /** The agent's raw Ed25519 key pair: signs messages and agreements. */
  agent: { secretKey: Uint8Array; publicKey: Uint8Array }
  delegation: VerifiedDelegation
  config: MarketConfig
  instanceClass: InstanceClass
  location: string
  /** The anchor that registers agreements. */
  anchor: { key: Uint8Array; addrs: Multiaddr[] }
  /** The adverts of the class, and this agent's own. */
  market: { get(vm: string): Advert | undefined; list(): Advert[] }
  ownAdvert: () => Advert | undefined
  /** The sequences of this agent's adverts published since a time (ms since the epoch), oldest first. */
  ownAdvertSequencesSince: (sinceMs: number) => bigint[]
  /** When this VM last swapped (its lifecycle history). */
  lastSwapAtMs: () => Promise<number | undefined>
  reputation: PersistentReputation
  agreements: AgreementStore
  /** The anchor's benchmarks a probe runs, and this agent's bandwidth sink; null when it cannot probe. */
  probe: { benchmarks: () => readonly VerifiedBenchmark[]; sink: BandwidthSink } | null
  metrics: Registry
  log: Logger
  now?: () => number
  /**
   * Told when an agreement is in force on this side, once this side's part
   * of the exchange is over (the initiator after its last call, the
   * responder RESPONDER_GRACE_MS after its last answer), or when the agent
   * adopted one the partner registered for it (the anchor's open agreement).
   */
  onAgreed?: (stored: StoredAgreement, cause: 'agreed' | 'adopted') => void
  /** Whether the VM's history shows swap `swapId` ended: its agreement is no longer held. */
  swapSettled?: (swapId: string) => Promise<boolean>
  /** How this agent's matching chose `partner` ("matching session <k>"), kept with the agreement; undefined when it did not. */
  pairedBy?: (partner: string) => string | undefined
}

/** A candidate partner as `vboom market` shows it. */
export interface CandidateReport {
  peer: string
  location: string
  askMicros: string
  /** This side's utility of the swap, micro-credits over the horizon (public model). */
  selfUtilityMicros: number | null
  /** The partner's utility, as this agent computes it from the adverts (public model). */
  partnerUtilityMicros: number | null
  terms: { payer: 'self' | 'partner' | null; priceMicros: string } | null
  reputation: number
  pursued: boolean
  /** Why it is pursued or not, one line. */
  why: string
  /** The last negotiation with it, when there was one. */
  last?: string
}

export interface MarketReport {
  enabled: boolean
  commitment: Held | null
  policy: Record<string, unknown>
  candidates: CandidateReport[]
  counters: { outcomes: Record<string, number>; refused: Record<string, number> }
  /** The matching's session under way or last (the agent adds it; absent with the matching off). */
  matching?: MatchingSessionReport | null
  /** The matching's last session that paired this agent (the agent adds it; absent with the matching off). */
  matchingPaired?: MatchingSessionReport | null
}

/** What this side offered or signed in a negotiation in progress. */
interface Pending {
  peer: string
  terms: PairTerms
  swapSecretKey: Uint8Array
  statedGainMicros: bigint
  fromAdvertSeq: bigint
  toAdvertSeq: bigint
  /** The agreement terms this side signed, once it did. */
  termsBytes?: Uint8Array
  signature?: Uint8Array
}

interface Evaluated {
  advert: Advert
  pair: ReturnType<typeof publicPair>
  decision: Decision | null
  report: CandidateReport
}

export class NegotiationService {
  private readonly now: () => number
  private readonly policy: MarketPolicy
  private readonly model: UtilityModel
  private readonly commitment: Commitment
  private readonly peers: PeerLedger
  private readonly pending = new Map<string, Pending>()
  private readonly lastOutcome = new Map<string, string>()
  private readonly outcomes: Counter<'outcome'>
  private readonly refused: Counter<'reason'>
  private readonly probeClient: ProbeClient | null
  private readonly ledger: AnchorLedgerClient
  private readonly revocations: RevocationCheck
  private timer?: NodeJS.Timeout
  /** Responder graces pending (RESPONDER_GRACE_MS): cleared on stop. */
  private readonly graces = new Set<NodeJS.Timeout>()
  /** Open agreements at the anchor this agent cannot take part in (no swap key): reported once each. */
  private readonly unheld = new Set<string>()
  private running = false
  private lastSeq = 0

  constructor(private readonly init: NegotiationServiceInit) {
    this.now = init.now ?? Date.now
    this.policy = marketPolicyOf(init.config)
    this.model = privateModelOf(init.config)
    this.commitment = new Commitment(this.now, (h) => this.lapsed(h))
    this.peers = new PeerLedger(this.now)
    this.outcomes = new Counter({
      name: 'vboom_negotiation_outcomes_total',
      help: 'Negotiations this agent took part in, by how they ended',
      labelNames: ['outcome'],
      registers: [init.metrics],
    })
    this.refused = new Counter({
      name: 'vboom_negotiation_refused_total',
      help: 'Negotiation messages refused, by error class and code (forged, altered, replayed, expired, ...)',
      labelNames: ['reason'],
      registers: [init.metrics],
    })
    this.probeClient =
      init.probe === null
        ? null
        : new ProbeClient({
            node: init.node,
            reputation: init.reputation,
            sink: init.probe.sink,
            metrics: init.metrics,
            now: this.now,
          })
    this.ledger = new AnchorLedgerClient({
      node: init.node,
      anchor: init.anchor.addrs,
      anchorKey: init.anchor.key,
    })
    this.revocations = new RevocationCheck({
      status: (signed) => this.ledger.delegationStatus(signed),
      now: () => this.now(),
      onUnknown: (err) =>
        init.log.debug(
          { code: (err as VBoomError).code },
          'the anchor did not say whether a partner delegation is revoked; registration will check it',
        ),
    })
  }

  /**
   * True when the anchor says the delegation `v` came under is revoked: the
   * message is then refused, counted as a refusal, and the partner gets nothing signed.
   */
  private async revokedPartner(v: ValidatedNegotiation): Promise<boolean> {
    const d = v.delegation
    if ((await this.revocations.verdict(d.signed, hex(d.hash))) !== 'revoked') return false
    this.refused.inc({ reason: `NegotiationServiceError.${NegotiationServiceErrorCode.REVOKED_DELEGATION}` })
    this.init.log.info({ peer: v.message.from }, 'negotiation refused: the partner delegation is revoked')
    return true
  }

  private get self(): string {
    return this.init.node.peerId.toString()
  }

  async start(): Promise<void> {
    const agreed = await this.inForce()
    // An agreement in force survives a restart: the agent stays committed to it.
    if (agreed !== null) this.commitment.agree(agreed.partner, agreed.swapId, agreed.expiresAtMs)
    await handleRpc(this.init.node, NEGOTIATE_PROTOCOL, (req, peer) => this.answer(req, peer), {
      maxRequestBytes: MAX_NEGOTIATION_MESSAGE_BYTES,
      timeoutMs: this.init.config.negotiationTimeoutMs,
      maxInboundStreams: NEGOTIATE_STREAMS,
      onStreamError: (err) => this.init.log.debug({ code: err.code }, 'negotiation stream failed'),
    })
    this.running = true
    // An agreement the partner registered while this agent was down (or missed the confirmation of);
    // not awaited: an anchor out of reach must not hold the agent's start.
    if (agreed === null)
      void this.adopt().catch((err: unknown) =>
        this.init.log.info(
          { code: (err as VBoomError).code },
          'could not ask the anchor for an open agreement; the market rounds ask again',
        ),
      )
    this.schedule()
  }

  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    for (const g of this.graces) clearTimeout(g)
    this.graces.clear()
    await unhandleRpc(this.init.node, NEGOTIATE_PROTOCOL).catch(() => {})
    await this.init.reputation.flush()
  }

  private schedule(): void {
    if (!this.running || !this.init.config.enabled) return
    const wait = this.init.config.intervalMs * (1 + JITTER * (2 * Math.random() - 1))
    this.timer = setTimeout(() => {
      this.tick()
        .catch((err) => this.init.log.warn({ err }, 'market round failed'))
        .finally(() => this.schedule())
    }, wait)
    this.timer.unref()
  }

  /**
   * One market round: an agreement the partner registered for us is adopted;
   * then, with the matching off, the best candidate this side accepts, if it
   * is free, gets an offer (pairwise greedy).
   */
  async tick(): Promise<void> {
    if (this.commitment.current() !== null) return
    // One anchor call per round while free: an agreement registered for us without our confirmation.
    // An anchor that cannot answer now does not stop the round (registering needs it, and will say so).
    const adopted = await this.adopt().catch((err: unknown) => {
      this.init.log.debug(
        { code: (err as VBoomError).code },
        'could not ask the anchor for an open agreement',
      )
      return null
    })
    if (adopted !== null) return
    // With the matching on, its sessions choose the partner (matching-driver.ts); this round only adopts.
    if (this.init.config.matching.enabled) return
    const best = (await this.evaluate()).find((e) => e.report.pursued)
    if (best !== undefined) await this.negotiateWith(best.advert.vm)
  }

  // ---- evaluation

  /**
   * This side's judgement of partners for the matching, as of now: the
   * public pair with `advert` (welfare, terms) when this side would pursue
   * it (evaluateOne: its decision, its delegation's limits, the partner's
   * estimated verdict, verification, and this agent free), else null. Null
   * while this agent has no advert of its own.
   */
  async judge(): Promise<PartnerJudge | null> {
    const self = await this.selfState()
    if (self === null) return null
    return (advert) => {
      const now = this.now()
      if (advert.vm === this.self) return { pursued: false, why: 'not pursued: this agent itself' }
      if (advert.expiresAtMs <= now) return { pursued: false, why: 'not pursued: its advert expired' }
      const e = this.evaluateOne(self, advert, now)
      if (!e.report.pursued || e.pair === null) return { pursued: false, why: e.report.why }
      return { pursued: true, welfareMicros: e.pair.welfareMicros, terms: e.pair.terms }
    }
  }

  /** The own adverts an offer may name: every one published within a negotiation's lifetime, and the current one. */
  private ownSeqs(): bigint[] {
    const seqs = this.init.ownAdvertSequencesSince(this.now() - this.init.config.negotiationTimeoutMs)
    const own = this.init.ownAdvert()
    if (own !== undefined && !seqs.includes(own.sequence)) seqs.push(own.sequence)
    return seqs
  }

  private async selfState(): Promise<SelfState | null> {
    const own = this.init.ownAdvert()
    if (own === undefined) return null
    const s: SelfState = { vm: own.vm, profile: own.profile, needs: own.needs, askMicros: own.askMicros }
    const last = await this.init.lastSwapAtMs()
    if (last !== undefined) s.lastSwapAtMs = last
    return s
  }

  private sideOf(a: Advert): MarketSide & { reputation: number } {
    return {
      vm: a.vm,
      profile: a.profile,
      needs: a.needs,
      askMicros: a.askMicros,
      reputation: this.init.reputation.score(a.vm),
    }
  }

  /** Every candidate of the market, best first, with its utilities and why it is or is not pursued. */
  private async evaluate(): Promise<Evaluated[]> {
    const self = await this.selfState()
    const now = this.now()
    const out: Evaluated[] = []
    for (const advert of this.init.market.list()) {
      if (advert.vm === this.self || advert.expiresAtMs <= now) continue
      out.push(this.evaluateOne(self, advert, now))
    }
    const welfare = (e: Evaluated): number => e.pair?.welfareMicros ?? Number.NEGATIVE_INFINITY
    return out.sort((x, y) => welfare(y) - welfare(x))
  }

  private evaluateOne(self: SelfState | null, advert: Advert, now: number): Evaluated {
    const partner = this.sideOf(advert)
    const report: CandidateReport = {
      peer: advert.vm,
      location: advert.location,
      askMicros: advert.askMicros.toString(),
      selfUtilityMicros: null,
      partnerUtilityMicros: null,
      terms: null,
      reputation: partner.reputation,
      pursued: false,
      why: '',
    }
    const last = this.lastOutcome.get(advert.vm)
    if (last !== undefined) report.last = last
    const done = (
      why: string,
      pair: Evaluated['pair'] = null,
      decision: Decision | null = null,
    ): Evaluated => {
      report.why = why
      return { advert, pair, decision, report }
    }
    if (self === null) return done('not pursued: this agent has not published its own advert yet')
    const link = advertisedLink(Number(this.init.instanceClass.diskBytes), self.profile, advert.profile)
    const pair = publicPair(self, partner, link, DEFAULT_UTILITY_MODEL)
    if (pair === null) return done('not pursued: no terms make the swap a gain for both sides (public model)')
    report.selfUtilityMicros = Math.round(pair.aMicros)
    report.partnerUtilityMicros = Math.round(pair.bMicros)
    report.terms = this.termsView(pair.terms)
    const decision = decide(self, partner, pair.terms, link, now, this.model, this.policy)
    if (!decision.accept) return done(`not pursued: this side refuses (${decision.reason})`, pair, decision)
    const limit = this.limitRefusal(pair.terms, decision.netMicros)
    if (limit !== null) return done(`not pursued: ${limit}`, pair, decision)
    // The partner's own verdict, estimated with the public model and default policy.
    const theirs = decide(
      { ...partner },
      { ...self, reputation: 0 },
      pair.terms,
      link,
      now,
      DEFAULT_UTILITY_MODEL,
      DEFAULT_MARKET_POLICY,
    )
    if (!theirs.accept)
      return done(`not pursued: the partner would refuse (${theirs.reason})`, pair, decision)
    if (this.init.config.requireVerification && advert.attestations.length === 0)
      return done(
        'not pursued: policy requires verification and its advert carries no anchor attestation',
        pair,
        decision,
      )
    const held = this.commitment.current()
    if (held !== null)
      return done(`not pursued now: committed to ${held.peer} (${held.phase})`, pair, decision)
    report.pursued = true
    return done(`pursued: both sides gain (${this.describeTerms(pair.terms)})`, pair, decision)
  }

  /** Why the delegation does not allow these terms, or null when it does. */
  private limitRefusal(terms: PairTerms, netMicros: number): string | null {
    const l = this.init.delegation.limits
    if (terms.payer === this.self && terms.priceMicros > l.maxPriceMicros)
      return `the price ${terms.priceMicros} is above the delegation's limit ${l.maxPriceMicros}`
    if (terms.payer !== null && terms.payer !== this.self && !l.mayAcceptPayment)
      return 'the delegation does not allow this VM to be paid'
    if (BigInt(Math.max(0, Math.floor(netMicros))) < l.minGainMicros)
      return `the net gain ${Math.floor(netMicros)} is below the delegation's floor ${l.minGainMicros}`
    return null
  }

  private termsView(t: PairTerms): CandidateReport['terms'] {
    return {
      payer: t.payer === null ? null : t.payer === this.self ? 'self' : 'partner',
      priceMicros: t.priceMicros.toString(),
    }
  }

  private describeTerms(t: PairTerms): string {
    if (t.payer === null) return 'mutual gain, no price'
    return t.payer === this.self ? `this side pays ${t.priceMicros}` : `the partner pays ${t.priceMicros}`
  }

  /** What `vboom market` shows. */
  async report(): Promise<MarketReport> {
    const c = this.init.config
    return {
      enabled: c.enabled,
      commitment: this.commitment.current(),
      policy: {
        minGainFraction: c.minGainFraction,
        horizonMs: c.horizonMs,
        maxPriceMicros: c.maxPriceMicros,
        requireVerification: c.requireVerification,
        requireProbe: c.requireProbe,
        cooldownMs: c.cooldownMs,
        negotiationTimeoutMs: c.negotiationTimeoutMs,
      },
      candidates: (await this.evaluate()).map((e) => e.report),
      counters: { outcomes: await byLabel(this.outcomes), refused: await byLabel(this.refused) },
    }
  }

  /** What `vboom agreements` shows, oldest first. */
  async agreements(): Promise<AgreementView[]> {
    const now = this.now()
    return (await this.init.agreements.list()).map((a) => agreementView(a, now))
  }

  /** The agreement held now, with its swap secret key (for the lifecycle); none once its swap ended. */
  async agreementInForce(): Promise<StoredAgreement | null> {
    return await this.inForce()
  }

  private async inForce(): Promise<StoredAgreement | null> {
    const a = await this.init.agreements.inForce(this.now())
    if (a === null || (await this.init.swapSettled?.(a.swapId)) === true) return null
    return a
  }

  /** A peer's reputation here: its score and recent outcomes (probes passed and failed, negotiations abandoned). */
  reputationOf(peer: string): { score: number; history: ProbeRecord[] } {
    return { score: this.init.reputation.score(peer), history: this.init.reputation.history(peer) }
  }

  /** The commitment held now. */
  held(): Held | null {
    return this.commitment.current()
  }

  // ---- messages

  private nextSeq(): number {
    // Strictly increasing across restarts too: a receiver keeps our last sequence number.
    this.lastSeq = Math.max(this.lastSeq + 1, this.now() * 1000)
    return this.lastSeq
  }

  /**
   * Signs a message bound to the two adverts a negotiation rests on (the
   * ones its offer named: the agreement terms carry them too), however the
   * adverts moved on since.
   */
  private sign(to: string, binding: { from: bigint; to: bigint }, body: NegotiationBody): Uint8Array {
    const now = this.now()
    const m = {
      from: this.self,
      to,
      round: 0,
      seq: this.nextSeq(),
      phase: 0,
      fromAdvertSeq: binding.from,
      toAdvertSeq: binding.to,
      nonce: newNegotiationNonce(),
      issuedAtMs: now,
      expiresAtMs: now + this.init.config.negotiationTimeoutMs,
      ...body,
    } as NegotiationMessage
    return signNegotiationMessage(m, { signed: this.init.delegation.signed, full: true }, this.init.agent)
  }

  /** Validates a message from `from`; counts and rethrows a refusal. */
  private validate(data: Uint8Array, from: string): ValidatedNegotiation {
    try {
      const peer = this.peers.get(from)
      // Within a negotiation, its messages stay bound to the adverts its offer named.
      const pending = this.pending.get(from)
      const v = validateNegotiationMessage(data, {
        nowMs: this.now(),
        self: this.self,
        ownAdvertSeqs: pending === undefined ? this.ownSeqs() : [...this.ownSeqs(), pending.fromAdvertSeq],
        peerAdvertSeq: pending?.toAdvertSeq ?? this.init.market.get(from)?.sequence,
        lastSeq: peer.lastSeq,
        seenNonce: (n) => peer.seen(n),
        anchorKey: this.init.anchor.key,
      })
      // Rule: the signer is the peer at the other end of the stream.
      if (v.message.from !== from)
        throw new NegotiationServiceError(
          'WRONG_SENDER',
          `a message signed by ${v.message.from} came from ${from}`,
        )
      this.peers.accept(from, v.message.seq, hex(v.message.nonce), v.message.expiresAtMs)
      return v
    } catch (err) {
      if (err instanceof VBoomError) this.refused.inc({ reason: `${err.name}.${err.code}` })
      this.init.log.info({ peer: from, code: (err as VBoomError).code }, 'negotiation message refused')
      throw err
    }
  }

  /** Sends `body` to the partner of `p` and returns its validated answer. */
  private async call(p: Pending, body: NegotiationBody, timeoutMs: number): Promise<ValidatedNegotiation> {
    const peer = p.peer
    const res = await rpcCall(
      this.init.node,
      peerIdFromString(peer),
      NEGOTIATE_PROTOCOL,
      this.sign(peer, { from: p.fromAdvertSeq, to: p.toAdvertSeq }, body),
      {
        maxResponseBytes: MAX_NEGOTIATION_MESSAGE_BYTES,
        timeoutMs,
      },
    )
    return this.validate(res, peer)
  }

  /** The answer to `m`, bound to the adverts it named. */
  private reply(m: NegotiationMessage, body: NegotiationBody): Uint8Array {
    return this.sign(m.from, { from: m.toAdvertSeq, to: m.fromAdvertSeq }, body)
  }

  // ---- the initiator

  /**
   * Negotiates with `peer` now: takes the commitment, probes the partner when
   * the policy asks, offers the public terms and follows the exchange to an
   * agreement or its end. Resolves with the swap id agreed, or null.
   */
  async negotiateWith(peer: string): Promise<string | null> {
    const advert = this.init.market.get(peer)
    const self = await this.selfState()
    if (advert === undefined || self === null) return this.end(peer, 'no-advert', null)
    const e = this.evaluateOne(self, advert, this.now())
    if (e.pair === null || e.decision === null || !e.decision.accept || !e.report.pursued)
      return this.end(peer, 'not-pursued', null, e.report.why)
    const decision = e.decision
    // The initiator's exchange may take a probe, the offer and a counter round: the calls'
    // own deadlines end it first, so the slot's deadline is only a backstop.
    if (!this.commitment.take(peer, this.now() + 3 * this.init.config.negotiationTimeoutMs))
      return this.end(peer, 'busy', null)
    try {
      if (decision.needsProbe && !(await this.probeOk(advert))) {
        this.commitment.release(peer)
        return this.end(peer, 'probe-failed', null)
      }
      const swapSecretKey = generateSecretKey()
      const pending: Pending = {
        peer,
        terms: e.pair.terms,
        swapSecretKey,
        statedGainMicros: BigInt(Math.max(0, Math.floor(decision.netMicros))),
        fromAdvertSeq: this.init.ownAdvert()!.sequence,
        toAdvertSeq: advert.sequence,
      }
      this.pending.set(peer, pending)
      const answer = await this.call(
        pending,
        {
          kind: 'offer',
          terms: e.pair.terms,
          swapKey: publicKeyOf(swapSecretKey),
          statedGainMicros: pending.statedGainMicros,
        },
        this.init.config.negotiationTimeoutMs,
      )
      return await this.followAnswer(pending, answer)
    } catch (err) {
      this.pending.delete(peer)
      this.commitment.release(peer)
      const code = (err as VBoomError).code
      // A partner that does not answer in time abandoned the negotiation: it costs it a little.
      // A reset is a refusal (a message it could not accept, e.g. on an advert it just replaced), not silence.
      if (code === StreamErrorCode.TIMEOUT)
        this.init.reputation.record(peer, {
          atMs: this.now(),
          verdict: 'no-answer',
          detail: `negotiation ${code}`,
        })
      return this.end(peer, 'failed', null, `${(err as Error).name} ${code ?? ''}: ${(err as Error).message}`)
    }
  }

  private async followAnswer(pending: Pending, v: ValidatedNegotiation): Promise<string | null> {
    const m = v.message
    const peer = pending.peer
    if (m.kind === 'reject') {
      this.pending.delete(peer)
      this.commitment.release(peer)
      return this.end(peer, 'rejected', null, `rejected by the partner (${m.reason})`)
    }
    if (pending.termsBytes === undefined && (await this.revokedPartner(v)))
      throw new NegotiationServiceError(
        'REVOKED_DELEGATION',
        `the partner's delegation is revoked at the anchor; this side signs nothing under it`,
      )
    if (m.kind === 'counter') {
      const advert = this.init.market.get(peer)
      const self = await this.selfState()
      if (advert === undefined || self === null)
        throw new NegotiationServiceError('NO_PARTNER_ADVERT', 'the partner advert is gone')
      const link = advertisedLink(Number(this.init.instanceClass.diskBytes), self.profile, advert.profile)
      const d = decide(self, this.sideOf(advert), m.terms, link, this.now(), this.model, this.policy)
      if (!d.accept || this.limitRefusal(m.terms, d.netMicros) !== null) {
        await this.call(
          pending,
          { kind: 'reject', ref: m.seq, reason: 'unacceptable' },
          QUICK_ANSWER_MS,
        ).catch(() => {})
        this.pending.delete(peer)
        this.commitment.release(peer)
        return this.end(
          peer,
          'rejected',
          null,
          `the counter is unacceptable here (${d.accept ? 'delegation limits' : d.reason})`,
        )
      }
      pending.terms = m.terms
      pending.statedGainMicros = BigInt(Math.max(0, Math.floor(d.netMicros)))
      const terms = this.termsFor('a', pending, {
        location: advert.location,
        agentKey: v.delegation.agentKey,
        ownerKey: v.delegation.ownerKey,
        swapKey: m.swapKey,
        advertSequence: m.fromAdvertSeq,
        delegation: v.delegation.signed,
        statedGainMicros: m.statedGainMicros,
      })
      await this.signTerms(pending, encodeAgreementTerms(terms), terms.expiresAtMs)
      const confirm = await this.call(
        pending,
        {
          kind: 'accept',
          ref: m.seq,
          terms: m.terms,
          agreement: { terms: pending.termsBytes!, signature: pending.signature! },
        },
        this.init.config.negotiationTimeoutMs,
      )
      if (confirm.message.kind !== 'accept' || confirm.agreement === undefined)
        return this.followAnswer(pending, confirm)
      // The partner's confirmation was the exchange's last message.
      const stored = await this.finish(pending, confirm, 'finalize')
      this.agreed(stored)
      return stored.swapId
    }
    if (m.kind === 'accept' && v.agreement !== undefined) {
      const stored = await this.finish(pending, v, 'complete')
      // Our half to the partner, which holds the agreement on it.
      const ack = await this.call(
        pending,
        {
          kind: 'accept',
          ref: m.seq,
          terms: m.terms,
          agreement: { terms: pending.termsBytes!, signature: pending.signature! },
        },
        QUICK_ANSWER_MS,
      ).catch((err: unknown) => {
        this.init.log.warn(
          { peer, code: (err as VBoomError).code },
          'the partner did not confirm a registered agreement',
        )
        return null
      })
      if (ack !== null && ack.message.kind !== 'accept')
        this.init.log.warn(
          { peer, kind: ack.message.kind },
          'the partner answered a registered agreement otherwise',
        )
      // Our confirmation was sent (answered or not): a partner that missed it adopts the agreement from the anchor.
      this.agreed(stored)
      return stored.swapId
    }
    throw new NegotiationServiceError('UNEXPECTED_ANSWER', `the partner answered an offer with ${m.kind}`)
  }

  // ---- the responder

  private async answer(req: Uint8Array, remote: PeerId): Promise<Uint8Array> {
    const v = this.validate(req, remote.toString())
    const m = v.message
    switch (m.kind) {
      case 'offer':
        return await this.onOffer(v)
      case 'accept':
        return await this.onAccept(v)
      case 'reject': {
        // The initiator turned our counter down: the negotiation is over.
        this.pending.delete(m.from)
        this.commitment.release(m.from)
        this.end(m.from, 'rejected', null, `rejected by the partner (${m.reason})`)
        return this.reply(m, { kind: 'reject', ref: m.seq, reason: 'stale' })
      }
      default:
        // Counters come as answers, and the matching's kinds are not served here.
        return this.reply(m, { kind: 'reject', ref: m.seq, reason: 'stale' })
    }
  }

  private async onOffer(v: ValidatedNegotiation): Promise<Uint8Array> {
    const m = v.message
    if (m.kind !== 'offer') throw new NegotiationServiceError('UNEXPECTED_ANSWER', 'not an offer')
    const peer = m.from
    if (!this.init.config.enabled)
      return this.reply(m, { kind: 'reject', ref: m.seq, reason: 'unacceptable' })
    // At most one commitment: taken before anything is awaited, so concurrent offers cannot both pass.
    if (!this.commitment.take(peer, this.now() + this.init.config.negotiationTimeoutMs)) {
      this.outcomes.inc({ outcome: 'busy' })
      return this.reply(m, { kind: 'reject', ref: m.seq, reason: 'unacceptable' })
    }
    const refuse = (reason: 'unacceptable' | 'probe-failed', why: string): Uint8Array => {
      this.commitment.release(peer)
      this.end(peer, 'rejected', null, why)
      return this.reply(m, { kind: 'reject', ref: m.seq, reason })
    }
    const advert = this.init.market.get(peer)
    if (advert === undefined)
      return refuse('unacceptable', "the partner's advert is no longer in the market view")
    if (await this.revokedPartner(v))
      return refuse('unacceptable', "the partner's delegation is revoked at the anchor")
    const self = await this.selfState()
    if (self === null) return refuse('unacceptable', 'no own advert yet')
    if (this.init.config.requireVerification && advert.attestations.length === 0)
      return refuse(
        'unacceptable',
        'policy requires verification and the partner advert carries no attestation',
      )
    const link = advertisedLink(Number(this.init.instanceClass.diskBytes), self.profile, advert.profile)
    const partner = this.sideOf(advert)
    let terms: WireTerms = m.terms
    let d = decide(self, partner, terms, link, this.now(), this.model, this.policy)
    let counter = false
    if (!d.accept || this.limitRefusal(terms, d.netMicros) !== null) {
      // The public terms from this side's view, when they differ and this side takes them.
      const pair = publicPair(self, partner, link, DEFAULT_UTILITY_MODEL)
      if (pair === null || sameTerms(pair.terms, terms))
        return refuse('unacceptable', `offer refused (${d.accept ? 'delegation limits' : d.reason})`)
      const c = decide(self, partner, pair.terms, link, this.now(), this.model, this.policy)
      if (!c.accept || this.limitRefusal(pair.terms, c.netMicros) !== null)
        return refuse('unacceptable', `offer refused (${d.accept ? 'delegation limits' : d.reason})`)
      terms = pair.terms
      d = c
      counter = true
    }
    if (!d.accept) return refuse('unacceptable', 'offer refused')
    // The offering side waits negotiationTimeoutMs for this answer: the probe (two exchanges when a
    // shortfall is checked again, and the waits for a busy partner) ends in time for a refusal to
    // reach it, or its wait would end in a timeout it charges to this honest side.
    const probeBudget = AbortSignal.timeout(
      Math.max(1_000, this.init.config.negotiationTimeoutMs - RESPONDER_PROBE_MARGIN_MS),
    )
    if (d.needsProbe && !(await this.probeOk(advert, probeBudget)))
      return refuse('probe-failed', 'the probe of the partner failed')
    const swapSecretKey = generateSecretKey()
    const pending: Pending = {
      peer,
      terms,
      swapSecretKey,
      statedGainMicros: BigInt(Math.max(0, Math.floor(d.netMicros))),
      fromAdvertSeq: m.toAdvertSeq,
      toAdvertSeq: m.fromAdvertSeq,
    }
    this.pending.set(peer, pending)
    if (counter)
      return this.reply(m, {
        kind: 'counter',
        ref: m.seq,
        terms,
        swapKey: publicKeyOf(swapSecretKey),
        statedGainMicros: pending.statedGainMicros,
      })
    const agreementTerms = this.termsFor('b', pending, {
      location: advert.location,
      agentKey: v.delegation.agentKey,
      ownerKey: v.delegation.ownerKey,
      swapKey: m.swapKey,
      advertSequence: m.fromAdvertSeq,
      delegation: v.delegation.signed,
      statedGainMicros: m.statedGainMicros,
    })
    await this.signTerms(pending, encodeAgreementTerms(agreementTerms), agreementTerms.expiresAtMs)
    return this.reply(m, {
      kind: 'accept',
      ref: m.seq,
      terms,
      agreement: { terms: pending.termsBytes!, signature: pending.signature! },
    })
  }

  private async onAccept(v: ValidatedNegotiation): Promise<Uint8Array> {
    const m = v.message
    if (m.kind !== 'accept') throw new NegotiationServiceError('UNEXPECTED_ANSWER', 'not an accept')
    const pending = this.pending.get(m.from)
    if (pending === undefined || v.agreement === undefined || !this.commitment.negotiatingWith(m.from))
      return this.reply(m, { kind: 'reject', ref: m.seq, reason: 'stale' })
    if (pending.termsBytes !== undefined) {
      // The initiator's signature on the terms we signed: it registered them.
      this.agreedAfterAnswer(await this.finish(pending, v, 'finalize'))
      return this.reply(m, { kind: 'accept', ref: m.seq, terms: m.terms })
    }
    // The initiator accepted our counter and signed first: we complete and register.
    this.agreedAfterAnswer(await this.finish(pending, v, 'complete'))
    return this.reply(m, {
      kind: 'accept',
      ref: m.seq,
      terms: m.terms,
      agreement: { terms: pending.termsBytes!, signature: pending.signature! },
    })
  }

  // ---- agreements

  /** The agreement terms with this side as `side`: its own party from what it offered, the partner's as given. */
  private termsFor(side: Side, p: Pending, partner: AgreementParty): AgreementTerms {
    const ours: AgreementParty = {
      location: this.init.location,
      agentKey: this.init.agent.publicKey,
      ownerKey: this.init.delegation.ownerKey,
      swapKey: publicKeyOf(p.swapSecretKey),
      advertSequence: p.fromAdvertSeq,
      delegation: this.init.delegation.signed,
      statedGainMicros: p.statedGainMicros,
    }
    const now = this.now()
    return {
      a: side === 'a' ? ours : partner,
      b: side === 'a' ? partner : ours,
      instanceClass: this.init.instanceClass,
      priceMicros: p.terms.priceMicros,
      payer: p.terms.payer === null ? null : p.terms.payer === this.self ? side : side === 'a' ? 'b' : 'a',
      issuedAtMs: now,
      expiresAtMs: now + this.init.config.agreementTtlMs,
      anchorKey: this.init.anchor.key,
    }
  }

  /**
   * The partner's half of an agreement. 'complete': terms this side has not
   * signed yet: checked against what it offered, signed, assembled and
   * registered. 'finalize': the other signature on the terms this side
   * signed: assembled and confirmed at the anchor. Either way stored and
   * held as this agent's commitment. Returns the stored record.
   */
  private async finish(
    p: Pending,
    v: ValidatedNegotiation,
    mode: 'complete' | 'finalize',
  ): Promise<StoredAgreement> {
    const half = v.message.kind === 'accept' ? v.message.agreement : undefined
    if (half === undefined || v.agreement === undefined)
      throw new NegotiationServiceError('UNEXPECTED_ANSWER', 'an accept without the agreement terms')
    const partnerSide = v.agreement.senderSide
    const ourSide: Side = partnerSide === 'a' ? 'b' : 'a'
    if (mode === 'finalize') {
      if (p.termsBytes === undefined || !same(half.terms, p.termsBytes))
        throw new NegotiationServiceError(
          'TERMS_CHANGED',
          'the partner signed other terms than this side did',
        )
    } else {
      const terms = decodeAgreementTerms(half.terms)
      this.checkOurParty(terms, ourSide, p)
      await this.signTerms(p, half.terms, terms.expiresAtMs)
    }
    const signatures = { [ourSide]: p.signature!, [partnerSide]: half.signature } as Record<Side, Uint8Array>
    const signed = assembleAgreement(p.termsBytes!, signatures)
    const agreement = validateAgreement(signed, {
      nowMs: this.now(),
      anchorKey: this.init.anchor.key,
      instanceClass: this.init.instanceClass,
    })
    const swapId = hex(agreement.swapId)
    let seq: bigint | null = null
    try {
      seq = (await this.ledger.registerAgreement(signed)).seq
    } catch (err) {
      // The partner registered it first: the anchor has it on record.
      if (!(err instanceof AnchorRequestError && err.code === 'SWAP_EXISTS')) throw err
    }
    const stored = await this.hold(agreement, ourSide, p.peer, p.swapSecretKey)
    this.pending.delete(p.peer)
    this.end(
      p.peer,
      'agreed',
      swapId,
      `agreed swap ${swapId}${seq === null ? '' : ` (ledger entry #${seq})`}`,
    )
    return stored
  }

  /** Stores a registered agreement with this side's swap secret key and holds it as the commitment. */
  private async hold(
    t: SwapAgreement,
    ourSide: Side,
    partner: string,
    swapSecretKey: Uint8Array,
  ): Promise<StoredAgreement> {
    const partnerSide: Side = ourSide === 'a' ? 'b' : 'a'
    const swapId = hex(t.swapId)
    const stored: StoredAgreement = {
      swapId,
      role: ourSide,
      partner,
      location: t[ourSide].location,
      partnerLocation: t[partnerSide].location,
      priceMicros: t.priceMicros.toString(),
      payer: t.payer === null ? null : t.payer === ourSide ? 'self' : 'partner',
      statedGainMicros: t[ourSide].statedGainMicros.toString(),
      issuedAtMs: t.issuedAtMs,
      expiresAtMs: t.expiresAtMs,
      registeredAtMs: this.now(),
      signed: hex(t.signed),
      swapSecretKey: hex(swapSecretKey),
    }
    const chosenBy = this.init.pairedBy?.(partner)
    if (chosenBy !== undefined) stored.chosenBy = chosenBy
    await this.init.agreements.put(stored)
    this.commitment.agree(partner, swapId, t.expiresAtMs)
    return stored
  }

  /** Signs agreement terms as this side, keeping the swap key durably until they expire (adopt() may need it). */
  private async signTerms(p: Pending, termsBytes: Uint8Array, expiresAtMs: number): Promise<void> {
    await this.init.agreements.keepSignedKey(
      {
        publicKey: hex(publicKeyOf(p.swapSecretKey)),
        secretKey: hex(p.swapSecretKey),
        partner: p.peer,
        expiresAtMs,
      },
      this.now(),
    )
    p.termsBytes = termsBytes
    p.signature = signAgreementTerms(termsBytes, this.init.agent.secretKey)
  }

  /** Tells the agent the agreement is in force (this side's part of the exchange is over). */
  private agreed(stored: StoredAgreement, cause: 'agreed' | 'adopted' = 'agreed'): void {
    try {
      this.init.onAgreed?.(stored, cause)
    } catch (err) {
      this.init.log.error({ err, swapId: stored.swapId }, 'the agreement hook failed')
    }
  }

  /** The responder's hook: after its answer left (RESPONDER_GRACE_MS), unless the service stopped. */
  private agreedAfterAnswer(stored: StoredAgreement): void {
    const g = setTimeout(() => {
      this.graces.delete(g)
      if (this.running) this.agreed(stored)
    }, RESPONDER_GRACE_MS)
    this.graces.add(g)
  }

  /**
   * Whether the anchor still holds swap `swapId` open for this agent (agreed,
   * neither committed, aborted nor expired): false when it answers otherwise,
   * null when it cannot be asked now.
   */
  async openAtAnchor(swapId: string): Promise<boolean | null> {
    try {
      const bytes = await this.ledger.openAgreement(this.init.agent.publicKey)
      if (bytes === null) return false
      return hex(readAgreement(bytes).swapId) === swapId
    } catch (err) {
      this.init.log.info(
        { swapId, code: (err as VBoomError).code },
        'could not ask the anchor whether the swap is still open',
      )
      return null
    }
  }

  /**
   * The anchor resolved swap `swapId` without this side (its partner aborted
   * it): the agreement is kept as 'resolved', no longer held, and the agent
   * is free to trade again.
   */
  async dropResolved(swapId: string): Promise<void> {
    const a = await this.init.agreements.get(swapId)
    if (a === null || a.resolvedAtMs !== undefined) return
    await this.init.agreements.put({ ...a, resolvedAtMs: this.now() })
    this.commitment.releaseAgreement(swapId)
    this.end(
      a.partner,
      'resolved-elsewhere',
      swapId,
      `swap ${swapId} was resolved at the anchor without this side`,
    )
  }

  /**
   * Adopts the agreement the anchor holds open for this agent when this agent
   * does not hold it: its partner registered it and the confirmation never
   * arrived. Only an agent that signed the terms holds its swap secret key
   * (signTerms kept it); one that did not cannot take part: it says so once,
   * and the swap aborts at the coordinator's decision timeout on the other
   * side, both disks intact. Returns the adopted record, or null.
   */
  async adopt(): Promise<StoredAgreement | null> {
    const bytes = await this.ledger.openAgreement(this.init.agent.publicKey)
    if (bytes === null) return null
    let agreement: SwapAgreement
    try {
      agreement = validateAgreement(bytes, {
        nowMs: this.now(),
        anchorKey: this.init.anchor.key,
        instanceClass: this.init.instanceClass,
      })
    } catch (err) {
      if (!(err instanceof VBoomError)) throw err
      this.refused.inc({ reason: `${err.name}.${err.code}` })
      this.init.log.warn({ code: err.code }, 'the anchor answered an open agreement that does not validate')
      return null
    }
    const swapId = hex(agreement.swapId)
    const side = sideOf(agreement, this.init.agent.publicKey)
    // Rule: the agreement names this agent by its agent key (sideOf matches swap keys too).
    if (side === null || !same(agreement[side].agentKey, this.init.agent.publicKey)) {
      this.refused.inc({ reason: 'NegotiationServiceError.NOT_A_PARTY' })
      return null
    }
    if ((await this.init.agreements.get(swapId)) !== null) return null
    if ((await this.init.swapSettled?.(swapId)) === true) return null
    const partnerSide: Side = side === 'a' ? 'b' : 'a'
    const partner = peerIdOfKey(agreement[partnerSide].agentKey).toString()
    const key = await this.init.agreements.signedKey(hex(agreement[side].swapKey))
    if (key === null) {
      if (!this.unheld.has(swapId)) {
        this.unheld.add(swapId)
        this.outcomes.inc({ outcome: 'unheld-swap-key' })
        this.init.log.warn(
          { swapId, partner },
          'the anchor holds an agreement naming this VM whose swap key this agent does not hold (it never signed those terms, or lost the key): it cannot take part; the swap aborts at the coordinator decision timeout with both disks intact',
        )
      }
      return null
    }
    this.pending.delete(partner)
    const stored = await this.hold(
      agreement,
      side,
      partner,
      new Uint8Array(Buffer.from(key.secretKey, 'hex')),
    )
    this.end(partner, 'agreed', swapId, `adopted swap ${swapId} from the anchor (the partner registered it)`)
    this.agreed(stored, 'adopted')
    return stored
  }

  /** Terms the partner wrote: this side's party must be exactly what it offered. */
  private checkOurParty(t: AgreementTerms, side: Side, p: Pending): void {
    const ours = t[side]
    const wrong = (what: string): never => {
      throw new NegotiationServiceError('TERMS_CHANGED', `the partner's agreement terms change ${what}`)
    }
    if (ours.location !== this.init.location) wrong('this side’s location')
    if (!same(ours.ownerKey, this.init.delegation.ownerKey)) wrong('this side’s owner')
    if (!same(ours.delegation, this.init.delegation.signed)) wrong('this side’s delegation')
    if (!same(ours.swapKey, publicKeyOf(p.swapSecretKey))) wrong('this side’s swap key')
    if (ours.statedGainMicros !== p.statedGainMicros) wrong('this side’s stated gain')
    const payer = t.payer === null ? null : t.payer === side ? this.self : p.peer
    if (payer !== p.terms.payer || t.priceMicros !== p.terms.priceMicros) wrong('the price')
    const c = this.init.instanceClass
    if (
      t.instanceClass.vcpus !== c.vcpus ||
      t.instanceClass.memoryBytes !== c.memoryBytes ||
      t.instanceClass.diskBytes !== c.diskBytes
    )
      wrong('the instance class')
    if (t.expiresAtMs - t.issuedAtMs > this.init.config.agreementTtlMs)
      wrong('the lifetime (longer than this side allows)')
    const partnerAdvert = this.init.market.get(p.peer)
    if (partnerAdvert === undefined || t[side === 'a' ? 'b' : 'a'].location !== partnerAdvert.location)
      wrong('the partner’s location (not the one it advertises)')
  }

  // ---- probes and outcomes

  /** Probes the partner's claims on the resources this side weighs; false on any failure. */
  private async probeOk(advert: Advert, signal?: AbortSignal): Promise<boolean> {
    const probe = this.init.probe
    if (probe === null || this.probeClient === null) return false
    const needs = this.init.ownAdvert()?.needs ?? {}
    const names = new Map<string, ResourceName>(
      Object.entries(RESOURCE_NAMES).map(([n, r]) => [String(r), n as ResourceName]),
    )
    const benchmarks = probe.benchmarks().filter((b) => {
      const name = names.get(String(b.manifest.resource))
      return name !== undefined && (needs[name] ?? 0) > 0 && advert.profile[name] !== undefined
    })
    if (benchmarks.length === 0) {
      this.init.log.info(
        { peer: advert.vm },
        'no benchmark of the resources weighed: the partner cannot be probed',
      )
      return false
    }
    const peer = peerIdFromString(advert.vm)
    const outcome = await this.probeClient.probe(peer, peer, benchmarks, advert.profile, signal)
    this.init.log.info(
      { peer: advert.vm, verdict: outcome.verdict, code: outcome.code, notNow: outcome.notNow === true },
      'partner probed',
    )
    return outcome.ok
  }

  /** A negotiating commitment lapsed: the partner fell silent. */
  private lapsed(h: Held): void {
    this.pending.delete(h.peer)
    this.init.reputation.record(h.peer, {
      atMs: this.now(),
      verdict: 'no-answer',
      detail: 'negotiation abandoned',
    })
    this.end(h.peer, 'timeout', null, 'the partner fell silent; the commitment lapsed')
  }

  private end(peer: string, outcome: string, swapId: string | null, why?: string): string | null {
    this.outcomes.inc({ outcome })
    this.lastOutcome.set(peer, why === undefined ? outcome : `${outcome}: ${why}`)
    this.init.log.info({ peer, outcome, swapId, why }, 'negotiation ended')
    return swapId
  }
}

async function byLabel(c: Counter<string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const v of (await c.get()).values) {
    const label = Object.values(v.labels)[0]
    if (label !== undefined) out[String(label)] = v.value
  }
  return out
}
