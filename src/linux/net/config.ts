/**
 * A machine's network configuration as the stateless image restores it:
 * interfaces matched by MAC address (the stateless kernel may name them
 * differently: eth0 where the running system had ens3), their addresses, the
 * routes of the main table, DNS. This is the location's network identity (the
 * cloud gives it to the instance slot), so the stateless agent answers at
 * the same addresses the running VM had, and the anchor and the partner
 * reach it there.
 *
 * Validated on load (`validateNetworkConfig`) before any of it reaches an
 * `ip` command line.
 */
import { isIP } from 'node:net'
import { z } from 'zod'
import { NetworkConfigCode, NetworkConfigError } from '../errors.js'

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/
/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no slash or space. */
const IFNAME = /^[A-Za-z0-9_.:-]{1,15}$/
const HOSTNAME = /^[A-Za-z0-9.-]{1,253}$/

const ip = (family?: 4 | 6) =>
  z.string().refine((s) => (family === undefined ? isIP(s) !== 0 : isIP(s) === family), 'not an IP address')

const addressSchema = z.object({
  family: z.enum(['inet', 'inet6']),
  local: ip(),
  prefixlen: z.number().int().min(0).max(128),
  /** Given by DHCP (or SLAAC): restored as static for the stateless run (the lease is the instance's). */
  dynamic: z.boolean(),
})

const interfaceSchema = z.object({
  name: z.string().regex(IFNAME),
  mac: z.string().regex(MAC),
  mtu: z.number().int().min(68).max(65536).optional(),
  addresses: z.array(addressSchema).max(64),
})

const routeSchema = z.object({
  family: z.enum(['inet', 'inet6']),
  /** `default` or a prefix (`10.0.0.0/24`, `2001:db8::/64`, or a host address). */
  dst: z.string().refine((s) => s === 'default' || isIP(s.split('/')[0]!) !== 0, 'not a destination'),
  gateway: ip().optional(),
  dev: z.string().regex(IFNAME),
  metric: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  onlink: z.boolean(),
  src: ip().optional(),
})

export const networkConfigSchema = z.object({
  interfaces: z.array(interfaceSchema).max(32),
  routes: z.array(routeSchema).max(256),
  dns: z.object({
    nameservers: z.array(ip()).max(8),
    search: z.array(z.string().regex(HOSTNAME)).max(8),
  }),
  hostname: z.string().regex(HOSTNAME).optional(),
})

export type NetworkConfig = z.infer<typeof networkConfigSchema>
export type NetworkInterfaceConfig = z.infer<typeof interfaceSchema>
export type RouteConfig = z.infer<typeof routeSchema>
export type AddressConfig = z.infer<typeof addressSchema>

export function validateNetworkConfig(value: unknown): NetworkConfig {
  const r = networkConfigSchema.safeParse(value)
  if (!r.success) {
    const first = r.error.issues[0]
    throw new NetworkConfigError(
      NetworkConfigCode.INVALID,
      `the stored network configuration is invalid at ${first?.path.join('.') ?? '?'}: ${first?.message ?? 'unknown'}; the boot record was damaged or written by another program. Leave the running system again to store a fresh one`,
    )
  }
  return r.data
}

/** An empty configuration (no interfaces): what a machine without networking has. */
export const NO_NETWORK: NetworkConfig = { interfaces: [], routes: [], dns: { nameservers: [], search: [] } }
