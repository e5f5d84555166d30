/**
 * Brings the stateless image's network up exactly as the running system had
 * it (config.ts): each recorded interface found by its MAC and given its
 * recorded name, MTU and addresses, then the routes (those without a
 * gateway first: a gateway must be reachable before a route through it is
 * added), then DNS and the hostname. Uses only `ip` subcommands that
 * busybox's ip knows.
 */
import { execFile } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { NetworkConfigCode, NetworkConfigError } from '../errors.js'
import type { NetworkConfig, RouteConfig } from './config.js'

const run = promisify(execFile)

export interface NetworkPlan {
  /** `ip` argument lists, in order. */
  commands: string[][]
  /** IPv6-enabled interfaces whose duplicate address detection is turned off (the address is the instance's own). */
  noDad: string[]
  /** MACs of recorded interfaces that this boot does not have. */
  missing: string[]
}

function routeArgs(r: RouteConfig): string[] {
  const args = [r.family === 'inet6' ? '-6' : '-4', 'route', 'replace', r.dst]
  if (r.gateway !== undefined) args.push('via', r.gateway)
  args.push('dev', r.dev)
  if (r.metric !== undefined) args.push('metric', String(r.metric))
  if (r.onlink) args.push('onlink')
  if (r.src !== undefined) args.push('src', r.src)
  return args
}

/**
 * The commands that configure `config` on a machine whose interfaces are
 * `present` (MAC -> current name). Pure: the caller runs them.
 */
export function planNetwork(config: NetworkConfig, present: Map<string, string>): NetworkPlan {
  const commands: string[][] = [['link', 'set', 'dev', 'lo', 'up']]
  const missing: string[] = []
  const noDad: string[] = []
  const configured = new Set<string>()
  for (const i of config.interfaces) {
    const current = present.get(i.mac)
    if (current === undefined) {
      missing.push(i.mac)
      continue
    }
    if (current !== i.name) commands.push(['link', 'set', 'dev', current, 'name', i.name])
    const up = ['link', 'set', 'dev', i.name]
    if (i.mtu !== undefined) up.push('mtu', String(i.mtu))
    up.push('up')
    commands.push(up)
    if (i.addresses.some((a) => a.family === 'inet6')) noDad.push(i.name)
    for (const a of i.addresses) commands.push(['addr', 'add', `${a.local}/${a.prefixlen}`, 'dev', i.name])
    configured.add(i.name)
  }
  const routes = config.routes.filter((r) => configured.has(r.dev))
  const direct = routes.filter((r) => r.gateway === undefined)
  const viaHost = routes.filter((r) => r.gateway !== undefined && r.dst !== 'default')
  const defaults = routes.filter((r) => r.gateway !== undefined && r.dst === 'default')
  for (const r of [...direct, ...viaHost, ...defaults]) commands.push(routeArgs(r))
  return { commands, noDad, missing }
}

/** MAC -> interface name of this boot's device-backed interfaces. */
export async function presentInterfaces(sysRoot = '/sys'): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const dir = `${sysRoot}/class/net`
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    const mac = (await readFile(`${dir}/${n}/address`, 'utf8').catch(() => '')).trim().toLowerCase()
    if (mac !== '' && mac !== '00:00:00:00:00:00') out.set(mac, n)
  }
  return out
}

export interface NetworkApplyReport {
  applied: number
  /** Commands that failed, with the error: logged, not fatal (a route to a peer that is not needed, say). */
  failed: Array<{ command: string; error: string }>
  missing: string[]
}

/**
 * Applies `config` (plan, then `ip` commands, then resolv.conf and the
 * hostname). Throws NO_INTERFACE when the configuration names interfaces
 * and none of them is here: the stateless agent could reach nobody.
 */
export async function applyNetwork(
  config: NetworkConfig,
  o: { sysRoot?: string; etc?: string; ip?: string } = {},
): Promise<NetworkApplyReport> {
  const present = await presentInterfaces(o.sysRoot)
  const plan = planNetwork(config, present)
  if (config.interfaces.length > 0 && plan.missing.length === config.interfaces.length)
    throw new NetworkConfigError(
      NetworkConfigCode.NO_INTERFACE,
      `none of the recorded interfaces (MACs ${plan.missing.join(', ')}) exists on this boot; the stateless image lacks the network driver of this machine. Rebuild it with the driver (vboom image build --module NAME)`,
    )
  const failed: NetworkApplyReport['failed'] = []
  let applied = 0
  for (const args of plan.commands) {
    // DAD would hold a restored IPv6 address back for ~1 s and it is ours: off before the address goes on
    if (args[0] === 'addr' && args.includes('dev')) {
      const dev = args[args.indexOf('dev') + 1]!
      if (plan.noDad.includes(dev))
        await writeFile(`/proc/sys/net/ipv6/conf/${dev}/accept_dad`, '0').catch(() => undefined)
    }
    try {
      await run(o.ip ?? 'ip', args)
      applied++
    } catch (err) {
      const e = err as { stderr?: string; message: string }
      failed.push({ command: `ip ${args.join(' ')}`, error: (e.stderr ?? e.message).trim() })
    }
  }
  const etc = o.etc ?? '/etc'
  const dns = config.dns
  if (dns.nameservers.length > 0) {
    const lines = [
      ...(dns.search.length > 0 ? [`search ${dns.search.join(' ')}`] : []),
      ...dns.nameservers.map((n) => `nameserver ${n}`),
    ]
    await writeFile(`${etc}/resolv.conf`, `${lines.join('\n')}\n`)
  }
  if (config.hostname !== undefined)
    await writeFile('/proc/sys/kernel/hostname', config.hostname).catch(() => undefined)
  return { applied, failed, missing: plan.missing }
}
