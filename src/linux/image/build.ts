/**
 * `vboom image build`: the stateless image, a kernel and an initramfs that
 * run the stateless agent from RAM.
 *
 * By default from the running system (its kernel /boot/vmlinuz-$(uname -r)
 * and its modules /lib/modules/$(uname -r): under Secure Boot only the
 * distribution's signed kernel can be kexec'd), or from --kernel and
 * --modules (a kernel package extracted elsewhere). The initramfs holds:
 * - the disk, network and filesystem drivers a VM needs (modules.ts) and
 *   their dependencies, decompressed, with the order /init loads them in;
 * - busybox (static) and its applets: /init's shell, mount, insmod, ip;
 * - node (the running one, stripped when `strip` is there) and the
 *   libraries `ldd` lists, at their paths;
 * - the stateless entry bundled with its addon packages (bundle.ts);
 * - /init (init-script.ts).
 * It is a reproducible cpio (cpio.ts) compressed with zstd (the Debian
 * kernel decompresses zstd initramfs: CONFIG_RD_ZSTD).
 *
 * Beside the image it leaves vboom-kexec, VBoom's static kexec helper
 * (compiled when a C compiler is there), which the running system needs.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { release, tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { ImageBuildCode, ImageBuildError } from '../errors.js'
import { verificationInitScript } from '../verification/init-script.js'
import { ANCHOR_KEY_IN_IMAGE } from '../verification/layout.js'
import { appFiles, type ImageFile, type ImageFlavour, projectRoot } from './bundle.js'
import { type CpioEntry, writeCpio } from './cpio.js'
import { isStaticExecutable } from './elf.js'
import { initScript, MODULE_ORDER_FILE } from './init-script.js'
import { sharedLibraries } from './libs.js'
import { CLOUD_DRIVERS, REQUIRED_DRIVERS, readModule, readModuleTree, selectModules } from './modules.js'

type ZstdBinding = typeof import('@toondepauw/node-zstd')

const run = promisify(execFile)

/**
 * Kernel arguments of the stateless image. The last console= is where /init
 * writes (the serial console the clouds show: EC2, GCP and Azure read
 * ttyS0); panic=30 reboots a panicked stateless kernel after 30 s, which
 * lands in the stateless image again while the swap is pending.
 */
export const DEFAULT_STATELESS_CMDLINE = 'console=tty0 console=ttyS0,115200 panic=30 quiet'

/** zstd level 3: the default of the zstd tool; higher levels saved ~10 % here at several times the build time. */
export const DEFAULT_ZSTD_LEVEL = 3

export interface BuildImageOptions {
  out: string
  kernel?: string
  modules?: string
  busybox?: string
  node?: string
  /** Strip node's symbols (when `strip` exists). Default true. */
  strip?: boolean
  zstdLevel?: number
  extraModules?: string[]
  cmdline?: string
  root?: string
  onStep?: (step: string, ms: number) => void
  /**
   * Build the anchor's verification image instead (src/linux/verification/):
   * its entry and /init, the anchor key it answers to built in, no kexec
   * helper. The anchor signs the result (signImageDir).
   */
  verification?: { anchorKey: Uint8Array }
}

export interface ImageReport {
  flavour: ImageFlavour
  kernel: { path: string; version: string; bytes: number }
  initramfs: { path: string; bytes: number; rawBytes: number; files: number }
  cmdline: string
  modules: { count: number; builtin: string[]; absent: string[] }
  node: { path: string; version: string; stripped: boolean; libraries: string[] }
  busybox: string
  packages: string[]
  nativeHashing: boolean
  kexecHelper: string | null
  /** Why the helper was not built, when it was not. */
  kexecHelperNote?: string
  stepsMs: Record<string, number>
  totalMs: number
}

export const IMAGE_FILES = {
  kernel: 'vmlinuz',
  initramfs: 'initramfs.img',
  cmdline: 'cmdline',
  manifest: 'image.json',
  kexecHelper: 'vboom-kexec',
} as const

/** The kernel file and its modules directory (lib/modules/<version>), and the version. */
export async function resolveKernel(o: { kernel?: string; modules?: string }): Promise<{
  kernel: string
  modulesDir: string
  version: string
}> {
  const running = release()
  let modulesDir = o.modules ?? `/lib/modules/${running}`
  if (!existsSync(join(modulesDir, 'kernel'))) {
    // a lib/modules directory holding one version
    const versions = (await readdir(modulesDir).catch(() => [] as string[])).filter((v) =>
      existsSync(join(modulesDir, v, 'kernel')),
    )
    if (versions.length !== 1)
      throw new ImageBuildError(
        ImageBuildCode.MODULES_MISSING,
        `${modulesDir} is not a kernel's modules directory (lib/modules/<version> with kernel/ in it)${versions.length > 1 ? `: it holds ${versions.join(', ')}, name one` : ''}; pass --modules DIR`,
      )
    modulesDir = join(modulesDir, versions[0]!)
  }
  const version = basename(modulesDir)
  const kernel = o.kernel ?? `/boot/vmlinuz-${o.modules === undefined ? running : version}`
  if (!existsSync(kernel))
    throw new ImageBuildError(
      ImageBuildCode.KERNEL_MISSING,
      `${kernel} does not exist; pass the kernel with --kernel FILE (a bzImage, e.g. from the distribution's linux-image package)`,
    )
  return { kernel, modulesDir, version }
}

/** The first static busybox among the usual places (Debian's busybox-static installs /bin/busybox). */
async function findBusybox(given?: string): Promise<string> {
  const candidates = given !== undefined ? [given] : ['/bin/busybox', '/usr/bin/busybox', '/usr/sbin/busybox']
  for (const c of candidates) {
    if (!existsSync(c)) continue
    const head = await readFile(c)
    if (isStaticExecutable(head)) return c
    if (given !== undefined)
      throw new ImageBuildError(
        ImageBuildCode.BUSYBOX_DYNAMIC,
        `${c} is dynamically linked; the image needs a static busybox (apt-get install busybox-static)`,
      )
  }
  throw new ImageBuildError(
    ImageBuildCode.BUSYBOX_MISSING,
    'no static busybox found (/bin/busybox); install it (apt-get install busybox-static) or pass --busybox FILE',
  )
}

async function timed<T>(
  steps: Record<string, number>,
  name: string,
  fn: () => Promise<T>,
  onStep?: (s: string, ms: number) => void,
): Promise<T> {
  const t0 = performance.now()
  const r = await fn()
  steps[name] = Math.round(performance.now() - t0)
  onStep?.(name, steps[name]!)
  return r
}

/** Node, stripped into `work` when asked and possible; returns its path and whether it was stripped. */
async function nodeBinary(
  node: string,
  work: string,
  strip: boolean,
): Promise<{ path: string; stripped: boolean }> {
  if (!strip) return { path: node, stripped: false }
  const out = join(work, 'node')
  try {
    await run('strip', ['-o', out, node])
    return { path: out, stripped: true }
  } catch {
    return { path: node, stripped: false }
  }
}

/** Compiles the kexec helper (static); null with the reason when no compiler or source is there. */
async function buildKexecHelper(root: string, out: string): Promise<{ path: string | null; note?: string }> {
  const src = join(root, 'src', 'linux', 'kexec', 'vboom-kexec.c')
  if (!existsSync(src)) return { path: null, note: `its source ${src} is not in this installation` }
  try {
    await run('cc', ['-static', '-Os', '-s', '-o', out, src])
    return { path: out }
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    return {
      path: null,
      note:
        e.code === 'ENOENT'
          ? 'no C compiler (apt-get install gcc libc6-dev)'
          : `cc failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`,
    }
  }
}

export async function buildImage(o: BuildImageOptions): Promise<ImageReport> {
  const t0 = performance.now()
  const steps: Record<string, number> = {}
  const root = o.root ?? projectRoot()
  const k = await resolveKernel(o)
  const busybox = await findBusybox(o.busybox)
  const nodePath = o.node ?? process.execPath
  await mkdir(o.out, { recursive: true })
  const work = await mkdtemp(join(tmpdir(), 'vboom-image-'))
  try {
    const entries: CpioEntry[] = []
    const dirs = new Set<string>()
    const addDir = (path: string): void => {
      for (let p = path; p !== '.' && p !== '' && p !== '/'; p = dirname(p)) {
        if (dirs.has(p)) break
        dirs.add(p)
        entries.push({ path: p, kind: 'dir' })
      }
    }
    const addFile = (f: ImageFile): void => {
      addDir(dirname(f.path))
      entries.push({ path: f.path, kind: 'file', data: f.data, mode: f.mode })
    }
    for (const d of [
      'bin',
      'sbin',
      'usr/bin',
      'usr/sbin',
      'proc',
      'sys',
      'dev',
      'tmp',
      'run',
      'etc',
      'root',
      'var/tmp',
      'vboom/state',
    ])
      addDir(d)
    entries.push({ path: 'dev/console', kind: 'chardev', major: 5, minor: 1 })
    entries.push({ path: 'dev/null', kind: 'chardev', major: 1, minor: 3, mode: 0o666 })

    // drivers
    const selection = await timed(
      steps,
      'modules',
      async () => {
        const tree = await readModuleTree(k.modulesDir, k.version)
        const sel = await selectModules(tree, REQUIRED_DRIVERS, [...CLOUD_DRIVERS, ...(o.extraModules ?? [])])
        const order: string[] = []
        for (const rel of sel.ordered) {
          const plain = rel.replace(/\.ko\.(zst|xz|gz)$/, '.ko')
          addFile({
            path: `lib/modules/${k.version}/${plain}`,
            data: await readModule(join(k.modulesDir, rel)),
          })
          order.push(plain)
        }
        addFile({ path: MODULE_ORDER_FILE, data: Buffer.from(`${order.join('\n')}\n`) })
        return sel
      },
      o.onStep,
    )

    // userland: busybox, node and its libraries
    const node = await timed(
      steps,
      'userland',
      async () => {
        addFile({ path: 'bin/busybox', data: await readFile(busybox), mode: 0o755 })
        const applets = (await run(busybox, ['--list'])).stdout
          .split('\n')
          .filter((a) => a !== '' && a !== 'busybox')
        for (const a of applets) entries.push({ path: `bin/${a}`, kind: 'symlink', target: 'busybox' })
        const bin = await nodeBinary(nodePath, work, o.strip !== false)
        addFile({ path: 'usr/bin/node', data: await readFile(bin.path), mode: 0o755 })
        const libraries = await sharedLibraries(nodePath)
        for (const lib of libraries)
          addFile({ path: lib.replace(/^\//, ''), data: await readFile(lib), mode: 0o755 })
        const version = (await run(nodePath, ['--version'])).stdout.trim()
        return { stripped: bin.stripped, libraries, version }
      },
      o.onStep,
    )

    // the stateless agent
    const flavour: ImageFlavour = o.verification === undefined ? 'stateless' : 'verification'
    const app = await timed(steps, 'bundle', () => appFiles(root, flavour), o.onStep)
    for (const f of app.files) addFile(f)
    // the addons' own libraries (the BLAKE addon links librt, which node does not): at the same paths
    const carried = new Set(node.libraries)
    for (const f of app.files.filter((f) => f.path.endsWith('.node'))) {
      const copy = join(work, basename(f.path))
      await writeFile(copy, f.data)
      for (const lib of await sharedLibraries(copy))
        if (!carried.has(lib)) {
          carried.add(lib)
          addFile({ path: lib.replace(/^\//, ''), data: await readFile(lib), mode: 0o755 })
        }
    }
    if (o.verification === undefined)
      addFile({ path: 'init', data: Buffer.from(initScript(k.version)), mode: 0o755 })
    else {
      addFile({ path: 'init', data: Buffer.from(verificationInitScript(k.version)), mode: 0o755 })
      addFile({
        path: ANCHOR_KEY_IN_IMAGE,
        data: Buffer.from(
          `${JSON.stringify({ anchorKey: Buffer.from(o.verification.anchorKey).toString('hex') })}\n`,
        ),
      })
    }
    addFile({ path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\n') })
    addFile({ path: 'etc/group', data: Buffer.from('root:x:0:\n') })
    addFile({ path: 'etc/hosts', data: Buffer.from('127.0.0.1 localhost\n::1 localhost\n') })

    // archive and compress
    const initramfsPath = join(o.out, IMAGE_FILES.initramfs)
    const tmpImage = `${initramfsPath}.tmp`
    const rawBytes = await timed(
      steps,
      'archive',
      async () => {
        // One zstd frame over the whole archive (about 100 MiB held in memory while the
        // image is built): the prebuilt binding the swap already carries encodes in one call.
        const { Encoder } = createRequire(import.meta.url)('@toondepauw/node-zstd') as ZstdBinding
        const chunks: Buffer[] = []
        const bytes = await writeCpio(entries, async (chunk) => {
          chunks.push(Buffer.from(chunk))
        })
        const compressed = await new Encoder(o.zstdLevel ?? DEFAULT_ZSTD_LEVEL).encode(Buffer.concat(chunks))
        await writeFile(tmpImage, compressed)
        return bytes
      },
      o.onStep,
    )
    await rename(tmpImage, initramfsPath)

    const kernelOut = join(o.out, IMAGE_FILES.kernel)
    await copyFile(k.kernel, kernelOut)
    const cmdline = o.cmdline ?? DEFAULT_STATELESS_CMDLINE
    await writeFile(join(o.out, IMAGE_FILES.cmdline), `${cmdline}\n`)
    // the verification image is booted by the VM's running system, whose helper the stateless image's build installed
    const helper =
      flavour === 'verification'
        ? { path: null, note: 'not built with the verification image (the stateless image carries it)' }
        : await timed(
            steps,
            'kexec-helper',
            () => buildKexecHelper(root, join(o.out, IMAGE_FILES.kexecHelper)),
            o.onStep,
          )

    const report: ImageReport = {
      flavour,
      kernel: { path: kernelOut, version: k.version, bytes: (await stat(kernelOut)).size },
      initramfs: {
        path: initramfsPath,
        bytes: (await stat(initramfsPath)).size,
        rawBytes,
        files: entries.length,
      },
      cmdline,
      modules: { count: selection.ordered.length, builtin: selection.builtin, absent: selection.absent },
      node: { path: nodePath, version: node.version, stripped: node.stripped, libraries: node.libraries },
      busybox,
      packages: app.packages,
      nativeHashing: app.nativeHashing,
      kexecHelper: helper.path,
      kexecHelperNote: helper.note,
      stepsMs: steps,
      totalMs: Math.round(performance.now() - t0),
    }
    await writeFile(join(o.out, IMAGE_FILES.manifest), `${JSON.stringify(report, null, 2)}\n`)
    return report
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
