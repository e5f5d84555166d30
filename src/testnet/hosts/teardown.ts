/**
 * Removes what a run recorded, in the order the kernel allows: processes
 * first (a mount, a loop device, a namespace or a cgroup in use cannot go),
 * then mounts, loop devices, namespaces, cgroups, directories. Synchronous,
 * so it also runs from exit and signal handlers; it never throws and returns
 * what it could not remove.
 *
 * It touches only what it can prove is the run's: names carrying
 * `vboomtn-<runid>` (itemIsOfRun), loop devices whose backing file is a
 * recorded image, processes in the run's cgroups or namespaces, carrying the
 * run's marker in their environment, or recorded with their start time, and
 * mounts and loop devices inside the run's own directory, which processes of
 * the run made without a record (a host's supervisor mounting its VM's disk,
 * an image inside the host's filesystem): they go first, since they hold the
 * host's filesystem busy.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs'
import { CGROUP_RMDIR_WAIT_MS, KILL_WAIT_MS } from './constants.js'
import { isSameProcess, pidsWithMarker, sleepSync, startTimeOf } from './proc.js'
import { itemIsOfRun, type RunItem, type RunRecord } from './run-state.js'
import { listLoops, listNetns, runSync } from './sys.js'

function cgroupPids(path: string): number[] {
  try {
    return readFileSync(`${path}/cgroup.procs`, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number)
  } catch {
    return []
  }
}

function netnsPids(name: string): number[] {
  const r = runSync('ip', ['netns', 'pids', name])
  return r.ok
    ? r.stdout
        .split('\n')
        .filter((l) => /^\d+$/.test(l))
        .map(Number)
    : []
}

/** Every live process the run can prove is its own. */
export function runPids(record: RunRecord): number[] {
  const items = record.items.filter((i) => itemIsOfRun(i, record.runId))
  const netns = new Set(listNetns())
  const pids = new Set<number>(pidsWithMarker(record.runId))
  for (const item of items) {
    if (item.kind === 'cgroup') for (const p of cgroupPids(item.path)) pids.add(p)
    if (item.kind === 'netns' && netns.has(item.name)) for (const p of netnsPids(item.name)) pids.add(p)
    if (item.kind === 'process' && isSameProcess(item.pid, item.start)) pids.add(item.pid)
  }
  pids.delete(process.pid)
  return [...pids]
}

function killAll(record: RunRecord, problems: string[]): void {
  const deadline = Date.now() + KILL_WAIT_MS
  let pids = runPids(record)
  while (pids.length > 0) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone meanwhile
      }
    }
    if (Date.now() > deadline) {
      problems.push(`processes still alive after SIGKILL: ${pids.join(', ')}`)
      return
    }
    sleepSync(20)
    pids = pids.filter((p) => startTimeOf(p) !== null)
    if (pids.length === 0) pids = runPids(record)
  }
}

function mounted(target: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === target)
  } catch {
    return false
  }
}

/** Mount points under any of `dirs` (the run's own directories). */
function mountsUnder(dirs: readonly string[]): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((target) => dirs.some((d) => target.startsWith(`${d}/`)))
  } catch {
    return []
  }
}

function unmount(target: string, problems: string[]): void {
  if (!mounted(target)) return
  if (runSync('umount', [target]).ok) return
  // still busy (a process we could not kill holds a file): detach now, freed when released
  const r = runSync('umount', ['-l', target])
  if (!r.ok) problems.push(`umount ${target}: ${r.stderr}`)
}

function detachLoops(owned: (backFile: string) => boolean, problems: string[]): void {
  for (const loop of listLoops()) {
    if (!owned(loop.backFile)) continue
    const r = runSync('losetup', ['-d', loop.name])
    if (!r.ok) problems.push(`losetup -d ${loop.name}: ${r.stderr}`)
  }
}

function removeCgroup(path: string, problems: string[]): void {
  const deadline = Date.now() + CGROUP_RMDIR_WAIT_MS
  while (existsSync(path)) {
    try {
      // a cgroup is removed with rmdir (its files are virtual); children first
      for (const sub of readdirSync(path, { withFileTypes: true }))
        if (sub.isDirectory()) removeCgroup(`${path}/${sub.name}`, problems)
      rmdirSync(path)
    } catch (err) {
      if (Date.now() > deadline) {
        problems.push(`rmdir ${path}: ${(err as Error).message}`)
        return
      }
      sleepSync(20)
    }
  }
}

/** Removes everything `record` lists that is provably the run's; returns what could not be removed. */
export function removeRun(record: RunRecord): string[] {
  const problems: string[] = []
  const items = record.items.filter((i) => itemIsOfRun(i, record.runId))
  const of = <K extends RunItem['kind']>(kind: K) =>
    items.filter((i): i is Extract<RunItem, { kind: K }> => i.kind === kind)
  killAll(record, problems)
  const images = new Set(of('loop').map((l) => l.image))
  const recordedMounts = new Set(of('mount').map((m) => m.target))
  const dirs = of('dir').map((d) => d.path)
  // what the run's processes mounted and attached in its directory (a VM's disk), longest path first
  for (const target of mountsUnder(dirs)
    .filter((m) => !recordedMounts.has(m))
    .sort((a, b) => b.length - a.length))
    unmount(target, problems)
  detachLoops((f) => !images.has(f) && dirs.some((d) => f.startsWith(`${d}/`)), problems)
  // mounts inside mounts first: the longest path first
  for (const m of of('mount').sort((a, b) => b.target.length - a.target.length)) unmount(m.target, problems)
  detachLoops((f) => images.has(f), problems)
  const present = new Set(listNetns())
  for (const ns of of('netns')) {
    if (!present.has(ns.name)) continue
    const r = runSync('ip', ['netns', 'delete', ns.name])
    if (!r.ok) problems.push(`ip netns delete ${ns.name}: ${r.stderr}`)
  }
  for (const cg of of('cgroup')) removeCgroup(cg.path, problems)
  for (const dir of of('dir')) {
    try {
      rmSync(dir.path, { recursive: true, force: true })
    } catch (err) {
      problems.push(`rm -r ${dir.path}: ${(err as Error).message}`)
    }
  }
  return problems
}
