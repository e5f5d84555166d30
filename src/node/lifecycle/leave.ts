/**
 * Step 1 of the lifecycle, the agent's side: from a registered agreement to
 * the stateless reboot. The boot parameters are stored (durably, outside the
 * VM's disk) before anything else, then the leave is recorded in the agent's
 * database, then the VM leaves its running system. A crash anywhere in
 * between is resumed: a VM that boots or restarts with stateless boot
 * parameters on its host leaves again (normal-boot.ts), and the host itself
 * never boots the disk's system while they are stored.
 */
import { z } from 'zod'
import { COORDINATOR_SWAP_ID_BYTES } from '../../protocols/anchor-constants.js'
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SECRET_KEY_BYTES } from '../../protocols/signing.js'
import type { Logger } from '../../runtime/log.js'
import type { Platform } from '../platform/platform.js'
import {
  type BootParams,
  type BootSwapTuning,
  encodeBootParams,
  type LifecycleSwap,
  swapIdHex,
} from './boot-params.js'
import { LifecycleError, LifecycleErrorCode } from './errors.js'
import type { LifecycleStore } from './store.js'

/** What the agent is told when its swap is registered (by its negotiation, or its owner's control request). */
export interface LeaveRequest {
  swap: LifecycleSwap
  /** This side's swap secret key: the agent made the pair when it negotiated the agreement naming its public key. */
  swapSecretKey: Uint8Array
  /** Where the partner's stateless node listens: the partner VM's own addresses. */
  peerAddrs: string[]
  tuning?: BootSwapTuning
}

export interface LeaveContext {
  platform: Platform
  store: LifecycleStore
  /** The anchor that coordinates the swap: its key and addresses (the agent's config). */
  anchor: { publicKey: Uint8Array; addrs: string[] }
  /** The VM's own addresses: the stateless node listens and announces there. */
  network: { listen: string[]; announce: string[] }
  log: Logger
  now?: () => number
}

/** Stores the boot parameters and records the leave; the VM is ready to reboot stateless. */
export async function prepareLeave(req: LeaveRequest, ctx: LeaveContext): Promise<BootParams> {
  const { platform, store, log } = ctx
  const id = Buffer.from(req.swap.swapId).toString('hex')
  const stored = await platform.loadBootParams()
  if (stored !== null && stored.phase === 'stateless' && swapIdHex(stored) !== id)
    throw new LifecycleError(
      LifecycleErrorCode.ALREADY_LEAVING,
      `this VM is already leaving for swap ${swapIdHex(stored)}; it can take part in one swap at a time`,
    )
  const params: BootParams = {
    version: 1,
    phase: 'stateless',
    swap: req.swap,
    swapSecretKey: req.swapSecretKey,
    peerAddrs: req.peerAddrs,
    anchor: ctx.anchor,
    network: ctx.network,
    tuning: req.tuning ?? {},
    leftAtMs: (ctx.now ?? Date.now)(),
  }
  // checked as the next boot will read them, before anything is stored
  encodeBootParams(params)
  await platform.storeBootParams(params)
  await store.markLeaving({
    swapId: id,
    role: req.swap.role,
    from: platform.location,
    leftAtMs: params.leftAtMs,
  })
  log.info({ swapId: id, role: req.swap.role, location: platform.location }, 'leaving for a swap')
  return params
}

/** Step 1 whole: prepare, then leave the running system for the stateless swapper. Never resolves. */
export async function leaveForSwap(req: LeaveRequest, ctx: LeaveContext): Promise<never> {
  await prepareLeave(req, ctx)
  return ctx.platform.rebootStateless()
}

const hexOf = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes of lowercase hex`)

/** The leave request as JSON (the agent's control endpoint): byte strings in lowercase hex. */
const LeaveRequestSchema = z.strictObject({
  swapId: hexOf(COORDINATOR_SWAP_ID_BYTES),
  role: z.enum(['a', 'b']),
  swapKeys: z.strictObject({ a: hexOf(ED25519_PUBLIC_KEY_BYTES), b: hexOf(ED25519_PUBLIC_KEY_BYTES) }),
  swapSecretKey: hexOf(ED25519_SECRET_KEY_BYTES),
  peerAddrs: z.array(z.string().min(1).max(512)).min(1).max(16),
  agreement: z
    .string()
    .max(128 * 1024)
    .regex(/^([0-9a-f]{2})*$/, 'must be lowercase hex')
    .default(''),
  tuning: z
    .strictObject({
      blockSize: z.number().int().positive().optional(),
      decisionTimeoutMs: z.number().int().positive().optional(),
    })
    .default({}),
})
export type LeaveRequestJson = z.input<typeof LeaveRequestSchema>

const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

/** Reads a leave request sent as JSON; throws LifecycleError BAD_LEAVE_REQUEST naming the field. */
export function parseLeaveRequest(json: unknown): LeaveRequest {
  const r = LeaveRequestSchema.safeParse(json)
  if (!r.success) {
    const first = r.error.issues[0]
    const where = first?.path.length ? first.path.join('.') : '(top level)'
    throw new LifecycleError(
      LifecycleErrorCode.BAD_LEAVE_REQUEST,
      `leave request: ${where}: ${first?.message ?? 'invalid'}`,
    )
  }
  const j = r.data
  return {
    swap: {
      swapId: bytes(j.swapId),
      role: j.role,
      swapKeys: { a: bytes(j.swapKeys.a), b: bytes(j.swapKeys.b) },
      agreement: bytes(j.agreement),
    },
    swapSecretKey: bytes(j.swapSecretKey),
    peerAddrs: j.peerAddrs,
    tuning: j.tuning,
  }
}

/** The JSON of a leave request (what an owner's tool or a test sends the agent). */
export function leaveRequestToJson(req: LeaveRequest): LeaveRequestJson {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
  return {
    swapId: hex(req.swap.swapId),
    role: req.swap.role,
    swapKeys: { a: hex(req.swap.swapKeys.a), b: hex(req.swap.swapKeys.b) },
    swapSecretKey: hex(req.swapSecretKey),
    peerAddrs: req.peerAddrs,
    agreement: hex(req.swap.agreement),
    ...(req.tuning === undefined ? {} : { tuning: req.tuning }),
  }
}
