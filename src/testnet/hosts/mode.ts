/**
 * Which mode runs: root mode when everything it needs is here (root, cgroup
 * v1 cpu and blkio, network namespaces, loop devices and the commands that
 * build them), the emulated mode otherwise; either can be forced. The reason
 * is one line, printed by the fabric.
 */
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { cgroupsUnavailable } from './cgroups.js'
import { HostEmulationError } from './errors.js'
import type { HostMode } from './host.js'
import { runSync } from './sys.js'

export type ModeRequest = HostMode | 'auto'

/** Commands root mode runs. */
const ROOT_COMMANDS = ['ip', 'tc', 'losetup', 'mkfs.ext4', 'mount', 'umount', 'nsenter', 'sh'] as const

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK)
      return true
    } catch {
      // not in this dir
    }
  }
  return false
}

/** Why root mode cannot run here, or null. */
export function rootModeUnavailable(): string | null {
  if (process.platform !== 'linux') return `this is ${process.platform}, root mode needs Linux`
  if (process.getuid?.() !== 0) return 'not running as root'
  const cg = cgroupsUnavailable()
  if (cg !== null) return cg
  const missing = ROOT_COMMANDS.filter((c) => !onPath(c))
  if (missing.length > 0) return `missing commands: ${missing.join(', ')}`
  if (!existsSync('/dev/loop-control')) return 'no loop devices (/dev/loop-control)'
  const ns = runSync('unshare', ['--net', 'true'])
  if (!ns.ok) return `network namespaces unavailable: ${ns.stderr}`
  return null
}

export interface ModeChoice {
  mode: HostMode
  reason: string
}

export function chooseMode(request: ModeRequest): ModeChoice {
  if (request === 'emulated') return { mode: 'emulated', reason: 'emulated mode requested' }
  const why = rootModeUnavailable()
  if (request === 'root') {
    if (why !== null)
      throw new HostEmulationError(
        'MODE_UNAVAILABLE',
        `root mode was requested but cannot run here: ${why}. Run as root on Linux with cgroup v1, or use mode 'emulated' or 'auto'`,
      )
    return {
      mode: 'root',
      reason: 'root mode requested (cgroup v1 cpu/blkio, network namespaces, loop devices)',
    }
  }
  return why === null
    ? {
        mode: 'root',
        reason: 'running as root with cgroup v1 cpu/blkio, network namespaces and loop devices',
      }
    : { mode: 'emulated', reason: `root mode unavailable: ${why}` }
}
