/**
 * Pieces the qemu tests share: the normal system's program bundled for the
 * VM, the stateless image built with `vboom image build`, and reading files
 * of the reserve's state partition from the host (debugfs on the image file
 * at the partition's offset: no mount).
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import type { ReserveLayout } from '../../../src/linux/reserve/layout.js'
import { vboom } from '../../cli/helpers.js'
import type { DebianKernel } from './env.js'

const run = promisify(execFile)
const HERE = fileURLToPath(new URL('.', import.meta.url))

/** The normal system's program (fixtures/normal-main.ts) as one ES module. */
export function bundleNormalProgram(): Promise<Uint8Array> {
  return bundleFixture('normal-main.ts')
}

/** A program of fixtures/ as one ES module, to run as a VM's normal system. */
export async function bundleFixture(file: string): Promise<Uint8Array> {
  const r = await build({
    entryPoints: [join(HERE, 'fixtures', file)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: ['@napi-rs/*', 'zstd-napi', 'classic-level'],
    banner: {
      js: "import { createRequire as __vboomRequire } from 'node:module'; const require = __vboomRequire(import.meta.url);",
    },
    logLevel: 'silent',
  })
  return r.outputFiles[0]!.contents
}

export interface BuiltImage {
  dir: string
  kernel: string
  initramfs: string
  cmdline: string
  kexecHelper: string
  report: {
    totalMs: number
    initramfs: { bytes: number; rawBytes: number }
    kernel: { bytes: number }
    stepsMs: Record<string, number>
  }
}

/** `vboom image build` from Debian's kernel package. */
export async function buildStatelessImage(kernel: DebianKernel, dir: string): Promise<BuiltImage> {
  const r = await vboom(
    ['image', 'build', '--out', dir, '--kernel', kernel.kernel, '--modules', kernel.modulesDir, '--json'],
    600_000,
  )
  if (r.code !== 0) throw new Error(`vboom image build failed (${r.code}): ${r.stderr}`)
  const report = JSON.parse(r.stdout) as BuiltImage['report'] & { kexecHelper: string | null }
  if (report.kexecHelper === null) throw new Error('vboom image build did not build the kexec helper')
  return {
    dir,
    kernel: join(dir, 'vmlinuz'),
    initramfs: join(dir, 'initramfs.img'),
    cmdline: (await readFile(join(dir, 'cmdline'), 'utf8')).trim(),
    kexecHelper: report.kexecHelper,
    report,
  }
}

const fsSpec = (disk: string, layout: ReserveLayout): string =>
  `${disk}?offset=${layout.state.startLba * 512}`

/** A file of the reserve's state partition, read from the host. */
export async function readStateFile(disk: string, layout: ReserveLayout, path: string): Promise<Buffer> {
  const r = await run('debugfs', ['-R', `cat /${path}`, fsSpec(disk, layout)], {
    encoding: 'buffer',
    maxBuffer: 64 * 2 ** 20,
  })
  return r.stdout
}

/** Names in a directory of the reserve's state partition. */
export async function listStateDir(disk: string, layout: ReserveLayout, path: string): Promise<string[]> {
  const r = await run('debugfs', ['-R', `ls -p /${path}`, fsSpec(disk, layout)])
  // ls -p: /inode/mode/uid/gid/name/size/
  return r.stdout
    .split('\n')
    .map((l) => l.split('/')[5])
    .filter((n): n is string => n !== undefined && n !== '' && n !== '.' && n !== '..')
}
