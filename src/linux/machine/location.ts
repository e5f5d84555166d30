/**
 * The location's identity, from the machine and never from the disk, so an
 * agent booting on a new host knows it moved.
 *
 * Order, deterministic so that one slot always gives the same answer:
 * 1. DMI/SMBIOS system UUID (/sys/class/dmi/id/product_uuid): set per
 *    instance by EC2 (Nitro and Xen), GCP, Azure (the vmId, byte-swapped),
 *    and qemu's `-smbios type=1,uuid=`; no network, no waiting.
 * 2. DMI product serial (/sys/class/dmi/id/product_serial) when the UUID is
 *    missing or one of the dummy values boards ship with.
 * 3. A cloud metadata service at 169.254.169.254, only when DMI gives
 *    nothing: EC2 (IMDSv2: a PUT for a session token, then instance-id), GCP
 *    (`Metadata-Flavor: Google`, instance/id), Azure (`Metadata: true`,
 *    compute/vmId), each with a short timeout, all at once.
 * Metadata is not preferred even where it answers: a slow answer on one boot
 * would change the location's name and make the agent believe it moved.
 * Read as root: product_uuid and product_serial are mode 0400.
 */
import { readFile } from 'node:fs/promises'
import { METADATA_ADDRESS, METADATA_TIMEOUT_MS } from '../constants.js'
import { LocationUnknownError } from '../errors.js'

export type LocationSource = 'dmi-uuid' | 'dmi-serial' | 'aws' | 'gcp' | 'azure'

export interface Location {
  /** `<source>:<id>`, e.g. `dmi-uuid:8c4f0a3e-...`, `aws:i-0abc...`. */
  id: string
  source: LocationSource
  /** What else was seen, for the log (the metadata answer when it was asked, say). */
  detail?: string
}

/**
 * UUIDs that identify no machine: all zeros, all ones, and the sequence
 * some firmware leaves unset (SMBIOS "Not Settable"/"Not Present" cases).
 */
const DUMMY_UUIDS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
])
const DUMMY_SERIALS =
  /^(|0+|none|not specified|to be filled by o\.e\.m\.|default string|system serial number)$/i
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A usable SMBIOS UUID, lowercased, or null. */
export function usableUuid(raw: string): string | null {
  const u = raw.trim().toLowerCase()
  return UUID.test(u) && !DUMMY_UUIDS.has(u) ? u : null
}

/** A usable serial number, or null. */
export function usableSerial(raw: string): string | null {
  const s = raw.trim()
  return DUMMY_SERIALS.test(s) || !/^[\x21-\x7e ]{1,64}$/.test(s) ? null : s
}

async function read(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return null
  }
}

/** One HTTP request to the metadata address with a deadline; null on any failure. */
async function metadata(
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
  method = 'GET',
): Promise<string | null> {
  try {
    const res = await fetch(`http://${METADATA_ADDRESS}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    })
    if (!res.ok) return null
    const text = (await res.text()).trim()
    return text.length > 0 && text.length <= 128 && /^[\x21-\x7e]+$/.test(text) ? text : null
  } catch {
    return null
  }
}

async function aws(timeoutMs: number): Promise<string | null> {
  const token = await metadata(
    '/latest/api/token',
    { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
    timeoutMs,
    'PUT',
  )
  if (token === null) return null
  return metadata('/latest/meta-data/instance-id', { 'X-aws-ec2-metadata-token': token }, timeoutMs)
}

const gcp = (timeoutMs: number): Promise<string | null> =>
  metadata('/computeMetadata/v1/instance/id', { 'Metadata-Flavor': 'Google' }, timeoutMs)

const azure = (timeoutMs: number): Promise<string | null> =>
  metadata(
    '/metadata/instance/compute/vmId?api-version=2021-02-01&format=text',
    { Metadata: 'true' },
    timeoutMs,
  )

/** The first cloud metadata service that answers, or null after the timeout. */
export async function cloudInstanceId(
  timeoutMs = METADATA_TIMEOUT_MS,
): Promise<{ source: 'aws' | 'gcp' | 'azure'; id: string } | null> {
  const tries: Array<Promise<{ source: 'aws' | 'gcp' | 'azure'; id: string } | null>> = [
    aws(timeoutMs).then((id) => (id === null ? null : { source: 'aws' as const, id })),
    gcp(timeoutMs).then((id) => (id === null ? null : { source: 'gcp' as const, id })),
    azure(timeoutMs).then((id) => (id === null ? null : { source: 'azure' as const, id })),
  ]
  const results = await Promise.all(tries)
  return results.find((r) => r !== null) ?? null
}

export interface LocationOptions {
  /** Root of sysfs (tests). Default /sys. */
  sysRoot?: string
  /** Ask the metadata services when DMI gives nothing. Default true. */
  metadata?: boolean
  metadataTimeoutMs?: number
}

/** The location of this machine (see the order above); throws LOCATION_UNKNOWN when nothing identifies it. */
export async function detectLocation(o: LocationOptions = {}): Promise<Location> {
  const dmi = `${o.sysRoot ?? '/sys'}/class/dmi/id`
  const rawUuid = await read(`${dmi}/product_uuid`)
  const uuid = rawUuid === null ? null : usableUuid(rawUuid)
  if (uuid !== null) return { id: `dmi-uuid:${uuid}`, source: 'dmi-uuid' }
  const rawSerial = await read(`${dmi}/product_serial`)
  const serial = rawSerial === null ? null : usableSerial(rawSerial)
  if (serial !== null) return { id: `dmi-serial:${serial}`, source: 'dmi-serial' }
  if (o.metadata !== false) {
    const cloud = await cloudInstanceId(o.metadataTimeoutMs)
    if (cloud !== null) return { id: `${cloud.source}:${cloud.id}`, source: cloud.source }
  }
  const why =
    rawUuid === null
      ? `${dmi}/product_uuid is unreadable (not root, or no DMI)`
      : `${dmi}/product_uuid holds no usable UUID`
  throw new LocationUnknownError(
    `this machine has no identity VBoom can use: ${why}, no usable serial, and no cloud metadata service answered at ${METADATA_ADDRESS}. Run as root on a VM whose firmware sets an SMBIOS UUID`,
  )
}
