import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Command } from 'commander'
import { UsageError } from '../../protocols/errors.js'

const run = promisify(execFile)

interface InstallFlags {
  check?: boolean
  image?: string
  createReserve?: boolean
  disk?: string
  reserveBootMib: string
  reserveStateMib: string
  enable?: boolean
  root?: string
}

function mib(v: string, flag: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError('BAD_FLAG', `${flag} must be a positive whole number of MiB, got "${v}"`)
  return n * 2 ** 20
}

export function registerInstall(program: Command): void {
  program
    .command('install')
    .description(
      "install the agent on this Linux VM (systemd unit, data dir, kexec helper) and check what a swap needs; with --create-reserve, also add the location's reserve at the end of the boot disk",
    )
    .option(
      '--check',
      'only check this machine (root, location, kexec, reserve, config, delegation); change nothing',
    )
    .option(
      '--image <dir>',
      'the stateless image from vboom image build (its kexec helper is installed; the reserve gets its kernel and initramfs)',
    )
    .option(
      '--create-reserve',
      'add the reserve (two partitions) in free space at the end of the boot disk; needs --image',
    )
    .option('--disk <path>', 'the boot disk for --create-reserve (default: the disk holding /)')
    .option('--reserve-boot-mib <n>', "size of the reserve's boot partition", '96')
    .option(
      '--reserve-state-mib <n>',
      "size of the reserve's state partition (see the guide: manifests, staging)",
      '256',
    )
    .option('--enable', 'also run systemctl daemon-reload and enable --now the agent')
    .option('--root <dir>', 'write the files under this directory instead of / (packaging, tests)')
    .action(async (flags: InstallFlags) => {
      const { preflight, installAgent, INSTALL_PATHS, UNIT_NAME } = await import('../../linux/install.js')
      const report = async (): Promise<boolean> => {
        const items = await preflight({ root: flags.root })
        for (const i of items)
          process.stdout.write(`${i.ok ? 'ok  ' : 'MISS'} ${i.what.padEnd(13)} ${i.detail}\n`)
        return items.every((i) => i.ok)
      }
      if (flags.check) {
        process.exitCode = (await report()) ? 0 : 1
        return
      }
      if (flags.createReserve) {
        if (flags.image === undefined)
          throw new UsageError('BAD_FLAG', '--create-reserve needs --image DIR (from vboom image build)')
        const { createReserve } = await import('../../linux/reserve/create.js')
        const { IMAGE_FILES } = await import('../../linux/image/build.js')
        const { readFile } = await import('node:fs/promises')
        let disk = flags.disk
        if (disk === undefined) {
          // the whole disk holding /: findmnt's source, then its parent (lsblk PKNAME)
          const src = (await run('findmnt', ['-n', '-o', 'SOURCE', '/'])).stdout.trim()
          const parent = (await run('lsblk', ['-n', '-o', 'PKNAME', src])).stdout.trim()
          disk = `/dev/${parent}`
        }
        const img = resolve(flags.image)
        const layout = await createReserve({
          disk,
          image: {
            kernel: join(img, IMAGE_FILES.kernel),
            initramfs: join(img, IMAGE_FILES.initramfs),
            cmdline: (await readFile(join(img, IMAGE_FILES.cmdline), 'utf8')).trim(),
          },
          bootBytes: mib(flags.reserveBootMib, '--reserve-boot-mib'),
          stateBytes: mib(flags.reserveStateMib, '--reserve-state-mib'),
        })
        process.stdout.write(
          `reserve created on ${disk}: partitions ${layout.boot.index} (boot) and ${layout.state.index} (state); the swap covers the first ${(layout.swapBytes / 2 ** 20).toFixed(0)} MiB. Make the kernel read the new table: partx -a ${disk}\n`,
        )
      }
      const cli = fileURLToPath(new URL('../main.js', import.meta.url))
      const helper = flags.image === undefined ? undefined : join(resolve(flags.image), 'vboom-kexec')
      const written = await installAgent({
        root: flags.root,
        node: process.execPath,
        cli,
        kexecHelper: helper !== undefined && existsSync(helper) ? helper : undefined,
      })
      process.stdout.write(`wrote ${written.join(', ')}\n`)
      if (flags.enable && flags.root === undefined) {
        await run('systemctl', ['daemon-reload'])
        await run('systemctl', ['enable', '--now', UNIT_NAME])
        process.stdout.write(`enabled and started ${UNIT_NAME}\n`)
      } else {
        process.stdout.write(
          `next: put the config at ${INSTALL_PATHS.config} and the delegation at ${INSTALL_PATHS.delegation}, then systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}\n`,
        )
      }
      if (!(await report())) process.stdout.write('some checks failed: this VM cannot swap until they pass\n')
    })
}
