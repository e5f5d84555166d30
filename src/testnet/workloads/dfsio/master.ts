/**
 * The DFSIO master (TestDFSIO's job client): hands the job's tasks to the
 * workers that ask (protocol.ts), re-executes lost attempts (task-board.ts),
 * saves the job on its VM's disk after every change (/workload/state.json:
 * a restarted master resumes it) and, at the end, writes every task's
 * record and the job's total time to /workload/result.json.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { writeFileAtomic } from '../../../runtime/atomic-file.js'
import { DFSIO_PROTOCOL_VERSION, LEASE_CHECK_MS, MB, WAIT_RETRY_MS } from '../constants.js'
import { listenAddress, pause, type WorkloadContext } from '../context.js'
import { WorkloadError } from '../errors.js'
import type { DfsioMasterSpec } from '../spec.js'
import { JsonStateFile } from '../state-file.js'
import { decodeWorkerMessage, LineSocket, type WorkerMessage } from './protocol.js'
import { type BoardEvent, parseBoardState, TaskBoard, type TaskRecord } from './task-board.js'

/** /workload/result.json of a finished job. */
export interface DfsioResult {
  tasks: number
  taskBytes: number
  /** First assignment and last completion, ms since the epoch. */
  startMs: number
  endMs: number
  totalSeconds: number
  /** Every task, in task order. */
  records: TaskRecord[]
  /** Attempts lost and handed out again. */
  lostAttempts: number
  /** Connections closed for lines outside the protocol. */
  rejectedMessages: number
  /** Sum of bytes / job time, MB/s (TestDFSIO's "throughput" is per task; this is the job's). */
  jobMBps: number
}

export async function runDfsioMaster(ctx: WorkloadContext, spec: DfsioMasterSpec): Promise<void> {
  const { reporter } = ctx
  const stateFile = new JsonStateFile(ctx.paths.state, parseBoardState)
  const board = new TaskBoard(
    spec.tasks,
    spec.taskBytes,
    spec.taskTimeoutS * 1000,
    await stateFile.load(),
    Date.now(),
  )
  let rejected = 0
  let failure: unknown = null
  /** Aborted when the master may stop: the job is done and every worker it has seen was told so. */
  const allTold = new AbortController()
  const fail = (err: unknown): void => {
    failure ??= err
    allTold.abort()
  }
  const seen = new Set<string>()
  const told = new Set<string>()
  const sockets = new Set<Socket>()
  let resultWritten: Promise<void> | null = null

  const publish = (events: BoardEvent[]): void => {
    for (const e of events) {
      if (e.event === 'done') {
        const r = e.record
        reporter.report({
          type: 'task',
          event: 'done',
          task: r.task,
          attempt: r.attempt,
          worker: r.worker,
          bytes: r.bytes,
          seconds: r.writeSeconds,
          mbps: r.mbps,
        })
      } else
        reporter.report({
          type: 'task',
          event: e.event,
          task: e.task,
          attempt: e.attempt,
          worker: e.worker,
          ...(e.event === 'lost' ? { reason: e.reason } : {}),
        })
    }
    if (events.length > 0) stateFile.save(board.state).catch(fail)
  }

  const writeResult = async (): Promise<void> => {
    const s = board.state
    const records = board.records()
    const totalSeconds = (s.jobEndMs! - s.jobStartMs!) / 1000
    const result: DfsioResult = {
      tasks: spec.tasks,
      taskBytes: spec.taskBytes,
      startMs: s.jobStartMs!,
      endMs: s.jobEndMs!,
      totalSeconds,
      records,
      lostAttempts: board.lostCount(),
      rejectedMessages: rejected,
      jobMBps: (spec.tasks * spec.taskBytes) / MB / Math.max(totalSeconds, 1e-3),
    }
    await stateFile.flush()
    await writeFileAtomic(ctx.paths.result, `${JSON.stringify(result, null, 2)}\n`, 0o644)
    reporter.report({
      type: 'job',
      event: 'done',
      tasks: spec.tasks,
      tasksDone: records.length,
      totalSeconds,
    })
  }

  const handle = (line: LineSocket, m: WorkerMessage): void => {
    const now = Date.now()
    if (m.type === 'request') {
      // Rule: one protocol version; a worker of another speaks something else.
      if (m.version !== DFSIO_PROTOCOL_VERSION)
        throw new WorkloadError(
          'BAD_MESSAGE',
          `a worker speaks protocol ${m.version}, this master ${DFSIO_PROTOCOL_VERSION}`,
        )
      seen.add(m.worker)
      const started = board.state.jobStartMs !== null
      const { reply, events } = board.request(m.worker, now)
      if (!started && board.state.jobStartMs !== null)
        reporter.report({ type: 'job', event: 'started', tasks: spec.tasks, tasksDone: 0 })
      publish(events)
      line.send(reply.type === 'wait' ? { type: 'wait', ms: WAIT_RETRY_MS } : reply)
      if (reply.type === 'finished') {
        told.add(m.worker)
        if ([...seen].every((w) => told.has(w))) allTold.abort()
      }
    } else if (m.type === 'progress') {
      if (!board.progress(m.worker, m.task, m.attempt, m.bytes, now))
        line.send({ type: 'abandon', task: m.task, attempt: m.attempt })
    } else {
      const wasFinished = board.finished
      const { accepted, events } = board.done(m.worker, m.task, m.attempt, m.bytes, m.seconds, now)
      publish(events)
      line.send({ type: 'ack', task: m.task, attempt: m.attempt, accepted })
      if (!wasFinished && board.finished) resultWritten = writeResult()
    }
  }

  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const refuse = (err: WorkloadError): void => {
      rejected++
      // The peer's text is not repeated: only the rule it broke.
      reporter.report({ type: 'note', message: `closed a connection that broke the protocol (${err.code})` })
      line.send({ type: 'error', code: err.code, message: err.message })
      socket.destroySoon()
    }
    const line = new LineSocket(
      socket,
      (text) => {
        try {
          handle(line, decodeWorkerMessage(text))
        } catch (err) {
          if (err instanceof WorkloadError && (err.code === 'BAD_MESSAGE' || err.code === 'LINE_TOO_LONG'))
            refuse(err)
          else fail(err)
        }
      },
      refuse,
    )
  })
  const addr = listenAddress(ctx, spec.servicePort, spec.listen)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(addr.port, addr.host, () => resolve())
  })
  reporter.report({
    type: 'note',
    message: `master on ${addr.host}:${addr.port}: ${spec.tasks} tasks of ${spec.taskBytes} bytes, ${board.doneCount} done already`,
  })
  const leases = setInterval(() => publish(board.expire(Date.now())), LEASE_CHECK_MS)
  try {
    // A job finished before a restart: its result is written again (the same records).
    if (board.finished) resultWritten = writeResult()
    const stop = AbortSignal.any([ctx.signal, allTold.signal])
    while (!board.finished && !stop.aborted) await pause(LEASE_CHECK_MS, stop)
    if (resultWritten !== null) await resultWritten
    // Late workers (their VMs were away) learn the job is over; the master leaves once all were told.
    if (board.finished && !stop.aborted) await pause(spec.lingerS * 1000, stop)
    if (failure !== null) throw failure
  } finally {
    clearInterval(leases)
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await stateFile.flush()
  }
}
