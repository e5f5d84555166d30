/**
 * What the system holds of a testnet run, read from the system's own views
 * (the cgroup filesystem, `losetup -a`, `ip netns`, `ps`, the mount table),
 * never from the run's records: the cleanup tests' yardstick.
 *
 * A run's objects are named `vboomtn-<runid>` (cgroups, namespaces, its
 * directory), its loop devices and mounts lie under its directory, and its
 * processes carry `VBOOM_TESTNET_RUN=<runid>` in their environment (which
 * `ps e` shows) or its directory in their arguments.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const CGROUP_ROOT = '/sys/fs/cgroup'

const sh = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return ''
  }
}

/** cgroups of every hierarchy whose name starts with `stem` (/sys/fs/cgroup/<hierarchy>/<stem>*). */
function cgroupsOf(stem: string): string[] {
  const out: string[] = []
  let hierarchies: string[]
  try {
    hierarchies = readdirSync(CGROUP_ROOT)
  } catch {
    return out
  }
  for (const h of hierarchies) {
    try {
      for (const name of readdirSync(`${CGROUP_ROOT}/${h}`))
        if (name.startsWith(stem)) out.push(`cgroup ${h}/${name}`)
    } catch {
      // not a directory, or not readable: no cgroups of ours there
    }
  }
  return out
}

/** Processes of the run per `ps`: its marker in their environment or its directory in their arguments. */
function processesOf(runId: string, dir: string): string[] {
  const marker = `VBOOM_TESTNET_RUN=${runId}`
  const self = String(process.pid)
  return sh('ps', ['-e', '-ww', 'e', '-o', 'pid=,args='])
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith(`${self} `))
    .filter((l) => l.split(/\s+/).includes(marker) || l.includes(`${dir}/`))
    .map((l) => `process ${l.slice(0, 160)}`)
}

/** Loop device major number (Documentation/admin-guide/devices.txt). */
const LOOP_MAJOR = 7

/**
 * `losetup -a` lines of the run: backed by a file under its directory, or by
 * a file on a filesystem that is itself on a loop device of the run (a VM's
 * image inside a host's filesystem: once that filesystem is lazily unmounted,
 * losetup shows the image's path relative to it, `(/vm.img)`, and only its
 * device, `[st_dev]`, still ties it to the run).
 */
function loopsOf(stem: string, dir: string): string[] {
  const lines = sh('losetup', ['-a'])
    .split('\n')
    .filter((l) => l !== '')
  const ours = new Set<string>()
  const devOf = (line: string): string => line.slice(0, line.indexOf(':'))
  for (const line of lines) if (line.includes(`${dir}/`) || line.includes(`/${stem}/`)) ours.add(devOf(line))
  for (let grew = true; grew; ) {
    grew = false
    for (const line of lines) {
      const dev = devOf(line)
      const backing = /^[^:]+: \[(\d+)\]/.exec(line)?.[1]
      if (ours.has(dev) || backing === undefined) continue
      // st_dev of a loop device's filesystem: major 7, minor in the low byte (and above bit 20 past 255)
      const n = Number(backing)
      const major = (n >> 8) & 0xfff
      const minor = (n & 0xff) | ((n >> 12) & 0xfff00)
      if (major === LOOP_MAJOR && ours.has(`/dev/loop${minor}`)) {
        ours.add(dev)
        grew = true
      }
    }
  }
  return lines.filter((l) => ours.has(devOf(l)))
}

/**
 * Everything of run `runId` (its directory `dir`, `<base>/vboomtn-<runid>`)
 * the system still holds; empty when the run left nothing.
 */
export function runOnSystem(runId: string, dir: string): string[] {
  const stem = `vboomtn-${runId}`
  const left = cgroupsOf(stem)
  for (const line of loopsOf(stem, dir)) left.push(`loop ${line}`)
  for (const line of sh('ip', ['netns', 'list']).split('\n'))
    if (line.startsWith(stem)) left.push(`netns ${line}`)
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const target = line.split(' ')[4] ?? ''
    if (target.startsWith(`${dir}/`) || target.includes(`/${stem}/`)) left.push(`mount ${target}`)
  }
  left.push(...processesOf(runId, dir))
  return left
}
