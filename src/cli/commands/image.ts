import type { Command } from 'commander'
import { UsageError } from '../../protocols/errors.js'

interface BuildFlags {
  out: string
  kernel?: string
  modules?: string
  busybox?: string
  node?: string
  module?: string[]
  cmdline?: string
  zstdLevel: string
  strip: boolean
  json?: boolean
  verification?: boolean
  anchorDir?: string
  validDays: string
}

const MiB = 2 ** 20

export function registerImage(program: Command): void {
  const image = program.command('image').description("the stateless image a VM's disk swap runs from (Linux)")
  image
    .command('build')
    .description(
      "build the stateless image (kernel + initramfs with busybox, node and the stateless agent) from the running system's kernel and modules, or from --kernel and --modules",
    )
    .requiredOption('-o, --out <dir>', 'where vmlinuz, initramfs.img, cmdline, image.json and vboom-kexec go')
    .option('--kernel <file>', 'kernel image (bzImage); default /boot/vmlinuz-$(uname -r)')
    .option(
      '--modules <dir>',
      "the kernel's modules (lib/modules/<version>); default /lib/modules/$(uname -r)",
    )
    .option('--busybox <file>', 'a static busybox; default /bin/busybox (busybox-static)')
    .option('--node <file>', 'the node binary to carry; default the one running this command')
    .option('--module <name...>', 'more kernel modules to include (with their dependencies)')
    .option('--cmdline <args>', 'kernel arguments of the stateless image')
    .option('--zstd-level <n>', 'zstd compression level of the initramfs', '3')
    .option('--no-strip', "keep node's symbols")
    .option('--json', 'print the build report as JSON')
    .option(
      '--verification',
      "build the anchor's verification image instead (answers only the anchor; needs --anchor-dir), signed by the anchor",
    )
    .option(
      '--anchor-dir <dir>',
      "the anchor's data dir: its key is built into the verification image and signs it",
    )
    .option('--valid-days <n>', "how long the verification image's signature is valid", '30')
    .action(async (flags: BuildFlags) => {
      const level = Number(flags.zstdLevel)
      if (!Number.isInteger(level) || level < 1 || level > 19)
        throw new UsageError(
          'BAD_FLAG',
          `--zstd-level must be a whole number from 1 to 19, got "${flags.zstdLevel}"`,
        )
      const days = Number(flags.validDays)
      if (!Number.isFinite(days) || days <= 0 || days > 366)
        throw new UsageError(
          'BAD_FLAG',
          `--valid-days must be a number of days from 1 to 366, got "${flags.validDays}"`,
        )
      if (flags.verification === true && flags.anchorDir === undefined)
        throw new UsageError(
          'BAD_FLAG',
          "--verification needs --anchor-dir DIR (the anchor's data dir, whose key the image answers to and is signed with)",
        )
      if (flags.verification !== true && flags.anchorDir !== undefined)
        throw new UsageError('BAD_FLAG', '--anchor-dir is for --verification images only')
      const anchor =
        flags.anchorDir === undefined
          ? undefined
          : await (await import('../../anchor/key.js')).loadAnchorKey(flags.anchorDir)
      const { buildImage } = await import('../../linux/image/build.js')
      const r = await buildImage({
        verification: anchor === undefined ? undefined : { anchorKey: anchor.publicKey },
        out: flags.out,
        kernel: flags.kernel,
        modules: flags.modules,
        busybox: flags.busybox,
        node: flags.node,
        extraModules: flags.module,
        cmdline: flags.cmdline,
        zstdLevel: level,
        strip: flags.strip,
      })
      let signedUntil: string | null = null
      if (anchor !== undefined) {
        const { signImageDir } = await import('../../linux/boot-image/sign-dir.js')
        const signed = await signImageDir(flags.out, {
          secretKey: anchor.secretKey,
          purpose: 'verification',
          notAfter: Date.now() + Math.round(days * 24 * 3600_000),
        })
        signedUntil = new Date(signed.notAfter).toISOString()
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...r, signedUntil }, null, 2)}\n`)
        return
      }
      const steps = Object.entries(r.stepsMs)
        .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
        .join(', ')
      process.stdout.write(
        [
          `${r.flavour} image in ${flags.out} (${(r.totalMs / 1000).toFixed(1)} s: ${steps})`,
          `  kernel     ${r.kernel.version}, ${(r.kernel.bytes / MiB).toFixed(1)} MiB`,
          `  initramfs  ${(r.initramfs.bytes / MiB).toFixed(1)} MiB zstd (${(r.initramfs.rawBytes / MiB).toFixed(1)} MiB, ${r.initramfs.files} entries)`,
          `  modules    ${r.modules.count}${r.modules.builtin.length > 0 ? `, built in: ${r.modules.builtin.join(' ')}` : ''}${r.modules.absent.length > 0 ? `; not in this kernel: ${r.modules.absent.join(' ')}` : ''}`,
          `  node       ${r.node.version}${r.node.stripped ? ' (stripped)' : ''}, ${r.node.libraries.length} libraries`,
          `  addons     ${r.packages.join(' ') || 'none'}; batched BLAKE3 ${r.nativeHashing ? 'included' : 'not built (npm run build:native)'}`,
          `  kexec      ${r.kexecHelper ?? `helper not built: ${r.kexecHelperNote}`}`,
          ...(signedUntil === null
            ? []
            : [`  signed     by the anchor for verification, valid until ${signedUntil}`]),
          '',
        ].join('\n'),
      )
    })
}
