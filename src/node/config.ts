/**
 * Agent configuration: plain data, validated at the edge, defaults in one place
 * (the profiler's and the needs learner's come from their constants files,
 * each with its reason). The advertised profile is measured by the profiler;
 * `profileOverride` replaces it per resource (tests, demos, and netBw/netRtt,
 * which the profiler does not measure).
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { RESOURCE_NAMES } from '../protocols/advert.js'
import { DEFAULT_ADVERT_TTL_MS, MAX_ADVERT_TTL_MS, MAX_LOCATION_LENGTH } from '../protocols/constants.js'
import { UsageError } from '../protocols/errors.js'
import { LOG_LEVELS } from '../runtime/log.js'
import { DEFAULT_SERIES_OPTIONS } from './market/profile-stats.js'
import {
  DEFAULT_NEEDS_HALF_LIFE_MS,
  DEFAULT_NEEDS_MIN_OBSERVED_MS,
  DEFAULT_NEEDS_SAMPLE_INTERVAL_MS,
  NEEDS_MODES,
} from './needs/index.js'
import { MarketConfigSchema } from './negotiation/policy.js'
import {
  DEFAULT_PROFILE_BUSY_RETRY_MS,
  DEFAULT_PROFILE_CPU_SHARE,
  DEFAULT_PROFILE_DISK_SHARE,
  DEFAULT_PROFILE_INTERVAL_MS,
  DEFAULT_PROFILE_JITTER,
  DEFAULT_PROFILE_RETENTION_MS,
  DEFAULT_PROFILE_RETENTION_SAMPLES,
  DEFAULT_PROFILE_START_DELAY_MS,
} from './profiler/constants.js'

const resourceKeys = Object.keys(RESOURCE_NAMES) as [
  keyof typeof RESOURCE_NAMES,
  ...(keyof typeof RESOURCE_NAMES)[],
]
const resource = z.enum(resourceKeys)

const stat = z.strictObject({
  median: z.number().finite().nonnegative(),
  spread: z.number().finite().nonnegative(),
  samples: z.number().int().nonnegative(),
  windowMs: z.number().int().nonnegative(),
})

const DAY_MS = 24 * 3600_000
const ms = z.number().int()

/** The profiler's schedule, budget, retention and benchmarks (src/node/profiler/constants.ts has the reasons). */
const ProfilerSchema = z.strictObject({
  /** Off: the advert carries only `profileOverride`. */
  enabled: z.boolean().default(true),
  intervalMs: ms.min(1_000).max(DAY_MS).default(DEFAULT_PROFILE_INTERVAL_MS),
  /** Each gap is intervalMs x (1 + jitter x u), u uniform in [-1, 1]. */
  jitter: z.number().min(0).max(0.5).default(DEFAULT_PROFILE_JITTER),
  startDelayMs: ms.min(0).max(DAY_MS).default(DEFAULT_PROFILE_START_DELAY_MS),
  busyRetryMs: ms.min(100).max(DAY_MS).default(DEFAULT_PROFILE_BUSY_RETRY_MS),
  /** Long-run share of the VM's CPU capacity (cores x time) the profiler may use. */
  cpuShare: z.number().gt(0).max(1).default(DEFAULT_PROFILE_CPU_SHARE),
  /** Long-run share of time the disk benchmarks may keep the disk busy. */
  diskShare: z.number().gt(0).max(1).default(DEFAULT_PROFILE_DISK_SHARE),
  retentionMs: ms.min(60_000).default(DEFAULT_PROFILE_RETENTION_MS),
  /** Per resource; at least the change detection's warm-up. */
  retentionSamples: ms
    .min(DEFAULT_SERIES_OPTIONS.detection.warmup)
    .default(DEFAULT_PROFILE_RETENTION_SAMPLES),
  /** The profile's window: the statistics cover at most this much time back. */
  windowMs: ms.min(60_000).default(DEFAULT_SERIES_OPTIONS.windowMs),
  /** Benchmark names to run (one per resource); default the anchor's standard suite (`vboom/...`). */
  benchmarks: z.array(z.string().min(1)).min(1).optional(),
})

/** How the needs learner reads and smooths (src/node/needs/constants.ts has the reasons). */
const NeedsLearningSchema = z.strictObject({
  sampleIntervalMs: ms.min(1_000).max(3600_000).default(DEFAULT_NEEDS_SAMPLE_INTERVAL_MS),
  halfLifeMs: ms
    .min(60_000)
    .max(30 * DAY_MS)
    .default(DEFAULT_NEEDS_HALF_LIFE_MS),
  minObservedMs: ms
    .min(0)
    .max(30 * DAY_MS)
    .default(DEFAULT_NEEDS_MIN_OBSERVED_MS),
})

const AgentConfigSchema = z.strictObject({
  instanceClass: z.strictObject({
    vcpus: z.number().int().positive(),
    memoryBytes: z.number().int().positive(),
    diskBytes: z.number().int().positive(),
  }),
  /**
   * The location (instance id) this agent advertises. Optional when the agent
   * runs under a platform, which knows the location from the machine (a VM's
   * config travels with its disk, so it never names where the VM runs).
   */
  location: z.string().min(1).max(MAX_LOCATION_LENGTH).optional(),
  /** Replaces the measured profile per resource (tests, demos, and resources the profiler does not measure). */
  profileOverride: z.partialRecord(resource, stat).default({}),
  profiler: ProfilerSchema.prefault({}),
  /** Config weights; with needsMode 'both' they win per resource over learned ones. */
  needs: z
    .partialRecord(resource, z.number().min(0).max(1))
    .default({})
    .refine(
      (n) => Object.values(n).reduce((a, b) => a + (b ?? 0), 0) <= 1 + 1e-9,
      'needs weights must sum to at most 1',
    ),
  /**
   * 'both' (default: weights given here win, the workload's measured behaviour
   * fills the other resources), 'config' (these weights only), 'learned'.
   */
  needsMode: z.enum(NEEDS_MODES).default('both'),
  needsLearning: NeedsLearningSchema.prefault({}),
  /** Asking price in micro-credits; 0 = swap for mutual gain only. */
  askMicros: z.number().int().nonnegative().default(0),
  advertTtlMs: z.number().int().min(5_000).max(MAX_ADVERT_TTL_MS).default(DEFAULT_ADVERT_TTL_MS),
  listen: z.array(z.string()).default(['/ip4/127.0.0.1/tcp/0']),
  /**
   * Addresses announced to peers instead of the listen addresses (libp2p's
   * `addresses.announce`): where peers dial this agent when it listens behind
   * a relay or a NAT (a testnet host announces its delay relay). Default none:
   * the listen addresses are announced.
   */
  announce: z.array(z.string()).default([]),
  bootstrap: z.array(z.string()).default([]),
  /** `lan` keeps private/loopback addresses in the DHT (testnets, one VPC); `public` drops them. */
  addressScope: z.enum(['lan', 'public']).default('lan'),
  logLevel: z.enum(LOG_LEVELS as [string, ...string[]]).default('info'),
  /** The anchor's Ed25519 public key (hex) this agent trusts: benchmarks and attestations are checked against it. */
  anchorKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits (vboom anchor prints it)')
    .optional(),
  /** The trading policy and the negotiation service (src/node/negotiation/policy.ts has the reasons). */
  market: MarketConfigSchema.prefault({}),
  /** Where probe benchmarks write their scratch files: a directory on the VM's disk. Default: the data dir. */
  diskDir: z.string().min(1).optional(),
})

export type AgentConfig = z.output<typeof AgentConfigSchema>
export type AgentConfigInput = z.input<typeof AgentConfigSchema>

export function parseAgentConfig(input: unknown, source = 'config'): AgentConfig {
  if (typeof input === 'object' && input !== null && Object.hasOwn(input, 'profile'))
    throw new UsageError(
      'BAD_CONFIG',
      `${source}: profile: the profiler measures the profile now; rename the field profileOverride to replace measured resources`,
    )
  const r = AgentConfigSchema.safeParse(input)
  if (!r.success) {
    const first = r.error.issues[0]
    const where = first?.path.length ? first.path.join('.') : '(top level)'
    throw new UsageError('BAD_CONFIG', `${source}: ${where}: ${first?.message ?? 'invalid'}`)
  }
  return r.data
}

export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new UsageError(
      'CONFIG_UNREADABLE',
      `cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? err}; check the path given with --config`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new UsageError('BAD_CONFIG', `config ${file} is not valid JSON: ${(err as Error).message}`)
  }
  return parseAgentConfig(json, file)
}
