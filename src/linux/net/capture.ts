/**
 * Reads the running system's network configuration (config.ts says what it
 * is for). With iproute2: `ip -j addr` and `ip -j -4|-6 route show table
 * main`, as nixos-images' kexec installer dumps them before its kexec.
 * Without it (busybox systems): `ip -o addr show` text, /proc/net/route and
 * /proc/net/ipv6_route.
 *
 * What is kept, and why (the same choices as nixos-images' restore_routes):
 * - interfaces backed by a device (/sys/class/net/<if>/device) with a MAC:
 *   the MAC is how the stateless kernel's interface is found again; bridges,
 *   veths and tunnels of the VM's own software are not the location's;
 * - addresses of global scope (link-local ones come back by themselves),
 *   DHCP-given ones too, restored as static (the address is the instance's,
 *   and a swap lasts minutes, not a lease);
 * - routes of the main table except those the kernel makes for an address's
 *   subnet (protocol kernel) and those from IPv6 router advertisements
 *   (protocol ra: the stateless kernel accepts RAs itself); `onlink` gateways
 *   (GCP's /32 addresses) kept as such.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { promisify } from 'node:util'
import { NetworkConfigCode, NetworkConfigError } from '../errors.js'
import { type AddressConfig, type NetworkConfig, type RouteConfig, validateNetworkConfig } from './config.js'

const run = promisify(execFile)

interface IpAddrJson {
  ifname?: string
  address?: string
  link_type?: string
  mtu?: number
  addr_info?: Array<{
    family?: string
    local?: string
    prefixlen?: number
    scope?: string
    dynamic?: boolean
  }>
}

interface IpRouteJson {
  dst?: string
  gateway?: string
  via?: { family?: string; host?: string }
  dev?: string
  protocol?: string
  metric?: number
  prefsrc?: string
  flags?: string[]
  type?: string
}

/** Interfaces and addresses from `ip -j addr` output, keeping the interfaces in `physical`. */
export function interfacesFromIpJson(addrs: unknown, physical: Set<string>): NetworkConfig['interfaces'] {
  if (!Array.isArray(addrs)) throw captureError('ip -j addr did not print a JSON array')
  const out: NetworkConfig['interfaces'] = []
  for (const l of addrs as IpAddrJson[]) {
    if (l.ifname === undefined || l.address === undefined || l.link_type !== 'ether') continue
    if (!physical.has(l.ifname)) continue
    const addresses: AddressConfig[] = []
    for (const a of l.addr_info ?? []) {
      if (a.family !== 'inet' && a.family !== 'inet6') continue
      if (a.scope !== 'global' || a.local === undefined || a.prefixlen === undefined) continue
      addresses.push({
        family: a.family,
        local: a.local,
        prefixlen: a.prefixlen,
        dynamic: a.dynamic === true,
      })
    }
    out.push({ name: l.ifname, mac: l.address.toLowerCase(), mtu: l.mtu, addresses })
  }
  return out
}

/** Routes from `ip -j route` output (one family), for the interfaces in `devs`. */
export function routesFromIpJson(
  routes: unknown,
  family: 'inet' | 'inet6',
  devs: Set<string>,
): RouteConfig[] {
  if (!Array.isArray(routes)) throw captureError('ip -j route did not print a JSON array')
  const out: RouteConfig[] = []
  for (const r of routes as IpRouteJson[]) {
    if (r.dev === undefined || !devs.has(r.dev) || r.dst === undefined) continue
    if (r.protocol === 'kernel' || r.protocol === 'ra') continue
    if (r.type !== undefined && r.type !== 'unicast') continue
    if (r.dst.startsWith('fe80:') || r.dst.startsWith('ff00:')) continue
    // a v4 route via a v6 gateway names it under `via`
    const gateway = r.gateway ?? r.via?.host
    out.push({
      family,
      dst: r.dst,
      gateway,
      dev: r.dev,
      metric: r.metric,
      onlink: (r.flags ?? []).includes('onlink'),
      src: r.prefsrc,
    })
  }
  return out
}

/** Interfaces from busybox's `ip -o addr show` and /sys (MAC, MTU), for systems without iproute2. */
export function interfacesFromIpText(
  text: string,
  links: Map<string, { mac: string; mtu?: number }>,
): NetworkConfig['interfaces'] {
  const byName = new Map<string, NetworkConfig['interfaces'][number]>()
  for (const [name, l] of links) byName.set(name, { name, mac: l.mac, mtu: l.mtu, addresses: [] })
  for (const line of text.split('\n')) {
    // "2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0\       valid_lft ..."
    const m = line.match(/^\d+:\s+(\S+?)\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)\s.*?scope (\w+)/)
    if (m === null) continue
    const iface = byName.get(m[1]!)
    if (iface === undefined || m[5] !== 'global') continue
    iface.addresses.push({
      family: m[2] as 'inet' | 'inet6',
      local: m[3]!,
      prefixlen: Number(m[4]),
      dynamic: /\bdynamic\b/.test(line),
    })
  }
  return [...byName.values()]
}

const RTF_UP = 0x1
const RTF_GATEWAY = 0x2
const RTF_ADDRCONF = 0x40000

/** A 32-bit little-endian hex IPv4 address from /proc/net/route. */
const v4hex = (h: string): string => {
  const n = Number.parseInt(h, 16)
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.')
}
const prefixOfMask = (mask: string): number => {
  let n = Number.parseInt(mask, 16) >>> 0
  let bits = 0
  while (n) {
    bits += n & 1
    n >>>= 1
  }
  return bits
}
/** A 32-digit hex IPv6 address from /proc/net/ipv6_route, in the compressed form `ip` uses. */
const v6hex = (h: string): string => {
  const groups = h.match(/.{4}/g)!.map((g) => Number.parseInt(g, 16).toString(16))
  const s = groups.join(':')
  // compress the longest run of zero groups
  const runs = [...s.matchAll(/(^|:)0(:0)+(:|$)/g)].sort((a, b) => b[0].length - a[0].length)
  return runs.length === 0 ? s : s.replace(runs[0]![0], '::')
}

/** Routes from /proc/net/route and /proc/net/ipv6_route, for systems without iproute2. */
export function routesFromProc(route4: string, route6: string, devs: Set<string>): RouteConfig[] {
  const out: RouteConfig[] = []
  for (const line of route4.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 8 || !devs.has(f[0]!)) continue
    const flags = Number.parseInt(f[3]!, 16)
    if ((flags & RTF_UP) === 0) continue
    const gatewayRoute = (flags & RTF_GATEWAY) !== 0
    // a route without a gateway is the subnet route the kernel makes for an address
    if (!gatewayRoute) continue
    const prefix = prefixOfMask(f[7]!)
    const dst = prefix === 0 ? 'default' : `${v4hex(f[1]!)}/${prefix}`
    const metric = Number(f[6])
    out.push({
      family: 'inet',
      dst,
      gateway: v4hex(f[2]!),
      dev: f[0]!,
      metric: metric > 0 ? metric : undefined,
      onlink: false,
    })
  }
  for (const line of route6.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 10 || !devs.has(f[9]!)) continue
    const flags = Number.parseInt(f[8]!, 16)
    if ((flags & RTF_UP) === 0 || (flags & RTF_ADDRCONF) !== 0 || (flags & RTF_GATEWAY) === 0) continue
    const dst = v6hex(f[0]!)
    const len = Number.parseInt(f[1]!, 16)
    if (dst.startsWith('fe80') || dst.startsWith('ff')) continue
    const metric = Number.parseInt(f[5]!, 16)
    out.push({
      family: 'inet6',
      dst: len === 0 ? 'default' : `${dst}/${len}`,
      gateway: v6hex(f[4]!),
      dev: f[9]!,
      metric: metric > 0 ? metric : undefined,
      onlink: false,
    })
  }
  return out
}

/** Nameservers and search domains of a resolv.conf. */
export function dnsFromResolvConf(text: string): NetworkConfig['dns'] {
  const nameservers: string[] = []
  const search: string[] = []
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/)
    if (key === 'nameserver' && rest[0] !== undefined && isIP(rest[0]) !== 0) nameservers.push(rest[0])
    if ((key === 'search' || key === 'domain') && rest.length > 0) search.push(...rest)
  }
  return { nameservers: nameservers.slice(0, 8), search: [...new Set(search)].slice(0, 8) }
}

function captureError(message: string, cause?: unknown): NetworkConfigError {
  return new NetworkConfigError(
    NetworkConfigCode.CAPTURE,
    `cannot read the network configuration: ${message}; install iproute2 (or busybox ip) and run again, nothing was changed`,
    { cause },
  )
}

/** Device-backed network interfaces (/sys/class/net/<if>/device exists) and their MAC and MTU. */
async function physicalLinks(sysRoot: string): Promise<Map<string, { mac: string; mtu?: number }>> {
  const out = new Map<string, { mac: string; mtu?: number }>()
  const dir = `${sysRoot}/class/net`
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    if (!existsSync(`${dir}/${n}/device`)) continue
    const mac = (await readFile(`${dir}/${n}/address`, 'utf8').catch(() => '')).trim().toLowerCase()
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac) || mac === '00:00:00:00:00:00') continue
    const mtu = Number((await readFile(`${dir}/${n}/mtu`, 'utf8').catch(() => '')).trim())
    out.set(n, { mac, mtu: Number.isSafeInteger(mtu) && mtu > 0 ? mtu : undefined })
  }
  return out
}

async function resolvConf(): Promise<string> {
  const main = await readFile('/etc/resolv.conf', 'utf8').catch(() => '')
  // systemd-resolved's local listener points at itself; the upstream servers are in its own file
  if (/^nameserver 127\.0\.0\.53$/m.test(main))
    return readFile('/run/systemd/resolve/resolv.conf', 'utf8').catch(() => main)
  return main
}

/** Whether `ip` is iproute2 (it knows -j): busybox's `ip` does not. */
async function hasIproute2(): Promise<boolean> {
  try {
    await run('ip', ['-j', 'link', 'show', 'lo'])
    return true
  } catch {
    return false
  }
}

/** The running system's network configuration, validated. */
export async function captureNetwork(sysRoot = '/sys'): Promise<NetworkConfig> {
  const links = await physicalLinks(sysRoot)
  const devs = new Set(links.keys())
  let interfaces: NetworkConfig['interfaces']
  let routes: RouteConfig[]
  try {
    if (await hasIproute2()) {
      const addrs = JSON.parse((await run('ip', ['-j', 'addr', 'show'])).stdout)
      interfaces = interfacesFromIpJson(addrs, devs)
      const r4 = JSON.parse((await run('ip', ['-j', '-4', 'route', 'show', 'table', 'main'])).stdout)
      const r6 = JSON.parse((await run('ip', ['-j', '-6', 'route', 'show', 'table', 'main'])).stdout)
      routes = [...routesFromIpJson(r4, 'inet', devs), ...routesFromIpJson(r6, 'inet6', devs)]
    } else {
      const text = (await run('ip', ['-o', 'addr', 'show'])).stdout
      interfaces = interfacesFromIpText(text, links)
      const r4 = await readFile('/proc/net/route', 'utf8').catch(() => '')
      const r6 = await readFile('/proc/net/ipv6_route', 'utf8').catch(() => '')
      routes = routesFromProc(r4, r6, devs)
    }
  } catch (err) {
    if (err instanceof NetworkConfigError) throw err
    throw captureError((err as Error).message, err)
  }
  const hostname = (await readFile('/proc/sys/kernel/hostname', 'utf8').catch(() => '')).trim()
  return validateNetworkConfig({
    interfaces,
    routes,
    dns: dnsFromResolvConf(await resolvConf()),
    hostname: hostname === '' || hostname === '(none)' ? undefined : hostname,
  })
}
