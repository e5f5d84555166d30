/**
 * A testnet VM is its disk: an ext4 image of a fixed size holding everything
 * that makes the VM itself, so it moves with a swap:
 *
 *   /vboom/vm.json          name, owner's public key, instance class (never the location)
 *   /vboom/agent.json       the agent's config (needs, ask, anchor...; not its location or addresses)
 *   /vboom/delegation.bin   the owner's signed delegation to the agent key, when given
 *   /vboom/data/            the agent's data dir: node.key (its identity), db/, last-location
 *   /workload/spec.json     the workload's kind and parameters
 *   /workload/...           its state and data
 *
 * Built with `mkfs.ext4 -d` (no root, no mount), 4 KiB blocks like the swap's.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { privateKeyFromProtobuf, privateKeyFromRaw, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { z } from 'zod'
import type { AgentConfigInput } from '../../node/config.js'
import { publicKeyOf } from '../../protocols/signing.js'
import { VmDiskError, VmDiskErrorCode } from './errors.js'

/** ext4 block size of VM disks, bytes: the swap's default block, so equal files line up as equal blocks. */
const VM_FS_BLOCK_BYTES = 4096

export interface InstanceClassJson {
  vcpus: number
  memoryBytes: number
  diskBytes: number
}

/** What /vboom/vm.json says: the VM's identity, never where it runs. */
export interface VmIdentity {
  name: string
  /** The owner's Ed25519 public key. */
  owner: Uint8Array
  instanceClass: InstanceClassJson
}

export interface VmDiskSpec {
  identity: VmIdentity
  /** The agent's secret key (32-byte Ed25519 seed): its node.key, so the VM's peer id is known before it boots. */
  agentSecretKey: Uint8Array
  /** The agent's config; `location`, `listen` and `announce` come from the host it runs on. */
  agent: Omit<AgentConfigInput, 'location' | 'listen' | 'announce'>
  /** The owner's SignedDelegation to the agent key. */
  delegation?: Uint8Array
  /** /workload/spec.json; none: the VM runs no workload. */
  workload?: Record<string, unknown>
  /** More files, by path under the VM's root (e.g. a workload's data). */
  files?: Record<string, Uint8Array | string>
}

const VmJsonSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1).max(64),
  owner: z.string().regex(/^[0-9a-f]{64}$/, 'must be 32 bytes of hex'),
  instanceClass: z.strictObject({
    vcpus: z.number().int().positive(),
    memoryBytes: z.number().int().positive(),
    diskBytes: z.number().int().positive(),
  }),
})

/** Runs a tool, its error as VmDiskError TOOL_FAILED with its stderr. */
export function runTool(cmd: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout)
      reject(
        new VmDiskError(
          VmDiskErrorCode.TOOL_FAILED,
          `${what}: ${cmd} failed: ${String(stderr).trim() || err.message}; is e2fsprogs installed?`,
          { cause: err },
        ),
      )
    })
  })
}

/**
 * Writes `tree` into `image` as a fresh ext4 filesystem of `bytes`, atomically:
 * built beside it, fsynced, renamed over it. A crash leaves the old image or
 * the new one.
 */
export async function writeTreeToImage(tree: string, image: string, bytes: number): Promise<void> {
  const building = `${image}.building`
  await rm(building, { force: true })
  try {
    await runTool(
      'mkfs.ext4',
      ['-q', '-F', '-b', String(VM_FS_BLOCK_BYTES), '-m', '0', '-d', tree, building, `${bytes / 1024}k`],
      `writing the VM's tree into ${image}`,
    )
    await fsyncPath(building)
    await rename(building, image)
    await fsyncPath(dirname(image))
  } catch (err) {
    await rm(building, { force: true })
    if (err instanceof VmDiskError && /Could not allocate|No space left|too big/i.test(err.message))
      throw new VmDiskError(
        VmDiskErrorCode.TOO_SMALL,
        `the VM's files do not fit a ${bytes}-byte disk; give the VMs larger disks`,
        { cause: err },
      )
    throw err
  }
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** The agent's node.key (libp2p protobuf) of a 32-byte seed, and its peer id. */
export function agentKeyFile(seed: Uint8Array): { bytes: Uint8Array; peerId: string } {
  const raw = new Uint8Array(64)
  raw.set(seed)
  raw.set(publicKeyOf(seed), 32)
  const key = privateKeyFromRaw(raw)
  return { bytes: privateKeyToProtobuf(key), peerId: peerIdFromPrivateKey(key).toString() }
}

/** Builds a VM's disk image of `bytes` (a multiple of 4096) at `image` from its identity. */
export async function buildVmDisk(image: string, bytes: number, spec: VmDiskSpec): Promise<void> {
  const tree = await mkdtemp(join(dirname(image), '.vm-tree-'))
  try {
    const put = async (path: string, data: Uint8Array | string, mode = 0o644): Promise<void> => {
      const full = join(tree, path)
      await mkdir(dirname(full), { recursive: true })
      await writeFile(full, data, { mode })
    }
    const vm: z.input<typeof VmJsonSchema> = {
      version: 1,
      name: spec.identity.name,
      owner: Buffer.from(spec.identity.owner).toString('hex'),
      instanceClass: spec.identity.instanceClass,
    }
    VmJsonSchema.parse(vm)
    await put('vboom/vm.json', `${JSON.stringify(vm, null, 1)}\n`)
    await put('vboom/agent.json', `${JSON.stringify(spec.agent, null, 1)}\n`)
    if (spec.delegation !== undefined) await put('vboom/delegation.bin', spec.delegation)
    await mkdir(join(tree, 'vboom', 'data'), { recursive: true, mode: 0o700 })
    await put('vboom/data/node.key', agentKeyFile(spec.agentSecretKey).bytes, 0o600)
    if (spec.workload !== undefined)
      await put('workload/spec.json', `${JSON.stringify(spec.workload, null, 1)}\n`)
    for (const [path, data] of Object.entries(spec.files ?? {})) await put(path, data)
    await writeTreeToImage(tree, image, bytes)
  } finally {
    await rm(tree, { recursive: true, force: true })
  }
}

/** A VM's identity as its supervisor shows it. */
export interface VmOnDisk {
  name: string
  owner: string
  instanceClass: InstanceClassJson
  agentPeerId: string | null
}

/** Reads /vboom/vm.json (and the agent's peer id) under a VM's root; throws VmDiskError NO_VM or BAD_IDENTITY. */
export async function readVmIdentity(root: string): Promise<VmOnDisk> {
  let text: string
  try {
    text = await readFile(join(root, 'vboom', 'vm.json'), 'utf8')
  } catch (err) {
    throw new VmDiskError(VmDiskErrorCode.NO_VM, `the disk holds no VM (no /vboom/vm.json under ${root})`, {
      cause: err,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new VmDiskError(
      VmDiskErrorCode.BAD_IDENTITY,
      `/vboom/vm.json is not JSON: ${(err as Error).message}`,
    )
  }
  const r = VmJsonSchema.safeParse(json)
  if (!r.success) {
    const first = r.error.issues[0]
    throw new VmDiskError(
      VmDiskErrorCode.BAD_IDENTITY,
      `/vboom/vm.json: ${first?.path.join('.') || '(top level)'}: ${first?.message ?? 'invalid'}`,
    )
  }
  let agentPeerId: string | null = null
  try {
    const key = privateKeyFromProtobuf(await readFile(join(root, 'vboom', 'data', 'node.key')))
    agentPeerId = peerIdFromPrivateKey(key).toString()
  } catch {
    // no key yet: the agent makes one at its first start
  }
  return { name: r.data.name, owner: r.data.owner, instanceClass: r.data.instanceClass, agentPeerId }
}

/** The image's size, bytes. */
export async function imageBytes(image: string): Promise<number> {
  return (await stat(image)).size
}
