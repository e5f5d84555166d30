/**
 * The delay relay as a process of its own, in both modes: its timers then
 * wait only for the CPU, not for whatever the runner's event loop is doing
 * (an anchor, the CPU quotas: measured 8.5 ms for 5 ms with the relay in a
 * busy runner). Root mode runs it in the run's hub namespace, where every
 * host's advertised address is, at raised priority. Its routes and hosts come
 * in VBOOM_RELAY_CONFIG; in emulated mode the runner sends each host's
 * process groups over IPC as the host starts them. Prints
 * `ready <ports JSON>` once every route listens; runs until killed.
 */
import type { Socket } from 'node:net'
import { hostIndexOf } from './netns.js'
import { DelayRelay, netBucket, RELAY_CONFIG_ENV, type RelayProcessConfig } from './relay.js'
import { holdsSocket, pidsInGroups, socketInode } from './socket-owner.js'

/** Host index by process group (emulated mode). */
const hostOfGroup = new Map<number, number>()

/** The host whose process holds the dialing end of `socket` (the relay's accepted end), or null. */
function sourceByProcess(socket: Socket): number | null {
  if (socket.remotePort === undefined || socket.localPort === undefined) return null
  const inode = socketInode(socket.remotePort, socket.localPort)
  if (inode === null) return null
  for (const [pid, group] of pidsInGroups(new Set(hostOfGroup.keys())))
    if (holdsSocket(pid, inode)) return hostOfGroup.get(group) ?? null
  return null
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[RELAY_CONFIG_ENV] ?? '') as RelayProcessConfig
  process.on('message', (m: { host?: unknown; pgid?: unknown }) => {
    // Rule: only `{ host, pgid }` with integers, from the runner that started us.
    if (Number.isInteger(m?.host) && Number.isInteger(m?.pgid))
      hostOfGroup.set(m.pgid as number, m.host as number)
  })
  // The IPC channel must not keep the relay alive once the runner is gone; nor end it (killed by the teardown).
  process.channel?.unref()
  const relay = await DelayRelay.start({
    routes: config.routes,
    hosts: config.hosts.map((h) => ({
      delayMs: h.delayMs,
      up: netBucket(h.upBps),
      down: netBucket(h.downBps),
    })),
    sourceOf: config.source === 'address' ? (s) => hostIndexOf(s.remoteAddress ?? '') : sourceByProcess,
  })
  process.stdout.write(`ready ${JSON.stringify(relay.ports)}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`delay relay: ${(err as Error).message}\n`)
  process.exit(1)
})
