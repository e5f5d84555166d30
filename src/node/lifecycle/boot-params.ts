/**
 * Boot parameters: what a host's stateless swapper needs, stored on the host
 * OUTSIDE the VM's disk (the swap overwrites the disk, never these), and read
 * first at every boot: phase 'stateless' boots the stateless swapper, never
 * the disk's system (the boot-level invariant).
 *
 * On-disk encoding: one JSON object, `version` 1, byte strings as lowercase
 * hex; decoding checks size first, then shape, then that the secret swap key
 * is the one the swap names for this side. It holds a secret key: stores write
 * it with mode 0600.
 */
import { z } from 'zod'
import { AgreementError, readAgreement, type SwapAgreement, sideOf } from '../../protocols/agreement.js'
import { COORDINATOR_SWAP_ID_BYTES } from '../../protocols/anchor-constants.js'
import { MAX_SIGNED_AGREEMENT_BYTES } from '../../protocols/constants.js'
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SECRET_KEY_BYTES, publicKeyOf } from '../../protocols/signing.js'
import { BootParamsError, BootParamsErrorCode, LifecycleError, LifecycleErrorCode } from './errors.js'

export type SwapRole = 'a' | 'b'
export const otherRole = (r: SwapRole): SwapRole => (r === 'a' ? 'b' : 'a')

/**
 * What the lifecycle needs of a registered swap agreement (the protocol's
 * SwapAgreement, src/protocols/agreement.ts): its swap id, this side, both
 * sides' swap keys, and the SignedAgreement bytes themselves, which decoding
 * holds these fields to (lifecycleSwapOf builds one from an agreement).
 */
export interface LifecycleSwap {
  /** The ledger's swap id (COORDINATOR_SWAP_ID_BYTES). */
  swapId: Uint8Array
  role: SwapRole
  /**
   * Each side's swap public key (raw Ed25519): the key of its stateless libp2p
   * node, of its signed manifest and of its coordinator calls.
   */
  swapKeys: Record<SwapRole, Uint8Array>
  /**
   * The SignedAgreement as registered with the anchor; empty only for a swap
   * the ledger recorded without one (an operator's swap-agreed entry).
   */
  agreement: Uint8Array
}

export type BootPhase = 'stateless' | 'completed' | 'aborted'

/** Swap knobs both sides must run with (block size) and how long this side waits on the other. */
export interface BootSwapTuning {
  /** Bytes; default the swapper's DEFAULT_BLOCK_SIZE. Both sides must give the same. */
  blockSize?: number
  /** ms; default the swapper's DEFAULT_DECISION_TIMEOUT_MS. */
  decisionTimeoutMs?: number
}

export interface BootOutcome {
  /** Unix ms the outcome was stored. */
  atMs: number
  /** One line: how the swap ended ('swapped', 'already swapped', the abort's reason). */
  reason: string
  /** Merkle roots (hex) of the disk before and after, when this run swapped it. */
  rootBefore?: string
  rootAfter?: string
}

export interface BootParams {
  version: 1
  phase: BootPhase
  swap: LifecycleSwap
  /** This side's swap secret key (32-byte Ed25519 seed); its public key is swap.swapKeys[swap.role]. */
  swapSecretKey: Uint8Array
  /** Where the partner's stateless node is dialled (multiaddrs without /p2p). */
  peerAddrs: string[]
  /** The anchor: its signing key and where its coordinator is reached (multiaddrs with /p2p). */
  anchor: { publicKey: Uint8Array; addrs: string[] }
  /** Where this side's stateless node listens, and what it announces (the VM's own addresses). */
  network: { listen: string[]; announce: string[] }
  tuning: BootSwapTuning
  /** Unix ms the VM left its running system. */
  leftAtMs: number
  /** Set with phase 'completed' or 'aborted'. */
  outcome?: BootOutcome
}

/** A few KiB in practice (an agreement is at most 16 KiB); anything larger is not ours. */
export const MAX_BOOT_PARAMS_BYTES = 256 * 1024
/** Addresses per list: a node listens and announces on a handful. */
const MAX_ADDRS = 16

const hexOf = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes of lowercase hex`)
const addrs = z.array(z.string().min(1).max(512)).max(MAX_ADDRS)
const role = z.enum(['a', 'b'])

const BootParamsSchema = z.strictObject({
  version: z.literal(1),
  phase: z.enum(['stateless', 'completed', 'aborted']),
  swap: z.strictObject({
    swapId: hexOf(COORDINATOR_SWAP_ID_BYTES),
    role,
    swapKeys: z.strictObject({ a: hexOf(ED25519_PUBLIC_KEY_BYTES), b: hexOf(ED25519_PUBLIC_KEY_BYTES) }),
    agreement: z
      .string()
      .max(MAX_SIGNED_AGREEMENT_BYTES * 2)
      .regex(/^([0-9a-f]{2})*$/, 'must be lowercase hex'),
  }),
  swapSecretKey: hexOf(ED25519_SECRET_KEY_BYTES),
  peerAddrs: addrs.min(1),
  anchor: z.strictObject({ publicKey: hexOf(ED25519_PUBLIC_KEY_BYTES), addrs: addrs.min(1) }),
  network: z.strictObject({ listen: addrs.min(1), announce: addrs }),
  tuning: z.strictObject({
    blockSize: z.number().int().positive().optional(),
    decisionTimeoutMs: z.number().int().positive().optional(),
  }),
  leftAtMs: z.number().int().nonnegative(),
  outcome: z
    .strictObject({
      atMs: z.number().int().nonnegative(),
      reason: z.string().max(1024),
      rootBefore: z.string().max(128).optional(),
      rootAfter: z.string().max(128).optional(),
    })
    .optional(),
})

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

/**
 * The lifecycle's view of a registered agreement, for the side whose agent
 * key is `agentKey`; LifecycleError NOT_A_PARTY when that agent is neither.
 */
export function lifecycleSwapOf(agreement: SwapAgreement, agentKey: Uint8Array): LifecycleSwap {
  const role = sideOf(agreement, agentKey)
  if (role === null)
    throw new LifecycleError(
      LifecycleErrorCode.NOT_A_PARTY,
      `agreement ${hex(agreement.swapId)} names neither side as this VM's agent; it is another VM's swap`,
    )
  return {
    swapId: agreement.swapId,
    role,
    swapKeys: { a: agreement.a.swapKey, b: agreement.b.swapKey },
    agreement: agreement.signed,
  }
}

/** The swap id as the coordinator names it (lowercase hex). */
export const swapIdHex = (p: BootParams): string => hex(p.swap.swapId)

/** The JSON text stored on the host. */
export function encodeBootParams(p: BootParams): string {
  const json: z.input<typeof BootParamsSchema> = {
    version: 1,
    phase: p.phase,
    swap: {
      swapId: hex(p.swap.swapId),
      role: p.swap.role,
      swapKeys: { a: hex(p.swap.swapKeys.a), b: hex(p.swap.swapKeys.b) },
      agreement: hex(p.swap.agreement),
    },
    swapSecretKey: hex(p.swapSecretKey),
    peerAddrs: p.peerAddrs,
    anchor: { publicKey: hex(p.anchor.publicKey), addrs: p.anchor.addrs },
    network: p.network,
    tuning: p.tuning,
    leftAtMs: p.leftAtMs,
    ...(p.outcome === undefined ? {} : { outcome: p.outcome }),
  }
  // what is written must read back: a bad field fails here, at the writer, not at the next boot
  const text = JSON.stringify(json)
  decodeBootParams(text)
  return text
}

/** Reads stored boot parameters; throws BootParamsError naming the rule they broke. */
export function decodeBootParams(text: string): BootParams {
  // Rule: size before parsing.
  if (Buffer.byteLength(text) > MAX_BOOT_PARAMS_BYTES)
    throw new BootParamsError(
      BootParamsErrorCode.TOO_LARGE,
      `boot parameters of ${Buffer.byteLength(text)} bytes, over ${MAX_BOOT_PARAMS_BYTES}: the file is not boot parameters; remove it only if no swap is pending`,
    )
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new BootParamsError(
      BootParamsErrorCode.MALFORMED,
      `boot parameters are not JSON (${(err as Error).message}): the file is damaged`,
      { cause: err },
    )
  }
  // Rule: a version this code reads.
  const version = (json as { version?: unknown } | null)?.version
  if (version !== 1)
    throw new BootParamsError(
      BootParamsErrorCode.VERSION,
      `boot parameters of version ${String(version)}, this VBoom reads version 1: boot the host with the VBoom that stored them`,
    )
  // Rule: every field present and well formed.
  const r = BootParamsSchema.safeParse(json)
  if (!r.success) {
    const first = r.error.issues[0]
    const where = first?.path.length ? first.path.join('.') : '(top level)'
    throw new BootParamsError(
      BootParamsErrorCode.MALFORMED,
      `boot parameters: ${where}: ${first?.message ?? 'invalid'}`,
    )
  }
  const j = r.data
  const p: BootParams = {
    version: 1,
    phase: j.phase,
    swap: {
      swapId: bytes(j.swap.swapId),
      role: j.swap.role,
      swapKeys: { a: bytes(j.swap.swapKeys.a), b: bytes(j.swap.swapKeys.b) },
      agreement: bytes(j.swap.agreement),
    },
    swapSecretKey: bytes(j.swapSecretKey),
    peerAddrs: j.peerAddrs,
    anchor: { publicKey: bytes(j.anchor.publicKey), addrs: j.anchor.addrs },
    network: j.network,
    tuning: j.tuning,
    leftAtMs: j.leftAtMs,
    ...(j.outcome === undefined ? {} : { outcome: j.outcome }),
  }
  // Rule: the secret key is this side's, and the two sides' keys differ (roles must be unambiguous).
  if (j.swap.swapKeys.a === j.swap.swapKeys.b)
    throw new BootParamsError(
      BootParamsErrorCode.MALFORMED,
      'boot parameters name one swap key for both sides',
    )
  // Rule: the agreement carried is the swap's: its terms hash to the swap id and name both swap keys.
  if (p.swap.agreement.length > 0) agreementMatches(p.swap)
  if (hex(publicKeyOf(p.swapSecretKey)) !== j.swap.swapKeys[j.swap.role])
    throw new BootParamsError(
      BootParamsErrorCode.KEY_MISMATCH,
      `boot parameters: the secret swap key is not side ${j.swap.role}'s swap key; they were stored for another side or swap`,
    )
  return p
}

function agreementMatches(swap: LifecycleSwap): void {
  let read: ReturnType<typeof readAgreement>
  try {
    read = readAgreement(swap.agreement)
  } catch (err) {
    if (!(err instanceof AgreementError)) throw err
    throw new BootParamsError(
      BootParamsErrorCode.AGREEMENT_MISMATCH,
      `boot parameters: the agreement does not read (${err.message}); the file is damaged`,
      { cause: err },
    )
  }
  if (
    hex(read.swapId) !== hex(swap.swapId) ||
    hex(read.terms.a.swapKey) !== hex(swap.swapKeys.a) ||
    hex(read.terms.b.swapKey) !== hex(swap.swapKeys.b)
  )
    throw new BootParamsError(
      BootParamsErrorCode.AGREEMENT_MISMATCH,
      'boot parameters: the agreement carried is not the swap named (its swap id or swap keys differ); they were stored for another swap',
    )
}
