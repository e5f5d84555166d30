/**
 * The processes a supervisor starts in its host: the VM's agent and workload,
 * or the stateless swapper. They are its children in its process group (the
 * host's CPU quota and, in emulated mode, the relay know the host by that
 * group), log to files in the host dir, and are stopped as a machine stops
 * its services: SIGTERM, then SIGKILL after a grace period, children first.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { nodeCommand } from '../hosts/spawn.js'

/** How long a VM's process may take to stop on SIGTERM before it is killed, ms (an agent stops in well under a second). */
export const STOP_GRACE_MS = 10_000

export interface VmProcess {
  readonly name: string
  readonly child: ChildProcess
  /** Resolves with the exit code (null when killed by a signal) once the process is gone. */
  readonly exited: Promise<number | null>
  /** Set before the supervisor stops it: its exit is then expected. */
  stopping: boolean
}

/** Starts a Node entry as a child of this (the supervisor's) process, stdout and stderr appended to `logFile`. */
export function startVmProcess(
  name: string,
  entry: string,
  args: readonly string[],
  logFile: string,
  env: Record<string, string> = {},
): VmProcess {
  const fd = openSync(logFile, 'a', 0o600)
  const [cmd, argv] = nodeCommand(entry, args)
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] })
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', () => resolve(null))
  })
  return { name, child, exited, stopping: false }
}

/** Live descendants of `pid` (children first found, then theirs), from /proc. */
export async function descendantsOf(pid: number): Promise<number[]> {
  const parent = new Map<number, number>()
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const text = await readFile(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1])
      parent.set(Number(name), ppid)
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const p = queue.shift()!
    for (const [child, pp] of parent)
      if (pp === p) {
        out.push(child)
        queue.push(child)
      }
  }
  return out
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig)
    } catch {
      // gone
    }
  }
}

/** The process and its descendants, for freezing and thawing. */
export async function processTree(p: VmProcess): Promise<number[]> {
  const pid = p.child.pid
  if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return []
  return [pid, ...(await descendantsOf(pid))]
}

/** SIGTERM, then SIGKILL after `graceMs` (the process and what it started). Resolves once it is gone. */
export async function stopVmProcess(p: VmProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  p.stopping = true
  const tree = await processTree(p)
  if (tree.length === 0) {
    await p.exited
    return
  }
  // a frozen process (a verification was running) cannot act on SIGTERM
  signal(tree, 'SIGCONT')
  signal(tree, 'SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs)
  })
  const outcome = await Promise.race([p.exited, late])
  clearTimeout(timer)
  // children that outlived their parent go too
  signal(outcome === 'late' ? await processTree(p) : [], 'SIGKILL')
  signal(tree.slice(1), 'SIGKILL')
  await p.exited
}

/** The log file of a process in the host dir's logs. */
export const logFileOf = (logsDir: string, name: string): string => join(logsDir, `${name}.log`)
