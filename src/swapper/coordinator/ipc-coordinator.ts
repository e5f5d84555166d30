/**
 * The coordinator across a process boundary, for agents run as child
 * processes of `swapImages`: the parent owns the level-backed coordinator and
 * answers the children's calls over the Node IPC channel. Each call is
 * answered only after the coordinator's write is durable.
 */
import type { ChildProcess } from 'node:child_process'
import { CoordinatorError } from '../errors.js'
import type { Role } from '../index/manifest.js'
import type { Coordinator, SwapStatus } from './coordinator.js'

type Op = 'prepare' | 'commit' | 'abort' | 'complete' | 'status' | 'watch'

/** Longest watch the parent holds open for a child (ms); the child asks again after it. */
export const MAX_WATCH_MS = 60_000

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

/** Child side: a Coordinator whose calls go to the parent process. */
export class IpcCoordinatorClient implements Coordinator {
  private nextId = 1
  private readonly pending = new Map<
    number,
    { resolve: (s: SwapStatus) => void; reject: (e: Error) => void }
  >()

  constructor(private readonly proc: NodeJS.Process = process) {
    proc.on('message', (m: unknown) => {
      const r = m as CoordReply
      if (r?.t !== 'coord-reply') return
      const p = this.pending.get(r.id)
      if (p === undefined) return
      this.pending.delete(r.id)
      if (r.status !== undefined) p.resolve(r.status)
      else
        p.reject(
          new CoordinatorError(r.error?.code ?? 'COORDINATOR', r.error?.message ?? 'coordinator failed'),
        )
    })
  }

  private call(
    op: Op,
    swapId: string,
    role?: Role,
    reason?: string,
    watch?: Pick<CoordCall, 'seen' | 'timeoutMs'>,
  ): Promise<SwapStatus> {
    if (this.proc.send === undefined || !this.proc.connected) {
      return Promise.reject(new CoordinatorError('COORDINATOR_GONE', 'no IPC channel to the coordinator'))
    }
    const id = this.nextId++
    const msg: CoordCall = { t: 'coord', id, op, swapId, role, reason, ...watch }
    return new Promise<SwapStatus>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
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
  watch(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus> {
    return this.call('watch', swapId, undefined, undefined, { seen, timeoutMs })
  }
  async close(): Promise<void> {}
}

/**
 * Parent side: answers a child's coordinator calls. A child may only act for
 * its own role (the IPC channel is its identity here).
 */
export function serveCoordinatorIpc(child: ChildProcess, role: Role, coordinator: Coordinator): void {
  child.on('message', (m: unknown) => {
    const c = m as CoordCall
    if (c?.t !== 'coord') return
    const reply = (r: Omit<CoordReply, 't' | 'id'>): void => {
      if (child.connected) child.send({ t: 'coord-reply', id: c.id, ...r })
    }
    let p: Promise<SwapStatus>
    if (c.op === 'status') p = coordinator.status(c.swapId)
    else if (c.op === 'watch') p = watchFor(coordinator, c)
    else if (c.op === 'commit') p = coordinator.commit(c.swapId)
    else if (c.role !== role)
      p = Promise.reject(new CoordinatorError('WRONG_ROLE', `agent ${role} acted as ${c.role}`))
    else if (c.op === 'prepare') p = coordinator.prepare(c.swapId, role)
    else if (c.op === 'complete') p = coordinator.complete(c.swapId, role)
    else if (c.op === 'abort') p = coordinator.abort(c.swapId, role, String(c.reason ?? '').slice(0, 512))
    else p = Promise.reject(new CoordinatorError('UNKNOWN_OP', 'unknown coordinator operation'))
    p.then(
      (status) => reply({ status }),
      (err: Error & { code?: string }) =>
        reply({ error: { code: err.code ?? 'COORDINATOR', message: err.message } }),
    )
  })
}

/** A child's watch, checked: a malformed one is refused; a coordinator without `watch` answers at once. */
function watchFor(coordinator: Coordinator, c: CoordCall): Promise<SwapStatus> {
  const seen = c.seen
  const wellFormed =
    typeof c.timeoutMs === 'number' &&
    Number.isFinite(c.timeoutMs) &&
    typeof seen?.decision === 'string' &&
    typeof seen.prepared === 'object' &&
    typeof seen.completed === 'object'
  if (!wellFormed || seen === undefined || c.timeoutMs === undefined)
    return Promise.reject(
      new CoordinatorError('BAD_CALL', 'a watch needs the status last seen and a timeout in ms'),
    )
  if (coordinator.watch === undefined) return coordinator.status(c.swapId)
  const timeoutMs = Math.min(MAX_WATCH_MS, Math.max(0, c.timeoutMs))
  // the child's copy is only compared field by field (sameSwapStatus), never stored
  return coordinator.watch(c.swapId, { ...seen, swapId: c.swapId }, timeoutMs)
}
