/**
 * The machine-level actions of the Linux platform, behind one interface so
 * that the platform's decisions (what is written in which order, what is
 * refused) are unit-tested without rebooting anything. The real ones run
 * the system's tools; the qemu tests run them for real inside VMs.
 */
import { execFile, spawn } from 'node:child_process'
import { access } from 'node:fs/promises'
import { promisify } from 'node:util'
import { probeKexec } from '../kexec/capability.js'
import { execKexec, findKexecTool, loadKexec, unloadKexec } from '../kexec/loader.js'

const run = promisify(execFile)

export interface MachineActions {
  probeKexec: typeof probeKexec
  findKexecTool: typeof findKexecTool
  loadKexec: typeof loadKexec
  unloadKexec: typeof unloadKexec
  /** Jumps into the loaded kernel; never returns. */
  execKexec: typeof execKexec
  /** Flushes every filesystem (sync(1)). */
  sync(): Promise<void>
  /** Remounts what it can read-only before a jump that does not shut the system down (best effort). */
  quiesce(): Promise<void>
  /** A firmware reboot; never returns. */
  reboot(): Promise<never>
  /** Powers the machine off; never returns. */
  powerOff(): Promise<never>
  /** Whether systemd is PID 1 (its `systemctl kexec`/`reboot` shut the system down cleanly). */
  systemd(): Promise<boolean>
  /** Mounts an ext4 filesystem (the reserve's state partition). */
  mountExt4(device: string, dir: string): Promise<void>
}

const forever = (): Promise<never> => new Promise<never>(() => undefined)

async function systemd(): Promise<boolean> {
  return access('/run/systemd/system').then(
    () => true,
    () => false,
  )
}

/** Runs a command that takes the machine down; resolves never (or throws if it could not start). */
async function goingDown(cmd: string, args: string[]): Promise<never> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit' })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    )
  })
  return forever()
}

export const realMachine: MachineActions = {
  probeKexec,
  findKexecTool,
  loadKexec,
  unloadKexec,
  execKexec,
  sync: async () => {
    await run('sync')
  },
  quiesce: async () => {
    await run('mount', ['-o', 'remount,ro', '/']).catch(() => undefined)
  },
  // -f: straight to reboot(2) when systemd is not there to shut down (the stateless image's case)
  reboot: async () => ((await systemd()) ? goingDown('systemctl', ['reboot']) : goingDown('reboot', ['-f'])),
  powerOff: async () =>
    (await systemd()) ? goingDown('systemctl', ['poweroff']) : goingDown('poweroff', ['-f']),
  systemd,
  mountExt4: async (device, dir) => {
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await run('mount', ['-t', 'ext4', '-o', 'noatime', device, dir])
  },
}
