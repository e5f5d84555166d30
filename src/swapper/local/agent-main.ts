/**
 * Entry point of one swap agent in its own process (forked by swapImages with
 * `isolate`). Receives its configuration over IPC, talks to the coordinator
 * over IPC, sends progress events and the final report or error back.
 * When the parent (the coordinator) goes away, the agent stops at once, as if
 * it had crashed: a rerun resumes from the journal.
 * A `cancel` message, SIGINT or SIGTERM cancels the swap (SwapAgentOptions.signal):
 * the agent finishes cleanly and reports the cancellation; a second signal
 * stops it at once, which the journal makes as safe as a crash.
 */
import '../../polyfill.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { SwapAgent } from '../agent.js'
import type { SwapTuning } from '../agent-options.js'
import { IpcCoordinatorClient } from '../coordinator/ipc-coordinator.js'
import type { SwapSideReport } from '../events.js'
import type { Role } from '../index/manifest.js'
import { ProgressRelay } from './progress-relay.js'
import { createSwapNode } from './swap-node.js'

/** Everything an agent process needs, as plain data (hex strings for bytes). */
export interface AgentProcessConfig extends SwapTuning {
  role: Role
  diskPath: string
  stateDir: string
  swapId: string
  parties: Record<Role, { peerId: string; swapKey: string }>
  swapSecret: string
  nodeSeed: string
  listen: string
  peerAddrs: string[]
  /** Test fault: SIGKILL this process at its n-th `phase:type` event (`phase:type:n`). */
  crashAt?: string
}

/** From the parent: `start` first, then possibly `cancel`. */
export type ParentMessage = { t: 'start'; config: AgentProcessConfig } | { t: 'cancel' }

export type AgentMessage =
  | { t: 'event'; e: unknown }
  | { t: 'report'; r: SwapSideReport }
  | { t: 'error'; err: SerializedError }

export interface SerializedError {
  name: string
  code?: string
  message: string
  cause?: SerializedError
}

function serialize(err: unknown): SerializedError {
  const e = err as Error & { code?: string; cause?: unknown }
  return {
    name: e?.name ?? 'Error',
    code: e?.code,
    message: e?.message ?? String(err),
    cause: e?.cause === undefined ? undefined : serialize(e.cause),
  }
}

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

async function main(c: AgentProcessConfig): Promise<void> {
  const send = (m: AgentMessage): void => {
    // with a callback, a parent that died meanwhile (EPIPE) is not an unhandled 'error' event
    if (process.connected) process.send?.(m, undefined, {}, () => undefined)
  }
  const relay = new ProgressRelay((e) => send({ t: 'event', e }))
  const [phase, type, nth] = (c.crashAt ?? '').split(':')
  let seen = 0
  const node = await createSwapNode(bytes(c.nodeSeed), c.listen)
  const agent = new SwapAgent({
    role: c.role,
    diskPath: c.diskPath,
    stateDir: c.stateDir,
    agreement: {
      swapId: bytes(c.swapId),
      parties: {
        a: { peerId: peerIdFromString(c.parties.a.peerId), swapKey: bytes(c.parties.a.swapKey) },
        b: { peerId: peerIdFromString(c.parties.b.peerId), swapKey: bytes(c.parties.b.swapKey) },
      },
    },
    swapSecretKey: bytes(c.swapSecret),
    coordinator: new IpcCoordinatorClient(),
    node,
    peerAddrs: c.peerAddrs.map((a) => multiaddr(a)),
    blockSize: c.blockSize,
    streams: c.streams,
    window: c.window,
    compress: c.compress,
    dedup: c.dedup,
    applyWindows: c.applyWindows,
    maxBadBlocks: c.maxBadBlocks,
    stagingReserveBytes: c.stagingReserveBytes,
    timeoutMs: c.timeoutMs,
    decisionTimeoutMs: c.decisionTimeoutMs,
    signal: cancellation.signal,
    onProgress: (e) => {
      relay.push(e)
      if (
        c.crashAt !== undefined &&
        e.type === type &&
        'phase' in e &&
        e.phase === phase &&
        ++seen === Number(nth)
      ) {
        process.kill(process.pid, 'SIGKILL')
      }
    },
  })
  try {
    await agent.start()
    const report = await agent.run()
    // the swap is over and every bit of its state durable: exit as soon as the
    // report is delivered (the OS closes the sockets; a graceful libp2p stop
    // cost ~1 s of wall time per swap and buys nothing here)
    finished = true
    relay.flush()
    if (process.connected) process.send?.({ t: 'report', r: report }, undefined, {}, () => process.exit(0))
    else process.exit(0)
    return
  } catch (err) {
    relay.flush()
    send({ t: 'error', err: serialize(err) })
  } finally {
    await agent.stop().catch(() => undefined)
    await node.stop()
  }
  finished = true
  process.disconnect?.()
}

let finished = false
let started = false
const cancellation = new AbortController()
// the coordinator (parent) is gone: stop now, like a crash; the journal makes a rerun safe
process.on('disconnect', () => {
  if (!finished) process.exit(70)
})
// Ctrl-C reaches the whole process group: the first cancels cleanly, a second stops at once
const onSignal = (): void => {
  if (cancellation.signal.aborted) process.exit(130)
  cancellation.abort()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// the coordinator's answers share the channel (ipc-coordinator.ts): only `start` and `cancel` are ours
process.on('message', (m: unknown) => {
  const msg = m as Partial<ParentMessage>
  if (msg?.t === 'cancel') {
    cancellation.abort()
    return
  }
  if (started) return
  if (msg?.t !== 'start' || msg.config === undefined) process.exit(64)
  started = true
  main(msg.config).catch((err: unknown) => {
    process.stderr.write(`agent failed: ${(err as Error).message}\n`)
    process.exit(1)
  })
})
