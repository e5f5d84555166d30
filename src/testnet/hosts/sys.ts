/**
 * System commands (ip, tc, losetup, mkfs.ext4, mount): an async form for
 * building hosts, which throws COMMAND_FAILED with the command's own words,
 * and a sync form for teardown, which never throws (teardown goes on and
 * reports what it could not remove).
 */
import { execFile, spawnSync } from 'node:child_process'
import { HostEmulationError } from './errors.js'

export async function run(cmd: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout)
      const detail = (stderr || err.message).trim()
      reject(
        new HostEmulationError(
          'COMMAND_FAILED',
          `${what} failed: \`${cmd} ${args.join(' ')}\`: ${detail}. Check that the command is installed and that this runs as root with cgroup v1 and network namespaces; or run with mode 'emulated'`,
          { cause: err },
        ),
      )
    })
  })
}

export interface SyncResult {
  ok: boolean
  stdout: string
  stderr: string
}

export function runSync(cmd: string, args: string[]): SyncResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 })
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: (r.stderr ?? r.error?.message ?? '').trim() }
}

/** Names of the network namespaces `ip netns list` shows (first word of each line). */
export function listNetns(): string[] {
  const r = runSync('ip', ['netns', 'list'])
  if (!r.ok) return []
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '')
}

export interface LoopInfo {
  name: string
  backFile: string
}

/** Attached loop devices and their backing files (`losetup -J`); " (deleted)" stripped. */
export function listLoops(): LoopInfo[] {
  const r = runSync('losetup', ['-J', '-l'])
  if (!r.ok || r.stdout.trim() === '') return []
  const parsed = JSON.parse(r.stdout) as { loopdevices?: { name: string; 'back-file'?: string }[] }
  return (parsed.loopdevices ?? []).map((l) => ({
    name: l.name,
    backFile: (l['back-file'] ?? '').replace(/ \(deleted\)$/, ''),
  }))
}
