/**
 * Ranking a whole class market in one pass: what an agent computes from the
 * adverts of its class (thousands of them) to pick its market-graph edges
 * (candidates.ts) — every agent's public top-L partners, and its own top
 * partners among those it privately accepts.
 *
 * The sides are compiled once into flat typed arrays (n x R log-medians,
 * standard errors, weights; bit masks of the weighed and of the evaluable
 * resources), and a pair costs one loop over the R resources computing both
 * directions at once, with no allocation: the terms come back as a small
 * code, the two utilities in two fields. The numbers are exactly those of
 * fastPublicPair (pair-table.ts) and so of decision.ts publicPair
 * (test/node/market/market-scan.test.ts holds them equal), since the same
 * floating-point operations run in the same order.
 *
 * Early rejection, cheapest test first: a pair with a resource weighed by
 * one side and unevaluable on either (two mask tests); a pair whose welfare
 * is under twice the margin (no terms can exist: mutual terms need each
 * side over the margin, priced ones move money between them); a pair whose
 * welfare cannot enter the top list of either side (kept lists are min-heaps,
 * so their floor is one read). The square roots of the confidence bounds are
 * skipped when even the mean gains (an upper bound on the lower confidence
 * bounds) fail those tests. On the benchmark's markets this evaluates the
 * 50 million pairs of 10,000 VMs in seconds (bench:market prints the time).
 */
import { RESOURCE_NAMES, type ResourceName } from '../../protocols/advert.js'
import {
  DEFAULT_MARKET_POLICY,
  type MarketPolicy,
  type MarketSide,
  MUTUAL,
  type PairTerms,
} from './decision.js'
import type { FastPair } from './pair-table.js'
import { LOWER_IS_BETTER, logMedian, type UtilityModel, valueOverHorizon } from './utility.js'

const NAMES = Object.keys(RESOURCE_NAMES) as ResourceName[]
const R = NAMES.length

/** The pair has no terms (no swap possible on the public view). */
export const NO_TERMS = 0
/** Mutual terms: both gain over the margin, no money moves. */
export const MUTUAL_TERMS = 1
/** The first side (the scan's `i`) pays the second's ask. */
export const FIRST_PAYS = 2
/** The second side pays the first's ask. */
export const SECOND_PAYS = 3
export type TermsCode = 0 | 1 | 2 | 3

/**
 * A side's private verdict on a pair, asked only for pairs that could enter
 * its own list: `ownMicros` is its public utility, `priceMicros` the money it
 * receives (positive) or pays (negative) under the public terms.
 */
export type PrivateAccept = (self: number, peer: number, ownMicros: number, priceMicros: number) => boolean

/** Bounded best-first lists of partners per side: min-heaps of (welfare, peer) in flat arrays. */
export class TopLists {
  readonly limit: number
  private readonly peers: Int32Array
  private readonly welfare: Float64Array
  private readonly sizes: Int32Array

  constructor(n: number, limit: number) {
    this.limit = limit
    this.peers = new Int32Array(n * limit)
    this.welfare = new Float64Array(n * limit)
    this.sizes = new Int32Array(n)
  }

  /** The weakest welfare that can still enter side i's list (-Infinity while it has room). */
  floor(i: number): number {
    return this.sizes[i]! < this.limit ? Number.NEGATIVE_INFINITY : this.welfare[i * this.limit]!
  }

  /** Offers partner `peer` at welfare `w` to side i's list (ties: the smaller peer index ranks first). */
  offer(i: number, peer: number, w: number): void {
    const base = i * this.limit
    const size = this.sizes[i]!
    const P = this.peers
    const W = this.welfare
    if (size < this.limit) {
      // Sift up from the new leaf: the root holds the worst entry.
      let k = size
      while (k > 0) {
        const parent = (k - 1) >> 1
        const pw = W[base + parent]!
        if (pw < w || (pw === w && P[base + parent]! > peer)) break
        W[base + k] = pw
        P[base + k] = P[base + parent]!
        k = parent
      }
      W[base + k] = w
      P[base + k] = peer
      this.sizes[i] = size + 1
      return
    }
    const rw = W[base]!
    if (w < rw || (w === rw && peer > P[base]!)) return
    let k = 0
    for (;;) {
      const left = 2 * k + 1
      if (left >= size) break
      let c = left
      const right = left + 1
      if (right < size) {
        const lw = W[base + left]!
        const rgw = W[base + right]!
        if (rgw < lw || (rgw === lw && P[base + right]! > P[base + left]!)) c = right
      }
      const cw = W[base + c]!
      if (w < cw || (w === cw && peer > P[base + c]!)) break
      W[base + k] = cw
      P[base + k] = P[base + c]!
      k = c
    }
    W[base + k] = w
    P[base + k] = peer
  }

  /** Side i's partners, best first. */
  list(i: number): { peer: number; welfareMicros: number }[] {
    const base = i * this.limit
    const out: { peer: number; welfareMicros: number }[] = []
    for (let k = 0; k < this.sizes[i]!; k++) {
      out.push({ peer: this.peers[base + k]!, welfareMicros: this.welfare[base + k]! })
    }
    return out.sort((x, y) => y.welfareMicros - x.welfareMicros || x.peer - y.peer)
  }

  /** Whether `peer` is in side i's list. */
  has(i: number, peer: number): boolean {
    const base = i * this.limit
    for (let k = 0; k < this.sizes[i]!; k++) if (this.peers[base + k] === peer) return true
    return false
  }
}

/** The rankings of a whole market. */
export interface MarketRankings {
  /** Every side's top `reach` partners by public welfare, among the pairs with terms. */
  public: TopLists
  /** Every side's top `reach` among the partners it privately accepts (when a verdict was given). */
  own: TopLists | null
  /** Pairs evaluated in full (past the mask and mean tests). */
  evaluated: number
}

/** A class market compiled for fast pair evaluation. */
export class MarketTable {
  readonly n: number
  readonly sides: readonly MarketSide[]
  /** Utilities of the last pair evaluate() was asked about, micro-credits (first side, second side). */
  firstMicros = 0
  secondMicros = 0
  private readonly weight: Float64Array
  private readonly log: Float64Array
  private readonly se: Float64Array
  private readonly needMask: Int32Array
  private readonly okMask: Int32Array
  private readonly netMbit: Float64Array
  private readonly ask: Float64Array
  /** Whether the side's ask can be paid on the public view (0 < ask <= the public price cap). */
  private readonly askPayable: Uint8Array
  private readonly maxLogRatio: number
  private readonly z: number
  private readonly value: number
  private readonly margin: number
  /**
   * Twice the margin, less a rounding allowance: priced terms give each side at least the margin
   * after the price, so the two utilities sum to at least twice it, up to a few ulps.
   */
  private readonly termsFloor: number
  private readonly deltaBytes: number
  private readonly model: UtilityModel

  constructor(
    sides: readonly MarketSide[],
    diskBytes: number,
    model: UtilityModel,
    publicPolicy: Pick<MarketPolicy, 'minGainFraction' | 'maxPriceMicros'> = DEFAULT_MARKET_POLICY,
  ) {
    const n = sides.length
    this.n = n
    this.sides = sides
    this.model = model
    this.weight = new Float64Array(n * R)
    this.log = new Float64Array(n * R)
    this.se = new Float64Array(n * R)
    this.needMask = new Int32Array(n)
    this.okMask = new Int32Array(n)
    this.netMbit = new Float64Array(n)
    this.ask = new Float64Array(n)
    this.askPayable = new Uint8Array(n)
    // As compileSide (pair-table.ts): the same numbers, laid out flat.
    for (let i = 0; i < n; i++) {
      const side = sides[i]!
      for (let r = 0; r < R; r++) {
        const name = NAMES[r]!
        const w = Math.max(0, side.needs[name] ?? 0)
        this.weight[i * R + r] = w
        if (w > 0) this.needMask[i]! |= 1 << r
        const m = logMedian(side.profile[name], model)
        if (typeof m === 'string') continue
        this.okMask[i]! |= 1 << r
        this.log[i * R + r] = LOWER_IS_BETTER[name] ? -m.log : m.log
        this.se[i * R + r] = m.se
      }
      this.netMbit[i] = side.profile.netBw?.median ?? 0
      this.ask[i] = Number(side.askMicros)
      this.askPayable[i] = side.askMicros > 0n && side.askMicros <= publicPolicy.maxPriceMicros ? 1 : 0
    }
    this.maxLogRatio = model.maxLogRatio
    this.z = model.confidenceZ
    this.value = valueOverHorizon(model.referenceValueMicrosPerHour, model)
    this.margin = publicPolicy.minGainFraction * this.value
    this.termsFloor = 2 * this.margin * (1 - 1e-9)
    this.deltaBytes = diskBytes * model.deltaFraction
  }

  /** Downtime cost of a swap between i and j, fraction of value (as fastPublicPair). */
  private cost(i: number, j: number): number {
    const a = this.netMbit[i]!
    const b = this.netMbit[j]!
    const rate = (Math.min(a, b) * 1e6) / 8
    const transferMs = rate > 0 ? (this.deltaBytes / rate) * 1000 : Number.POSITIVE_INFINITY
    return (this.model.rebootOverheadMs + transferMs) / this.model.horizonMs
  }

  /** Whether every resource either side weighs is evaluable on both. */
  private evaluable(i: number, j: number): boolean {
    const both = this.okMask[i]! & this.okMask[j]!
    return ((this.needMask[i]! | this.needMask[j]!) & ~both) === 0
  }

  /**
   * The public pair of sides i and j (i first): its terms code, with both
   * utilities left in firstMicros and secondMicros. Pairs whose welfare is
   * under `atLeast` may be cut short (NO_TERMS, utilities undefined).
   */
  evaluate(i: number, j: number, atLeast = Number.NEGATIVE_INFINITY): TermsCode {
    if (!this.evaluable(i, j)) return NO_TERMS
    const max = this.maxLogRatio
    const W = this.weight
    const L = this.log
    const S = this.se
    const bi = i * R
    const bj = j * R
    let meanA = 0
    let meanB = 0
    let varA = 0
    let varB = 0
    for (let r = 0; r < R; r++) {
      const wa = W[bi + r]!
      const wb = W[bj + r]!
      const sa = S[bi + r]!
      const sb = S[bj + r]!
      const s2 = sa * sa + sb * sb
      const d = L[bj + r]! - L[bi + r]!
      if (wa > 0) {
        let change = d
        if (change > max) change = max
        else if (change < -max) change = -max
        meanA += wa * change
        varA += wa * wa * s2
      }
      if (wb > 0) {
        let change = -d
        if (change > max) change = max
        else if (change < -max) change = -max
        meanB += wb * change
        // The same sum as gainLcb(b, a): sb^2 + sa^2 in that order.
        varB += wb * wb * (sb * sb + sa * sa)
      }
    }
    const cost = this.cost(i, j)
    const value = this.value
    const bound = Math.max(this.termsFloor, atLeast)
    // The lower confidence bounds are at most the means: cut short if even the means fall short.
    if ((meanA - cost) * value + (meanB - cost) * value < bound) return NO_TERMS
    const ua = (meanA - this.z * Math.sqrt(varA) - cost) * value
    const ub = (meanB - this.z * Math.sqrt(varB) - cost) * value
    this.firstMicros = ua
    this.secondMicros = ub
    if (ua + ub < bound) return NO_TERMS
    return this.termsOf(i, j, ua, ub)
  }

  /** The public terms from the two utilities (decision.ts termsFor). */
  private termsOf(i: number, j: number, ua: number, ub: number): TermsCode {
    const m = this.margin
    if (ua >= m && ub >= m) return MUTUAL_TERMS
    if (this.askPayable[j] === 1 && ua - this.ask[j]! >= m && ub + this.ask[j]! >= m) return FIRST_PAYS
    if (this.askPayable[i] === 1 && ub - this.ask[i]! >= m && ua + this.ask[i]! >= m) return SECOND_PAYS
    return NO_TERMS
  }

  /** The money side `self` of pair (i, j) receives (positive) or pays (negative) under `code`. */
  priceFor(code: TermsCode, i: number, j: number, self: number): number {
    if (code === FIRST_PAYS) return self === i ? -this.ask[j]! : this.ask[j]!
    if (code === SECOND_PAYS) return self === j ? -this.ask[i]! : this.ask[i]!
    return 0
  }

  /** The terms a code stands for, for pair (i, j). */
  terms(code: TermsCode, i: number, j: number): PairTerms {
    if (code === FIRST_PAYS) return { payer: this.sides[i]!.vm, priceMicros: this.sides[j]!.askMicros }
    if (code === SECOND_PAYS) return { payer: this.sides[j]!.vm, priceMicros: this.sides[i]!.askMicros }
    return MUTUAL
  }

  /** The public pair of i and j as fastPublicPair gives it (null when it has no terms). */
  pair(i: number, j: number): FastPair | null {
    const code = this.evaluate(i, j)
    if (code === NO_TERMS) return null
    const a = this.firstMicros
    const b = this.secondMicros
    return { aMicros: a, bMicros: b, welfareMicros: a + b, terms: this.terms(code, i, j) }
  }

  /**
   * Every side's public top `reach`, and with `accepts` every side's own top
   * `reach` among the partners it accepts: one pass over the n(n-1)/2 pairs.
   */
  rankAll(reach: number, accepts?: PrivateAccept): MarketRankings {
    const n = this.n
    const pub = new TopLists(n, reach)
    const own = accepts === undefined ? null : new TopLists(n, reach)
    // A side's own list holds a subset of its public pairs, so its floor is never above the public one.
    const floors = own ?? pub
    let evaluated = 0
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const fi = floors.floor(i)
        const fj = floors.floor(j)
        const code = this.evaluate(i, j, Math.min(fi, fj))
        if (code === NO_TERMS) continue
        evaluated++
        const ua = this.firstMicros
        const ub = this.secondMicros
        const w = ua + ub
        pub.offer(i, j, w)
        pub.offer(j, i, w)
        if (own === null || accepts === undefined) continue
        if (w >= fi && accepts(i, j, ua, this.priceFor(code, i, j, i))) own.offer(i, j, w)
        if (w >= fj && accepts(j, i, ub, this.priceFor(code, i, j, j))) own.offer(j, i, w)
      }
    }
    return { public: pub, own, evaluated }
  }

  /** Side `self`'s own top `limit` among the partners it accepts (what one agent computes for itself). */
  ownRanking(self: number, limit: number, accepts: PrivateAccept): { peer: number; welfareMicros: number }[] {
    const top = new TopLists(1, limit)
    for (let j = 0; j < this.n; j++) {
      if (j === self) continue
      const [a, b] = self < j ? [self, j] : [j, self]
      const code = this.evaluate(a, b, top.floor(0))
      if (code === NO_TERMS) continue
      const own = self === a ? this.firstMicros : this.secondMicros
      if (accepts(self, j, own, this.priceFor(code, a, b, self))) {
        top.offer(0, j, this.firstMicros + this.secondMicros)
      }
    }
    return top.list(0)
  }
}
