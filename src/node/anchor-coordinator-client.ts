/**
 * The swapper's `Coordinator`, reached over the network: each call is signed
 * with this VM's key (the key the ledger names for its side of the swap) and
 * answered by the anchor only once its decision is durable. Calls are safe to
 * repeat (every transition is idempotent at the anchor), so a lost answer is
 * retried by the caller like any other.
 *
 * Every failure is typed, one class per cause (src/swapper/errors.ts): the
 * anchor's refusals by their wire code (src/swapper/coordinator/failures.ts),
 * CoordinatorUnsupportedError for UNSUPPORTED_OP alone, CoordinatorAnswerError
 * for an answer that breaks the protocol, CoordinatorUnreachableError for a
 * call or answer lost in transit.
 */
import type { Libp2p } from '@libp2p/interface'
import {
  COORDINATOR_PROTOCOL,
  DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
  MAX_COORDINATOR_RESPONSE_BYTES,
  MAX_COORDINATOR_WATCH_MS,
} from '../protocols/anchor-constants.js'
import {
  type CoordinatorCallBody,
  CoordinatorOp,
  decodeCoordinatorResponse,
  signCoordinatorCall,
} from '../protocols/coordinator-wire.js'
import { ValidationError } from '../protocols/errors.js'
import { rpcCall } from '../protocols/rpc.js'
import { StreamError, StreamErrorCode } from '../protocols/stream/errors.js'
import type { Coordinator, SwapStatus } from '../swapper/coordinator/coordinator.js'
import { coordinatorFailure } from '../swapper/coordinator/failures.js'
import {
  CoordinatorAnswerError,
  CoordinatorCallRejectedError,
  CoordinatorUnreachableError,
} from '../swapper/errors.js'
import type { Role } from '../swapper/index/manifest.js'
import type { AnchorTarget } from './anchor-client.js'

export interface AnchorCoordinatorClientInit {
  node: Libp2p
  anchor: AnchorTarget
  /** This VM's key: the ledger's `vm` key of its side of the swap. */
  key: { secretKey: Uint8Array; publicKey: Uint8Array }
  /** Deadline of one call, on top of a watch's wait (ms). Default DEFAULT_ANCHOR_CALL_TIMEOUT_MS. */
  timeoutMs?: number
  now?: () => number
}

export class AnchorCoordinatorClient implements Coordinator {
  constructor(private readonly init: AnchorCoordinatorClientInit) {}

  /** `waitMs`: how long the anchor may hold the call (WATCH), on top of the call timeout. */
  private async call(body: CoordinatorCallBody, waitMs = 0): Promise<SwapStatus> {
    const operation = body.op.toLowerCase()
    let request: Uint8Array
    try {
      request = signCoordinatorCall(body, this.init.key, (this.init.now ?? Date.now)())
    } catch (err) {
      if (err instanceof ValidationError) throw new CoordinatorCallRejectedError(err.code, err.message)
      throw err
    }
    let bytes: Uint8Array
    try {
      bytes = await rpcCall(this.init.node, this.init.anchor, COORDINATOR_PROTOCOL, request, {
        maxResponseBytes: MAX_COORDINATOR_RESPONSE_BYTES,
        timeoutMs: (this.init.timeoutMs ?? DEFAULT_ANCHOR_CALL_TIMEOUT_MS) + waitMs,
      })
    } catch (err) {
      // an answer longer than any status is the anchor's fault, not the network's
      if (err instanceof StreamError && err.code === StreamErrorCode.FRAME_TOO_LARGE)
        throw new CoordinatorAnswerError(`anchor ${operation} answer: ${err.message}`, { cause: err })
      throw new CoordinatorUnreachableError(`anchor ${operation}: ${(err as Error).message}`, { cause: err })
    }
    let answer: ReturnType<typeof decodeCoordinatorResponse>
    try {
      answer = decodeCoordinatorResponse(bytes, body.swapId)
    } catch (err) {
      throw new CoordinatorAnswerError(`anchor ${operation} answer: ${(err as Error).message}`, {
        cause: err,
      })
    }
    if ('failure' in answer)
      throw coordinatorFailure(answer.failure.code, `anchor: ${answer.failure.message}`, operation)
    return answer.status
  }

  prepare(swapId: string, role: Role): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.PREPARE, swapId, role })
  }
  commit(swapId: string): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.COMMIT, swapId })
  }
  abort(swapId: string, role: Role, reason: string): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.ABORT, swapId, role, reason })
  }
  complete(swapId: string, role: Role): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.COMPLETE, swapId, role })
  }
  status(swapId: string): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.STATUS, swapId })
  }
  /**
   * A long poll at the anchor, at most MAX_COORDINATOR_WATCH_MS; the caller
   * asks again after it. CoordinatorUnsupportedError from an anchor without it.
   */
  watch(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus> {
    const wanted = Number.isNaN(timeoutMs) ? 0 : Math.floor(timeoutMs)
    const waitMs = Math.max(0, Math.min(MAX_COORDINATOR_WATCH_MS, wanted))
    return this.call({ op: CoordinatorOp.WATCH, swapId, seen, waitMs }, waitMs)
  }
  /** Nothing to release: each call opens and closes its own stream. */
  async close(): Promise<void> {}
}
