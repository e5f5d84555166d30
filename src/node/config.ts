/**
 * Agent configuration: plain data, validated at the edge, defaults in one place.
 * Until the profiler lands the profile comes from this file; it travels and
 * is validated exactly as a measured one will be.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { RESOURCE_NAMES } from '../protocols/advert.js'
import { DEFAULT_ADVERT_TTL_MS, MAX_ADVERT_TTL_MS, MAX_LOCATION_LENGTH } from '../protocols/constants.js'
import { UsageError } from '../protocols/errors.js'
import { LOG_LEVELS } from '../runtime/log.js'

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
  profile: z.partialRecord(resource, stat).default({}),
  needs: z
    .partialRecord(resource, z.number().min(0).max(1))
    .default({})
    .refine(
      (n) => Object.values(n).reduce((a, b) => a + (b ?? 0), 0) <= 1 + 1e-9,
      'needs weights must sum to at most 1',
    ),
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
  /** Where probe benchmarks write their scratch files: a directory on the VM's disk. Default: the data dir. */
  diskDir: z.string().min(1).optional(),
})

export type AgentConfig = z.output<typeof AgentConfigSchema>
export type AgentConfigInput = z.input<typeof AgentConfigSchema>

export function parseAgentConfig(input: unknown, source = 'config'): AgentConfig {
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
