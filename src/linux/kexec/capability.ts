/**
 * Whether this machine can kexec, asked before anything on it changes.
 *
 * What can stop it, and how it shows:
 * - a kernel without kexec: no /sys/kernel/kexec_loaded (CONFIG_KEXEC_CORE);
 * - /proc/sys/kernel/kexec_load_disabled = 1: both kexec syscalls refuse
 *   until the next boot (a one-way switch some hardened images flip);
 * - lockdown (/sys/kernel/security/lockdown shows `[integrity]` or
 *   `[confidentiality]`, typically under UEFI Secure Boot): kexec_load(2) is
 *   refused, kexec_file_load(2) only loads a kernel whose signature the
 *   running kernel trusts (the distribution's own signed kernel passes; an
 *   unsigned one fails with EKEYREJECTED/EBADMSG/EPERM). So lockdown is not
 *   refused here: the load is tried (loader.ts), and its failure is reported
 *   as KEXEC_LOCKDOWN with what to do;
 * - not root.
 */
import { access, readFile } from 'node:fs/promises'
import { KexecUnavailableCode, KexecUnavailableError } from '../errors.js'

export type Lockdown = 'none' | 'integrity' | 'confidentiality'

export interface KexecCapability {
  /** The kernel has kexec (CONFIG_KEXEC_CORE). */
  built: boolean
  /** kexec_load_disabled is set. */
  disabled: boolean
  /** The lockdown mode, or null when the kernel has no lockdown LSM (none, then). */
  lockdown: Lockdown | null
  root: boolean
}

/** The bracketed mode of /sys/kernel/security/lockdown (`none [integrity] confidentiality`). */
export function parseLockdown(text: string): Lockdown | null {
  const m = text.match(/\[(none|integrity|confidentiality)\]/)
  return m === null ? null : (m[1] as Lockdown)
}

export async function probeKexec(o: { sysRoot?: string; procRoot?: string } = {}): Promise<KexecCapability> {
  const sys = o.sysRoot ?? '/sys'
  const proc = o.procRoot ?? '/proc'
  const built = await access(`${sys}/kernel/kexec_loaded`).then(
    () => true,
    () => false,
  )
  const disabled =
    (await readFile(`${proc}/sys/kernel/kexec_load_disabled`, 'utf8').catch(() => '0')).trim() === '1'
  const lockdownText = await readFile(`${sys}/kernel/security/lockdown`, 'utf8').catch(() => null)
  return {
    built,
    disabled,
    lockdown: lockdownText === null ? null : parseLockdown(lockdownText),
    root: process.getuid?.() === 0,
  }
}

/** The reason kexec cannot work here whatever image is loaded, or null. */
export function kexecRefusal(cap: KexecCapability): KexecUnavailableError | null {
  if (!cap.built)
    return new KexecUnavailableError(
      KexecUnavailableCode.NOT_BUILT,
      "this kernel has no kexec (no /sys/kernel/kexec_loaded): VBoom cannot leave the running system for its stateless image. Boot a kernel built with CONFIG_KEXEC_FILE (the distributions' standard kernels are); nothing was changed",
    )
  if (cap.disabled)
    return new KexecUnavailableError(
      KexecUnavailableCode.DISABLED,
      'kexec is disabled on this boot (/proc/sys/kernel/kexec_load_disabled is 1, and it cannot be reset without a reboot): find what sets it (a sysctl.d file or a hardening script), remove it and reboot; nothing was changed',
    )
  if (!cap.root)
    return new KexecUnavailableError(
      KexecUnavailableCode.NOT_ROOT,
      'kexec needs root: run the agent as root (its systemd unit does); nothing was changed',
    )
  return null
}
