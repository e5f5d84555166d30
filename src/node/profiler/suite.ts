/**
 * Which of the anchor's signed benchmarks the profiler runs: one per
 * resource, so each resource's series holds one benchmark's numbers.
 *
 * By default the standard suite (names under `vboom/`): every agent of a
 * class then measures the same work, and its profile compares with theirs
 * and with what probes and the anchor measure. User-submitted benchmarks are
 * application-specific; the config may name them instead. Network benchmarks
 * are skipped: they measure the path to a peer's bandwidth sink, which a
 * prober provides and the profiler has not (netBw and netRtt come from
 * `profileOverride` until then).
 */
import { RESOURCE_NAMES, type ResourceName } from '../../protocols/advert.js'
import { needsNetwork, type VerifiedBenchmark } from '../../runtime/sandbox/index.js'

/** The standard suite's name prefix (src/anchor/benchmarks/suite.ts). */
export const STANDARD_SUITE_PREFIX = 'vboom/'

export interface ProfiledBenchmark {
  resource: ResourceName
  benchmark: VerifiedBenchmark
  /** name@version#first 16 hex digits of the module hash: a series restarts when it changes. */
  id: string
}

export interface SuiteChoice {
  chosen: ProfiledBenchmark[]
  skipped: { name: string; why: string }[]
}

const resourceOf = new Map<string, ResourceName>(
  Object.entries(RESOURCE_NAMES).map(([name, r]) => [r as string, name as ResourceName]),
)

export function benchmarkId(b: VerifiedBenchmark): string {
  return `${b.manifest.name}@${b.manifest.version}#${Buffer.from(b.moduleSha256).toString('hex').slice(0, 16)}`
}

/** Picks the benchmarks to run from the verified suite: `names` in order when given, else the standard suite. */
export function chooseSuite(available: readonly VerifiedBenchmark[], names?: readonly string[]): SuiteChoice {
  const chosen: ProfiledBenchmark[] = []
  const skipped: SuiteChoice['skipped'] = []
  const candidates =
    names === undefined
      ? available.filter((b) => b.manifest.name.startsWith(STANDARD_SUITE_PREFIX))
      : names.flatMap((n) => {
          const b = available.find((x) => x.manifest.name === n)
          if (b === undefined) skipped.push({ name: n, why: "not in the anchor's signed catalog" })
          return b === undefined ? [] : [b]
        })
  for (const b of candidates) {
    const name = b.manifest.name
    const resource = resourceOf.get(b.manifest.resource)
    if (resource === undefined) {
      skipped.push({ name, why: `resource ${b.manifest.resource} is not one a profile carries` })
    } else if (needsNetwork(b.manifest.hostFunctions)) {
      skipped.push({ name, why: 'needs a network peer (measured by probes, not by the profiler)' })
    } else if (chosen.some((c) => c.resource === resource)) {
      skipped.push({ name, why: `${resource} is already measured by an earlier benchmark` })
    } else {
      chosen.push({ resource, benchmark: b, id: benchmarkId(b) })
    }
  }
  return { chosen, skipped }
}
