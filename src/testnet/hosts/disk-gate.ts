/**
 * Emulated mode: a host's disk limits, shared by every process of the host.
 * The runner holds the host's token buckets (bytes/s and I/O per second, for
 * reads and for writes) and serves grants on an abstract unix socket (no
 * file to clean up; it vanishes with the runner). A HostFile in a process of
 * the host asks for a grant before each I/O and proceeds when it comes back.
 *
 * Wire: the client sends `<id> <r|w> <bytes>\n`, the server answers `<id>\n`
 * when the I/O may run. Grants may come back out of order (reads and writes
 * have separate buckets).
 */
import { connect, createServer, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { IoGate, IoKind } from '../../runtime/sandbox/io-gate.js'
import { MAX_IO_BYTES } from './constants.js'
import { HostEmulationError } from './errors.js'
import type { HostLimits } from './profile.js'
import { reserve, TokenBucket } from './token-bucket.js'

export type { IoKind }

/** Something that lets an I/O run when the host's limits allow it (the sandbox's I/O gate, closable). */
export interface DiskGate extends IoGate {
  close(): void
}

/** Burst of the disk buckets, s: 50 ms of the rate, about one scheduler tick on a loaded machine. */
export const DISK_BURST_SECONDS = 0.05
/** Longest request line accepted from a client, bytes. */
const MAX_LINE = 64

/** I/O operations a request of `bytes` counts as (the kernel splits larger ones). */
export const iosFor = (bytes: number): number => Math.max(1, Math.ceil(bytes / MAX_IO_BYTES))

/** The host's disk buckets, in the runner. */
export class DiskBuckets implements DiskGate {
  private readonly buckets: Record<IoKind, { bytes: TokenBucket; ios: TokenBucket }>

  constructor(limits: HostLimits) {
    this.buckets = {
      read: {
        bytes: new TokenBucket(limits.readBps, DISK_BURST_SECONDS),
        ios: new TokenBucket(limits.readIops, DISK_BURST_SECONDS),
      },
      write: {
        bytes: new TokenBucket(limits.writeBps, DISK_BURST_SECONDS),
        ios: new TokenBucket(limits.writeIops, DISK_BURST_SECONDS),
      },
    }
  }

  /** When (ms) an I/O asked for now may run. */
  schedule(kind: IoKind, bytes: number): number {
    const b = this.buckets[kind]
    return reserve(
      [
        [b.bytes, bytes],
        [b.ios, iosFor(bytes)],
      ],
      performance.now(),
    )
  }

  grant(kind: IoKind, bytes: number): Promise<void> {
    const wait = this.schedule(kind, bytes) - performance.now()
    return wait <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, wait))
  }

  close(): void {}
}

export interface GateServer {
  /** Stops serving and drops every client (their grants then fail). */
  close(): Promise<void>
}

/** Serves grants from `buckets` on the abstract socket `name`. */
export async function serveDiskGate(buckets: DiskBuckets, name: string): Promise<GateServer> {
  const timers = new Set<NodeJS.Timeout>()
  const clients = new Set<Socket>()
  const server = createServer((socket: Socket) => {
    clients.add(socket)
    socket.once('close', () => clients.delete(socket))
    let pending = ''
    socket.setEncoding('latin1')
    socket.on('error', () => socket.destroy())
    socket.on('data', (text: string) => {
      pending += text
      let nl = pending.indexOf('\n')
      while (nl >= 0) {
        const [id, kind, bytes] = pending.slice(0, nl).split(' ')
        pending = pending.slice(nl + 1)
        nl = pending.indexOf('\n')
        const n = Number(bytes)
        // Rule: a line is `<id> <r|w> <bytes>`; anything else ends the connection (it is not our client).
        if (
          id === undefined ||
          !/^\d+$/.test(id) ||
          (kind !== 'r' && kind !== 'w') ||
          !Number.isSafeInteger(n) ||
          n < 0
        )
          return socket.destroy()
        const wait = buckets.schedule(kind === 'r' ? 'read' : 'write', n) - performance.now()
        if (wait <= 0) socket.write(`${id}\n`)
        else {
          const t = setTimeout(() => {
            timers.delete(t)
            if (!socket.destroyed) socket.write(`${id}\n`)
          }, wait)
          timers.add(t)
        }
      }
      if (pending.length > MAX_LINE) socket.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(`\0${name}`, () => resolve())
  })
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t)
        for (const c of clients) c.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A process's connection to its host's grant server. */
export class DiskGateClient implements DiskGate {
  private socket: Socket | null = null
  private nextId = 0
  private readonly waiting = new Map<number, () => void>()
  private failure: Error | null = null

  constructor(private readonly name: string) {}

  private open(): Socket {
    if (this.socket !== null) return this.socket
    const socket = connect(`\0${this.name}`)
    socket.setEncoding('latin1')
    socket.unref()
    let pending = ''
    socket.on('data', (text: string) => {
      pending += text
      let nl = pending.indexOf('\n')
      while (nl >= 0) {
        const id = Number(pending.slice(0, nl))
        pending = pending.slice(nl + 1)
        nl = pending.indexOf('\n')
        const done = this.waiting.get(id)
        this.waiting.delete(id)
        done?.()
        if (this.waiting.size === 0) socket.unref()
      }
    })
    const fail = (err?: Error): void => {
      this.failure = new HostEmulationError(
        'NOT_IN_HOST',
        `the host's disk limits (grant server ${this.name}) went away${err ? `: ${err.message}` : ''}; the testnet runner has stopped`,
      )
      for (const done of this.waiting.values()) done()
      this.waiting.clear()
    }
    socket.on('error', fail)
    socket.on('close', () => fail())
    this.socket = socket
    return socket
  }

  grant(kind: IoKind, bytes: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure)
    const socket = this.open()
    const id = this.nextId++
    socket.ref()
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, () => (this.failure === null ? resolve() : reject(this.failure)))
      socket.write(`${id} ${kind === 'read' ? 'r' : 'w'} ${bytes}\n`)
    })
  }

  close(): void {
    this.socket?.destroy()
    this.socket = null
  }
}
