/**
 * Root mode: the run's network. Nothing is created in the root namespace:
 *
 *   hub namespace `vboomtn-<runid>-hub`
 *     br0  10.77.0.1/16 (anchor, reference servers)
 *          10.77.2.(i+1)/32 per host: the address peers dial for host i (its delay relay)
 *     vh<i> (bridge port) ---- veth ---- eth0 in `vboomtn-<runid>-h<i>`, 10.77.1.(i+1)/16
 *
 * Rates are tbf on both ends of each host's veth: on eth0 (egress of the host:
 * its upload) and on vh<i> (egress towards the host: its download), so no ifb
 * is needed. Deleting the namespaces deletes the veths and the bridge with them.
 */
import {
  HOST_IFACE,
  HUB_ADDRESS,
  HUB_BRIDGE,
  SUBNET_BITS,
  SUBNET_PREFIX,
  TBF_BURST_SECONDS,
  TBF_LATENCY_MS,
  TBF_MIN_BURST_BYTES,
} from './constants.js'
import type { HostLimits } from './profile.js'
import type { RunState } from './run-state.js'
import { run } from './sys.js'

/** Host i's own address (where its VM listens). */
export const hostAddress = (i: number): string => `${SUBNET_PREFIX}.1.${i + 1}`
/** The address peers dial for host i: its relay in the hub. */
export const advertisedAddress = (i: number): string => `${SUBNET_PREFIX}.2.${i + 1}`
/** The host index of a real host address, or null (the hub, anything else). */
export function hostIndexOf(address: string): number | null {
  const m = /^(?:::ffff:)?10\.77\.1\.(\d+)$/.exec(address)
  return m === null ? null : Number(m[1]) - 1
}

const ip = (ns: string, args: string[], what: string) => run('ip', ['-n', ns, ...args], what)

export async function createNamespace(state: RunState, name: string): Promise<void> {
  state.add({ kind: 'netns', name })
  await run('ip', ['netns', 'add', name], `creating network namespace ${name}`)
  await ip(name, ['link', 'set', 'lo', 'up'], `bringing up lo in ${name}`)
}

export async function createHub(state: RunState, hub: string): Promise<void> {
  await createNamespace(state, hub)
  await ip(hub, ['link', 'add', HUB_BRIDGE, 'type', 'bridge'], 'creating the hub bridge')
  await ip(hub, ['addr', 'add', `${HUB_ADDRESS}/${SUBNET_BITS}`, 'dev', HUB_BRIDGE], 'addressing the hub')
  await ip(hub, ['link', 'set', HUB_BRIDGE, 'up'], 'bringing up the hub bridge')
}

/** tbf arguments for a rate in bits/s. */
function tbf(bitsPerSecond: number): string[] {
  const burst = Math.max(TBF_MIN_BURST_BYTES, Math.ceil((bitsPerSecond / 8) * TBF_BURST_SECONDS))
  return [
    'tbf',
    'rate',
    `${Math.round(bitsPerSecond)}bit`,
    'burst',
    String(burst),
    'latency',
    `${TBF_LATENCY_MS}ms`,
  ]
}

/** Host i's namespace, its veth to the hub, its addresses and its rate limits. */
export async function connectHost(
  state: RunState,
  hub: string,
  ns: string,
  i: number,
  limits: HostLimits,
): Promise<void> {
  await createNamespace(state, ns)
  const port = `vh${i}`
  await ip(
    hub,
    ['link', 'add', port, 'type', 'veth', 'peer', 'name', HOST_IFACE, 'netns', ns],
    `creating the veth of ${ns}`,
  )
  await ip(hub, ['link', 'set', port, 'master', HUB_BRIDGE], `attaching ${port} to the hub bridge`)
  await ip(hub, ['link', 'set', port, 'up'], `bringing up ${port}`)
  await ip(ns, ['addr', 'add', `${hostAddress(i)}/${SUBNET_BITS}`, 'dev', HOST_IFACE], `addressing ${ns}`)
  await ip(ns, ['link', 'set', HOST_IFACE, 'up'], `bringing up ${HOST_IFACE} in ${ns}`)
  await ip(
    hub,
    ['addr', 'add', `${advertisedAddress(i)}/32`, 'dev', HUB_BRIDGE],
    `adding the relay address of ${ns}`,
  )
  if (limits.upBps !== Infinity)
    await run(
      'tc',
      ['-n', ns, 'qdisc', 'replace', 'dev', HOST_IFACE, 'root', ...tbf(limits.upBps)],
      `shaping the upload of ${ns}`,
    )
  if (limits.downBps !== Infinity)
    await run(
      'tc',
      ['-n', hub, 'qdisc', 'replace', 'dev', port, 'root', ...tbf(limits.downBps)],
      `shaping the download of ${ns}`,
    )
}
