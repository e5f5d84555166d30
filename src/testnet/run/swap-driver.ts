/**
 * Turns a decided swap into the lifecycle: the agreement registered at the
 * anchor (both owners sign swap-agreed, through the anchor's console), then
 * each side's agent told to leave for it (POST /swap on its control socket),
 * which stores its boot parameters and reboots its host into the stateless
 * swapper.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { buildSignedAction } from '../../protocols/ledger-action.js'
import { multiaddrOf } from '../hosts/index.js'
import { tellToLeave } from './agent-control.js'
import type { DrivenSwap } from './observe.js'
import type { PlannedSwap } from './owner-decision.js'
import type { World, WorldHost } from './world.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export async function startSwap(
  w: World,
  plan: PlannedSwap,
  dataDirOf: (host: string) => string,
): Promise<DrivenSwap> {
  const swapId = new Uint8Array(randomBytes(32))
  const side = (location: string): WorldHost => w.hosts.find((h) => h.name === location)!
  const ha = side(plan.a.location)
  const hb = side(plan.b.location)
  const va = w.vms.get(plan.a.vm)!
  const vb = w.vms.get(plan.b.vm)!
  await w.console.append(
    buildSignedAction(
      {
        kind: 'swap-agreed',
        swapId,
        locationA: ha.name,
        locationB: hb.name,
        ownerA: va.owner.publicKey,
        ownerB: vb.owner.publicKey,
        vmA: ha.swapKey.publicKey,
        vmB: hb.swapKey.publicKey,
        agreement: new Uint8Array(0),
      },
      va.owner === vb.owner ? [va.owner] : [va.owner, vb.owner],
    ),
  )
  const startedAt = Date.now()
  const swapKeys = { a: ha.swapKey.publicKey, b: hb.swapKey.publicKey }
  for (const [role, me, partner, vm] of [
    ['a', ha, hb, plan.a.vm],
    ['b', hb, ha, plan.b.vm],
  ] as const)
    await tellToLeave(dataDirOf(me.name), vm, {
      swap: { swapId, role, swapKeys, agreement: new Uint8Array(0) },
      swapSecretKey: me.swapKey.secretKey,
      // the partner's stateless node is dialled where the partner's agent listens
      peerAddrs: [multiaddrOf(partner.host.info.advertised[0]!)],
    })
  return {
    id: hex(swapId),
    a: { vm: plan.a.vm, host: ha.name },
    b: { vm: plan.b.vm, host: hb.name },
    startedAt,
    endedAt: null,
    outcome: null,
  }
}

/** The agent's data dir of the VM a host runs, from its status. */
export const agentDataDir = (vmRoot: string): string => join(vmRoot, 'vboom', 'data')
