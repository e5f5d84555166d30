/**
 * The market policy in the agent config: every field defaults (with the
 * decision rule's defaults), bad values are refused naming the field, and the
 * policy the decision rule gets is the config's.
 */
import t from 'tap'
import { parseAgentConfig } from '../../src/node/config.js'
import { DEFAULT_MARKET_POLICY } from '../../src/node/market/decision.js'
import { DEFAULT_UTILITY_MODEL } from '../../src/node/market/utility.js'
import {
  DEFAULT_AGREEMENT_TTL_MS,
  DEFAULT_MARKET_INTERVAL_MS,
  DEFAULT_MATCH_IMPROVEMENT_CYCLES,
  DEFAULT_MATCH_PAIRING_ROUNDS,
  DEFAULT_MATCH_ROUND_MS,
  DEFAULT_MATCH_SETTLE_MS,
  DEFAULT_NEGOTIATION_TIMEOUT_MS,
  marketPolicyOf,
  privateModelOf,
} from '../../src/node/negotiation/policy.js'

const base = { instanceClass: { vcpus: 2, memoryBytes: 4 * 2 ** 30, diskBytes: 20 * 2 ** 30 }, location: 'x' }

t.test('defaults', async (t) => {
  const m = parseAgentConfig(base).market
  t.same(m, {
    enabled: true,
    minGainFraction: DEFAULT_MARKET_POLICY.minGainFraction,
    largeGainFraction: DEFAULT_MARKET_POLICY.largeGainFraction,
    horizonMs: DEFAULT_UTILITY_MODEL.horizonMs,
    maxPriceMicros: Number(DEFAULT_MARKET_POLICY.maxPriceMicros),
    requireVerification: false,
    requireProbe: true,
    cooldownMs: DEFAULT_MARKET_POLICY.cooldownMs,
    valueMicrosPerHour: DEFAULT_MARKET_POLICY.valueMicrosPerHour,
    intervalMs: DEFAULT_MARKET_INTERVAL_MS,
    negotiationTimeoutMs: DEFAULT_NEGOTIATION_TIMEOUT_MS,
    agreementTtlMs: DEFAULT_AGREEMENT_TTL_MS,
    matching: {
      enabled: false,
      roundMs: DEFAULT_MATCH_ROUND_MS,
      settleMs: DEFAULT_MATCH_SETTLE_MS,
      pairingRounds: DEFAULT_MATCH_PAIRING_ROUNDS,
      improvementCycles: DEFAULT_MATCH_IMPROVEMENT_CYCLES,
    },
  })
  t.same(marketPolicyOf(m), DEFAULT_MARKET_POLICY, 'the decision rule gets its own defaults')
  t.same(privateModelOf(m), DEFAULT_UTILITY_MODEL)
})

t.test('the config sets the policy', async (t) => {
  const m = parseAgentConfig({
    ...base,
    market: {
      minGainFraction: 0.05,
      horizonMs: 2 * 86_400_000,
      maxPriceMicros: 7,
      cooldownMs: 0,
      requireVerification: true,
    },
  }).market
  t.equal(marketPolicyOf(m).minGainFraction, 0.05)
  t.equal(marketPolicyOf(m).maxPriceMicros, 7n)
  t.equal(marketPolicyOf(m).cooldownMs, 0)
  t.equal(privateModelOf(m).horizonMs, 2 * 86_400_000)
  t.equal(m.requireVerification, true)
})

t.test('bad values are refused, naming the field', async (t) => {
  for (const [market, field] of [
    [{ minGainFraction: 0 }, 'market.minGainFraction'],
    [{ minGainFraction: 1.5 }, 'market.minGainFraction'],
    [{ horizonMs: 1000 }, 'market.horizonMs'],
    [{ maxPriceMicros: -1 }, 'market.maxPriceMicros'],
    [{ cooldownMs: -5 }, 'market.cooldownMs'],
    [{ requireVerification: 'yes' }, 'market.requireVerification'],
    [{ negotiationTimeoutMs: 3_600_000 }, 'market.negotiationTimeoutMs'],
    [{ agreementTtlMs: 2 * 86_400_000 }, 'market.agreementTtlMs'],
    [{ surprise: 1 }, 'market'],
    [{ matching: { roundMs: 10 } }, 'market.matching.roundMs'],
    [{ matching: { roundMs: 60_000, pairingRounds: 24 } }, 'market.matching'],
  ] as const)
    t.throws(
      () => parseAgentConfig({ ...base, market }),
      { name: 'UsageError', code: 'BAD_CONFIG', message: new RegExp(field.replace('.', '\\.')) },
      field,
    )
})
