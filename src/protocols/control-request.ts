/**
 * Control requests, the owner's side: an owner asks an anchor to act on a
 * location it owns (reboot, snapshot, console, boot the verification image).
 * The owner signs `signable('vboom/control-request/v1', request)`; the anchor
 * authorises the request against the owner of record (src/anchor/control-auth.ts).
 * Clients (CLI, agents, tests) build requests here without importing the anchor.
 */
import { randomBytes } from 'node:crypto'
import {
  ControlAction as ControlActionPb,
  ControlRequest as ControlRequestPb,
  SignedControlRequest,
} from './proto/ledger.js'
import { type Bytes, SignatureDomain, sign } from './signing.js'

export type ControlAction = 'reboot' | 'snapshot' | 'console' | 'boot-verification-image'

const ACTION_TO_PB: Record<ControlAction, ControlActionPb> = {
  reboot: ControlActionPb.REBOOT,
  snapshot: ControlActionPb.SNAPSHOT,
  console: ControlActionPb.CONSOLE,
  'boot-verification-image': ControlActionPb.BOOT_VERIFICATION_IMAGE,
}

const PB_TO_ACTION = new Map(Object.entries(ACTION_TO_PB).map(([a, pb]) => [pb, a as ControlAction]))

/** The action a wire value names, or null for one this version does not know. */
export function controlActionOf(pb: ControlActionPb): ControlAction | null {
  return PB_TO_ACTION.get(pb) ?? null
}

/** 128 random bits: an owner's requests never repeat a nonce by chance. */
export const CONTROL_NONCE_BYTES = 16

/** Builds and signs a control request (the owner's side); returns SignedControlRequest bytes. */
export function signControlRequest(
  req: { location: string; action: ControlAction; anchorKey: Uint8Array; nowMs?: number },
  owner: { secretKey: Uint8Array; publicKey: Uint8Array },
): Bytes {
  const request = ControlRequestPb.encode({
    location: req.location,
    action: ACTION_TO_PB[req.action],
    requesterKey: new Uint8Array(owner.publicKey),
    anchorKey: new Uint8Array(req.anchorKey),
    nonce: new Uint8Array(randomBytes(CONTROL_NONCE_BYTES)),
    issuedAtMs: BigInt(req.nowMs ?? Date.now()),
  })
  const signature = sign(SignatureDomain.controlRequest, request, owner.secretKey)
  return SignedControlRequest.encode({ request, signature })
}
