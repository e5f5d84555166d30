/**
 * How far below its advert's claim a probed measurement may fall before the
 * claim counts as contradicted, per resource, from the advert's own spread.
 *
 * A profile's median comes with a robust spread (scaled MAD, ~ one standard
 * deviation of the host's samples, src/node/profiler/profile-tracker.ts): a
 * host whose samples vary a lot (a loaded machine, a noisy neighbour) has
 * honest probes that land far from its median, and its advert says so. The
 * tolerance is SPREADS spreads, as a fraction of the median, within a floor
 * (run-to-run noise of one benchmark even on a quiet host) and a cap that
 * keeps a claim of twice the truth (measured = 0.5 x claim) failing
 * whatever spread the advert states: a liar cannot buy room by advertising
 * a wide spread.
 */
import type { Profile, ResourceName } from '../../protocols/advert.js'
import { type ClaimCheck, checkClaims, type Measured } from '../../protocols/claims.js'

/** Spreads of shortfall an honest sample reaches rarely (~0.1 % one-sided for a normal spread). */
export const TOLERANCE_SPREADS = 3
/**
 * The least tolerance, as a fraction of the claim: one disk benchmark run
 * varies ~10-20 % on a quiet host here (anchor-constants.ts
 * DEFAULT_PROBE_TOLERANCE), so a tiny advertised spread does not make every
 * probe a coin toss.
 */
export const MIN_CLAIM_TOLERANCE = 0.25
/** The most: 0.45 keeps a 2x claim (ratio 0.5) below 1 - 0.45 = 0.55, so it fails even with a huge spread. */
export const MAX_CLAIM_TOLERANCE = 0.45

/** The tolerance for one claimed resource: TOLERANCE_SPREADS spreads of its median, within the floor and cap. */
export function claimTolerance(profile: Profile, resource: ResourceName): number {
  const claim = profile[resource]
  if (claim === undefined || !(claim.median > 0) || !(claim.spread >= 0)) return MIN_CLAIM_TOLERANCE
  const relative = (TOLERANCE_SPREADS * claim.spread) / claim.median
  return Math.min(MAX_CLAIM_TOLERANCE, Math.max(MIN_CLAIM_TOLERANCE, relative))
}

/**
 * Each measurement against its claim with that claim's own tolerance
 * (claimTolerance), or with `fixed` for every claim when given (tests, and
 * callers that set one tolerance on purpose).
 */
export function checkClaimsBySpread(profile: Profile, measured: Measured[], fixed?: number): ClaimCheck[] {
  if (fixed !== undefined) return checkClaims(profile, measured, fixed)
  return measured.flatMap((m) => {
    const [check] = checkClaims(profile, [m], MIN_CLAIM_TOLERANCE)
    if (check === undefined) return []
    return checkClaims(profile, [m], claimTolerance(profile, check.resource))
  })
}
