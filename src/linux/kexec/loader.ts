/**
 * Loading a kernel for kexec and jumping into it, with VBoom's static helper
 * (vboom-kexec.c, kexec_file_load(2)) or kexec-tools, whichever is there
 * (the helper first: its errno is exact, kexec-tools only prints text).
 *
 * The load comes first and on its own: it changes nothing on the machine
 * (a loaded image is dropped by `unload` or by a normal reboot), so the
 * platform loads before it writes anything, and a refusal (lockdown, a
 * disabled kexec) leaves the machine as it was.
 */
import { execFile, spawn } from 'node:child_process'
import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { KexecUnavailableCode, KexecUnavailableError } from '../errors.js'
import type { Lockdown } from './capability.js'

const run = promisify(execFile)

export interface KexecTool {
  kind: 'vboom-kexec' | 'kexec-tools'
  path: string
}

/** Where `vboom install` puts the helper, and where the image build leaves it. */
export const KEXEC_HELPER_PATHS = ['/usr/local/lib/vboom/vboom-kexec', '/usr/lib/vboom/vboom-kexec']

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  )
}

/** The helper at one of `helperPaths`, else kexec-tools' `kexec` on PATH, else null. */
export async function findKexecTool(helperPaths: string[] = KEXEC_HELPER_PATHS): Promise<KexecTool | null> {
  for (const p of helperPaths) if (await executable(p)) return { kind: 'vboom-kexec', path: p }
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const p = join(dir, 'kexec')
    if (await executable(p)) return { kind: 'kexec-tools', path: p }
  }
  return null
}

export function toolMissing(): KexecUnavailableError {
  return new KexecUnavailableError(
    KexecUnavailableCode.TOOL_MISSING,
    `no kexec tool: neither VBoom's helper (${KEXEC_HELPER_PATHS.join(' or ')}) nor kexec-tools' kexec on PATH. Run vboom install (it installs the helper) or apt-get install kexec-tools; nothing was changed`,
  )
}

/** errno values of a refused signature check (keys.h, errno-base.h). */
const SIGNATURE_ERRNOS = new Set([
  74 /* EBADMSG */, 126 /* ENOKEY */, 128 /* EKEYREVOKED */, 129 /* EKEYREJECTED */, 65 /* ENOPKG */,
])
const EPERM = 1
const ENOSYS = 38

/** What a failed load means, from the helper's errno (or kexec-tools' text) and the lockdown mode. */
export function loadFailure(
  errno: number | null,
  detail: string,
  lockdown: Lockdown | null,
): KexecUnavailableError {
  const locked = lockdown !== null && lockdown !== 'none'
  if ((errno !== null && SIGNATURE_ERRNOS.has(errno)) || (locked && (errno === EPERM || errno === null)))
    return new KexecUnavailableError(
      KexecUnavailableCode.LOCKDOWN,
      `the kernel is in lockdown (${lockdown ?? 'signature enforcement'}, usually UEFI Secure Boot) and refused the stateless kernel (${detail}): under lockdown only a kernel signed with a key the running kernel trusts can be kexec'd. Build the stateless image from the distribution's signed kernel (vboom image build uses the running kernel by default), or disable Secure Boot; nothing was changed`,
    )
  if (errno === ENOSYS)
    return new KexecUnavailableError(
      KexecUnavailableCode.NOT_BUILT,
      `the kernel has no kexec_file_load (${detail}); boot a kernel with CONFIG_KEXEC_FILE, or install kexec-tools; nothing was changed`,
    )
  if (errno === EPERM)
    return new KexecUnavailableError(
      KexecUnavailableCode.DISABLED,
      `the kernel refused kexec (${detail}): kexec_load_disabled is set or a security module forbids it; find what forbids it, then reboot; nothing was changed`,
    )
  return new KexecUnavailableError(
    KexecUnavailableCode.LOAD_FAILED,
    `the kernel refused to load the stateless image (${detail}); check that the kernel file is a bzImage and that the machine has RAM for the initramfs (dmesg says more); nothing was changed`,
  )
}

/** Loads `kernel` + `initrd` with `cmdline` for the next kexec; throws KexecUnavailableError on refusal. */
export async function loadKexec(
  tool: KexecTool,
  img: { kernel: string; initrd: string; cmdline: string },
  lockdown: Lockdown | null,
): Promise<void> {
  try {
    if (tool.kind === 'vboom-kexec') await run(tool.path, ['load', img.kernel, img.initrd, img.cmdline])
    else
      await run(tool.path, [
        '-s',
        '-l',
        img.kernel,
        `--initrd=${img.initrd}`,
        `--command-line=${img.cmdline}`,
      ])
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    const text = (e.stderr ?? e.message).trim()
    const m = text.match(/errno=(\d+)/)
    throw loadFailure(m === null ? null : Number(m[1]), text, lockdown)
  }
}

/** Drops a loaded image (after a failure between the load and the jump). */
export async function unloadKexec(tool: KexecTool): Promise<void> {
  if (tool.kind === 'vboom-kexec') await run(tool.path, ['unload'])
  else await run(tool.path, ['-s', '-u'])
}

/**
 * Jumps into the loaded image. Under systemd, `systemctl kexec` stops the
 * services and unmounts the filesystems first (the disk is then clean, not
 * just crash-consistent) and kexecs at the end of the shutdown; this process
 * is stopped with the others. Elsewhere the tool jumps at once (after
 * sync); the caller has remounted what it could read-only.
 */
export async function execKexec(tool: KexecTool, o: { systemd: boolean }): Promise<never> {
  if (o.systemd) {
    await run('systemctl', ['kexec'])
  } else {
    const args = tool.kind === 'vboom-kexec' ? ['exec'] : ['-e']
    await new Promise<void>((resolve, reject) => {
      const child = spawn(tool.path, args, { stdio: 'inherit' })
      child.once('error', reject)
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${tool.path} ${args.join(' ')} exited with ${code}`)),
      )
    })
  }
  // the machine is going down: nothing after this runs to completion
  return new Promise<never>(() => undefined)
}
