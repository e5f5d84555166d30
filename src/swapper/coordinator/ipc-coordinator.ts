/**
 * The coordinator across a process boundary, for agents run as child
 * processes of `swapImages`: the parent owns the level-backed coordinator and
 * answers the children's calls over the Node IPC channel. Each call is
 * answered only after the coordinator's write is durable.
 *
 * Failures cross as `{ code, message }` and come back as the same error
 * class (failures.ts): a call the parent's coordinator does not offer is
 * UNSUPPORTED_OP, hence CoordinatorUnsupportedError in the child, and a reply
 * that is neither a status nor a failure is CoordinatorAnswerError.
 */
import type { ChildProcess } from 'node:child_process'
import { CoordinatorFailureCode } from '../../protocols/coordinator-wire.js'
import {
  CoordinatorAnswerError,
  CoordinatorCallRejectedError,
  CoordinatorGoneError,
  CoordinatorNotPartyError,
  CoordinatorUnreachableError,
  CoordinatorUnsupportedError,
} from '../errors.js'
import type { Role } from '../index/manifest.js'
import type { Coordinator, SwapStatus } from './coordinator.js'
import { coordinatorFailure } from './failures.js'
import { isSwapStatus } from './state-machine.js'

type Op = 'prepare' | 'commit' | 'abort' | 'complete' | 'status' | 'watch'

export interface CoordCall {
  t: 'coord'
  id: number
  op: Op
  swapId: string
  role?: Role
  reason?: string
  /** For `watch`: the status the child last saw, and how long to wait for a change (ms). */
  seen?: SwapStatus
  timeoutMs?: number
}

export interface CoordReply {
  t: 'coord-reply'
  id: number
  status?: SwapStatus
  error?: { code: string; message: string }
}

const C = CoordinatorFailureCode

/** A reply's failure back as its class; the transit failures the parent's own coordinator may raise keep theirs. */
function replyError(op: Op, error: unknown): Error {
  const e = error as { code?: unknown; message?: unknown } | undefined
  if (typeof e?.code !== 'string' || typeof e.message !== 'string')
    return new CoordinatorAnswerError(`the parent's reply to ${op} is neither a status nor a failure`)
  if (e.code === 'COORDINATOR_UNREACHABLE') return new CoordinatorUnreachableError(e.message)
  return coordinatorFailure(e.code, e.message, op)
}

/** Child side: a Coordinator whose calls go to the parent process. */
export class IpcCoordinatorClient implements Coordinator {
  private nextId = 1
  private readonly pending = new Map<
    number,
    { op: Op; resolve: (s: SwapStatus) => void; reject: (e: Error) => void }
  >()

  constructor(private readonly proc: NodeJS.Process = process) {
    proc.on('message', (m: unknown) => {
      const r = m as CoordReply
      if (r?.t !== 'coord-reply') return
      const p = this.pending.get(r.id)
      if (p === undefined) return
      this.pending.delete(r.id)
      if (r.status !== undefined && isSwapStatus(r.status)) p.resolve(r.status)
      else if (r.status !== undefined)
        p.reject(new CoordinatorAnswerError(`the parent's reply to ${p.op} carries a malformed status`))
      else p.reject(replyError(p.op, r.error))
    })
  }

  private call(
    op: Op,
    swapId: string,
    role?: Role,
    reason?: string,
    watch?: Pick<CoordCall, 'seen' | 'timeoutMs'>,
  ): Promise<SwapStatus> {
    if (this.proc.send === undefined || !this.proc.connected)
      return Promise.reject(new CoordinatorGoneError())
    const id = this.nextId++
    const msg: CoordCall = { t: 'coord', id, op, swapId, role, reason, ...watch }
    return new Promise<SwapStatus>((resolve, reject) => {
      this.pending.set(id, { op, resolve, reject })
      this.proc.send!(msg)
    })
  }

  prepare(swapId: string, role: Role): Promise<SwapStatus> {
    return this.call('prepare', swapId, role)
  }
  commit(swapId: string): Promise<SwapStatus> {
    return this.call('commit', swapId)
  }
  abort(swapId: string, role: Role, reason: string): Promise<SwapStatus> {
    return this.call('abort', swapId, role, reason)
  }
  complete(swapId: string, role: Role): Promise<SwapStatus> {
    return this.call('complete', swapId, role)
  }
  status(swapId: string): Promise<SwapStatus> {
    return this.call('status', swapId)
  }
  /** The parent's long poll; CoordinatorUnsupportedError when its coordinator has none. */
  watch(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus> {
    return this.call('watch', swapId, undefined, undefined, { seen, timeoutMs })
  }
  async close(): Promise<void> {}
}

/** An error as it crosses to the child: its code, or INTERNAL for one without (our own fault). */
function failureOf(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown }
  if (err instanceof CoordinatorUnsupportedError) return { code: C.UNSUPPORTED_OP, message: err.message }
  return {
    code: typeof e?.code === 'string' ? e.code : C.INTERNAL,
    message: typeof e?.message === 'string' ? e.message : String(err),
  }
}

/** The parent's answer to one call; a child may only act for its own role. */
function answer(coordinator: Coordinator, role: Role, c: CoordCall): Promise<SwapStatus> {
  if (typeof c.swapId !== 'string')
    return Promise.reject(new CoordinatorCallRejectedError(C.MALFORMED, 'a call names its swap id'))
  switch (c.op) {
    case 'status':
      return coordinator.status(c.swapId)
    case 'watch':
      return watchFor(coordinator, c)
    case 'commit':
      return coordinator.commit(c.swapId)
    case 'prepare':
    case 'complete':
    case 'abort':
      if (c.role !== role)
        return Promise.reject(
          new CoordinatorNotPartyError(
            `agent ${role} acted as ${String(c.role)} in swap ${c.swapId}; an agent acts only for its own side`,
          ),
        )
      if (c.op === 'prepare') return coordinator.prepare(c.swapId, role)
      if (c.op === 'complete') return coordinator.complete(c.swapId, role)
      return coordinator.abort(c.swapId, role, String(c.reason ?? ''))
    default:
      return Promise.reject(new CoordinatorUnsupportedError(String(c.op), 'unknown to this coordinator'))
  }
}

/**
 * Parent side: answers a child's coordinator calls (the IPC channel is the
 * child's identity here).
 */
export function serveCoordinatorIpc(child: ChildProcess, role: Role, coordinator: Coordinator): void {
  child.on('message', (m: unknown) => {
    const c = m as CoordCall
    if (c?.t !== 'coord') return
    const reply = (r: Omit<CoordReply, 't' | 'id'>): void => {
      if (child.connected) child.send({ t: 'coord-reply', id: c.id, ...r })
    }
    let p: Promise<SwapStatus>
    try {
      p = answer(coordinator, role, c)
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(
      (status) => reply({ status }),
      (err: unknown) => reply({ error: failureOf(err) }),
    )
  })
}

/**
 * A child's watch, checked: one without the status last seen is refused; a
 * coordinator without `watch` does not offer it (the child falls back to
 * polling). Limits are the coordinator's own (admitWatch).
 */
function watchFor(coordinator: Coordinator, c: CoordCall): Promise<SwapStatus> {
  if (!isSwapStatus(c.seen) || typeof c.timeoutMs !== 'number' || Number.isNaN(c.timeoutMs))
    return Promise.reject(
      new CoordinatorCallRejectedError(C.MALFORMED, 'a watch needs the status last seen and a wait in ms'),
    )
  if (coordinator.watch === undefined)
    return Promise.reject(
      new CoordinatorUnsupportedError('watch', "the parent's coordinator has no long poll"),
    )
  // the child's copy is only compared field by field (sameSwapState), never stored
  return coordinator.watch(c.swapId, { ...c.seen, swapId: c.swapId }, c.timeoutMs)
}
