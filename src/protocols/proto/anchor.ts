import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RpcFailure {
  code: string
  message: string
}

export namespace RpcFailure {
  let _codec: Codec<RpcFailure>

  export const codec = (): Codec<RpcFailure> => {
    if (_codec == null) {
      _codec = message<RpcFailure>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(10)
          w.string(obj.code)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = reader.string()
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RpcFailureCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface RpcFailureMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<RpcFailure>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RpcFailure.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcFailure>): RpcFailure {
    return decodeMessage(buf, RpcFailure.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RpcFailure>): Generator<RpcFailureCodeFieldEvent | RpcFailureMessageFieldEvent> {
    return streamMessage(buf, RpcFailure.codec(), opts)
  }
}

export interface ModuleRequest {
  sha256: Uint8Array<ArrayBuffer>
}

export namespace ModuleRequest {
  let _codec: Codec<ModuleRequest>

  export const codec = (): Codec<ModuleRequest> => {
    if (_codec == null) {
      _codec = message<ModuleRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sha256)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sha256: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sha256 = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sha256`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ModuleRequestSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ModuleRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ModuleRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ModuleRequest>): ModuleRequest {
    return decodeMessage(buf, ModuleRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ModuleRequest>): Generator<ModuleRequestSha256FieldEvent> {
    return streamMessage(buf, ModuleRequest.codec(), opts)
  }
}

export interface ModuleResponse {
  module: Uint8Array<ArrayBuffer>
  failure?: RpcFailure
}

export namespace ModuleResponse {
  let _codec: Codec<ModuleResponse>

  export const codec = (): Codec<ModuleResponse> => {
    if (_codec == null) {
      _codec = message<ModuleResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.module != null && obj.module.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.module)
        }

        if (obj.failure != null) {
          w.uint32(18)
          RpcFailure.codec().encode(obj.failure, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          module: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.module = reader.bytes()
              break
            }
            case 2: {
              obj.failure = RpcFailure.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.failure
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.module`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * RpcFailure.codec().stream(reader, reader.uint32(), `${prefix}.failure`, {
                limits: opts.limits?.failure
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ModuleResponseModuleFieldEvent {
    field: '$.module'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ModuleResponseFailureCodeFieldEvent {
    field: '$.failure.code'
    value: string
  }

  export interface ModuleResponseFailureMessageFieldEvent {
    field: '$.failure.message'
    value: string
  }

  export function encode (obj: Partial<ModuleResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ModuleResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ModuleResponse>): ModuleResponse {
    return decodeMessage(buf, ModuleResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ModuleResponse>): Generator<ModuleResponseModuleFieldEvent | ModuleResponseFailureCodeFieldEvent | ModuleResponseFailureMessageFieldEvent> {
    return streamMessage(buf, ModuleResponse.codec(), opts)
  }
}

export enum CoordinatorOp {
  COORDINATOR_OP_UNSPECIFIED = 'COORDINATOR_OP_UNSPECIFIED',
  PREPARE = 'PREPARE',
  COMMIT = 'COMMIT',
  ABORT = 'ABORT',
  COMPLETE = 'COMPLETE',
  STATUS = 'STATUS',
  WATCH = 'WATCH'
}

enum __CoordinatorOpValues {
  COORDINATOR_OP_UNSPECIFIED = 0,
  PREPARE = 1,
  COMMIT = 2,
  ABORT = 3,
  COMPLETE = 4,
  STATUS = 5,
  WATCH = 6
}

export namespace CoordinatorOp {
  export const codec = (): Codec<CoordinatorOp> => {
    return enumeration<CoordinatorOp>(__CoordinatorOpValues)
  }
}

export interface CoordinatorCall {
  op: CoordinatorOp
  swapId: Uint8Array<ArrayBuffer>
  role: string
  reason: string
  issuedAtMs: bigint
  signer: Uint8Array<ArrayBuffer>
  seen?: SwapStatusMessage
  waitMs: number
}

export namespace CoordinatorCall {
  let _codec: Codec<CoordinatorCall>

  export const codec = (): Codec<CoordinatorCall> => {
    if (_codec == null) {
      _codec = message<CoordinatorCall>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.op != null && __CoordinatorOpValues[obj.op] !== 0) {
          w.uint32(8)
          CoordinatorOp.codec().encode(obj.op, w)
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.swapId)
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(26)
          w.string(obj.role)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(34)
          w.string(obj.reason)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.issuedAtMs)
        }

        if ((obj.signer != null && obj.signer.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.signer)
        }

        if (obj.seen != null) {
          w.uint32(58)
          SwapStatusMessage.codec().encode(obj.seen, w)
        }

        if ((obj.waitMs != null && obj.waitMs !== 0)) {
          w.uint32(64)
          w.uint32(obj.waitMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: CoordinatorOp.COORDINATOR_OP_UNSPECIFIED,
          swapId: uint8ArrayAlloc(0),
          role: '',
          reason: '',
          issuedAtMs: 0n,
          signer: uint8ArrayAlloc(0),
          waitMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.op = CoordinatorOp.codec().decode(reader)
              break
            }
            case 2: {
              obj.swapId = reader.bytes()
              break
            }
            case 3: {
              obj.role = reader.string()
              break
            }
            case 4: {
              obj.reason = reader.string()
              break
            }
            case 5: {
              obj.issuedAtMs = reader.uint64()
              break
            }
            case 6: {
              obj.signer = reader.bytes()
              break
            }
            case 7: {
              obj.seen = SwapStatusMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.seen
              })
              break
            }
            case 8: {
              obj.waitMs = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.op`,
                value: CoordinatorOp.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.swapId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.issuedAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.signer`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield * SwapStatusMessage.codec().stream(reader, reader.uint32(), `${prefix}.seen`, {
                limits: opts.limits?.seen
              })

              break
            }
            case 8: {
              yield {
                field: `${prefix}.waitMs`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CoordinatorCallOpFieldEvent {
    field: '$.op'
    value: CoordinatorOp
  }

  export interface CoordinatorCallSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CoordinatorCallRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface CoordinatorCallReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface CoordinatorCallIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export interface CoordinatorCallSignerFieldEvent {
    field: '$.signer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CoordinatorCallSeenSwapIdFieldEvent {
    field: '$.seen.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CoordinatorCallSeenDecisionFieldEvent {
    field: '$.seen.decision'
    value: string
  }

  export interface CoordinatorCallSeenPreparedAFieldEvent {
    field: '$.seen.preparedA'
    value: boolean
  }

  export interface CoordinatorCallSeenPreparedBFieldEvent {
    field: '$.seen.preparedB'
    value: boolean
  }

  export interface CoordinatorCallSeenCompletedAFieldEvent {
    field: '$.seen.completedA'
    value: boolean
  }

  export interface CoordinatorCallSeenCompletedBFieldEvent {
    field: '$.seen.completedB'
    value: boolean
  }

  export interface CoordinatorCallSeenReasonFieldEvent {
    field: '$.seen.reason'
    value: string
  }

  export interface CoordinatorCallWaitMsFieldEvent {
    field: '$.waitMs'
    value: number
  }

  export function encode (obj: Partial<CoordinatorCall>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CoordinatorCall.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CoordinatorCall>): CoordinatorCall {
    return decodeMessage(buf, CoordinatorCall.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CoordinatorCall>): Generator<CoordinatorCallOpFieldEvent | CoordinatorCallSwapIdFieldEvent | CoordinatorCallRoleFieldEvent | CoordinatorCallReasonFieldEvent | CoordinatorCallIssuedAtMsFieldEvent | CoordinatorCallSignerFieldEvent | CoordinatorCallSeenSwapIdFieldEvent | CoordinatorCallSeenDecisionFieldEvent | CoordinatorCallSeenPreparedAFieldEvent | CoordinatorCallSeenPreparedBFieldEvent | CoordinatorCallSeenCompletedAFieldEvent | CoordinatorCallSeenCompletedBFieldEvent | CoordinatorCallSeenReasonFieldEvent | CoordinatorCallWaitMsFieldEvent> {
    return streamMessage(buf, CoordinatorCall.codec(), opts)
  }
}

export interface CoordinatorRequest {
  call: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace CoordinatorRequest {
  let _codec: Codec<CoordinatorRequest>

  export const codec = (): Codec<CoordinatorRequest> => {
    if (_codec == null) {
      _codec = message<CoordinatorRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.call != null && obj.call.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.call)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          call: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.call = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.call`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CoordinatorRequestCallFieldEvent {
    field: '$.call'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CoordinatorRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<CoordinatorRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CoordinatorRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CoordinatorRequest>): CoordinatorRequest {
    return decodeMessage(buf, CoordinatorRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CoordinatorRequest>): Generator<CoordinatorRequestCallFieldEvent | CoordinatorRequestSignatureFieldEvent> {
    return streamMessage(buf, CoordinatorRequest.codec(), opts)
  }
}

export interface SwapStatusMessage {
  swapId: Uint8Array<ArrayBuffer>
  decision: string
  preparedA: boolean
  preparedB: boolean
  completedA: boolean
  completedB: boolean
  reason: string
}

export namespace SwapStatusMessage {
  let _codec: Codec<SwapStatusMessage>

  export const codec = (): Codec<SwapStatusMessage> => {
    if (_codec == null) {
      _codec = message<SwapStatusMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.swapId)
        }

        if ((obj.decision != null && obj.decision !== '')) {
          w.uint32(18)
          w.string(obj.decision)
        }

        if ((obj.preparedA != null && obj.preparedA !== false)) {
          w.uint32(24)
          w.bool(obj.preparedA)
        }

        if ((obj.preparedB != null && obj.preparedB !== false)) {
          w.uint32(32)
          w.bool(obj.preparedB)
        }

        if ((obj.completedA != null && obj.completedA !== false)) {
          w.uint32(40)
          w.bool(obj.completedA)
        }

        if ((obj.completedB != null && obj.completedB !== false)) {
          w.uint32(48)
          w.bool(obj.completedB)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(58)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          swapId: uint8ArrayAlloc(0),
          decision: '',
          preparedA: false,
          preparedB: false,
          completedA: false,
          completedB: false,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.swapId = reader.bytes()
              break
            }
            case 2: {
              obj.decision = reader.string()
              break
            }
            case 3: {
              obj.preparedA = reader.bool()
              break
            }
            case 4: {
              obj.preparedB = reader.bool()
              break
            }
            case 5: {
              obj.completedA = reader.bool()
              break
            }
            case 6: {
              obj.completedB = reader.bool()
              break
            }
            case 7: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.swapId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.decision`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.preparedA`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.preparedB`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.completedA`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.completedB`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SwapStatusMessageSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapStatusMessageDecisionFieldEvent {
    field: '$.decision'
    value: string
  }

  export interface SwapStatusMessagePreparedAFieldEvent {
    field: '$.preparedA'
    value: boolean
  }

  export interface SwapStatusMessagePreparedBFieldEvent {
    field: '$.preparedB'
    value: boolean
  }

  export interface SwapStatusMessageCompletedAFieldEvent {
    field: '$.completedA'
    value: boolean
  }

  export interface SwapStatusMessageCompletedBFieldEvent {
    field: '$.completedB'
    value: boolean
  }

  export interface SwapStatusMessageReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<SwapStatusMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SwapStatusMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapStatusMessage>): SwapStatusMessage {
    return decodeMessage(buf, SwapStatusMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapStatusMessage>): Generator<SwapStatusMessageSwapIdFieldEvent | SwapStatusMessageDecisionFieldEvent | SwapStatusMessagePreparedAFieldEvent | SwapStatusMessagePreparedBFieldEvent | SwapStatusMessageCompletedAFieldEvent | SwapStatusMessageCompletedBFieldEvent | SwapStatusMessageReasonFieldEvent> {
    return streamMessage(buf, SwapStatusMessage.codec(), opts)
  }
}

export interface CoordinatorResponse {
  status?: SwapStatusMessage
  failure?: RpcFailure
}

export namespace CoordinatorResponse {
  let _codec: Codec<CoordinatorResponse>

  export const codec = (): Codec<CoordinatorResponse> => {
    if (_codec == null) {
      _codec = message<CoordinatorResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null) {
          w.uint32(10)
          SwapStatusMessage.codec().encode(obj.status, w)
        }

        if (obj.failure != null) {
          w.uint32(18)
          RpcFailure.codec().encode(obj.failure, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = SwapStatusMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.status
              })
              break
            }
            case 2: {
              obj.failure = RpcFailure.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.failure
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * SwapStatusMessage.codec().stream(reader, reader.uint32(), `${prefix}.status`, {
                limits: opts.limits?.status
              })

              break
            }
            case 2: {
              yield * RpcFailure.codec().stream(reader, reader.uint32(), `${prefix}.failure`, {
                limits: opts.limits?.failure
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CoordinatorResponseStatusSwapIdFieldEvent {
    field: '$.status.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CoordinatorResponseStatusDecisionFieldEvent {
    field: '$.status.decision'
    value: string
  }

  export interface CoordinatorResponseStatusPreparedAFieldEvent {
    field: '$.status.preparedA'
    value: boolean
  }

  export interface CoordinatorResponseStatusPreparedBFieldEvent {
    field: '$.status.preparedB'
    value: boolean
  }

  export interface CoordinatorResponseStatusCompletedAFieldEvent {
    field: '$.status.completedA'
    value: boolean
  }

  export interface CoordinatorResponseStatusCompletedBFieldEvent {
    field: '$.status.completedB'
    value: boolean
  }

  export interface CoordinatorResponseStatusReasonFieldEvent {
    field: '$.status.reason'
    value: string
  }

  export interface CoordinatorResponseFailureCodeFieldEvent {
    field: '$.failure.code'
    value: string
  }

  export interface CoordinatorResponseFailureMessageFieldEvent {
    field: '$.failure.message'
    value: string
  }

  export function encode (obj: Partial<CoordinatorResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CoordinatorResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CoordinatorResponse>): CoordinatorResponse {
    return decodeMessage(buf, CoordinatorResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CoordinatorResponse>): Generator<CoordinatorResponseStatusSwapIdFieldEvent | CoordinatorResponseStatusDecisionFieldEvent | CoordinatorResponseStatusPreparedAFieldEvent | CoordinatorResponseStatusPreparedBFieldEvent | CoordinatorResponseStatusCompletedAFieldEvent | CoordinatorResponseStatusCompletedBFieldEvent | CoordinatorResponseStatusReasonFieldEvent | CoordinatorResponseFailureCodeFieldEvent | CoordinatorResponseFailureMessageFieldEvent> {
    return streamMessage(buf, CoordinatorResponse.codec(), opts)
  }
}

export interface AttestedMeasurement {
  resource: string
  name: string
  value: number
  unit: string
}

export namespace AttestedMeasurement {
  let _codec: Codec<AttestedMeasurement>

  export const codec = (): Codec<AttestedMeasurement> => {
    if (_codec == null) {
      _codec = message<AttestedMeasurement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource !== '')) {
          w.uint32(10)
          w.string(obj.resource)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.value != null && obj.value !== 0)) {
          w.uint32(25)
          w.double(obj.value)
        }

        if ((obj.unit != null && obj.unit !== '')) {
          w.uint32(34)
          w.string(obj.unit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: '',
          name: '',
          value: 0,
          unit: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.resource = reader.string()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.value = reader.double()
              break
            }
            case 4: {
              obj.unit = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.resource`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.value`,
                value: reader.double()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.unit`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AttestedMeasurementResourceFieldEvent {
    field: '$.resource'
    value: string
  }

  export interface AttestedMeasurementNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface AttestedMeasurementValueFieldEvent {
    field: '$.value'
    value: number
  }

  export interface AttestedMeasurementUnitFieldEvent {
    field: '$.unit'
    value: string
  }

  export function encode (obj: Partial<AttestedMeasurement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AttestedMeasurement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttestedMeasurement>): AttestedMeasurement {
    return decodeMessage(buf, AttestedMeasurement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttestedMeasurement>): Generator<AttestedMeasurementResourceFieldEvent | AttestedMeasurementNameFieldEvent | AttestedMeasurementValueFieldEvent | AttestedMeasurementUnitFieldEvent> {
    return streamMessage(buf, AttestedMeasurement.codec(), opts)
  }
}

export interface Attestation {
  location: string
  vm: Uint8Array<ArrayBuffer>
  measurements: AttestedMeasurement[]
  measuredAtMs: bigint
  expiresAtMs: bigint
  anchorKey: Uint8Array<ArrayBuffer>
}

export namespace Attestation {
  let _codec: Codec<Attestation>

  export const codec = (): Codec<Attestation> => {
    if (_codec == null) {
      _codec = message<Attestation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.location != null && obj.location !== '')) {
          w.uint32(10)
          w.string(obj.location)
        }

        if ((obj.vm != null && obj.vm.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.vm)
        }

        if (obj.measurements != null && obj.measurements.length > 0) {
          for (const value of obj.measurements) {
            w.uint32(26)
            AttestedMeasurement.codec().encode(value, w)
          }
        }

        if ((obj.measuredAtMs != null && obj.measuredAtMs !== 0n)) {
          w.uint32(32)
          w.uint64(obj.measuredAtMs)
        }

        if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.expiresAtMs)
        }

        if ((obj.anchorKey != null && obj.anchorKey.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.anchorKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          location: '',
          vm: uint8ArrayAlloc(0),
          measurements: [],
          measuredAtMs: 0n,
          expiresAtMs: 0n,
          anchorKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.location = reader.string()
              break
            }
            case 2: {
              obj.vm = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.measurements != null && obj.measurements.length === opts.limits.measurements) {
                throw new MaxLengthError('Decode error - repeated field "measurements" had too many elements')
              }

              obj.measurements.push(AttestedMeasurement.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.measurements$
              }))
              break
            }
            case 4: {
              obj.measuredAtMs = reader.uint64()
              break
            }
            case 5: {
              obj.expiresAtMs = reader.uint64()
              break
            }
            case 6: {
              obj.anchorKey = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          measurements: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.location`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.vm`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.measurements != null && obj.measurements === opts.limits.measurements) {
                throw new MaxLengthError('Streaming decode error - repeated field "measurements" had too many elements')
              }

              for (const evt of AttestedMeasurement.codec().stream(reader, reader.uint32(), `${prefix}.measurements[]`, {
                limits: opts.limits?.measurements$
              })) {
                yield {
                  ...evt,
                  index: obj.measurements
                }
              }

              obj.measurements++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.measuredAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.expiresAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.anchorKey`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AttestationLocationFieldEvent {
    field: '$.location'
    value: string
  }

  export interface AttestationVmFieldEvent {
    field: '$.vm'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttestationMeasurementsResourceFieldEvent {
    field: '$.measurements[].resource'
    value: string
    index: number
  }

  export interface AttestationMeasurementsNameFieldEvent {
    field: '$.measurements[].name'
    value: string
    index: number
  }

  export interface AttestationMeasurementsValueFieldEvent {
    field: '$.measurements[].value'
    value: number
    index: number
  }

  export interface AttestationMeasurementsUnitFieldEvent {
    field: '$.measurements[].unit'
    value: string
    index: number
  }

  export interface AttestationMeasuredAtMsFieldEvent {
    field: '$.measuredAtMs'
    value: bigint
  }

  export interface AttestationExpiresAtMsFieldEvent {
    field: '$.expiresAtMs'
    value: bigint
  }

  export interface AttestationAnchorKeyFieldEvent {
    field: '$.anchorKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Attestation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Attestation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Attestation>): Attestation {
    return decodeMessage(buf, Attestation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Attestation>): Generator<AttestationLocationFieldEvent | AttestationVmFieldEvent | AttestationMeasurementsResourceFieldEvent | AttestationMeasurementsNameFieldEvent | AttestationMeasurementsValueFieldEvent | AttestationMeasurementsUnitFieldEvent | AttestationMeasuredAtMsFieldEvent | AttestationExpiresAtMsFieldEvent | AttestationAnchorKeyFieldEvent> {
    return streamMessage(buf, Attestation.codec(), opts)
  }
}

export interface SignedAttestation {
  attestation: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedAttestation {
  let _codec: Codec<SignedAttestation>

  export const codec = (): Codec<SignedAttestation> => {
    if (_codec == null) {
      _codec = message<SignedAttestation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.attestation != null && obj.attestation.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.attestation)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          attestation: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.attestation = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.attestation`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedAttestationAttestationFieldEvent {
    field: '$.attestation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedAttestationSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedAttestation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedAttestation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAttestation>): SignedAttestation {
    return decodeMessage(buf, SignedAttestation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAttestation>): Generator<SignedAttestationAttestationFieldEvent | SignedAttestationSignatureFieldEvent> {
    return streamMessage(buf, SignedAttestation.codec(), opts)
  }
}

export interface VerifyRequest {
  control: Uint8Array<ArrayBuffer>
  vm: Uint8Array<ArrayBuffer>
}

export namespace VerifyRequest {
  let _codec: Codec<VerifyRequest>

  export const codec = (): Codec<VerifyRequest> => {
    if (_codec == null) {
      _codec = message<VerifyRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.control != null && obj.control.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.control)
        }

        if ((obj.vm != null && obj.vm.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.vm)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          control: uint8ArrayAlloc(0),
          vm: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.control = reader.bytes()
              break
            }
            case 2: {
              obj.vm = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.control`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.vm`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface VerifyRequestControlFieldEvent {
    field: '$.control'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VerifyRequestVmFieldEvent {
    field: '$.vm'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<VerifyRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VerifyRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VerifyRequest>): VerifyRequest {
    return decodeMessage(buf, VerifyRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VerifyRequest>): Generator<VerifyRequestControlFieldEvent | VerifyRequestVmFieldEvent> {
    return streamMessage(buf, VerifyRequest.codec(), opts)
  }
}

export interface VerifyResponse {
  attestation?: SignedAttestation
  failure?: RpcFailure
}

export namespace VerifyResponse {
  let _codec: Codec<VerifyResponse>

  export const codec = (): Codec<VerifyResponse> => {
    if (_codec == null) {
      _codec = message<VerifyResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.attestation != null) {
          w.uint32(10)
          SignedAttestation.codec().encode(obj.attestation, w)
        }

        if (obj.failure != null) {
          w.uint32(18)
          RpcFailure.codec().encode(obj.failure, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.attestation = SignedAttestation.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.attestation
              })
              break
            }
            case 2: {
              obj.failure = RpcFailure.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.failure
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * SignedAttestation.codec().stream(reader, reader.uint32(), `${prefix}.attestation`, {
                limits: opts.limits?.attestation
              })

              break
            }
            case 2: {
              yield * RpcFailure.codec().stream(reader, reader.uint32(), `${prefix}.failure`, {
                limits: opts.limits?.failure
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface VerifyResponseAttestationAttestationFieldEvent {
    field: '$.attestation.attestation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VerifyResponseAttestationSignatureFieldEvent {
    field: '$.attestation.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VerifyResponseFailureCodeFieldEvent {
    field: '$.failure.code'
    value: string
  }

  export interface VerifyResponseFailureMessageFieldEvent {
    field: '$.failure.message'
    value: string
  }

  export function encode (obj: Partial<VerifyResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VerifyResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VerifyResponse>): VerifyResponse {
    return decodeMessage(buf, VerifyResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VerifyResponse>): Generator<VerifyResponseAttestationAttestationFieldEvent | VerifyResponseAttestationSignatureFieldEvent | VerifyResponseFailureCodeFieldEvent | VerifyResponseFailureMessageFieldEvent> {
    return streamMessage(buf, VerifyResponse.codec(), opts)
  }
}

export interface LedgerPartySignature {
  publicKey: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace LedgerPartySignature {
  let _codec: Codec<LedgerPartySignature>

  export const codec = (): Codec<LedgerPartySignature> => {
    if (_codec == null) {
      _codec = message<LedgerPartySignature>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.publicKey)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          publicKey: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.publicKey = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.publicKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LedgerPartySignaturePublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerPartySignatureSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LedgerPartySignature>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LedgerPartySignature.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerPartySignature>): LedgerPartySignature {
    return decodeMessage(buf, LedgerPartySignature.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerPartySignature>): Generator<LedgerPartySignaturePublicKeyFieldEvent | LedgerPartySignatureSignatureFieldEvent> {
    return streamMessage(buf, LedgerPartySignature.codec(), opts)
  }
}

export interface LedgerSubmit {
  action: Uint8Array<ArrayBuffer>
  parties: LedgerPartySignature[]
}

export namespace LedgerSubmit {
  let _codec: Codec<LedgerSubmit>

  export const codec = (): Codec<LedgerSubmit> => {
    if (_codec == null) {
      _codec = message<LedgerSubmit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.action != null && obj.action.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.action)
        }

        if (obj.parties != null && obj.parties.length > 0) {
          for (const value of obj.parties) {
            w.uint32(18)
            LedgerPartySignature.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          action: uint8ArrayAlloc(0),
          parties: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.action = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.parties != null && obj.parties.length === opts.limits.parties) {
                throw new MaxLengthError('Decode error - repeated field "parties" had too many elements')
              }

              obj.parties.push(LedgerPartySignature.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.parties$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          parties: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.action`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.parties != null && obj.parties === opts.limits.parties) {
                throw new MaxLengthError('Streaming decode error - repeated field "parties" had too many elements')
              }

              for (const evt of LedgerPartySignature.codec().stream(reader, reader.uint32(), `${prefix}.parties[]`, {
                limits: opts.limits?.parties$
              })) {
                yield {
                  ...evt,
                  index: obj.parties
                }
              }

              obj.parties++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LedgerSubmitActionFieldEvent {
    field: '$.action'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerSubmitPartiesPublicKeyFieldEvent {
    field: '$.parties[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LedgerSubmitPartiesSignatureFieldEvent {
    field: '$.parties[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<LedgerSubmit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LedgerSubmit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerSubmit>): LedgerSubmit {
    return decodeMessage(buf, LedgerSubmit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerSubmit>): Generator<LedgerSubmitActionFieldEvent | LedgerSubmitPartiesPublicKeyFieldEvent | LedgerSubmitPartiesSignatureFieldEvent> {
    return streamMessage(buf, LedgerSubmit.codec(), opts)
  }
}

export interface DelegationQuery {
  ownerKey: Uint8Array<ArrayBuffer>
  delegationId: Uint8Array<ArrayBuffer>
}

export namespace DelegationQuery {
  let _codec: Codec<DelegationQuery>

  export const codec = (): Codec<DelegationQuery> => {
    if (_codec == null) {
      _codec = message<DelegationQuery>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ownerKey != null && obj.ownerKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ownerKey)
        }

        if ((obj.delegationId != null && obj.delegationId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.delegationId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ownerKey: uint8ArrayAlloc(0),
          delegationId: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ownerKey = reader.bytes()
              break
            }
            case 2: {
              obj.delegationId = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.ownerKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.delegationId`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DelegationQueryOwnerKeyFieldEvent {
    field: '$.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DelegationQueryDelegationIdFieldEvent {
    field: '$.delegationId'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DelegationQuery>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DelegationQuery.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationQuery>): DelegationQuery {
    return decodeMessage(buf, DelegationQuery.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationQuery>): Generator<DelegationQueryOwnerKeyFieldEvent | DelegationQueryDelegationIdFieldEvent> {
    return streamMessage(buf, DelegationQuery.codec(), opts)
  }
}

export interface OpenAgreementQuery {
  agentKey: Uint8Array<ArrayBuffer>
}

export namespace OpenAgreementQuery {
  let _codec: Codec<OpenAgreementQuery>

  export const codec = (): Codec<OpenAgreementQuery> => {
    if (_codec == null) {
      _codec = message<OpenAgreementQuery>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.agentKey != null && obj.agentKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.agentKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          agentKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.agentKey = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.agentKey`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface OpenAgreementQueryAgentKeyFieldEvent {
    field: '$.agentKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<OpenAgreementQuery>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, OpenAgreementQuery.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OpenAgreementQuery>): OpenAgreementQuery {
    return decodeMessage(buf, OpenAgreementQuery.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OpenAgreementQuery>): Generator<OpenAgreementQueryAgentKeyFieldEvent> {
    return streamMessage(buf, OpenAgreementQuery.codec(), opts)
  }
}

export interface LedgerRequest {
  submit?: LedgerSubmit
  registerAgreement?: Uint8Array<ArrayBuffer>
  delegation?: DelegationQuery
  openAgreement?: OpenAgreementQuery
}

export namespace LedgerRequest {
  let _codec: Codec<LedgerRequest>

  export const codec = (): Codec<LedgerRequest> => {
    if (_codec == null) {
      _codec = message<LedgerRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.openAgreement != null) {
          obj.delegation = undefined
          obj.registerAgreement = undefined
          obj.submit = undefined
        }

        if (obj.delegation != null) {
          obj.openAgreement = undefined
          obj.registerAgreement = undefined
          obj.submit = undefined
        }

        if (obj.registerAgreement != null) {
          obj.openAgreement = undefined
          obj.delegation = undefined
          obj.submit = undefined
        }

        if (obj.submit != null) {
          obj.openAgreement = undefined
          obj.delegation = undefined
          obj.registerAgreement = undefined
        }

        if (obj.submit != null) {
          w.uint32(10)
          LedgerSubmit.codec().encode(obj.submit, w)
        }

        if (obj.registerAgreement != null) {
          w.uint32(18)
          w.bytes(obj.registerAgreement)
        }

        if (obj.delegation != null) {
          w.uint32(26)
          DelegationQuery.codec().encode(obj.delegation, w)
        }

        if (obj.openAgreement != null) {
          w.uint32(34)
          OpenAgreementQuery.codec().encode(obj.openAgreement, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.submit = LedgerSubmit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.submit
              })
              break
            }
            case 2: {
              obj.registerAgreement = reader.bytes()
              break
            }
            case 3: {
              obj.delegation = DelegationQuery.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delegation
              })
              break
            }
            case 4: {
              obj.openAgreement = OpenAgreementQuery.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.openAgreement
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.openAgreement != null) {
          delete obj.delegation
          delete obj.registerAgreement
          delete obj.submit
        }

        if (obj.delegation != null) {
          delete obj.openAgreement
          delete obj.registerAgreement
          delete obj.submit
        }

        if (obj.registerAgreement != null) {
          delete obj.openAgreement
          delete obj.delegation
          delete obj.submit
        }

        if (obj.submit != null) {
          delete obj.openAgreement
          delete obj.delegation
          delete obj.registerAgreement
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * LedgerSubmit.codec().stream(reader, reader.uint32(), `${prefix}.submit`, {
                limits: opts.limits?.submit
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.registerAgreement`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * DelegationQuery.codec().stream(reader, reader.uint32(), `${prefix}.delegation`, {
                limits: opts.limits?.delegation
              })

              break
            }
            case 4: {
              yield * OpenAgreementQuery.codec().stream(reader, reader.uint32(), `${prefix}.openAgreement`, {
                limits: opts.limits?.openAgreement
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LedgerRequestSubmitActionFieldEvent {
    field: '$.submit.action'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerRequestSubmitPartiesPublicKeyFieldEvent {
    field: '$.submit.parties[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LedgerRequestSubmitPartiesSignatureFieldEvent {
    field: '$.submit.parties[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LedgerRequestRegisterAgreementFieldEvent {
    field: '$.registerAgreement'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerRequestDelegationOwnerKeyFieldEvent {
    field: '$.delegation.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerRequestDelegationDelegationIdFieldEvent {
    field: '$.delegation.delegationId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerRequestOpenAgreementAgentKeyFieldEvent {
    field: '$.openAgreement.agentKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LedgerRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LedgerRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerRequest>): LedgerRequest {
    return decodeMessage(buf, LedgerRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerRequest>): Generator<LedgerRequestSubmitActionFieldEvent | LedgerRequestSubmitPartiesPublicKeyFieldEvent | LedgerRequestSubmitPartiesSignatureFieldEvent | LedgerRequestRegisterAgreementFieldEvent | LedgerRequestDelegationOwnerKeyFieldEvent | LedgerRequestDelegationDelegationIdFieldEvent | LedgerRequestOpenAgreementAgentKeyFieldEvent> {
    return streamMessage(buf, LedgerRequest.codec(), opts)
  }
}

export interface LedgerAppended {
  seq: bigint
  entry: Uint8Array<ArrayBuffer>
}

export namespace LedgerAppended {
  let _codec: Codec<LedgerAppended>

  export const codec = (): Codec<LedgerAppended> => {
    if (_codec == null) {
      _codec = message<LedgerAppended>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if ((obj.entry != null && obj.entry.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.entry)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n,
          entry: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.seq = reader.uint64()
              break
            }
            case 2: {
              obj.entry = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.entry`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LedgerAppendedSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface LedgerAppendedEntryFieldEvent {
    field: '$.entry'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LedgerAppended>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LedgerAppended.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerAppended>): LedgerAppended {
    return decodeMessage(buf, LedgerAppended.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerAppended>): Generator<LedgerAppendedSeqFieldEvent | LedgerAppendedEntryFieldEvent> {
    return streamMessage(buf, LedgerAppended.codec(), opts)
  }
}

export interface DelegationStatus {
  revoked: boolean
  revokedAtSeq: bigint
}

export namespace DelegationStatus {
  let _codec: Codec<DelegationStatus>

  export const codec = (): Codec<DelegationStatus> => {
    if (_codec == null) {
      _codec = message<DelegationStatus>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.revoked != null && obj.revoked !== false)) {
          w.uint32(8)
          w.bool(obj.revoked)
        }

        if ((obj.revokedAtSeq != null && obj.revokedAtSeq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.revokedAtSeq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          revoked: false,
          revokedAtSeq: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.revoked = reader.bool()
              break
            }
            case 2: {
              obj.revokedAtSeq = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.revoked`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.revokedAtSeq`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DelegationStatusRevokedFieldEvent {
    field: '$.revoked'
    value: boolean
  }

  export interface DelegationStatusRevokedAtSeqFieldEvent {
    field: '$.revokedAtSeq'
    value: bigint
  }

  export function encode (obj: Partial<DelegationStatus>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DelegationStatus.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationStatus>): DelegationStatus {
    return decodeMessage(buf, DelegationStatus.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationStatus>): Generator<DelegationStatusRevokedFieldEvent | DelegationStatusRevokedAtSeqFieldEvent> {
    return streamMessage(buf, DelegationStatus.codec(), opts)
  }
}

export interface OpenAgreement {
  agreement: Uint8Array<ArrayBuffer>
}

export namespace OpenAgreement {
  let _codec: Codec<OpenAgreement>

  export const codec = (): Codec<OpenAgreement> => {
    if (_codec == null) {
      _codec = message<OpenAgreement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.agreement != null && obj.agreement.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.agreement)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          agreement: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.agreement = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.agreement`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface OpenAgreementAgreementFieldEvent {
    field: '$.agreement'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<OpenAgreement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, OpenAgreement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OpenAgreement>): OpenAgreement {
    return decodeMessage(buf, OpenAgreement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OpenAgreement>): Generator<OpenAgreementAgreementFieldEvent> {
    return streamMessage(buf, OpenAgreement.codec(), opts)
  }
}

export interface LedgerResponse {
  failure?: RpcFailure
  appended?: LedgerAppended
  delegation?: DelegationStatus
  openAgreement?: OpenAgreement
}

export namespace LedgerResponse {
  let _codec: Codec<LedgerResponse>

  export const codec = (): Codec<LedgerResponse> => {
    if (_codec == null) {
      _codec = message<LedgerResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.failure != null) {
          w.uint32(10)
          RpcFailure.codec().encode(obj.failure, w)
        }

        if (obj.appended != null) {
          w.uint32(18)
          LedgerAppended.codec().encode(obj.appended, w)
        }

        if (obj.delegation != null) {
          w.uint32(26)
          DelegationStatus.codec().encode(obj.delegation, w)
        }

        if (obj.openAgreement != null) {
          w.uint32(34)
          OpenAgreement.codec().encode(obj.openAgreement, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.failure = RpcFailure.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.failure
              })
              break
            }
            case 2: {
              obj.appended = LedgerAppended.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.appended
              })
              break
            }
            case 3: {
              obj.delegation = DelegationStatus.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delegation
              })
              break
            }
            case 4: {
              obj.openAgreement = OpenAgreement.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.openAgreement
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * RpcFailure.codec().stream(reader, reader.uint32(), `${prefix}.failure`, {
                limits: opts.limits?.failure
              })

              break
            }
            case 2: {
              yield * LedgerAppended.codec().stream(reader, reader.uint32(), `${prefix}.appended`, {
                limits: opts.limits?.appended
              })

              break
            }
            case 3: {
              yield * DelegationStatus.codec().stream(reader, reader.uint32(), `${prefix}.delegation`, {
                limits: opts.limits?.delegation
              })

              break
            }
            case 4: {
              yield * OpenAgreement.codec().stream(reader, reader.uint32(), `${prefix}.openAgreement`, {
                limits: opts.limits?.openAgreement
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LedgerResponseFailureCodeFieldEvent {
    field: '$.failure.code'
    value: string
  }

  export interface LedgerResponseFailureMessageFieldEvent {
    field: '$.failure.message'
    value: string
  }

  export interface LedgerResponseAppendedSeqFieldEvent {
    field: '$.appended.seq'
    value: bigint
  }

  export interface LedgerResponseAppendedEntryFieldEvent {
    field: '$.appended.entry'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerResponseDelegationRevokedFieldEvent {
    field: '$.delegation.revoked'
    value: boolean
  }

  export interface LedgerResponseDelegationRevokedAtSeqFieldEvent {
    field: '$.delegation.revokedAtSeq'
    value: bigint
  }

  export interface LedgerResponseOpenAgreementAgreementFieldEvent {
    field: '$.openAgreement.agreement'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LedgerResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LedgerResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerResponse>): LedgerResponse {
    return decodeMessage(buf, LedgerResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerResponse>): Generator<LedgerResponseFailureCodeFieldEvent | LedgerResponseFailureMessageFieldEvent | LedgerResponseAppendedSeqFieldEvent | LedgerResponseAppendedEntryFieldEvent | LedgerResponseDelegationRevokedFieldEvent | LedgerResponseDelegationRevokedAtSeqFieldEvent | LedgerResponseOpenAgreementAgreementFieldEvent> {
    return streamMessage(buf, LedgerResponse.codec(), opts)
  }
}
