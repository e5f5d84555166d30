/**
 * Claims against measurements: does what an advert says about a resource
 * agree with what was measured (by a probe, or by the anchor)? Pure.
 */
import { type Profile, RESOURCE_NAMES, Resource, type ResourceName } from './advert.js'

export interface Measured {
  /** Resource name (advert.proto's Resource; benchmark.proto's BenchmarkResource uses the same names). */
  resource: string
  value: number
}

export interface ClaimCheck {
  resource: ResourceName
  claimed: number
  measured: number
  /** measured / claimed for higher-is-better resources, claimed / measured for lower-is-better (RTT). */
  ratio: number
  ok: boolean
}

const byEnum = new Map<string, ResourceName>(
  Object.entries(RESOURCE_NAMES).map(([name, r]) => [r as string, name as ResourceName]),
)

/** Lower is better only for round-trip time. */
export const lowerIsBetter = (resource: string): boolean => resource === Resource.NET_RTT

/**
 * Compares each measured resource the profile makes a claim about. A claim
 * holds when the measurement reaches at least (1 - tolerance) of it (or, for
 * RTT, is at most claim / (1 - tolerance)): a location may turn out better
 * than advertised, never much worse. Resources the profile does not claim are
 * skipped; several measurements of one resource are each checked.
 */
export function checkClaims(profile: Profile, measured: Measured[], tolerance: number): ClaimCheck[] {
  const out: ClaimCheck[] = []
  for (const m of measured) {
    const name = byEnum.get(m.resource)
    if (name === undefined) continue
    const claim = profile[name]
    if (claim === undefined || !(claim.median > 0)) continue
    const ratio = lowerIsBetter(m.resource)
      ? m.value > 0
        ? claim.median / m.value
        : 0
      : m.value / claim.median
    out.push({
      resource: name,
      claimed: claim.median,
      measured: m.value,
      ratio,
      ok: Number.isFinite(ratio) && ratio >= 1 - tolerance,
    })
  }
  return out
}
