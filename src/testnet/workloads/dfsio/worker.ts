/**
 * A DFSIO worker (a TestDFSIO map slot): asks the master at the address in
 * its spec for a task, writes it to its VM's disk (write-task.ts), reports
 * progress every second and the result at the end, and asks again until
 * the master says the job is finished. It keeps no claim on a task across
 * a restart: a worker whose VM left for a swap simply stops, and when it
 * asks again the master takes its unfinished attempt as lost and hands the
 * task out again (to it, since the task goes back to the head of the queue).
 * A lost connection ends the attempt in progress the same way.
 */
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { z } from 'zod'
import { HostEmulationError } from '../../hosts/index.js'
import {
  DFSIO_PROTOCOL_VERSION,
  DISK_CHUNK_BYTES,
  MB,
  RECONNECT_MS,
  SAMPLE_INTERVAL_MS,
} from '../constants.js'
import { pause, type WorkloadContext } from '../context.js'
import { WorkloadError } from '../errors.js'
import { RateMeter } from '../meter.js'
import type { DfsioWorkerSpec } from '../spec.js'
import { JsonStateFile } from '../state-file.js'
import { decodeMasterMessage, LineSocket, type MasterMessage, type WorkerMessage } from './protocol.js'
import { writeTaskFile } from './write-task.js'

/** /workload/state.json of a worker: its own running counts, which move with the VM. */
const WorkerStateSchema = z.object({
  tasksDone: z.number().int().nonnegative(),
  bytesWritten: z.number().nonnegative(),
})
type WorkerState = z.output<typeof WorkerStateSchema>

/** The connection ended (closed, reset, or the master broke the protocol). */
class ConnectionLost extends Error {}

/** A connection to the master with one request outstanding at a time. */
class MasterLink {
  private waiting: { resolve: (m: MasterMessage) => void; reject: (e: Error) => void } | null = null
  private lost: Error | null = null
  /** Attempts the master told to abandon, as `task/attempt`. */
  readonly abandoned = new Set<string>()
  private readonly line: LineSocket

  private constructor(socket: Socket) {
    const fail = (err: Error): void => {
      this.lost ??= err
      this.waiting?.reject(this.lost)
      this.waiting = null
      socket.destroy()
    }
    this.line = new LineSocket(
      socket,
      (text) => {
        let m: MasterMessage
        try {
          m = decodeMasterMessage(text)
        } catch (err) {
          return fail(err as Error)
        }
        if (m.type === 'abandon') {
          this.abandoned.add(`${m.task}/${m.attempt}`)
          return
        }
        const w = this.waiting
        this.waiting = null
        if (w === null) return fail(new WorkloadError('BAD_MESSAGE', `the master sent ${m.type} unasked`))
        if (m.type === 'error')
          w.reject(new WorkloadError('BAD_MESSAGE', `the master refused a message (${m.code}): ${m.message}`))
        else w.resolve(m)
      },
      fail,
    )
    socket.on('error', (err) => fail(new ConnectionLost(err.message)))
    socket.on('close', () => fail(new ConnectionLost('the master closed the connection')))
  }

  static open(host: string, port: number, signal: AbortSignal): Promise<MasterLink> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, signal })
      socket.once('connect', () => {
        socket.removeListener('error', reject)
        resolve(new MasterLink(socket))
      })
      socket.once('error', reject)
    })
  }

  get alive(): boolean {
    return this.lost === null
  }

  /** Sends a message that expects an answer, and waits for it. */
  ask(m: WorkerMessage): Promise<MasterMessage> {
    if (this.lost !== null) return Promise.reject(this.lost)
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject }
      this.line.send(m)
    })
  }

  tell(m: WorkerMessage): void {
    this.line.send(m)
  }

  close(): void {
    this.line.close()
  }
}

export async function runDfsioWorker(ctx: WorkloadContext, spec: DfsioWorkerSpec): Promise<void> {
  const { reporter, signal, vm } = ctx
  if (ctx.host === null)
    throw new HostEmulationError(
      'NOT_IN_HOST',
      "a DFSIO worker writes through its host's disk limits: start it in a testnet host (host.spawn)",
    )
  const host = ctx.host
  const stateFile = new JsonStateFile(ctx.paths.state, (v) => WorkerStateSchema.parse(v))
  const state: WorkerState = (await stateFile.load()) ?? { tasksDone: 0, bytesWritten: 0 }
  await mkdir(ctx.paths.data, { recursive: true })
  const chunk = new Uint8Array(randomBytes(DISK_CHUNK_BYTES))
  const meter = new RateMeter('disk-write', reporter, state.bytesWritten)
  meter.start()
  const where = `${spec.master.host}:${spec.master.port}`
  let outage = false
  try {
    while (!signal.aborted) {
      let link: MasterLink
      try {
        link = await MasterLink.open(spec.master.host, spec.master.port, signal)
      } catch (err) {
        if (signal.aborted) break
        if (!outage)
          reporter.report({
            type: 'note',
            message: `cannot reach the master at ${where} (${(err as Error).message}); retrying every ${RECONNECT_MS} ms`,
          })
        outage = true
        await pause(RECONNECT_MS, signal)
        continue
      }
      outage = false
      try {
        const finished = await serve(link)
        if (finished) return
      } catch (err) {
        if (!(err instanceof ConnectionLost) && !(err instanceof WorkloadError)) throw err
        if (signal.aborted) break
        reporter.report({ type: 'note', message: `lost the master at ${where}: ${(err as Error).message}` })
        await pause(RECONNECT_MS, signal)
      } finally {
        link.close()
      }
    }
  } finally {
    meter.stop()
    meter.sample()
    await stateFile.flush()
  }

  /** Asks for tasks and runs them until the job is finished (true) or the connection is lost (throws). */
  async function serve(link: MasterLink): Promise<boolean> {
    while (!signal.aborted) {
      const m = await link.ask({ type: 'request', worker: vm, version: DFSIO_PROTOCOL_VERSION })
      if (m.type === 'finished') {
        reporter.report({ type: 'note', message: 'the master says the job is finished' })
        return true
      }
      if (m.type === 'wait') {
        await pause(m.ms, signal)
        continue
      }
      if (m.type !== 'task')
        throw new WorkloadError('BAD_MESSAGE', `the master answered a request with ${m.type}`)
      await runTask(link, m.task, m.attempt, m.bytes)
    }
    return false
  }

  async function runTask(link: MasterLink, task: number, attempt: number, bytes: number): Promise<void> {
    const key = `${task}/${attempt}`
    reporter.report({ type: 'task', event: 'started', task, attempt, worker: vm, bytes })
    let written = 0
    const progress = setInterval(
      () => link.tell({ type: 'progress', worker: vm, task, attempt, bytes: written }),
      SAMPLE_INTERVAL_MS,
    )
    let result: Awaited<ReturnType<typeof writeTaskFile>>
    try {
      result = await writeTaskFile(
        host,
        join(ctx.paths.data, 'dfsio-task.dat'),
        bytes,
        chunk,
        (n) => {
          written += n
          meter.add(n)
        },
        () => signal.aborted || !link.alive || link.abandoned.has(key),
      )
    } finally {
      clearInterval(progress)
    }
    state.bytesWritten = meter.total
    if (result.stopped) {
      if (link.abandoned.has(key))
        reporter.report({ type: 'task', event: 'abandoned', task, attempt, worker: vm, bytes: written })
      await stateFile.save(state)
      if (!link.alive) throw new ConnectionLost('the connection to the master ended during a task')
      return
    }
    const mbps = bytes / MB / result.seconds
    const ack = await link.ask({ type: 'done', worker: vm, task, attempt, bytes, seconds: result.seconds })
    if (ack.type !== 'ack')
      throw new WorkloadError('BAD_MESSAGE', `the master answered done with ${ack.type}`)
    state.tasksDone++
    await stateFile.save(state)
    reporter.report({
      type: 'task',
      event: 'done',
      task,
      attempt,
      worker: vm,
      bytes,
      seconds: result.seconds,
      mbps,
      ...(ack.accepted ? {} : { reason: 'another attempt completed first' }),
    })
  }
}
