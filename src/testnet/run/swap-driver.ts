/**
 * Turns a decided swap into the lifecycle: the agreement (both owners'
 * delegations, both agents' signatures) registered at the anchor through its
 * console, where the anchor checks the whole chain as for agents, then
 * each side's agent told to leave for it (POST /swap on its control socket),
 * which stores its boot parameters and reboots its host into the stateless
 * swapper.
 */
import { join } from 'node:path'
import { multiaddrOf } from '../hosts/index.js'
import { ownersAgreement } from '../owner-agreement.js'
import { tellToLeave } from './agent-control.js'
import type { DrivenSwap } from './observe.js'
import type { PlannedSwap } from './owner-decision.js'
import type { World, WorldHost } from './world.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The swap must commit within this: a run's swap commits in minutes, a loaded machine's in tens of minutes. */
const AGREEMENT_LIFETIME_MS = 2 * 3600_000

export async function startSwap(
  w: World,
  plan: PlannedSwap,
  dataDirOf: (host: string) => string,
): Promise<DrivenSwap> {
  const side = (location: string): WorldHost => w.hosts.find((h) => h.name === location)!
  const ha = side(plan.a.location)
  const hb = side(plan.b.location)
  const va = w.vms.get(plan.a.vm)!
  const vb = w.vms.get(plan.b.vm)!
  const { agreement, swapId } = ownersAgreement({
    a: {
      location: ha.name,
      owner: va.owner,
      agentSecretKey: va.agentSecretKey,
      swapKey: ha.swapKey.publicKey,
    },
    b: {
      location: hb.name,
      owner: vb.owner,
      agentSecretKey: vb.agentSecretKey,
      swapKey: hb.swapKey.publicKey,
    },
    instanceClass: w.instanceClass,
    anchorKey: w.anchorKey,
    lifetimeMs: AGREEMENT_LIFETIME_MS,
  })
  await w.console.register(agreement)
  const startedAt = Date.now()
  const swapKeys = { a: ha.swapKey.publicKey, b: hb.swapKey.publicKey }
  for (const [role, me, partner, vm] of [
    ['a', ha, hb, plan.a.vm],
    ['b', hb, ha, plan.b.vm],
  ] as const)
    await tellToLeave(dataDirOf(me.name), vm, {
      swap: { swapId, role, swapKeys, agreement },
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
