// Seeded random walks over the coordinator's events, shared by the state machine's test and the
// tests that hold each coordinator to it (a small stand-in for a property-testing library).
import type { CoordinatorEvent } from '../../src/swapper/coordinator/state-machine.js'
import type { Role } from '../../src/swapper/index/manifest.js'

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1); the same seed gives the same walk. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed of a test's walks: fixed, or VBOOM_WALK_SEED to explore others. */
export const WALK_SEED = Number(process.env.VBOOM_WALK_SEED ?? 20_240_611)

/** Reasons that probe the cut: short, long ASCII, multi-byte characters, a character across the boundary. */
export const REASONS = [
  'no space',
  '',
  'x'.repeat(600),
  '\u00e9'.repeat(200),
  '\u{1F600}'.repeat(100),
  `${'x'.repeat(252)}\u{1F600}tail`,
  'line one\nline two',
]

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T

/**
 * One random event. Votes and commits are drawn more often than aborts, so
 * that walks reach the commit (and completions after it) as well as aborts.
 */
export function randomEvent(rng: () => number): CoordinatorEvent {
  const role: Role = rng() < 0.5 ? 'a' : 'b'
  const x = rng()
  if (x < 0.35) return { kind: 'prepare', role }
  if (x < 0.6) return { kind: 'commit' }
  if (x < 0.7) return { kind: 'abort', role, reason: pick(rng, REASONS) }
  return { kind: 'complete', role }
}

export function randomWalk(rng: () => number, length: number): CoordinatorEvent[] {
  return Array.from({ length }, () => randomEvent(rng))
}

export const describeEvent = (e: CoordinatorEvent): string =>
  e.kind === 'commit' ? 'commit' : `${e.kind}(${e.role})`
