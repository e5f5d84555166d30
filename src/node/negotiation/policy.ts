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
 * answer, the anchor's registration) within 4 minutes: the probe alone may
 * take DEFAULT_PROBE_TIMEOUT_MS (3 min), and one minute more covers the rest.
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
  /** How often the agent looks for a partner, ms. */
  intervalMs: ms.min(1_000).max(DAY_MS).default(DEFAULT_MARKET_INTERVAL_MS),
  /** How long a commitment waits on a silent partner before the agent is free again, ms. */
  negotiationTimeoutMs: ms.min(1_000).max(MAX_NEGOTIATION_TTL_MS).default(DEFAULT_NEGOTIATION_TIMEOUT_MS),
  /** An agreement's lifetime: the swap must commit before it ends, ms. */
  agreementTtlMs: ms.min(60_000).max(MAX_AGREEMENT_TTL_MS).default(DEFAULT_AGREEMENT_TTL_MS),
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
