/**
 * The verification image's side of a session (src/protocols/verification-boot.ts):
 * it dials the anchor (it listens on nothing), names its session, checks the
 * anchor's proof against the anchor key built into the image, then runs what
 * the anchor asks (the same suite code as the testnet's image,
 * src/anchor/verification-suite.ts, checking every benchmark's signature
 * against that key) until the anchor says `done`. Nobody else can talk to
 * it: a peer that cannot sign as the anchor is dropped before it asks
 * anything, and the image has no other channel in.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { runVerificationSuite } from '../../anchor/verification-suite.js'
import type { ImageRequest, ImageResult } from '../../anchor/verifier.js'
import { VBoomError } from '../../protocols/errors.js'
import { type FramedChannel, open } from '../../protocols/stream/index.js'
import {
  checkSessionProof,
  decodeSessionFrame,
  encodeSessionFrame,
  MAX_SESSION_FRAME_BYTES,
  VERIFICATION_SESSION_PROTOCOL,
  VerificationBootError,
} from '../../protocols/verification-boot.js'
import type { Logger } from '../../runtime/log.js'

/** One dial attempt: the anchor answers a TCP + noise handshake in well under this. */
const DIAL_ATTEMPT_MS = 15_000
/** Between dial attempts (the network may still be settling after the restore). */
const DIAL_RETRY_MS = 2_000

export interface ImageSessionInit {
  node: Libp2p
  anchorAddrs: string[]
  session: string
  /** The anchor key built into the image: the only one it answers. */
  anchorKey: Uint8Array
  /** Where disk benchmarks write: on the VM's disk. */
  diskDir: string
  /** The whole session ends by then (ms since the epoch); the image reboots into the VM at the latest then. */
  deadlineMs: number
  log: Logger
  /** The suite runner; the anchor's own by default. */
  runSuite?: (req: ImageRequest, anchorKey: Uint8Array, diskDir: string) => Promise<ImageResult[]>
}

async function dialAnchor(init: ImageSessionInit): Promise<FramedChannel> {
  const addrs = init.anchorAddrs.map((a) => multiaddr(a))
  let last: unknown
  for (let attempt = 1; Date.now() < init.deadlineMs; attempt++) {
    try {
      return await open(init.node, addrs, VERIFICATION_SESSION_PROTOCOL, {
        signal: AbortSignal.timeout(DIAL_ATTEMPT_MS),
        maxFrameBytes: MAX_SESSION_FRAME_BYTES,
        timeoutMs: DIAL_ATTEMPT_MS,
      })
    } catch (err) {
      last = err
      init.log.warn({ attempt, err: (err as Error).message }, 'cannot reach the anchor yet')
      await sleep(DIAL_RETRY_MS)
    }
  }
  throw new VerificationBootError(
    'ANCHOR_UNREACHABLE',
    `the anchor (${init.anchorAddrs.join(', ')}) could not be reached before the deadline: ${(last as Error)?.message}`,
  )
}

/** Serves one session; resolves when the anchor is done (or hung up), throws on a broken session. */
export async function serveAnchorSession(init: ImageSessionInit): Promise<{ runs: number }> {
  const ch = await dialAnchor(init)
  const left = (): number => Math.max(1, init.deadlineMs - Date.now())
  try {
    await ch.send(encodeSessionFrame({ t: 'hello', session: init.session }), { timeoutMs: left() })
    const first = await ch.receive({ timeoutMs: left() })
    if (first === null)
      throw new VerificationBootError('SESSION_CLOSED', 'the anchor closed the session before proving itself')
    const proof = decodeSessionFrame(first.subarray()) as { t?: unknown; proof?: unknown; reason?: unknown }
    if (proof?.t !== 'proof')
      throw new VerificationBootError(
        'SESSION_REFUSED',
        `the anchor refused the session: ${String(proof?.reason ?? 'no reason').slice(0, 200)}`,
      )
    // rule: the peer is the anchor built into this image, and signed for this session and this image
    checkSessionProof(proof.proof, {
      session: init.session,
      imagePeer: init.node.peerId.toString(),
      anchorKey: init.anchorKey,
    })
    init.log.info({ anchor: ch.remotePeer.toString() }, 'the anchor proved itself; serving its requests')
    let runs = 0
    for (;;) {
      const frame = await ch.receive({ timeoutMs: left() })
      if (frame === null) return { runs }
      const msg = decodeSessionFrame(frame.subarray()) as Omit<Partial<ImageRequest>, 't'> & { t?: unknown }
      if (msg?.t === 'done') {
        await ch.close({ timeoutMs: 5_000 }).catch(() => undefined)
        return { runs }
      }
      let reply: unknown
      if (msg?.t !== 'run' || !Array.isArray(msg.benchmarks))
        reply = { t: 'error', error: { code: 'BAD_REQUEST', message: 'unknown request' } }
      else {
        try {
          const results = await (init.runSuite ?? runVerificationSuite)(
            msg as ImageRequest,
            init.anchorKey,
            init.diskDir,
          )
          runs++
          reply = { t: 'results', results }
        } catch (err) {
          const e = err as Error & { code?: string }
          reply = { t: 'error', error: { code: e.code ?? 'FAILED', message: e.message } }
        }
      }
      await ch.send(encodeSessionFrame(reply), { timeoutMs: left() })
    }
  } catch (err) {
    ch.abort(err as Error)
    throw err instanceof VBoomError
      ? err
      : new VerificationBootError('SESSION_FAILED', (err as Error).message, { cause: err })
  }
}
