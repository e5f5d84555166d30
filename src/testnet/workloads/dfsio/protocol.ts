/**
 * The DFSIO job protocol between a master and its workers: JSON objects,
 * one per line, over TCP (a worker dials the master's address from its
 * spec, through its host's network limits). A worker keeps one connection
 * and asks, one request at a time:
 *
 *   worker -> master                          master -> worker
 *   request {worker, version}                 task {task, attempt, bytes} | wait {ms} | finished
 *   progress {worker, task, attempt, bytes}   (nothing; abandon {task, attempt} when the attempt is void)
 *   done {worker, task, attempt, bytes, s}    ack {task, attempt, accepted}
 *
 * Anything else, or a line longer than MAX_LINE_BYTES, is answered with
 * error {code} and the connection is closed (the master counts it).
 */
import type { Socket } from 'node:net'
import { z } from 'zod'
import { MAX_LINE_BYTES } from '../constants.js'
import { WorkloadError } from '../errors.js'

const count = z.number().int().nonnegative()
const workerName = z.string().min(1).max(64)

const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('request'), worker: workerName, version: z.number().int() }),
  z.strictObject({
    type: z.literal('progress'),
    worker: workerName,
    task: count,
    attempt: count,
    bytes: count,
  }),
  z.strictObject({
    type: z.literal('done'),
    worker: workerName,
    task: count,
    attempt: count,
    bytes: count,
    seconds: z.number().finite().positive(),
  }),
])

const MasterMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('task'), task: count, attempt: count, bytes: count }),
  z.strictObject({ type: z.literal('wait'), ms: count }),
  z.strictObject({ type: z.literal('finished') }),
  z.strictObject({ type: z.literal('ack'), task: count, attempt: count, accepted: z.boolean() }),
  z.strictObject({ type: z.literal('abandon'), task: count, attempt: count }),
  z.strictObject({ type: z.literal('error'), code: z.string().max(64), message: z.string().max(500) }),
])

export type WorkerMessage = z.output<typeof WorkerMessageSchema>
export type MasterMessage = z.output<typeof MasterMessageSchema>

function decode<T>(schema: z.ZodType<T>, line: string, from: string): T {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new WorkloadError('BAD_MESSAGE', `the ${from} sent a line that is not JSON`)
  }
  const r = schema.safeParse(value)
  if (!r.success)
    throw new WorkloadError(
      'BAD_MESSAGE',
      `the ${from} sent a message outside the protocol (${r.error.issues[0]?.message ?? 'bad shape'})`,
    )
  return r.data
}

export const decodeWorkerMessage = (line: string): WorkerMessage =>
  decode(WorkerMessageSchema, line, 'worker')
export const decodeMasterMessage = (line: string): MasterMessage =>
  decode(MasterMessageSchema, line, 'master')

/**
 * One end of a connection as lines: every complete line goes to `onLine`,
 * in order; a line over MAX_LINE_BYTES is LINE_TOO_LONG. Bytes are counted
 * before they are kept, so a peer cannot grow our buffer past the limit.
 */
export class LineSocket {
  private pending = ''

  constructor(
    readonly socket: Socket,
    onLine: (line: string) => void,
    onBad: (err: WorkloadError) => void,
  ) {
    socket.setEncoding('utf8')
    socket.setNoDelay(true)
    socket.on('data', (text: string) => {
      this.pending += text
      let nl = this.pending.indexOf('\n')
      while (nl >= 0) {
        const line = this.pending.slice(0, nl)
        this.pending = this.pending.slice(nl + 1)
        if (line.length > MAX_LINE_BYTES) return onBad(tooLong())
        if (line.trim() !== '') onLine(line)
        if (socket.destroyed) return
        nl = this.pending.indexOf('\n')
      }
      if (this.pending.length > MAX_LINE_BYTES) onBad(tooLong())
    })
  }

  send(message: WorkerMessage | MasterMessage): void {
    if (!this.socket.destroyed) this.socket.write(`${JSON.stringify(message)}\n`)
  }

  close(): void {
    this.socket.destroy()
  }
}

const tooLong = (): WorkloadError =>
  new WorkloadError('LINE_TOO_LONG', `a line longer than ${MAX_LINE_BYTES} bytes arrived: not a DFSIO peer`)
