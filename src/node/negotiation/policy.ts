/**
 * The agent's trading policy as its config gives it (`market` in the agent
 * config): validated at the edge, every field with a default and its reason
 * (the decision rule's defaults are DEFAULT_MARKET_POLICY's, decision.ts).
 */
import { z } from 'zod'
import { MAX_AGREEMENT_TTL_MS, MAX_NEGOTIATION_TTL_MS } from '../../protocols/constants.js'
import { DEFAULT_MARKET_POLICY, type MarketPolicy } from '../market/decision.js'
import { DEFAULT_UTILITY_MODEL, type UtilityModel } from '../market/utility.js'

const ms = z.number().int()
const DAY_MS = 24 * 3600_000

/**
 * A negotiation's whole exchange (offer, the partner's probe of us, its
 * answer, the anchor's registration) within 4 minutes: one probe exchange
 * may take DEFAULT_PROBE_TIMEOUT_MS (3 min), and one minute more covers the
 * rest; the answering side's probing is cut at this less its reply margin
 * (service.ts RESPONDER_PROBE_MARGIN_MS), so the answer always arrives.
 */
export const DEFAULT_NEGOTIATION_TIMEOUT_MS = 240_000
/** One look at the market a minute: adverts are republished every few minutes at most. */
export const DEFAULT_MARKET_INTERVAL_MS = 60_000
/**
 * An agreement must commit within an hour: time for both VMs to leave and the
 * disk to cross a 1 Gbit/s link (~3 min per 20 GiB), short enough that the
 * profiles agreed on still hold.
 */
export const DEFAULT_AGREEMENT_TTL_MS = 3600_000

/**
 * A matching round: above the mesh's round-trip time (milliseconds between
 * cloud VMs, a few hundred on a loaded machine, the messages signed and
 * checked), so that a proposal and its answer fit in one round, and short
 * enough that a small market agrees within half a minute.
 */
export const DEFAULT_MATCH_ROUND_MS = 1_000
/**
 * Phase-1 rounds of a session: the greedy pairing locks at least one pair a
 * round, so 12 rounds settle markets of up to 24 agents in full, and most
 * of a larger one (the benchmark's 10,000 VMs settle within 24).
 */
export const DEFAULT_MATCH_PAIRING_ROUNDS = 12
/**
 * Phase-2 cycles (3 rounds each): a small market has few improving moves; 6
 * cycles find them (on bench:market the moves of 100 VMs are found within
 * the first cycles). A session is then 12 + 18 = 30 rounds: 30 s.
 */
export const DEFAULT_MATCH_IMPROVEMENT_CYCLES = 6
/**
 * After the agent starts, no session for 10 s: gossipsub brings the class's
 * adverts within a few 1-s heartbeats of joining the topic, and a session
 * run on a view still filling lists too few candidates.
 */
export const DEFAULT_MATCH_SETTLE_MS = 10_000

/**
 * The decentralized matching (matching.ts) that picks the partner each
 * negotiation is held with. Every agent of a class must share these values
 * (and the market interval): sessions and rounds are set on the wall clock
 * from them (matching-clock.ts), and a message of another schedule is
 * refused as of another session.
 */
export const MatchingConfigSchema = z
  .strictObject({
    /**
     * Off (the default): the agent picks its own best candidate each
     * interval and offers to it (pairwise greedy). On: the matching picks the
     * partner. Every agent of a class turns it on together (they share its
     * schedule). Off by default while its record on real deployments is
     * short; its known failure (agents that exchanged four batches of
     * messages could no longer reach each other: the receiving side left its
     * streams half-open, libp2p-match-transport.ts) is fixed, and agents a
     * little out of step take each other's messages (matching-driver.ts).
     */
    enabled: z.boolean().default(false),
    /** One round, ms. */
    roundMs: ms.min(100).max(60_000).default(DEFAULT_MATCH_ROUND_MS),
    /** After start, how long the agent waits before its first session, ms. */
    settleMs: ms.min(0).max(3600_000).default(DEFAULT_MATCH_SETTLE_MS),
    /** Rounds of phase 1 (pairing). */
    pairingRounds: z.number().int().min(1).max(1_000).default(DEFAULT_MATCH_PAIRING_ROUNDS),
    /** Cycles of phase 2 (improvement), 3 rounds each. */
    improvementCycles: z.number().int().min(0).max(1_000).default(DEFAULT_MATCH_IMPROVEMENT_CYCLES),
  })
  // Rule: a session's messages expire at its end, and a negotiation message lives at most MAX_NEGOTIATION_TTL_MS.
  .refine((c) => (c.pairingRounds + 3 * c.improvementCycles) * c.roundMs <= MAX_NEGOTIATION_TTL_MS, {
    message: `a matching session ((pairingRounds + 3 x improvementCycles) x roundMs) must last at most ${MAX_NEGOTIATION_TTL_MS / 60_000} minutes`,
  })

export type MatchingConfig = z.output<typeof MatchingConfigSchema>

export const MarketConfigSchema = z.strictObject({
  /** Off: the agent neither offers nor answers offers. */
  enabled: z.boolean().default(true),
  /** The owner's SignedDelegation for this VM's agent key; default `delegation.bin` in the data dir. */
  delegationFile: z.string().min(1).optional(),
  /** Minimum gain: the least net utility worth a swap, as a fraction of the VM's value over the horizon. */
  minGainFraction: z.number().gt(0).lt(1).default(DEFAULT_MARKET_POLICY.minGainFraction),
  /** The net utility (fraction of value) that overrides the cooldown. */
  largeGainFraction: z.number().gt(0).lt(10).default(DEFAULT_MARKET_POLICY.largeGainFraction),
  /** Planning horizon, ms: how long a profile difference is believed to last (7 days). */
  horizonMs: ms
    .min(3600_000)
    .max(365 * DAY_MS)
    .default(DEFAULT_UTILITY_MODEL.horizonMs),
  /** Maximum price this VM pays for one swap, micro-credits (within its delegation's limit too). */
  maxPriceMicros: z.number().int().nonnegative().default(Number(DEFAULT_MARKET_POLICY.maxPriceMicros)),
  /** Verification required: trade only with partners whose advert carries an anchor attestation. */
  requireVerification: z.boolean().default(false),
  /** Probe every partner before accepting (its advert's claims checked by the anchor's benchmarks). */
  requireProbe: z.boolean().default(DEFAULT_MARKET_POLICY.requireProbe),
  /** After a swap, how long the VM trades only for a large gain, ms. */
  cooldownMs: ms
    .min(0)
    .max(365 * DAY_MS)
    .default(DEFAULT_MARKET_POLICY.cooldownMs),
  /** What this VM is worth to its owner per hour, micro-credits. */
  valueMicrosPerHour: z.number().int().positive().default(DEFAULT_MARKET_POLICY.valueMicrosPerHour),
  /** How often the agent looks for a partner, ms: with the matching on, sessions start at multiples of it. */
  intervalMs: ms.min(1_000).max(DAY_MS).default(DEFAULT_MARKET_INTERVAL_MS),
  /** How long a commitment waits on a silent partner before the agent is free again, ms. */
  negotiationTimeoutMs: ms.min(1_000).max(MAX_NEGOTIATION_TTL_MS).default(DEFAULT_NEGOTIATION_TIMEOUT_MS),
  /** An agreement's lifetime: the swap must commit before it ends, ms. */
  agreementTtlMs: ms.min(60_000).max(MAX_AGREEMENT_TTL_MS).default(DEFAULT_AGREEMENT_TTL_MS),
  /** The decentralized matching that chooses partners. */
  matching: MatchingConfigSchema.prefault({}),
})

export type MarketConfig = z.output<typeof MarketConfigSchema>

/** The decision rule's policy from the config. */
export function marketPolicyOf(c: MarketConfig): MarketPolicy {
  return {
    minGainFraction: c.minGainFraction,
    maxPriceMicros: BigInt(c.maxPriceMicros),
    cooldownMs: c.cooldownMs,
    largeGainFraction: Math.max(c.largeGainFraction, c.minGainFraction),
    requireProbe: c.requireProbe,
    valueMicrosPerHour: c.valueMicrosPerHour,
  }
}

/** The private utility model: the public one with this VM's own horizon. */
export function privateModelOf(c: MarketConfig): UtilityModel {
  return { ...DEFAULT_UTILITY_MODEL, horizonMs: c.horizonMs }
}
