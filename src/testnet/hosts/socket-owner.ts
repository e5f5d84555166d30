/**
 * Emulated mode: which process opened a TCP connection to the relay. Every
 * host's processes dial from 127.0.0.1, so the address says nothing; the
 * kernel's socket table (/proc/net/tcp: the dialer's end, by its port and the
 * relay's) gives the socket's inode, and the process holding that inode among
 * its file descriptors is the dialer. Only processes of our own user are
 * readable, which is all the hosts' processes are.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { readStat } from './proc.js'

const hexPort = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0')

/** Inode of the socket whose local port is `localPort` and remote port `remotePort`, or null. */
export function socketInode(localPort: number, remotePort: number): string | null {
  const local = `:${hexPort(localPort)}`
  const remote = `:${hexPort(remotePort)}`
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      // fields: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f[1]?.endsWith(local) && f[2]?.endsWith(remote) && f[9] !== undefined && f[9] !== '0') return f[9]
    }
  }
  return null
}

/** Live pids whose process group is one of `groups`, with their group. */
export function pidsInGroups(groups: ReadonlySet<number>): Map<number, number> {
  const out = new Map<number, number>()
  if (groups.size === 0) return out
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const st = readStat(Number(name))
    if (st !== null && groups.has(st.pgrp)) out.set(Number(name), st.pgrp)
  }
  return out
}

/** Whether process `pid` holds the socket with `inode`. */
export function holdsSocket(pid: number, inode: string): boolean {
  const target = `socket:[${inode}]`
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return false
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true
    } catch {
      // closed meanwhile
    }
  }
  return false
}
