/**
 * Runs the decentralized matching in the agent: one MatchingAgent per
 * session (matching.ts, the code bench:market runs in memory), over the
 * libp2p transport, on the wall-clock schedule of matching-clock.ts; the
 * pair it ends in goes to the negotiation, the binding step.
 *
 * At a session's start, a free agent with an advert builds its candidates as
 * bench:market does: the class's adverts (its market view and its own,
 * ordered by VM id so that every agent compiles the same table) ranked in
 * one pass (market-scan.ts), every agent's public top L known from them,
 * and its own list the best K of the partners it accepts (its private
 * decision, delegation limits, reputation, verification: the negotiation
 * service's judge) that rank it within their top L (candidates.ts). A
 * proposer off the list is taken on while within its own top L, as in the
 * benchmark. An agent holding a commitment takes part with no candidates,
 * refusing every proposal at once: an agent that sat out would hold its
 * listers' proposals until their deadlines, session after session.
 *
 * Agents out of step: the session is prepared when it is planned, at the
 * end of the one before (the judge reads this agent's state, which on a
 * slow disk took seconds and made every session start late), and begun on
 * the clock with no I/O. The messages of a session that came before it
 * began here (a peer's clock or timers ahead of ours) are held by the
 * transport and handed over right after the first round is ticked. An
 * agent that begins late (its timers held back by a stalled event loop)
 * enters at the round the clock is in, then takes what was held (what is
 * more than staleAfterRounds old is dropped: its senders have moved on);
 * one that ends a session more than a round late joins the next session
 * to start, on time, rather than one already under way.
 *
 * At the session's end, the pair found is negotiated: the leader, the
 * smaller VM id of the two (the matching's own leader rule), offers; the
 * other side answers with the normal offer checks (its decision, limits,
 * probe, commitment). It does not insist on its matched partner: the
 * negotiation is what binds, an offer that passes those checks is a gain
 * for it whoever makes it, and refusing others would only lose swaps when
 * two views of the market disagree.
 */
import type { Advert } from '../../protocols/advert.js'
import type { Logger } from '../../runtime/log.js'
import { DEFAULT_GRAPH_LIMITS, ownCandidates } from './candidates.js'
import { DEFAULT_MARKET_POLICY, type MarketSide, type PairTerms } from './decision.js'
import { MarketTable } from './market-scan.js'
import {
  DEFAULT_MATCHING_PARAMS,
  evaluatorOf,
  type MatchCandidate,
  MatchingAgent,
  type MatchingParams,
  sessionRounds,
} from './matching.js'
import {
  type MatchSchedule,
  type MatchSession,
  nextSession,
  roundStartMs,
  sessionNumbered,
} from './matching-clock.js'
import type { MatchMessage, MatchTransport } from './matching-messages.js'
import { DEFAULT_UTILITY_MODEL } from './utility.js'

/** This side's verdict on a partner: the public pair when it would pursue it, else why not. */
export type PartnerVerdict =
  | { pursued: true; welfareMicros: number; terms: PairTerms }
  | { pursued: false; why: string }
export type PartnerJudge = (advert: Advert) => PartnerVerdict

/**
 * What a session's candidates were built from (debug log, tests, diagnosis):
 * the adverts seen, this agent's own, and per other VM of the class this
 * side's verdict and whether it ranks this agent within its public top L.
 */
export interface SessionInputs {
  /** Adverts in the market view, and those of them not expired. */
  viewed: number
  fresh: number
  /** The own advert's sequence number, or null without one. */
  ownSeq: string | null
  peers: { peer: string; verdict: string; ranksMe: boolean }[]
}

/**
 * The transport as the driver uses it: bound to one session at a time, and
 * holding what arrives early for the session expected next.
 */
export interface SessionTransport extends MatchTransport {
  expect(next: MatchSession | null): void
  begin(session: MatchSession, receiver: (m: MatchMessage) => void): void
  /** Hands the session begun what was held for it. */
  releaseHeld(): void
  end(): void
}

export interface MatchingDriverInit {
  /** This agent's VM id (its peer id). */
  self: string
  /** The market interval, ms. */
  intervalMs: number
  roundMs: number
  /** After start, how long before the first session: the market view fills from gossip meanwhile, ms. */
  settleMs: number
  params: Pick<MatchingParams, 'pairingRounds' | 'improvementCycles'>
  transport: SessionTransport
  market: { get(vm: string): Advert | undefined; list(): Advert[] }
  ownAdvert: () => Advert | undefined
  /** The class's disk size, bytes: the swap's downtime in the public model. */
  diskBytes: number
  /** This side's judgement as of now; null while it has no advert. */
  judge: () => Promise<PartnerJudge | null>
  /** Whether this agent holds a commitment (a negotiation or an agreement). */
  busy: () => boolean
  /** Negotiates with the partner found; resolves with the swap id agreed, or null. */
  negotiate: (partner: string) => Promise<string | null>
  log: Logger
  now?: () => number
}

/** What `vboom market` shows of the last session. */
export interface MatchingSessionReport {
  session: number
  startedAtMs: number
  endsAtMs: number
  state: 'running' | 'ended' | 'skipped'
  /** Why the session was sat out (skipped), or run refusing every proposal (this agent is committed). */
  why?: string
  rounds: number
  candidates: number
  partner: string | null
  /** Who offers: this side (the smaller VM id of the pair) or the partner. */
  role: 'leader' | 'follower' | null
  welfareMicros: number | null
  sent: number
  received: number
  dropped: number
  /** The leader's negotiation that followed: its outcome, once known. */
  negotiation?: string
}

interface Running {
  session: MatchSession
  agent: MatchingAgent
  report: MatchingSessionReport
}

/** A session this agent took part in: its listed candidates and how it ended (tests, diagnosis). */
export interface SessionRun {
  report: MatchingSessionReport
  candidates: MatchCandidate[]
  inputs: SessionInputs
}

/** Sessions run kept for inspection: the last few are what a diagnosis needs. */
const RUNS_KEPT = 8

export class MatchingDriver {
  private readonly now: () => number
  private readonly params: MatchingParams
  private readonly schedule: MatchSchedule
  private timer: NodeJS.Timeout | undefined
  private running = false
  private current: Running | null = null
  private last: MatchingSessionReport | null = null
  private readonly runs: SessionRun[] = []
  private notBeforeMs = 0

  constructor(private readonly init: MatchingDriverInit) {
    this.now = init.now ?? Date.now
    this.params = { ...DEFAULT_MATCHING_PARAMS, ...init.params }
    this.schedule = { intervalMs: init.intervalMs, roundMs: init.roundMs, rounds: sessionRounds(this.params) }
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.notBeforeMs = this.now() + this.init.settleMs
    this.planNext()
  }

  /** Stops at once: a session under way is left politely (its commitments withdrawn). */
  stop(): void {
    this.running = false
    clearTimeout(this.timer)
    this.init.transport.expect(null)
    const c = this.current
    if (c !== null) {
      c.agent.leave()
      this.close(c)
    }
    this.init.transport.end()
  }

  /** The session under way, or the last one. */
  lastSession(): MatchingSessionReport | null {
    const c = this.current
    if (c !== null) this.refresh(c)
    return this.last === null ? null : { ...this.last }
  }

  /** The last of the kept sessions that paired this agent with a partner, or null. */
  lastPairedSession(): MatchingSessionReport | null {
    const c = this.current
    if (c !== null) this.refresh(c)
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const r = this.runs[i]!.report
      if (r.partner !== null) return { ...r }
    }
    return null
  }

  /** The last sessions this agent took part in, oldest first, with their candidates. */
  sessionRuns(): SessionRun[] {
    const c = this.current
    if (c !== null) this.refresh(c)
    return this.runs.map((r) => ({
      report: { ...r.report },
      candidates: [...r.candidates],
      inputs: r.inputs,
    }))
  }

  /** The session schedule this driver keeps (tests, reports). */
  get sessionSchedule(): MatchSchedule {
    return { ...this.schedule }
  }

  private at(ms: number, fn: () => void): void {
    this.timer = setTimeout(fn, Math.max(0, ms - this.now()))
    this.timer.unref()
  }

  /**
   * Plans the next session: the one after `after` when its start is less
   * than a round away in the past (a session ends where the next may start,
   * and the timer that ends it fires a little late: the round ticks catch
   * up by the clock), else the first to start from now on.
   */
  private planNext(after?: number): void {
    if (!this.running) return
    const from = Math.max(this.now(), this.notBeforeMs)
    const following = after === undefined ? null : sessionNumbered(this.schedule, after + 1)
    const s =
      following !== null && following.startMs >= from - this.schedule.roundMs
        ? following
        : nextSession(this.schedule, from)
    this.init.transport.expect(s)
    const failed = (err: unknown): void => {
      this.init.log.warn({ err, session: s.k }, 'a matching session failed to start')
      this.planNext()
    }
    // A judge that cannot be prepared now is asked again at the start (begin), on the timer.
    this.prepare()
      .catch((err: unknown) => {
        this.init.log.debug({ err, session: s.k }, 'the matching session could not be prepared ahead')
        return null
      })
      .then((judge) => this.at(s.startMs, () => this.begin(s, judge).catch(failed)))
  }

  /**
   * This side's judgement, asked when the session is planned (at the end of
   * the one before): it reads the agent's state from disk, which a throttled
   * disk made take seconds, and the start must not wait on it.
   */
  private async prepare(): Promise<PartnerJudge | null> {
    if (!this.running || this.init.busy()) return null
    return await this.init.judge()
  }

  private skip(s: MatchSession, why: string): void {
    this.last = { ...newReport(s, 'skipped', 0), why }
    this.at(s.endMs, () => this.planNext(s.k))
  }

  private async begin(s: MatchSession, prepared: PartnerJudge | null): Promise<void> {
    if (!this.running) return
    // A committed agent still takes part, with no candidates: it refuses every proposal at once
    // (not-listed), so the agents that list it move on instead of waiting out their proposals.
    // One that was committed when the session was prepared and is free now asks its judge here.
    const busy = this.init.busy()
    const judge: PartnerJudge | null = busy
      ? () => ({ pursued: false, why: 'this agent holds a commitment' })
      : (prepared ?? (await this.init.judge()))
    if (judge === null) return this.skip(s, 'this agent has not published its own advert yet')
    if (!this.running) return
    const { candidates, evaluate, inputs } = this.candidatesOf(judge)
    const agent = new MatchingAgent({
      id: this.init.self,
      candidates,
      evaluator: evaluatorOf(evaluate),
      transport: this.init.transport,
      params: this.params,
    })
    const report = newReport(s, 'running', candidates.length)
    if (busy) report.why = 'this agent holds a commitment: it refuses every proposal'
    const c: Running = { session: s, agent, report }
    this.current = c
    this.last = report
    this.runs.push({ report, candidates, inputs })
    if (this.runs.length > RUNS_KEPT) this.runs.shift()
    this.init.transport.begin(s, (m) => agent.receive(m))
    // The round the clock is in first (round 1 when on time), then what came before the session began
    // here: an accept made before the first tick would count its wait from round 0 and lapse at once.
    this.tickRound(c, 1)
    this.init.transport.releaseHeld()
    // Peers whose clocks or timers run a little ahead begin the next session before this one ends here.
    this.init.transport.expect(sessionNumbered(this.schedule, s.k + 1))
    const lateMs = this.now() - s.startMs
    this.init.log.debug(
      { session: s.k, candidates: candidates.length, lateMs, inputs },
      'matching session started',
    )
  }

  /**
   * Ticks round `round` at its start on the clock. A timer that fires late
   * (a loaded machine) ticks the round the clock is in: the agent's rounds
   * only need to increase.
   */
  private nextRound(c: Running, round: number): void {
    if (round > this.schedule.rounds) {
      this.at(c.session.endMs, () => this.finish(c))
      return
    }
    this.at(roundStartMs(this.schedule, c.session, round), () => {
      if (this.current === c) this.tickRound(c, round)
    })
  }

  /** Ticks `round`, or the later round the clock is in, and plans the next. */
  private tickRound(c: Running, round: number): void {
    const byClock = Math.floor((this.now() - c.session.startMs) / this.schedule.roundMs) + 1
    const r = Math.min(this.schedule.rounds, Math.max(round, byClock))
    c.agent.tick(r)
    c.report.rounds = r
    this.nextRound(c, r + 1)
  }

  private refresh(c: Running): void {
    const stats = c.agent.stats()
    c.report.sent = c.agent.sentTotal()
    c.report.received = stats.received
    c.report.dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0)
  }

  private close(c: Running): MatchingSessionReport {
    this.refresh(c)
    this.current = null
    this.init.transport.end()
    c.report.state = 'ended'
    return c.report
  }

  private finish(c: Running): void {
    if (this.current !== c) return
    const result = c.agent.result()
    const report = this.close(c)
    this.planNext(c.session.k)
    if (result === null) {
      this.init.log.info(
        { session: c.session.k, sent: report.sent },
        'matching session ended with no partner',
      )
      return
    }
    const leader = this.init.self < result.partner
    report.partner = result.partner
    report.role = leader ? 'leader' : 'follower'
    report.welfareMicros = result.welfareMicros
    this.init.log.info(
      { session: c.session.k, partner: result.partner, leader, sent: report.sent },
      'matching session ended paired',
    )
    if (!leader) {
      report.negotiation = 'the partner (the smaller VM id) offers'
      return
    }
    report.negotiation = 'under way'
    this.init
      .negotiate(result.partner)
      .then((swapId) => {
        report.negotiation =
          swapId === null ? 'no agreement (vboom market shows the outcome)' : `agreed swap ${swapId}`
      })
      .catch((err: unknown) => {
        report.negotiation = `failed: ${(err as Error).message}`
        this.init.log.warn(
          { err, partner: result.partner },
          'the negotiation with the matched partner failed',
        )
      })
  }

  /**
   * The agent's listed candidates and its verdict on proposers (as
   * bench:market): the best K it accepts among the agents that rank it
   * within their public top L; proposers within its own top L accepted.
   */
  private candidatesOf(judge: PartnerJudge): {
    candidates: MatchCandidate[]
    evaluate: (peer: string) => MatchCandidate | null
    inputs: SessionInputs
  } {
    const self = this.init.self
    const now = this.now()
    const own = this.init.ownAdvert()
    const byVm = new Map<string, Advert>()
    const viewed = this.init.market.list()
    for (const a of viewed) if (a.expiresAtMs > now) byVm.set(a.vm, a)
    const inputs: SessionInputs = {
      viewed: viewed.length,
      fresh: byVm.size,
      ownSeq: own === undefined ? null : own.sequence.toString(),
      peers: [],
    }
    if (own !== undefined) byVm.set(self, own)
    const adverts = [...byVm.values()].sort((x, y) => (x.vm < y.vm ? -1 : x.vm > y.vm ? 1 : 0))
    const index = new Map(adverts.map((a, i) => [a.vm, i]))
    const sides: MarketSide[] = adverts.map((a) => ({
      vm: a.vm,
      profile: a.profile,
      needs: a.needs,
      askMicros: a.askMicros,
    }))
    const limits = DEFAULT_GRAPH_LIMITS
    const table = new MarketTable(sides, this.init.diskBytes, DEFAULT_UTILITY_MODEL, DEFAULT_MARKET_POLICY)
    const publicTop = table.rankAll(limits.reach).public
    const me = index.get(self)
    const ranksMe = (peer: string): boolean => {
      const j = index.get(peer)
      return me !== undefined && j !== undefined && publicTop.has(j, me)
    }
    const ranking: MatchCandidate[] = []
    for (const a of adverts) {
      if (a.vm === self) continue
      const p = judge(a)
      inputs.peers.push({ peer: a.vm, verdict: p.pursued ? 'pursued' : p.why, ranksMe: ranksMe(a.vm) })
      if (p.pursued) ranking.push({ peer: a.vm, welfareMicros: p.welfareMicros, terms: p.terms })
    }
    ranking.sort((x, y) => y.welfareMicros - x.welfareMicros || (x.peer < y.peer ? -1 : 1))
    const ownTop = new Map(ranking.slice(0, limits.reach).map((c) => [c.peer, c]))
    return {
      candidates: ownCandidates(ranking, ranksMe, limits),
      inputs,
      evaluate: (peer) => {
        if (!ownTop.has(peer)) return null
        // Judged again now: the agent may have committed since the session began.
        const advert = this.init.market.get(peer)
        const p = advert === undefined ? null : judge(advert)
        return p?.pursued ? { peer, welfareMicros: p.welfareMicros, terms: p.terms } : null
      },
    }
  }
}

/** A session's report before anything happened in it. */
function newReport(
  s: MatchSession,
  state: MatchingSessionReport['state'],
  candidates: number,
): MatchingSessionReport {
  return {
    session: s.k,
    startedAtMs: s.startMs,
    endsAtMs: s.endMs,
    state,
    rounds: 0,
    candidates,
    partner: null,
    role: null,
    welfareMicros: null,
    sent: 0,
    received: 0,
    dropped: 0,
  }
}
