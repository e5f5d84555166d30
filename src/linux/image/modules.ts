/**
 * Which kernel modules go into the stateless image, from a modules tree
 * (/lib/modules/<version>, or one extracted from a distribution's kernel
 * package, which has no modules.dep): the drivers a VM needs to reach its
 * disk and its network on the usual clouds, and everything they depend on,
 * read from each module's own .modinfo (`depends=`, and `softdep=` pre
 * modules such as ext4's crc32c), so no depmod or kmod is needed at build
 * time. /init loads them with insmod in the order given here, dependencies
 * first; a driver whose hardware is absent fails to load and is skipped.
 */
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { ImageBuildCode, ImageBuildError } from '../errors.js'

import { modinfo } from './elf.js'

type ZstdBinding = typeof import('@toondepauw/node-zstd')

const run = promisify(execFile)

/** Drivers without which the stateless image cannot work on a virtio or NVMe VM (each: built in, or a module). */
export const REQUIRED_DRIVERS = ['virtio_pci', 'virtio_blk', 'virtio_net', 'nvme', 'ext4']

/**
 * Drivers of the usual clouds' disks and NICs, taken when the kernel has
 * them: virtio-scsi (GCP's default disk bus), AWS ENA and Xen front-ends,
 * GCP gVNIC, Hyper-V (Azure) storage and network, VMware, emulated e1000
 * and AHCI/PIIX disks, the virtio RNG (entropy early in boot), crc32c
 * implementations (ext4's checksums).
 */
export const CLOUD_DRIVERS = [
  'virtio_scsi',
  'sd_mod',
  'virtio_rng',
  'ena',
  'xen_blkfront',
  'xen_netfront',
  'gve',
  'hv_vmbus',
  'hv_storvsc',
  'hv_netvsc',
  'vmxnet3',
  'vmw_pvscsi',
  'e1000',
  'e1000e',
  'ahci',
  'ata_piix',
  'crc32c_generic',
  'crc32c_intel',
]

/** Module aliases used as softdeps that name no module file: the implementations to take instead. */
const SOFTDEP_ALIASES: Record<string, string[]> = {
  crc32c: ['crc32c_generic', 'crc32c_intel'],
  crypto_crc32c: ['crc32c_generic', 'crc32c_intel'],
  crct10dif: ['crct10dif_generic', 'crct10dif_pclmul'],
}

/** Module names compare with `-` and `_` as one (the kernel's rule). */
export const normalize = (name: string): string => name.replace(/-/g, '_')

const KO = /\.ko(\.(zst|xz|gz))?$/

export interface ModuleTree {
  /** /lib/modules/<version>. */
  dir: string
  version: string
  /** normalized name -> path relative to `dir`. */
  files: Map<string, string>
  /** normalized names built into the kernel (modules.builtin). */
  builtin: Set<string>
}

async function walk(dir: string, base: string, out: Map<string, string>): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) await walk(p, base, out)
    else if (KO.test(e.name)) out.set(normalize(e.name.replace(KO, '')), relative(base, p))
  }
}

/** Indexes a modules tree (`dir` is /lib/modules/<version>). */
export async function readModuleTree(dir: string, version: string): Promise<ModuleTree> {
  const files = new Map<string, string>()
  try {
    await walk(join(dir, 'kernel'), dir, files)
  } catch (err) {
    throw new ImageBuildError(
      ImageBuildCode.MODULES_MISSING,
      `${dir}/kernel cannot be read (${(err as Error).message}); pass the modules of the kernel with --modules DIR (its lib/modules/<version>)`,
      { cause: err },
    )
  }
  const builtin = new Set<string>()
  const list = await readFile(join(dir, 'modules.builtin'), 'utf8').catch(() => '')
  for (const line of list.split('\n')) {
    const name = line.trim().split('/').pop()
    if (name !== undefined && name !== '') builtin.add(normalize(name.replace(KO, '')))
  }
  return { dir, version, files, builtin }
}

/** A module file's bytes, decompressed (.ko.zst, .ko.xz, .ko.gz as distributions ship them). */
export async function readModule(path: string): Promise<Uint8Array> {
  const raw = await readFile(path)
  if (path.endsWith('.ko')) return raw
  if (path.endsWith('.gz')) return gunzipSync(raw)
  if (path.endsWith('.zst')) {
    const { Decoder } = createRequire(import.meta.url)('@toondepauw/node-zstd') as ZstdBinding
    return new Decoder().decodeSync(raw)
  }
  try {
    return (await run('xz', ['-dc', path], { encoding: 'buffer', maxBuffer: 256 * 2 ** 20 })).stdout
  } catch (err) {
    throw new ImageBuildError(
      ImageBuildCode.TOOL_FAILED,
      `cannot decompress ${path} (xz): ${(err as Error).message}; install xz-utils`,
      { cause: err },
    )
  }
}

/** Dependencies of a module: `depends=` and the `pre:` part of `softdep=`. */
export function dependenciesOf(info: Array<[string, string]>): { hard: string[]; soft: string[] } {
  const hard: string[] = []
  const soft: string[] = []
  for (const [k, v] of info) {
    if (k === 'depends' && v !== '') hard.push(...v.split(',').map(normalize))
    if (k === 'softdep') {
      const m = v.match(/pre:\s*([^:]*?)(\s+post:|$)/)
      if (m?.[1] !== undefined) soft.push(...m[1].trim().split(/\s+/).filter(Boolean).map(normalize))
    }
  }
  return { hard, soft }
}

export interface ModuleSelection {
  /** Paths relative to the tree's dir, dependencies first. */
  ordered: string[]
  /** Wanted drivers that are built into the kernel. */
  builtin: string[]
  /** Optional drivers this kernel has neither built in nor as a module. */
  absent: string[]
}

/**
 * The modules for `required` and `optional` drivers with their dependency
 * closure. Throws DRIVER_MISSING when a required driver is neither built in
 * nor a module.
 */
export async function selectModules(
  tree: ModuleTree,
  required: string[] = REQUIRED_DRIVERS,
  optional: string[] = CLOUD_DRIVERS,
): Promise<ModuleSelection> {
  const ordered: string[] = []
  const builtin: string[] = []
  const absent: string[] = []
  const done = new Set<string>()
  const visiting = new Set<string>()
  const visit = async (name: string, wanted: 'required' | 'optional' | 'dependency'): Promise<void> => {
    const n = normalize(name)
    if (done.has(n) || visiting.has(n)) return
    const rel = tree.files.get(n)
    if (rel === undefined) {
      if (tree.builtin.has(n)) {
        if (wanted !== 'dependency') builtin.push(n)
        done.add(n)
        return
      }
      const alias = SOFTDEP_ALIASES[n]
      if (alias !== undefined) {
        for (const a of alias) await visit(a, 'optional')
        done.add(n)
        return
      }
      if (wanted === 'required')
        throw new ImageBuildError(
          ImageBuildCode.DRIVER_MISSING,
          `the kernel ${tree.version} has no ${n} driver (neither built in nor in ${tree.dir}); build the image from a kernel that has it`,
        )
      if (wanted === 'optional') absent.push(n)
      else
        throw new ImageBuildError(
          ImageBuildCode.DRIVER_MISSING,
          `a module of ${tree.version} depends on ${n}, which is missing from ${tree.dir}; the modules tree is incomplete`,
        )
      done.add(n)
      return
    }
    visiting.add(n)
    const deps = dependenciesOf(modinfo(await readModule(join(tree.dir, rel))))
    for (const d of deps.hard) await visit(d, 'dependency')
    for (const d of deps.soft) await visit(d, 'optional')
    visiting.delete(n)
    done.add(n)
    ordered.push(rel)
  }
  for (const r of required) await visit(r, 'required')
  for (const o of optional) await visit(o, 'optional')
  return { ordered, builtin, absent }
}
