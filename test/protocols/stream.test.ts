/**
 * The stream layer between two real libp2p nodes (TCP + noise + yamux with
 * the swap's 16 MiB window) in one process: bounded memory on both sides of a
 * slow reader, backpressure, deadlines, oversized frames, dialling errors.
 */
import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import type { Libp2p } from '@libp2p/interface'
import t, { type Test } from 'tap'
import { encodePrefix } from '../../src/protocols/stream/frame-decoder.js'
import {
  connect,
  type FramedChannel,
  handle,
  open,
  STREAM_RECEIVE_WINDOW_BYTES,
  StreamErrorCode,
  unhandle,
} from '../../src/protocols/stream/index.js'
import { createSwapNode } from '../../src/swapper/local/swap-node.js'

const MiB = 1024 * 1024
const PROTOCOL = '/vboom/stream-test/1.0.0'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function pair(t: Test): Promise<{ a: Libp2p; b: Libp2p }> {
  const a = await createSwapNode(randomBytes(32))
  const b = await createSwapNode(randomBytes(32))
  t.teardown(async () => {
    await Promise.all([a.stop(), b.stop()])
  })
  return { a, b }
}

/**
 * Serves PROTOCOL on `node` with `opts`; resolves with each inbound channel,
 * which stays open until the test ends (the handler waits for it).
 */
function serve(
  t: Test,
  node: Libp2p,
  opts: { maxFrameBytes: number; maxBufferedBytes?: number; timeoutMs?: number },
) {
  const channels: FramedChannel[] = []
  let release!: () => void
  const done = new Promise<void>((r) => {
    release = r
  })
  const errors: Error[] = []
  const ready = handle(
    node,
    PROTOCOL,
    async (ch) => {
      channels.push(ch)
      await done
    },
    { ...opts, onError: (e) => errors.push(e) },
  )
  t.teardown(async () => {
    release()
    await unhandle(node, PROTOCOL)
  })
  const next = async (): Promise<FramedChannel> => {
    for (let i = 0; i < 400 && channels.length === 0; i++) await sleep(25)
    return channels.shift()!
  }
  return { ready, next, errors }
}

/** Waits until `progress()` stops moving for a few polls, i.e. the sender is held. */
async function settle(progress: () => number): Promise<void> {
  let last = -1
  let still = 0
  for (let i = 0; i < 600 && still < 5; i++) {
    await sleep(50)
    const now = progress()
    still = now === last ? still + 1 : 0
    last = now
  }
}

t.test('frames arrive whole and in order; the end of the stream is null', async (t) => {
  const { a, b } = await pair(t)
  const srv = serve(t, b, { maxFrameBytes: 2 * MiB })
  await srv.ready
  const ch = await open(a, b.getMultiaddrs(), PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 1024,
  })
  const bodies = [new Uint8Array(0), Uint8Array.of(1, 2, 3), randomBytes(2 * MiB), randomBytes(5000)]
  await ch.sendAll([bodies[0]!, bodies[1]!])
  await ch.send(bodies[2]!)
  await ch.send(bodies[3]!)
  await ch.close()
  const rx = await srv.next()
  t.ok(rx.remotePeer.equals(a.peerId), 'the remote peer is the dialler')
  for (const body of bodies) {
    const f = await rx.receive()
    t.ok(f !== null && Buffer.from(f.subarray()).equals(body), `a frame of ${body.byteLength} bytes intact`)
  }
  t.equal(await rx.receive(), null, 'then the end')
  t.equal(rx.bytesReceived, ch.bytesSent, 'both sides count the same bytes')
})

t.test('a handler that returns without closing still ends the stream on its side', async (t) => {
  const { a, b } = await pair(t)
  await handle(
    b,
    PROTOCOL,
    async (ch) => {
      await ch.receive()
    },
    { maxFrameBytes: 1024 },
  )
  t.teardown(() => unhandle(b, PROTOCOL))
  const ch = await open(a, b.getMultiaddrs(), PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 1024,
  })
  await ch.send(Uint8Array.of(1))
  await ch.close()
  // Left half-open, the stream would count against the protocol's limit until the connection ends.
  t.equal(await ch.receive({ timeoutMs: 5_000 }), null, 'the dialler sees the end, not a deadline')
})

t.test('a slow reader holds the sender: bounded memory on both sides, the send waits', async (t) => {
  const { a, b } = await pair(t)
  const maxBufferedBytes = 2 * MiB
  const srv = serve(t, b, { maxFrameBytes: MiB, maxBufferedBytes, timeoutMs: 60_000 })
  await srv.ready
  const tx = await open(a, b.getMultiaddrs(), PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 16,
    timeoutMs: 60_000,
  })
  const FRAMES = 64
  let sent = 0
  let peakUnsent = 0
  const sending = (async () => {
    for (let i = 0; i < FRAMES; i++) {
      const body = new Uint8Array(MiB).fill(i)
      await tx.send(body)
      sent++
      peakUnsent = Math.max(peakUnsent, tx.unsentBytes)
    }
    await tx.close()
  })()
  let sendSettled = false
  sending.then(
    () => {
      sendSettled = true
    },
    () => {
      sendSettled = true
    },
  )
  const rx = await srv.next()
  // Read a few first, so the sender has been through drains before the reader stops.
  for (let i = 0; i < 4; i++) {
    const f = await rx.receive()
    t.equal(f?.get(0), i)
  }
  // The reader stops: the sender is held once the receiving side is full.
  await settle(() => sent)
  const bound = maxBufferedBytes + STREAM_RECEIVE_WINDOW_BYTES
  t.notOk(sendSettled, 'the send waits while the peer does not read')
  t.ok(sent < FRAMES, `held after ${sent} of ${FRAMES} frames`)
  t.ok(tx.blocked, 'the sending stream waits for the peer')
  t.ok(rx.bufferedBytes <= bound, `receiver holds ${rx.bufferedBytes} bytes unread, bound ${bound}`)
  t.ok(
    (sent - 4) * MiB <= bound + MiB + 64,
    `the sender got ${sent - 4} MiB past the reader, no more than the receiver may hold`,
  )
  t.ok(tx.unsentBytes <= MiB + 8, `the sender queues at most one frame (${tx.unsentBytes} bytes)`)

  // A slow reader: every frame arrives intact, and the receiving side never holds more than the bound.
  let peak = 0
  for (let i = 4; i < FRAMES; i++) {
    peak = Math.max(peak, rx.bufferedBytes)
    const f = await rx.receive()
    t.ok(f !== null && f.byteLength === MiB && f.get(0) === i && f.get(MiB - 1) === i, `frame ${i} intact`)
    if (i % 8 === 0) await sleep(20)
  }
  await sending
  t.equal(await rx.receive(), null)
  t.ok(peak <= bound, `receiver held at most ${peak} bytes unread`)
  t.ok(rx.peakBufferedBytes <= bound, `its own inbox at most ${rx.peakBufferedBytes} bytes`)
  t.ok(peakUnsent <= MiB + 8, `sender queued at most ${peakUnsent} bytes`)
})

t.test('a peer that stops mid-frame hits the deadline', async (t) => {
  const { a, b } = await pair(t)
  const srv = serve(t, b, { maxFrameBytes: MiB, timeoutMs: 500 })
  await srv.ready
  // A raw stream: a prefix for 1000 bytes, then 10 of them, then silence.
  const stream = await a.dialProtocol(b.getMultiaddrs(), PROTOCOL)
  t.teardown(() => stream.abort(new Error('test done')))
  stream.send(encodePrefix(1000))
  stream.send(new Uint8Array(10))
  const rx = await srv.next()
  await t.rejects(rx.receive(), { name: 'StreamError', code: StreamErrorCode.TIMEOUT })
  t.equal(rx.error?.code, StreamErrorCode.TIMEOUT, 'the channel stays failed')
  await t.rejects(rx.receive(), { code: StreamErrorCode.TIMEOUT })
  // The stream was reset: the peer learns of it.
  for (let i = 0; i < 100 && stream.status === 'open'; i++) await sleep(20)
  t.not(stream.status, 'open', 'the peer sees its stream reset')
})

t.test('a stream that ends inside a frame is CLOSED, not a short frame', async (t) => {
  const { a, b } = await pair(t)
  const srv = serve(t, b, { maxFrameBytes: MiB })
  await srv.ready
  const stream = await a.dialProtocol(b.getMultiaddrs(), PROTOCOL)
  stream.send(encodePrefix(1000))
  stream.send(new Uint8Array(10))
  await stream.close()
  const rx = await srv.next()
  await t.rejects(rx.receive(), { name: 'StreamError', code: StreamErrorCode.CLOSED })
})

t.test('an oversized frame is refused on its prefix, before its body is buffered', async (t) => {
  const { a, b } = await pair(t)
  const limit = 64 * 1024
  const srv = serve(t, b, { maxFrameBytes: limit })
  await srv.ready
  const stream = await a.dialProtocol(b.getMultiaddrs(), PROTOCOL)
  t.teardown(() => stream.abort(new Error('test done')))
  const rx = srv.next()
  stream.send(encodePrefix(8 * MiB))
  const ch = await rx
  await t.rejects(ch.receive(), { name: 'StreamError', code: StreamErrorCode.FRAME_TOO_LARGE })
  // The body the peer goes on sending is not kept.
  for (let i = 0; i < 8 && stream.status === 'open'; i++) {
    try {
      stream.send(new Uint8Array(MiB))
    } catch {
      break
    }
    await sleep(20)
  }
  t.ok(ch.peakBufferedBytes < 16, `held at most ${ch.peakBufferedBytes} bytes of it`)
  t.equal(ch.bufferedBytes, 0, 'holds nothing now')
  for (let i = 0; i < 100 && stream.status === 'open'; i++) await sleep(20)
  t.not(stream.status, 'open', 'the sender was reset')
})

t.test('a send held past its deadline fails with TIMEOUT', async (t) => {
  const { a, b } = await pair(t)
  const srv = serve(t, b, { maxFrameBytes: MiB, maxBufferedBytes: MiB + 8, timeoutMs: 60_000 })
  await srv.ready
  const tx = await open(a, b.getMultiaddrs(), PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 16,
    timeoutMs: 300,
  })
  const body = new Uint8Array(MiB)
  let err: unknown = null
  // The reader never reads: the sender is held, then gives up.
  for (let i = 0; i < 200 && err === null; i++) await tx.send(body).catch((e) => (err = e))
  t.match(err, { name: 'StreamError', code: StreamErrorCode.TIMEOUT })
})

t.test('a caller abort ends a receive with ABORTED', async (t) => {
  const { a, b } = await pair(t)
  const srv = serve(t, b, { maxFrameBytes: MiB })
  await srv.ready
  const tx = await open(a, b.getMultiaddrs(), PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
    maxFrameBytes: 16,
  })
  const ctl = new AbortController()
  const r = tx.receive({ signal: ctl.signal })
  ctl.abort()
  await t.rejects(r, { name: 'StreamError', code: StreamErrorCode.ABORTED })
})

t.test('opening: the wrong peer, a refused protocol, an unreachable address', async (t) => {
  const { a, b } = await pair(t)
  const c = await createSwapNode(randomBytes(32))
  t.teardown(() => c.stop())
  t.ok(
    (await connect(a, b.getMultiaddrs(), { signal: AbortSignal.timeout(10_000), peer: b.peerId })).equals(
      b.peerId,
    ),
    'connect reaches the expected peer',
  )
  await t.rejects(
    open(a, c.getMultiaddrs(), PROTOCOL, {
      signal: AbortSignal.timeout(10_000),
      peer: b.peerId,
      maxFrameBytes: 16,
    }),
    { name: 'StreamError', code: StreamErrorCode.WRONG_PEER },
  )
  t.equal(a.getConnections(c.peerId).length, 0, 'the connection to the wrong peer is closed')
  await t.rejects(
    open(a, b.getMultiaddrs(), '/vboom/nobody-speaks-this/1.0.0', {
      signal: AbortSignal.timeout(10_000),
      maxFrameBytes: 16,
    }),
    { name: 'StreamError', code: StreamErrorCode.DIAL },
  )
  const gone = c.getMultiaddrs()
  await c.stop()
  const e = (await open(a, gone, PROTOCOL, { signal: AbortSignal.timeout(5_000), maxFrameBytes: 16 }).catch(
    (err: unknown) => err,
  )) as { name?: string; code?: string }
  t.equal(e.name, 'StreamError')
  t.ok(
    e.code === StreamErrorCode.DIAL || e.code === StreamErrorCode.TIMEOUT,
    `an unreachable address: ${e.code}`,
  )
})
