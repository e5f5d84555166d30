/**
 * The market scenario's end-of-run checks, each a pass or a failure with
 * its evidence: every location's owner of record and VM in the ledger are
 * the identity on the disk its host runs (read by the host's supervisor,
 * not the run's bookkeeping); the payments balance, each owner's net in the
 * ledger is what the COMMITs recorded, and each priced swap's payment is the
 * agreed price, within the payer's delegation and at least the payee's ask;
 * a priced swap took place; every lying agent was caught by the agents'
 * probes (the lies they counted against it) and holds no
 * agreement; no honest agent was charged a lie.
 */
import { DEFAULT_MARKET_POLICY } from '../../node/market/decision.js'
import type { ObservedSwap, RunObserver } from './observe.js'
import type { World } from './world.js'

export interface MarketCheck {
  name: string
  ok: boolean
  detail: string
}

/** One agent that caught a liar: the lies its probes confirmed and its view of the liar's reputation. */
export interface Catch {
  by: string
  /** Its reputation of the liar at the end (null: the liar is not in its market). */
  reputation: number | null
  /** vboom_probe_lies_total{peer=<liar>} on the catching agent: claims its probes found short twice in a row. */
  lies: number
  /** The catching agent's last negotiation with the liar, as it reports it. */
  last: string | null
}

export interface LiarVerdict {
  liar: string
  /** What caught it: the probes of the agents that looked at it. */
  caughtBy: 'probe' | null
  catches: Catch[]
  /** Swaps registered with the liar as a party. */
  agreements: number
}

export interface MarketCheckResult {
  checks: MarketCheck[]
  liars: LiarVerdict[]
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Every location: the ledger's owner and VM against the identity on the disk its host runs. */
async function ownershipChecks(world: World, obs: RunObserver): Promise<MarketCheck[]> {
  const vmByKey = new Map([...world.vms].map(([name, v]) => [hex(v.agentKey), name]))
  const ownerByKey = new Map([...world.owners].map(([name, k]) => [hex(k.publicKey), name]))
  const out: MarketCheck[] = []
  for (const h of world.hosts) {
    const rec = await world.ledger.location(h.name)
    const disk = obs.status.get(h.name)?.vm ?? null
    const name = `location ${h.name}: the ledger's owner and VM run there`
    if (rec === null) {
      out.push({ name, ok: false, detail: 'the ledger does not know the location' })
      continue
    }
    const ledgerVm = vmByKey.get(rec.vm) ?? rec.vm.slice(0, 8)
    const ledgerOwner = ownerByKey.get(rec.owner) ?? rec.owner.slice(0, 8)
    if (disk === null) {
      out.push({
        name,
        ok: false,
        detail: `the ledger says ${ledgerVm} of ${ledgerOwner}; the host runs no VM`,
      })
      continue
    }
    const diskVm = [...world.vms].find(([, v]) => v.agentPeerId === disk.agentPeerId)?.[0] ?? disk.name
    const diskOwner = ownerByKey.get(disk.owner) ?? disk.owner.slice(0, 8)
    const ok = diskVm === ledgerVm && disk.owner === rec.owner
    out.push({
      name,
      ok,
      detail: `ledger: ${ledgerVm} of ${ledgerOwner}; disk on the host: ${diskVm} of ${diskOwner}`,
    })
  }
  return out
}

/** Payments: balanced, each owner's net as the COMMITs say, each priced swap within its limits. */
export function paymentChecks(
  world: World,
  swaps: readonly ObservedSwap[],
  balances: Record<string, bigint>,
): MarketCheck[] {
  const out: MarketCheck[] = []
  const received = Object.values(balances).filter((b) => b > 0n)
  const paid = Object.values(balances).filter((b) => b < 0n)
  const sum = (xs: bigint[]): bigint => xs.reduce((n, x) => n + x, 0n)
  out.push({
    name: 'payments made equal payments received',
    ok: sum(received) + sum(paid) === 0n,
    detail: `received ${sum(received)}, paid ${-sum(paid)} micro-credits`,
  })
  const net = new Map<string, bigint>()
  const committed = swaps.filter((x) => x.outcome === 'committed')
  for (const x of committed) {
    if (x.payment === null) continue
    net.set(x.payment.payer, (net.get(x.payment.payer) ?? 0n) - x.payment.amountMicros)
    net.set(x.payment.payee, (net.get(x.payment.payee) ?? 0n) + x.payment.amountMicros)
  }
  const owners = new Set([...net.keys(), ...Object.keys(balances)])
  const mismatched = [...owners].filter((o) => (net.get(o) ?? 0n) !== (balances[o] ?? 0n))
  out.push({
    name: "each owner's net balance in the ledger is what the swaps' COMMITs paid",
    ok: mismatched.length === 0,
    detail:
      [...owners].map((o) => `${o} ${balances[o] ?? 0n} (COMMITs ${net.get(o) ?? 0n})`).join(', ') ||
      'no payments',
  })
  for (const x of committed.filter((s) => s.priceMicros > 0n)) {
    const payer = world.vms.get(x.payer ?? '')
    const payeeName = x.payer === x.a.vm ? x.b.vm : x.a.vm
    const payee = world.vms.get(payeeName)
    const limit = BigInt(payer?.spec.maxPriceMicros ?? DEFAULT_MARKET_POLICY.maxPriceMicros)
    const ask = BigInt(payee?.spec.askMicros ?? 0)
    const paidIt = x.payment !== null && x.payment.amountMicros === x.priceMicros
    out.push({
      name: `swap ${x.id.slice(0, 8)}: ${x.payer} paid ${payeeName} within its delegation`,
      ok: paidIt && x.priceMicros <= limit && x.priceMicros >= ask,
      detail: `price ${x.priceMicros}, recorded ${x.payment?.amountMicros ?? 'no payment'}; the payer's delegation allows ${limit}, the payee asks ${ask}`,
    })
  }
  const priced = committed.filter((s) => s.priceMicros > 0n)
  out.push({
    name: 'a priced swap was committed',
    ok: priced.length > 0,
    detail:
      priced.map((x) => `${x.payer} paid ${x.priceMicros} for ${x.a.vm} \u21c4 ${x.b.vm}`).join('; ') ||
      `${committed.length} swap(s) committed, none priced`,
  })
  return out
}

/** Each liar: caught by some agent's probes (the lies they counted against it), and no swap with it. */
function liarVerdicts(world: World, obs: RunObserver): LiarVerdict[] {
  const liars = [...world.vms.values()].filter((v) => v.spec.advertisedDiskFactor !== undefined)
  return liars.map((liar) => {
    const catches: Catch[] = []
    for (const [vm, lies] of obs.lies) {
      const n = lies.get(liar.agentPeerId) ?? 0
      if (n === 0) continue
      const c = obs.markets.get(vm)?.candidates.find((x) => x.peer === liar.agentPeerId)
      catches.push({ by: vm, reputation: c?.reputation ?? null, lies: n, last: c?.last ?? null })
    }
    return {
      liar: liar.spec.name,
      caughtBy: catches.length > 0 ? 'probe' : null,
      catches,
      agreements: obs.swaps.filter((x) => x.a.vm === liar.spec.name || x.b.vm === liar.spec.name).length,
    }
  })
}

/** No honest VM had a lie counted against it by any agent's probes. */
function honestChecks(world: World, obs: RunObserver): MarketCheck {
  const liars = new Set(
    [...world.vms.values()]
      .filter((v) => v.spec.advertisedDiskFactor !== undefined)
      .map((v) => v.agentPeerId),
  )
  const charged: string[] = []
  for (const [vm, lies] of obs.lies)
    for (const [peer, n] of lies)
      if (!liars.has(peer) && n > 0)
        charged.push(`${vm}'s probes counted ${n} lie(s) against ${obs.vmOfPeer(peer)}`)
  return {
    name: 'no honest agent was charged a lie',
    ok: charged.length === 0,
    detail: charged.join('; ') || "no agent's probes counted a lie against an honest VM",
  }
}

export async function marketChecks(
  world: World,
  obs: RunObserver,
  balances: Record<string, bigint>,
): Promise<MarketCheckResult> {
  const checks = [...(await ownershipChecks(world, obs)), ...paymentChecks(world, obs.swaps, balances)]
  const liars = liarVerdicts(world, obs)
  for (const l of liars) {
    checks.push({
      name: `the lying agent ${l.liar} was caught`,
      ok: l.caughtBy !== null,
      detail:
        l.catches.length === 0
          ? "no agent's probes counted a lie against it"
          : l.catches
              .map(
                (c) =>
                  `${c.by}'s probes counted ${c.lies} lie(s) (reputation ${c.reputation ?? '-'}${c.last === null ? '' : `; last: ${c.last}`})`,
              )
              .join('; '),
    })
    checks.push({
      name: `no one swapped with ${l.liar}`,
      ok: l.agreements === 0,
      detail: `${l.agreements} agreement(s) with it in the ledger`,
    })
  }
  checks.push(honestChecks(world, obs))
  return { checks, liars }
}
