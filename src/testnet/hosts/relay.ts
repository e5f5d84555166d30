/**
 * The delay relay: a TCP proxy in front of each host's services, since this
 * kernel has no netem. Peers dial a host's advertised address, which is the
 * relay; the relay forwards to the host's service address, holding every
 * chunk for the one-way delay of both ends (the dialing host's, found by
 * `sourceOf`, plus the listening host's) in each direction. A connection
 * always crosses exactly one relay (the listener's), whichever side dialed,
 * so a round trip between hosts A and B takes 2 (dA + dB) plus the link.
 *
 * Optional token buckets add the hosts' rates (the emulated mode; in root
 * mode tbf in the kernel shapes the veths and the relay only delays): bytes
 * from the dialer are charged to its upload and to the listener's download,
 * bytes back the other way round. Bytes are serialised at the rate first,
 * then delayed, as on a link.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import {
  RELAY_HIGH_WATER_BYTES,
  RELAY_PIECE_BYTES,
  RELAY_TIMER_LEAD_MS,
  TBF_BURST_SECONDS,
  TBF_MIN_BURST_BYTES,
} from './constants.js'
import { HostEmulationError } from './errors.js'
import { reserve, TokenBucket } from './token-bucket.js'

/** One host as the relay sees it. */
export interface RelayHost {
  delayMs: number
  /** Bytes/s from the host (emulated mode only). */
  up?: TokenBucket
  /** Bytes/s to the host. */
  down?: TokenBucket
}

/** One advertised address and the service behind it. */
export interface RelayRoute {
  listenHost: string
  /** 0: any free port (see `ports` after start). */
  listenPort: number
  targetHost: string
  targetPort: number
  /** Index of the host whose service this is. */
  host: number
}

/** Environment variable carrying a relay process's RelayProcessConfig (root mode: relay-main.ts). */
export const RELAY_CONFIG_ENV = 'VBOOM_RELAY_CONFIG'

/** A host as a relay process is told of it. */
export interface RelayHostConfig {
  /** One-way delay, ms. */
  delayMs: number
  /** Rate from the host, bits/s; null: not shaped by the relay (root mode: tbf does it). */
  upBps: number | null
  /** Rate to the host, bits/s; null: not shaped by the relay. */
  downBps: number | null
}

export interface RelayProcessConfig {
  routes: RelayRoute[]
  /** By host index. */
  hosts: RelayHostConfig[]
  /**
   * How the dialing host is found: by its address (root mode: each host has
   * its own), or by the process holding the dialing socket, among the host's
   * process groups the runner sends over IPC as `{ host, pgid }` (emulated
   * mode: every host dials from 127.0.0.1).
   */
  source: 'address' | 'process'
}

/** A rate in bits/s as a bucket of bytes, with tbf's burst (what root mode shapes with). */
export function netBucket(bitsPerSecond: number | null): TokenBucket | undefined {
  if (bitsPerSecond === null || bitsPerSecond === Infinity) return undefined
  const bytes = bitsPerSecond / 8
  return new TokenBucket(bytes, Math.max(TBF_BURST_SECONDS, TBF_MIN_BURST_BYTES / bytes))
}

export interface DelayRelayInit {
  routes: readonly RelayRoute[]
  hosts: readonly RelayHost[]
  /** Index of the host that opened an accepted connection, or null (the anchor, a tool outside any host). */
  sourceOf(socket: Socket): Promise<number | null> | number | null
}

interface Piece {
  bytes: Buffer
  due: number
}

/** One direction of a relayed connection: holds pieces until due, with backpressure both ways. */
class DelayedPipe {
  private readonly queue: Piece[] = []
  private head = 0
  private queued = 0
  private timer: NodeJS.Timeout | null = null
  private ended = false
  private waitingDrain = false

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly delayMs: number,
    private readonly charges: readonly (TokenBucket | undefined)[],
  ) {
    from.on('data', (chunk: Buffer) => this.take(chunk))
    from.on('end', () => {
      this.ended = true
      this.flush()
    })
    to.on('drain', () => {
      this.waitingDrain = false
      this.flush()
    })
  }

  private take(chunk: Buffer): void {
    for (let off = 0; off < chunk.length; off += RELAY_PIECE_BYTES) {
      const bytes = chunk.subarray(off, off + RELAY_PIECE_BYTES)
      const sent = reserve(
        this.charges.map((b) => [b, bytes.length] as const),
        performance.now(),
      )
      this.queue.push({ bytes, due: sent + this.delayMs })
      this.queued += bytes.length
    }
    if (this.queued > RELAY_HIGH_WATER_BYTES) this.from.pause()
    this.flush()
  }

  private flush(): void {
    if (this.timer !== null || this.waitingDrain) return
    const now = performance.now()
    while (this.head < this.queue.length) {
      const piece = this.queue[this.head]!
      if (piece.due > now + RELAY_TIMER_LEAD_MS) {
        this.timer = setTimeout(
          () => {
            this.timer = null
            this.flush()
          },
          piece.due - now - RELAY_TIMER_LEAD_MS,
        )
        break
      }
      this.head++
      this.queued -= piece.bytes.length
      if (!this.to.write(piece.bytes)) {
        this.waitingDrain = true
        break
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    if (this.queued < RELAY_HIGH_WATER_BYTES / 2 && this.from.isPaused()) this.from.resume()
    if (this.ended && this.head === this.queue.length && !this.waitingDrain) this.to.end()
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}

export class DelayRelay {
  private readonly sockets = new Set<Socket>()
  /** Actual listening ports, in route order. */
  readonly ports: number[] = []

  private constructor(
    private readonly init: DelayRelayInit,
    private readonly servers: Server[],
  ) {}

  static async start(init: DelayRelayInit): Promise<DelayRelay> {
    const relay = new DelayRelay(init, [])
    try {
      for (const route of init.routes) {
        const server = createServer({ pauseOnConnect: true, noDelay: true, allowHalfOpen: true }, (s) =>
          relay.accept(route, s),
        )
        relay.servers.push(server)
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(route.listenPort, route.listenHost, () => {
            server.off('error', reject)
            resolve()
          })
        })
        const addr = server.address()
        relay.ports.push(typeof addr === 'object' && addr !== null ? addr.port : route.listenPort)
      }
    } catch (err) {
      await relay.close()
      throw new HostEmulationError(
        'RELAY_FAILED',
        `the delay relay could not listen: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
    return relay
  }

  private async accept(route: RelayRoute, inbound: Socket): Promise<void> {
    this.sockets.add(inbound)
    inbound.once('close', () => this.sockets.delete(inbound))
    inbound.on('error', () => inbound.destroy())
    let source: number | null = null
    try {
      source = await this.init.sourceOf(inbound)
    } catch {
      source = null
    }
    if (inbound.destroyed) return
    const dst = this.init.hosts[route.host]
    const src = source === null ? undefined : this.init.hosts[source]
    const delay = (dst?.delayMs ?? 0) + (src?.delayMs ?? 0)
    const outbound = connect({
      host: route.targetHost,
      port: route.targetPort,
      noDelay: true,
      allowHalfOpen: true,
    })
    this.sockets.add(outbound)
    outbound.once('close', () => this.sockets.delete(outbound))
    const pipes = [
      new DelayedPipe(inbound, outbound, delay, [src?.up, dst?.down]),
      new DelayedPipe(outbound, inbound, delay, [dst?.up, src?.down]),
    ]
    // Half-open on both sockets: a FIN travels through the delay like data, after what was sent before it.
    const closeBoth = (): void => {
      for (const p of pipes) p.stop()
      inbound.destroy()
      outbound.destroy()
    }
    outbound.on('error', closeBoth)
    inbound.on('error', closeBoth)
    // A clean close means both directions of that socket finished; what the other still holds drains, then ends.
    inbound.on('close', (hadError) => hadError && closeBoth())
    outbound.on('close', (hadError) => hadError && closeBoth())
    outbound.once('connect', () => inbound.resume())
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await Promise.all(
      this.servers.map(
        (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
      ),
    )
  }
}
