/**
 * The anchor's way to a VM that runs its own agent (a real Linux VM): the
 * BootTarget of a location is its VM's agent, found by the VM key the
 * ledger records (its peer id). `bootRemote` sends the agent a boot request
 * signed with the anchor key (src/protocols/verification-boot.ts); the agent
 * checks it and kexecs into the anchor's signed verification image, which it
 * keeps locally (the image's entry named by the verifier is the testnet's and
 * is not sent: the agent boots only what the anchor signed). The image then
 * dials the anchor on the session protocol; the anchor proves itself with
 * its signature over the session and the image's peer id, and the session's
 * channel is the RemoteSession the verifier talks through.
 *
 * The anchor stays thin: it imports neither the agent nor the Linux
 * platform, only the wire between them.
 */
import { randomBytes } from 'node:crypto'
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { DEFAULT_VERIFY_TIMEOUT_MS } from '../protocols/anchor-constants.js'
import { peerIdOfKey } from '../protocols/attestation.js'
import { rpcCall } from '../protocols/rpc.js'
import { type FramedChannel, handle, unhandle } from '../protocols/stream/index.js'
import {
  BOOT_REQUEST_VALIDITY_MS,
  decodeBootAnswer,
  decodeSessionFrame,
  encodeSessionFrame,
  MAX_BOOT_ANSWER_BYTES,
  SESSION_ID_BYTES,
  signBootRequest,
  signSessionProof,
  VERIFICATION_BOOT_PROTOCOL,
  VERIFICATION_SESSION_PROTOCOL,
} from '../protocols/verification-boot.js'
import type { Logger } from '../runtime/log.js'
import type { BootTarget, RemoteSession } from '../runtime/platform.js'
import type { OwnershipView } from './control-auth.js'
import { VerificationError } from './errors.js'
import type { AnchorKey } from './key.js'

/**
 * How long the anchor waits for the image to dial in after the agent said it
 * boots it: a cloud VM kexecs and starts Node in seconds; the qemu tests'
 * TCG guests took up to a few minutes on a loaded 2-core host.
 */
export const DEFAULT_IMAGE_DIAL_IN_MS = 300_000
/** The agent answers a boot request after checking it and the image's signature (hashing ~50 MiB). */
const BOOT_CALL_TIMEOUT_MS = 60_000
/** The image's frames to the anchor: a hello, the measurements (a few KiB). */
const MAX_IMAGE_FRAME_BYTES = 64 * 1024
/** Sessions waiting for their image at once: one per location being verified, bounded against a flood. */
const MAX_PENDING_SESSIONS = 64

interface Pending {
  location: string
  vm: string
  arrived: (ch: FramedChannel) => void
  /** Resolved when the session is over: the inbound handler holds the stream until then. */
  over: Promise<void>
  finish: () => void
}

export interface AgentBootTargetsInit {
  node: Libp2p
  key: AnchorKey
  ownership: OwnershipView
  log: Logger
  imageDialInMs?: number
  now?: () => number
}

export class AgentBootTargets {
  private readonly pending = new Map<string, Pending>()
  private started = false

  constructor(private readonly init: AgentBootTargetsInit) {}

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await handle(this.init.node, VERIFICATION_SESSION_PROTOCOL, (ch) => this.onImage(ch), {
      maxFrameBytes: MAX_IMAGE_FRAME_BYTES,
      timeoutMs: DEFAULT_VERIFY_TIMEOUT_MS,
      maxInboundStreams: 4,
      onError: (err) => this.init.log.debug({ err: err.message }, 'verification session stream failed'),
    })
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    await unhandle(this.init.node, VERIFICATION_SESSION_PROTOCOL).catch(() => undefined)
  }

  /** The BootTarget of `location`: its VM's agent, or null when the ledger knows no VM there. */
  resolve(location: string): BootTarget | null {
    const record = this.init.ownership.ownerOf(location)
    if (record === null) return null
    const vm = peerIdOfKey(record.vm)
    return { bootRemote: () => this.boot(location, vm) }
  }

  /** An image dialled in: it names its session; the anchor proves itself and hands the channel over. */
  private async onImage(ch: FramedChannel): Promise<void> {
    const first = await ch.receive({ timeoutMs: BOOT_CALL_TIMEOUT_MS })
    if (first === null) return
    const hello = decodeSessionFrame(first.subarray()) as { t?: unknown; session?: unknown }
    const p = typeof hello?.session === 'string' ? this.pending.get(hello.session) : undefined
    if (hello?.t !== 'hello' || p === undefined || typeof hello.session !== 'string') {
      await ch.send(
        encodeSessionFrame({ t: 'refused', reason: 'no verification session of that id is waiting' }),
      )
      await ch.close()
      return
    }
    this.pending.delete(hello.session)
    await ch.send(
      encodeSessionFrame({
        t: 'proof',
        proof: signSessionProof(hello.session, ch.remotePeer.toString(), this.init.key.secretKey),
      }),
    )
    p.arrived(ch)
    await p.over
  }

  private async boot(location: string, vm: string): Promise<RemoteSession> {
    if (this.pending.size >= MAX_PENDING_SESSIONS)
      throw new VerificationError('BUSY', 'too many verifications wait for their image; retry later')
    const session = randomBytes(SESSION_ID_BYTES).toString('hex')
    let finish!: () => void
    const over = new Promise<void>((r) => {
      finish = r
    })
    let arrived!: (ch: FramedChannel) => void
    const channel = new Promise<FramedChannel>((r) => {
      arrived = r
    })
    this.pending.set(session, { location, vm, arrived, over, finish })
    try {
      const now = (this.init.now ?? Date.now)()
      let answer: ReturnType<typeof decodeBootAnswer>
      try {
        answer = decodeBootAnswer(
          await rpcCall(
            this.init.node,
            peerIdFromString(vm),
            VERIFICATION_BOOT_PROTOCOL,
            signBootRequest(
              { v: 1, session, location, vm, notAfter: now + BOOT_REQUEST_VALIDITY_MS },
              this.init.key.secretKey,
            ),
            { maxResponseBytes: MAX_BOOT_ANSWER_BYTES, timeoutMs: BOOT_CALL_TIMEOUT_MS },
          ),
        )
      } catch (err) {
        throw new VerificationError(
          'NO_HOST',
          `the anchor cannot reach the agent of ${location} (${(err as Error).message}); the VM's agent must be running and connected to the anchor`,
          { cause: err },
        )
      }
      if (!answer.ok)
        throw new VerificationError(
          'HOST_REFUSED',
          `the agent of ${location} refused to boot the verification image (${answer.code}): ${answer.message}`,
        )
      this.init.log.info({ location, session }, 'the agent boots the verification image')
      const waitMs = this.init.imageDialInMs ?? DEFAULT_IMAGE_DIAL_IN_MS
      let timer: NodeJS.Timeout | undefined
      const ch = await Promise.race([
        channel,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new VerificationError(
                  'IMAGE_FAILED',
                  `the verification image of ${location} did not dial the anchor within ${waitMs / 1000} s; the VM reboots into its own disk at the image's deadline`,
                ),
              ),
            waitMs,
          )
        }),
      ]).finally(() => clearTimeout(timer))
      return new ImageSession(ch, finish)
    } catch (err) {
      this.pending.delete(session)
      finish()
      throw err
    }
  }
}

/** The channel to a booted image, as the verifier's RemoteSession. */
class ImageSession implements RemoteSession {
  private closed = false

  constructor(
    private readonly ch: FramedChannel,
    private readonly finish: () => void,
  ) {}

  async request(message: unknown, signal?: AbortSignal): Promise<unknown> {
    const o = { signal, timeoutMs: DEFAULT_VERIFY_TIMEOUT_MS }
    await this.ch.send(encodeSessionFrame(message), o)
    const frame = await this.ch.receive(o)
    if (frame === null)
      throw new VerificationError(
        'IMAGE_FAILED',
        'the verification image closed the session before answering',
      )
    return decodeSessionFrame(frame.subarray())
  }

  /** Tells the image it is done (it reboots into the VM's own disk) and ends the session. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await this.ch.send(encodeSessionFrame({ t: 'done' }), { timeoutMs: BOOT_CALL_TIMEOUT_MS })
      await this.ch.close({ timeoutMs: BOOT_CALL_TIMEOUT_MS })
    } catch {
      // the image reboots at its deadline anyway
    } finally {
      this.finish()
    }
  }
}
