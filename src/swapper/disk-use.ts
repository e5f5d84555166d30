/**
 * Whether something else uses a disk (Linux): a swap rewrites every block
 * underneath whoever holds it, so a disk in use is refused. Each use found
 * comes with what frees it.
 */
import { constants as fsc, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { deviceAndPartitions, deviceNumbers, readText } from './block-device.js'
import type { DiskUseKind } from './errors.js'

export interface DiskUse {
  kind: DiskUseKind
  /** What uses the disk, e.g. `device 7:0 is mounted on /mnt`. */
  detail: string
  /** What the user does to free it, e.g. `unmount /mnt`. */
  remedy: string
}

/**
 * How the disk at `path` is in use, or null if it is free. What is checked:
 * - block device: a mount of it or of one of its partitions in
 *   /proc/self/mountinfo (field 3, `maj:min`); holders in sysfs (device-mapper,
 *   md, ...); an entry in /proc/swaps;
 * - image file: attached as the backing file of a loop device
 *   (/sys/block/loop*\/loop/backing_file); an entry in /proc/swaps;
 * - any: another process holding it open for writing, found by scanning
 *   /proc/<pid>/fd/* for the same inode (file) or device (block device) and
 *   reading O_ACCMODE from the `flags` line of /proc/<pid>/fdinfo/<fd>. Our own
 *   process is skipped: the agent itself holds the disk open. Processes whose
 *   /proc entries we may not read (not root) are skipped silently.
 */
export async function findDiskUse(path: string): Promise<DiskUse | null> {
  const real = await realpath(path)
  const st = await stat(real)
  const isBlock = st.isBlockDevice()

  const swaps = await readText('/proc/swaps')
  if (swaps !== null) {
    for (const line of swaps.split('\n').slice(1)) {
      const name = line.split(/\s+/)[0]
      if (name === undefined || name === '') continue
      const swapName = name.replace(/\\040/g, ' ')
      try {
        const s = await stat(swapName)
        if ((isBlock && s.rdev === st.rdev) || (!isBlock && s.dev === st.dev && s.ino === st.ino)) {
          return {
            kind: 'swap',
            detail: `listed in /proc/swaps as ${swapName}`,
            remedy: `swapoff ${swapName}`,
          }
        }
      } catch {}
    }
  }

  if (isBlock) {
    const { major, minor } = deviceNumbers(st.rdev)
    const ids = await deviceAndPartitions(major, minor)
    const mountinfo = (await readText('/proc/self/mountinfo')) ?? ''
    for (const line of mountinfo.split('\n')) {
      const f = line.split(' ')
      if (f[2] !== undefined && ids.has(f[2])) {
        return { kind: 'mounted', detail: `device ${f[2]} is mounted on ${f[4]}`, remedy: `unmount ${f[4]}` }
      }
    }
    try {
      const holders = await readdir(`/sys/dev/block/${major}:${minor}/holders`)
      if (holders.length > 0) {
        return {
          kind: 'held',
          detail: `held by ${holders.join(', ')} (sysfs holders)`,
          remedy: `stop ${holders.join(', ')} (dmsetup remove, mdadm --stop, ...)`,
        }
      }
    } catch {}
  } else {
    let loops: string[] = []
    try {
      loops = (await readdir('/sys/block')).filter((n) => n.startsWith('loop'))
    } catch {}
    for (const loop of loops) {
      const backing = await readText(`/sys/block/${loop}/loop/backing_file`)
      if (backing === null) continue
      try {
        const s = await stat(backing.trim())
        if (s.dev === st.dev && s.ino === st.ino) {
          return {
            kind: 'loop',
            detail: `backing file of /dev/${loop}`,
            remedy: `detach it: losetup -d /dev/${loop}`,
          }
        }
      } catch {}
    }
  }

  // every open file of every process: synchronous calls (~2 us each against
  // ~30 us through the thread pool; a few thousand of them on a busy host)
  let pids: string[] = []
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
  } catch {}
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        // readlink first: cheap, and skips sockets/pipes without a stat
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
        if (!target.startsWith('/')) continue
        const s = statSync(`/proc/${pid}/fd/${fd}`)
        const same = isBlock ? s.isBlockDevice() && s.rdev === st.rdev : s.dev === st.dev && s.ino === st.ino
        if (!same) continue
        const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        const flags = info.match(/^flags:\s+([0-7]+)/m)?.[1]
        if (flags === undefined) continue
        const accmode = Number.parseInt(flags, 8) & 3
        if (accmode === fsc.O_WRONLY || accmode === fsc.O_RDWR) {
          return {
            kind: 'writer',
            detail: `open for writing by process ${pid} (fd ${fd})`,
            remedy: `stop process ${pid} or have it close the disk`,
          }
        }
      } catch {}
    }
  }
  return null
}
