/**
 * What the qemu tests need from the machine, and the Debian kernel they boot.
 * The guests run Debian's kernel (extracted from its package, not
 * installed): the host's own kernel may have no modules, and the image build
 * must work from a kernel package as it would from a VM's /boot.
 * Downloads are kept in a cache under a temp dir (VBOOM_QEMU_CACHE, default
 * /var/tmp/vboom-qemu-cache) across runs.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { access, constants, mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isStaticExecutable } from '../../../src/linux/image/elf.js'

const run = promisify(execFile)

export const CACHE = process.env.VBOOM_QEMU_CACHE ?? '/var/tmp/vboom-qemu-cache'
export const MBR_BIN = '/usr/lib/syslinux/mbr/mbr.bin'

async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    try {
      await access(join(dir, cmd), constants.X_OK)
      return true
    } catch {}
  }
  return false
}

/** Why the qemu tests cannot run here, or null. */
export async function qemuSkipReason(): Promise<string | null> {
  if (process.platform !== 'linux') return 'the qemu tests run on Linux'
  if (process.getuid?.() !== 0)
    return "the qemu tests run as root, as CI does (apt-get download of Debian's kernel into a shared cache)"
  const tools: Array<[string, string]> = [
    ['qemu-system-x86_64', 'qemu-system-x86'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['debugfs', 'e2fsprogs'],
    ['mkfs.fat', 'dosfstools'],
    ['mcopy', 'mtools'],
    ['syslinux', 'syslinux'],
    ['cc', 'gcc'],
    ['apt-get', 'apt'],
    ['dpkg-deb', 'dpkg'],
  ]
  for (const [cmd, pkg] of tools)
    if (!(await onPath(cmd))) return `${cmd} is missing (apt-get install ${pkg})`
  if (!existsSync(MBR_BIN)) return `${MBR_BIN} is missing (apt-get install syslinux-common)`
  if (!existsSync('/bin/busybox') && !existsSync('/usr/bin/busybox'))
    return 'busybox is missing (apt-get install busybox-static)'
  if (!existsSync('/usr/lib/x86_64-linux-gnu/libc.a'))
    return 'static libc is missing (apt-get install libc6-dev)'
  return null
}

export interface DebianKernel {
  kernel: string
  /** lib/modules/<version> of the extracted package. */
  modulesDir: string
  version: string
}

/**
 * Debian's current amd64 kernel (linux-image-amd64's dependency), fetched
 * with `apt-get download` and unpacked with `dpkg-deb -x` into the cache.
 */
export async function debianKernel(cache = CACHE): Promise<DebianKernel> {
  const depends = (await run('apt-cache', ['depends', 'linux-image-amd64'])).stdout
  const pkg = depends.match(/Depends: (linux-image-[0-9][^\s]*)/)?.[1]
  if (pkg === undefined) throw new Error('apt-cache does not name the kernel package of linux-image-amd64')
  const version = pkg.replace(/^linux-image-/, '')
  const dir = join(cache, `kernel-${version}`)
  const kernel = join(dir, 'boot', `vmlinuz-${version}`)
  const modulesDir = join(dir, 'lib', 'modules', version)
  if (existsSync(kernel) && existsSync(join(modulesDir, 'modules.builtin')))
    return { kernel, modulesDir, version }
  const debs = join(cache, 'debs')
  await mkdir(debs, { recursive: true })
  if (!(await readdir(debs)).some((f) => f.startsWith(`${pkg}_`)))
    await run('apt-get', ['download', '-q', pkg], { cwd: debs, maxBuffer: 16 * 2 ** 20 })
  const deb = (await readdir(debs)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'))
  if (deb === undefined) throw new Error(`apt-get download ${pkg} left no .deb in ${debs}`)
  await rm(dir, { recursive: true, force: true })
  await run('dpkg-deb', ['-x', join(debs, deb), dir])
  return { kernel, modulesDir, version }
}

/** The static busybox of the host. */
export async function staticBusybox(): Promise<string> {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (!existsSync(p)) continue
    if (isStaticExecutable(await readFile(p))) return p
  }
  throw new Error('no static busybox (apt-get install busybox-static)')
}
