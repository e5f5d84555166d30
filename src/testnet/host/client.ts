/**
 * The supervisor's clients: a connection to its socket (requests and their
 * answers, protocol.ts), and over it the testnet Platform of the VM's agent
 * and of the stateless swapper, and the boot target the anchor verifies a
 * host through.
 */
import { createConnection, type Socket } from 'node:net'
import { type BootParams, decodeBootParams, encodeBootParams } from '../../node/lifecycle/boot-params.js'
import type { Platform } from '../../node/platform/platform.js'
import type { BootTarget, RemoteSession, VerificationImage } from '../../runtime/platform.js'
import type { IoGate } from '../../runtime/sandbox/io-gate.js'
import type { SwapProgressEvent } from '../../swapper/events.js'
import { SupervisorError, SupervisorErrorCode } from './errors.js'
import {
  type ClientRole,
  encodeFrame,
  FrameReader,
  type HostFacts,
  type Op,
  parseResponse,
  type SupervisorStatus,
} from './protocol.js'

/** A local socket answers at once; storing boot params waits for an fsync, stopping a VM for its processes. */
const DEFAULT_CALL_TIMEOUT_MS = 60_000

interface Pending {
  resolve(v: unknown): void
  reject(e: Error): void
  timer: NodeJS.Timeout
}

/** One connection to a supervisor. */
export class SupervisorConnection {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closed = false

  private constructor(
    readonly socketPath: string,
    private readonly socket: Socket,
  ) {
    const reader = new FrameReader()
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      try {
        for (const frame of reader.push(chunk)) {
          const r = parseResponse(frame)
          const p = this.pending.get(r.id)
          if (p === undefined) continue
          this.pending.delete(r.id)
          clearTimeout(p.timer)
          if (r.ok) p.resolve(r.result)
          else p.reject(new SupervisorError(r.error.code, r.error.message))
        }
      } catch (err) {
        this.fail(err as Error)
        socket.destroy()
      }
    })
    socket.on('close', () =>
      this.fail(
        new SupervisorError(
          SupervisorErrorCode.DISCONNECTED,
          `the supervisor at ${socketPath} closed the connection before answering (the host stopped or rebooted)`,
        ),
      ),
    )
    socket.on('error', () => undefined) // 'close' follows and fails the calls
  }

  static connect(socketPath: string): Promise<SupervisorConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath)
      socket.once('connect', () => {
        socket.removeAllListeners('error')
        resolve(new SupervisorConnection(socketPath, socket))
      })
      socket.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new SupervisorError(
            SupervisorErrorCode.UNREACHABLE,
            `no host supervisor answers at ${socketPath} (${err.code ?? err.message}); is the host's supervisor running?`,
            { cause: err },
          ),
        ),
      )
    })
  }

  private fail(err: Error): void {
    this.closed = true
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
  }

  /** One request and its answer. */
  call<T>(op: Op, fields: Record<string, unknown> = {}, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new SupervisorError(
          SupervisorErrorCode.DISCONNECTED,
          `the connection to ${this.socketPath} is closed`,
        ),
      )
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(
          new SupervisorError(
            SupervisorErrorCode.TIMEOUT,
            `the supervisor at ${this.socketPath} did not answer ${op} within ${timeoutMs} ms; it may be stuck: read its log`,
          ),
        )
      }, timeoutMs)
      timer.unref()
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      this.socket.write(encodeFrame({ id, op, ...fields }))
    })
  }

  /** Sends without waiting for the answer (progress reports). */
  send(op: Op, fields: Record<string, unknown> = {}): void {
    if (this.closed) return
    this.socket.write(encodeFrame({ id: 0, op, ...fields }))
  }

  /** Lets the process exit while the connection is open. */
  unref(): void {
    this.socket.unref()
  }

  close(): void {
    this.closed = true
    this.socket.destroy()
  }
}

/** Waits forever: the supervisor ends this process. */
const never = (): Promise<never> => new Promise<never>(() => undefined)

/** The testnet Platform: the host as its supervisor tells it. */
export class SupervisorClient implements Platform {
  readonly kind = 'testnet'

  private constructor(
    private readonly conn: SupervisorConnection,
    readonly facts: HostFacts,
    private readonly gate: IoGate | null,
  ) {}

  /**
   * @param ioGate the host's disk limits as the process sees them (HostRuntime.diskGate():
   *   emulated mode's grant server, null in root mode where the kernel throttles)
   */
  static async connect(
    socketPath: string,
    role: ClientRole,
    ioGate: IoGate | null = null,
  ): Promise<SupervisorClient> {
    const conn = await SupervisorConnection.connect(socketPath)
    try {
      const facts = await conn.call<HostFacts>('hello', { role })
      return new SupervisorClient(conn, facts, ioGate)
    } catch (err) {
      conn.close()
      throw err
    }
  }

  get location(): string {
    return this.facts.location
  }
  get diskPath(): string {
    return this.facts.diskPath
  }
  get diskDir(): string {
    return this.facts.diskDir
  }
  get swapStateDir(): string {
    return this.facts.swapStateDir
  }

  ioGate(): IoGate | undefined {
    return this.gate ?? undefined
  }

  async storeBootParams(p: BootParams): Promise<void> {
    await this.conn.call('store-boot-params', { params: encodeBootParams(p) })
  }

  async loadBootParams(): Promise<BootParams | null> {
    const r = await this.conn.call<{ params: string | null }>('load-boot-params')
    return r.params === null ? null : decodeBootParams(r.params)
  }

  async rebootStateless(): Promise<never> {
    await this.conn.call('reboot-stateless')
    return never()
  }

  async rebootNormal(): Promise<never> {
    await this.conn.call('reboot-normal')
    return never()
  }

  reportSwapProgress(e: SwapProgressEvent): void {
    this.conn.send('swap-progress', { event: e })
  }

  async bootRemote(image: VerificationImage): Promise<RemoteSession> {
    return bootRemoteOver(this.conn, image)
  }

  status(): Promise<SupervisorStatus> {
    return this.conn.call<SupervisorStatus>('status')
  }

  unref(): void {
    this.conn.unref()
  }

  close(): void {
    this.conn.close()
  }
}

async function bootRemoteOver(conn: SupervisorConnection, image: VerificationImage): Promise<RemoteSession> {
  const { session } = await conn.call<{ session: string }>('boot-remote', { entry: image.entry })
  return {
    request: async (message: unknown, signal?: AbortSignal) => {
      signal?.throwIfAborted()
      const call = conn.call<{ reply: unknown }>('remote-request', { session, message }, 30 * 60_000)
      if (signal === undefined) return (await call).reply
      // an aborted request ends the session: the image is killed, the VM runs on
      const aborted = new Promise<never>((_, reject) =>
        signal.addEventListener(
          'abort',
          () => {
            conn.call('remote-close', { session }).catch(() => undefined)
            reject(
              new SupervisorError(SupervisorErrorCode.IMAGE_ABORTED, 'verification image request aborted'),
            )
          },
          { once: true },
        ),
      )
      return (await Promise.race([call, aborted])).reply
    },
    close: async () => {
      await conn.call('remote-close', { session })
    },
  }
}

/**
 * The anchor's way to a testnet host: a boot target per location, each over a
 * connection to that host's supervisor opened when a verification starts and
 * closed with its session (a supervisor closes the sessions of a connection
 * that drops, so a dead anchor never leaves a VM frozen).
 */
export function supervisorBootTarget(socketPath: string): BootTarget {
  return {
    bootRemote: async (image: VerificationImage): Promise<RemoteSession> => {
      const conn = await SupervisorConnection.connect(socketPath)
      try {
        await conn.call('hello', { role: 'anchor' })
        const session = await bootRemoteOver(conn, image)
        return {
          request: (m, signal) => session.request(m, signal),
          close: async () => {
            try {
              await session.close()
            } finally {
              conn.close()
            }
          },
        }
      } catch (err) {
        conn.close()
        throw err
      }
    },
  }
}
