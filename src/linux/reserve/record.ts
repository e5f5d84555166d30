/**
 * The boot record: what the stateless image reads first on every boot,
 * stored in the reserve's state filesystem (which the swap never touches)
 * with an atomic, fsynced write (tmp + fsync + rename + fsync of the
 * directory): a boot sees the old record or the new one, never a torn one.
 *
 * It holds the lifecycle's boot parameters as they are (`params`, with their
 * `phase`), plus what only the Linux platform knows: the network
 * configuration of the location, the location's id, and the hash of the
 * disk's true boot area. The parameters are plain data (strings, numbers,
 * booleans, null, arrays, objects, Uint8Array, bigint): byte arrays and
 * bigints are written as {"$bytes": base64} and {"$bigint": "..."}.
 *
 * The reserve belongs to the location: after a swap, the next VM's owner can
 * read it. Nothing in it may be a long-lived secret (the swap key is single
 * use: worthless once the swap completed).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { STATE_FILES } from '../constants.js'
import { BootRecordCode, BootRecordError } from '../errors.js'
import { type NetworkConfig, validateNetworkConfig } from '../net/config.js'

export const BOOT_PHASES = ['stateless', 'completed', 'aborted'] as const
export type BootPhase = (typeof BOOT_PHASES)[number]

/** What the Linux platform needs of the lifecycle's boot parameters: their phase. */
export interface PhasedParams {
  phase: BootPhase
}

export const BOOT_RECORD_VERSION = 1

export interface BootRecord<P extends PhasedParams = PhasedParams> {
  version: typeof BOOT_RECORD_VERSION
  params: P
  network: NetworkConfig
  location: string
  /** sha256 (hex) of the disk's true boot area as saved when it left its running system; null before. */
  bootAreaSha256: string | null
  /** ISO time of this write. */
  writtenAt: string
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') }
  if (typeof value === 'bigint') return { $bigint: value.toString() }
  // Buffer's toJSON ran before the replacer
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  )
    return { $bytes: Buffer.from((value as { data: number[] }).data).toString('base64') }
  return value
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value)
    if (keys.length === 1 && typeof (value as { $bytes?: unknown }).$bytes === 'string')
      return new Uint8Array(Buffer.from((value as { $bytes: string }).$bytes, 'base64'))
    if (keys.length === 1 && typeof (value as { $bigint?: unknown }).$bigint === 'string')
      return BigInt((value as { $bigint: string }).$bigint)
  }
  return value
}

/** sha256 (hex) of the parameters as stored: both sides of a kexec can print it and be compared. */
export function paramsDigest(params: unknown): string {
  return createHash('sha256').update(JSON.stringify(params, replacer)).digest('hex')
}

export function encodeBootRecord<P extends PhasedParams>(r: BootRecord<P>): string {
  return `${JSON.stringify(r, replacer, 1)}\n`
}

/** Parses and checks a stored record; throws BootRecordError (CORRUPT, VERSION). */
export function decodeBootRecord<P extends PhasedParams = PhasedParams>(text: string): BootRecord<P> {
  let v: unknown
  try {
    v = JSON.parse(text, reviver)
  } catch (err) {
    throw corrupt(`it is not JSON (${(err as Error).message})`)
  }
  if (typeof v !== 'object' || v === null) throw corrupt('it is not an object')
  const r = v as Partial<BootRecord<P>>
  if (typeof r.version !== 'number') throw corrupt('it has no version')
  if (r.version > BOOT_RECORD_VERSION)
    throw new BootRecordError(
      BootRecordCode.VERSION,
      `the boot record has version ${r.version}, newer than this VBoom (${BOOT_RECORD_VERSION}); update the stateless image (vboom image build, vboom reserve update)`,
    )
  if (r.version !== BOOT_RECORD_VERSION) throw corrupt(`unknown version ${r.version}`)
  const params = r.params as Partial<PhasedParams> | undefined
  if (typeof params !== 'object' || params === null || !BOOT_PHASES.includes(params.phase as BootPhase))
    throw corrupt('its parameters have no phase')
  if (typeof r.location !== 'string' || r.location.length === 0) throw corrupt('it has no location')
  if (r.bootAreaSha256 !== null && !/^[0-9a-f]{64}$/.test(String(r.bootAreaSha256)))
    throw corrupt('its boot area hash is malformed')
  if (typeof r.writtenAt !== 'string') throw corrupt('it has no time')
  return {
    version: BOOT_RECORD_VERSION,
    params: params as P,
    network: validateNetworkConfig(r.network),
    location: r.location,
    bootAreaSha256: r.bootAreaSha256 ?? null,
    writtenAt: r.writtenAt,
  }
}

function corrupt(why: string): BootRecordError {
  return new BootRecordError(
    BootRecordCode.CORRUPT,
    `the boot record in the reserve is damaged: ${why}. If a swap was under way, its journal in the reserve still tells where it stands; otherwise remove the record (vboom reserve clear) and start again`,
  )
}

export const recordPath = (stateDir: string): string => join(stateDir, STATE_FILES.record)

/** Durable before it returns. */
export async function storeBootRecord<P extends PhasedParams>(
  stateDir: string,
  r: BootRecord<P>,
): Promise<void> {
  const path = recordPath(stateDir)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFileAtomic(path, encodeBootRecord(r), 0o600)
}

/** The stored record, or null when there is none. */
export async function loadBootRecord<P extends PhasedParams>(
  stateDir: string,
): Promise<BootRecord<P> | null> {
  let text: string
  try {
    text = await readFile(recordPath(stateDir), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new BootRecordError(
      BootRecordCode.CORRUPT,
      `cannot read the boot record in ${stateDir}: ${(err as Error).message}; check the reserve's filesystem`,
      { cause: err },
    )
  }
  return decodeBootRecord<P>(text)
}

/** Removes the record (the running VM does, once a completed or aborted swap's VM is up). */
export async function clearBootRecord(stateDir: string): Promise<void> {
  await rm(recordPath(stateDir), { force: true })
}
