/**
 * The network-bound workloads: a stream that sends bytes to a sink as fast
 * as its host's network allows (it dials the sink's advertised address, so
 * both hosts' rate and delay apply), and the sink that receives them; each
 * reports its MB/s every second. The stream's total is saved on its VM's
 * disk every CPU_STATE_SAVE_MS (the same cadence), so a byte limit holds
 * across restarts; a lost connection is dialed again.
 */
import { randomBytes } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { z } from 'zod'
import { CPU_STATE_SAVE_MS, NET_CHUNK_BYTES, RECONNECT_MS } from './constants.js'
import { listenAddress, pause, type WorkloadContext } from './context.js'
import { RateMeter } from './meter.js'
import type { NetSinkSpec, NetStreamSpec } from './spec.js'
import { JsonStateFile } from './state-file.js'

/** Receives and discards what streams send, until stopped. */
export async function runNetSink(ctx: WorkloadContext, spec: NetSinkSpec): Promise<void> {
  const meter = new RateMeter('net-recv', ctx.reporter)
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('data', (b: Buffer) => meter.add(b.length))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => sockets.delete(socket))
  })
  const addr = listenAddress(ctx, spec.servicePort, spec.listen)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(addr.port, addr.host, () => resolve())
  })
  ctx.reporter.report({ type: 'note', message: `sink listening on ${addr.host}:${addr.port}` })
  meter.start()
  try {
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve()
      ctx.signal.addEventListener('abort', () => resolve(), { once: true })
    })
  } finally {
    meter.stop()
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const StreamStateSchema = z.object({ bytes: z.number().nonnegative() })

/** Sends to the sink until stopped, or until `spec.bytes` are sent in all (then resolves). */
export async function runNetStream(ctx: WorkloadContext, spec: NetStreamSpec): Promise<void> {
  const stateFile = new JsonStateFile(ctx.paths.state, (v) => StreamStateSchema.parse(v))
  const meter = new RateMeter('net-send', ctx.reporter, (await stateFile.load())?.bytes ?? 0)
  const limit = spec.bytes ?? Infinity
  const chunk = randomBytes(NET_CHUNK_BYTES)
  let lastSave = performance.now()
  let outage = false
  meter.start()
  try {
    while (!ctx.signal.aborted && meter.total < limit) {
      try {
        await sendUntilClosed()
        outage = false
      } catch (err) {
        if (ctx.signal.aborted) break
        if (!outage)
          ctx.reporter.report({
            type: 'note',
            message: `stream to ${spec.peer.host}:${spec.peer.port} failed (${(err as Error).message}); dialing again every ${RECONNECT_MS} ms`,
          })
        outage = true
        await pause(RECONNECT_MS, ctx.signal)
      }
    }
  } finally {
    meter.stop()
    meter.sample()
    await stateFile.save({ bytes: meter.total })
  }

  /** One connection: writes whole chunks, waiting for the socket to drain (TCP's backpressure). */
  function sendUntilClosed(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = connect({ host: spec.peer.host, port: spec.peer.port, signal: ctx.signal })
      socket.on('error', reject)
      socket.on('close', () => resolve())
      const pump = (): void => {
        while (!ctx.signal.aborted && meter.total < limit) {
          const n = Math.min(chunk.length, limit - meter.total)
          const more = socket.write(chunk.subarray(0, n))
          meter.add(n)
          if (performance.now() - lastSave >= CPU_STATE_SAVE_MS) {
            lastSave = performance.now()
            void stateFile.save({ bytes: meter.total })
          }
          if (!more) return void socket.once('drain', pump)
        }
        socket.end()
      }
      socket.once('connect', pump)
    })
  }
}
