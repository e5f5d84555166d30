import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface NegotiationTerms {
  payer: Uint8Array<ArrayBuffer>
  priceMicros: bigint
}

export namespace NegotiationTerms {
  let _codec: Codec<NegotiationTerms>

  export const codec = (): Codec<NegotiationTerms> => {
    if (_codec == null) {
      _codec = message<NegotiationTerms>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.payer != null && obj.payer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.payer)
        }

        if ((obj.priceMicros != null && obj.priceMicros !== 0n)) {
          w.uint32(16)
          w.uint64(obj.priceMicros)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          payer: uint8ArrayAlloc(0),
          priceMicros: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.payer = reader.bytes()
              break
            }
            case 2: {
              obj.priceMicros = reader.uint64()
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
                field: `${prefix}.payer`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.priceMicros`,
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

  export interface NegotiationTermsPayerFieldEvent {
    field: '$.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationTermsPriceMicrosFieldEvent {
    field: '$.priceMicros'
    value: bigint
  }

  export function encode (obj: Partial<NegotiationTerms>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, NegotiationTerms.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NegotiationTerms>): NegotiationTerms {
    return decodeMessage(buf, NegotiationTerms.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NegotiationTerms>): Generator<NegotiationTermsPayerFieldEvent | NegotiationTermsPriceMicrosFieldEvent> {
    return streamMessage(buf, NegotiationTerms.codec(), opts)
  }
}

export interface Offer {
  terms?: NegotiationTerms
  swapKey: Uint8Array<ArrayBuffer>
  statedGainMicros: bigint
}

export namespace Offer {
  let _codec: Codec<Offer>

  export const codec = (): Codec<Offer> => {
    if (_codec == null) {
      _codec = message<Offer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.terms != null) {
          w.uint32(10)
          NegotiationTerms.codec().encode(obj.terms, w)
        }

        if ((obj.swapKey != null && obj.swapKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.swapKey)
        }

        if ((obj.statedGainMicros != null && obj.statedGainMicros !== 0n)) {
          w.uint32(24)
          w.uint64(obj.statedGainMicros)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          swapKey: uint8ArrayAlloc(0),
          statedGainMicros: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.terms = NegotiationTerms.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.terms
              })
              break
            }
            case 2: {
              obj.swapKey = reader.bytes()
              break
            }
            case 3: {
              obj.statedGainMicros = reader.uint64()
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
              yield * NegotiationTerms.codec().stream(reader, reader.uint32(), `${prefix}.terms`, {
                limits: opts.limits?.terms
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.swapKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.statedGainMicros`,
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

  export interface OfferTermsPayerFieldEvent {
    field: '$.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferTermsPriceMicrosFieldEvent {
    field: '$.terms.priceMicros'
    value: bigint
  }

  export interface OfferSwapKeyFieldEvent {
    field: '$.swapKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferStatedGainMicrosFieldEvent {
    field: '$.statedGainMicros'
    value: bigint
  }

  export function encode (obj: Partial<Offer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Offer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Offer {
    return decodeMessage(buf, Offer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Generator<OfferTermsPayerFieldEvent | OfferTermsPriceMicrosFieldEvent | OfferSwapKeyFieldEvent | OfferStatedGainMicrosFieldEvent> {
    return streamMessage(buf, Offer.codec(), opts)
  }
}

export interface Counter {
  ref: bigint
  terms?: NegotiationTerms
  swapKey: Uint8Array<ArrayBuffer>
  statedGainMicros: bigint
}

export namespace Counter {
  let _codec: Codec<Counter>

  export const codec = (): Codec<Counter> => {
    if (_codec == null) {
      _codec = message<Counter>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ref != null && obj.ref !== 0n)) {
          w.uint32(8)
          w.uint64(obj.ref)
        }

        if (obj.terms != null) {
          w.uint32(18)
          NegotiationTerms.codec().encode(obj.terms, w)
        }

        if ((obj.swapKey != null && obj.swapKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.swapKey)
        }

        if ((obj.statedGainMicros != null && obj.statedGainMicros !== 0n)) {
          w.uint32(32)
          w.uint64(obj.statedGainMicros)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ref: 0n,
          swapKey: uint8ArrayAlloc(0),
          statedGainMicros: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ref = reader.uint64()
              break
            }
            case 2: {
              obj.terms = NegotiationTerms.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.terms
              })
              break
            }
            case 3: {
              obj.swapKey = reader.bytes()
              break
            }
            case 4: {
              obj.statedGainMicros = reader.uint64()
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
                field: `${prefix}.ref`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield * NegotiationTerms.codec().stream(reader, reader.uint32(), `${prefix}.terms`, {
                limits: opts.limits?.terms
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.swapKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.statedGainMicros`,
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

  export interface CounterRefFieldEvent {
    field: '$.ref'
    value: bigint
  }

  export interface CounterTermsPayerFieldEvent {
    field: '$.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CounterTermsPriceMicrosFieldEvent {
    field: '$.terms.priceMicros'
    value: bigint
  }

  export interface CounterSwapKeyFieldEvent {
    field: '$.swapKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CounterStatedGainMicrosFieldEvent {
    field: '$.statedGainMicros'
    value: bigint
  }

  export function encode (obj: Partial<Counter>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Counter.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Counter>): Counter {
    return decodeMessage(buf, Counter.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Counter>): Generator<CounterRefFieldEvent | CounterTermsPayerFieldEvent | CounterTermsPriceMicrosFieldEvent | CounterSwapKeyFieldEvent | CounterStatedGainMicrosFieldEvent> {
    return streamMessage(buf, Counter.codec(), opts)
  }
}

export interface Accept {
  ref: bigint
  terms?: NegotiationTerms
  agreementTerms: Uint8Array<ArrayBuffer>
  agreementSignature: Uint8Array<ArrayBuffer>
}

export namespace Accept {
  let _codec: Codec<Accept>

  export const codec = (): Codec<Accept> => {
    if (_codec == null) {
      _codec = message<Accept>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ref != null && obj.ref !== 0n)) {
          w.uint32(8)
          w.uint64(obj.ref)
        }

        if (obj.terms != null) {
          w.uint32(18)
          NegotiationTerms.codec().encode(obj.terms, w)
        }

        if ((obj.agreementTerms != null && obj.agreementTerms.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.agreementTerms)
        }

        if ((obj.agreementSignature != null && obj.agreementSignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.agreementSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ref: 0n,
          agreementTerms: uint8ArrayAlloc(0),
          agreementSignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ref = reader.uint64()
              break
            }
            case 2: {
              obj.terms = NegotiationTerms.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.terms
              })
              break
            }
            case 3: {
              obj.agreementTerms = reader.bytes()
              break
            }
            case 4: {
              obj.agreementSignature = reader.bytes()
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
                field: `${prefix}.ref`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield * NegotiationTerms.codec().stream(reader, reader.uint32(), `${prefix}.terms`, {
                limits: opts.limits?.terms
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.agreementTerms`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.agreementSignature`,
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

  export interface AcceptRefFieldEvent {
    field: '$.ref'
    value: bigint
  }

  export interface AcceptTermsPayerFieldEvent {
    field: '$.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AcceptTermsPriceMicrosFieldEvent {
    field: '$.terms.priceMicros'
    value: bigint
  }

  export interface AcceptAgreementTermsFieldEvent {
    field: '$.agreementTerms'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AcceptAgreementSignatureFieldEvent {
    field: '$.agreementSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Accept>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Accept.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Accept>): Accept {
    return decodeMessage(buf, Accept.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Accept>): Generator<AcceptRefFieldEvent | AcceptTermsPayerFieldEvent | AcceptTermsPriceMicrosFieldEvent | AcceptAgreementTermsFieldEvent | AcceptAgreementSignatureFieldEvent> {
    return streamMessage(buf, Accept.codec(), opts)
  }
}

export enum RejectReason {
  REJECT_REASON_UNSPECIFIED = 'REJECT_REASON_UNSPECIFIED',
  NOT_LISTED = 'NOT_LISTED',
  UNACCEPTABLE = 'UNACCEPTABLE',
  STALE = 'STALE',
  PROBE_FAILED = 'PROBE_FAILED'
}

enum __RejectReasonValues {
  REJECT_REASON_UNSPECIFIED = 0,
  NOT_LISTED = 1,
  UNACCEPTABLE = 2,
  STALE = 3,
  PROBE_FAILED = 4
}

export namespace RejectReason {
  export const codec = (): Codec<RejectReason> => {
    return enumeration<RejectReason>(__RejectReasonValues)
  }
}

export interface Reject {
  ref: bigint
  reason: RejectReason
}

export namespace Reject {
  let _codec: Codec<Reject>

  export const codec = (): Codec<Reject> => {
    if (_codec == null) {
      _codec = message<Reject>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ref != null && obj.ref !== 0n)) {
          w.uint32(8)
          w.uint64(obj.ref)
        }

        if (obj.reason != null && __RejectReasonValues[obj.reason] !== 0) {
          w.uint32(16)
          RejectReason.codec().encode(obj.reason, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ref: 0n,
          reason: RejectReason.REJECT_REASON_UNSPECIFIED
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ref = reader.uint64()
              break
            }
            case 2: {
              obj.reason = RejectReason.codec().decode(reader)
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
                field: `${prefix}.ref`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: RejectReason.codec().decode(reader)
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

  export interface RejectRefFieldEvent {
    field: '$.ref'
    value: bigint
  }

  export interface RejectReasonFieldEvent {
    field: '$.reason'
    value: RejectReason
  }

  export function encode (obj: Partial<Reject>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Reject.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Reject>): Reject {
    return decodeMessage(buf, Reject.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Reject>): Generator<RejectRefFieldEvent | RejectReasonFieldEvent> {
    return streamMessage(buf, Reject.codec(), opts)
  }
}

export interface MoveRef {
  id: string
  gainMicros: number
  replaces: Uint8Array<ArrayBuffer>
  notifyReplaced: boolean
}

export namespace MoveRef {
  let _codec: Codec<MoveRef>

  export const codec = (): Codec<MoveRef> => {
    if (_codec == null) {
      _codec = message<MoveRef>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.gainMicros != null && obj.gainMicros !== 0)) {
          w.uint32(17)
          w.double(obj.gainMicros)
        }

        if ((obj.replaces != null && obj.replaces.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.replaces)
        }

        if ((obj.notifyReplaced != null && obj.notifyReplaced !== false)) {
          w.uint32(32)
          w.bool(obj.notifyReplaced)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          gainMicros: 0,
          replaces: uint8ArrayAlloc(0),
          notifyReplaced: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.gainMicros = reader.double()
              break
            }
            case 3: {
              obj.replaces = reader.bytes()
              break
            }
            case 4: {
              obj.notifyReplaced = reader.bool()
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
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.gainMicros`,
                value: reader.double()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.replaces`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.notifyReplaced`,
                value: reader.bool()
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

  export interface MoveRefIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface MoveRefGainMicrosFieldEvent {
    field: '$.gainMicros'
    value: number
  }

  export interface MoveRefReplacesFieldEvent {
    field: '$.replaces'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MoveRefNotifyReplacedFieldEvent {
    field: '$.notifyReplaced'
    value: boolean
  }

  export function encode (obj: Partial<MoveRef>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MoveRef.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MoveRef>): MoveRef {
    return decodeMessage(buf, MoveRef.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MoveRef>): Generator<MoveRefIdFieldEvent | MoveRefGainMicrosFieldEvent | MoveRefReplacesFieldEvent | MoveRefNotifyReplacedFieldEvent> {
    return streamMessage(buf, MoveRef.codec(), opts)
  }
}

export interface Propose {
  terms?: NegotiationTerms
  welfareMicros: number
  move?: MoveRef
}

export namespace Propose {
  let _codec: Codec<Propose>

  export const codec = (): Codec<Propose> => {
    if (_codec == null) {
      _codec = message<Propose>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.terms != null) {
          w.uint32(10)
          NegotiationTerms.codec().encode(obj.terms, w)
        }

        if ((obj.welfareMicros != null && obj.welfareMicros !== 0)) {
          w.uint32(17)
          w.double(obj.welfareMicros)
        }

        if (obj.move != null) {
          w.uint32(26)
          MoveRef.codec().encode(obj.move, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          welfareMicros: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.terms = NegotiationTerms.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.terms
              })
              break
            }
            case 2: {
              obj.welfareMicros = reader.double()
              break
            }
            case 3: {
              obj.move = MoveRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.move
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
              yield * NegotiationTerms.codec().stream(reader, reader.uint32(), `${prefix}.terms`, {
                limits: opts.limits?.terms
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.welfareMicros`,
                value: reader.double()
              }
              break
            }
            case 3: {
              yield * MoveRef.codec().stream(reader, reader.uint32(), `${prefix}.move`, {
                limits: opts.limits?.move
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

  export interface ProposeTermsPayerFieldEvent {
    field: '$.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProposeTermsPriceMicrosFieldEvent {
    field: '$.terms.priceMicros'
    value: bigint
  }

  export interface ProposeWelfareMicrosFieldEvent {
    field: '$.welfareMicros'
    value: number
  }

  export interface ProposeMoveIdFieldEvent {
    field: '$.move.id'
    value: string
  }

  export interface ProposeMoveGainMicrosFieldEvent {
    field: '$.move.gainMicros'
    value: number
  }

  export interface ProposeMoveReplacesFieldEvent {
    field: '$.move.replaces'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProposeMoveNotifyReplacedFieldEvent {
    field: '$.move.notifyReplaced'
    value: boolean
  }

  export function encode (obj: Partial<Propose>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Propose.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Propose>): Propose {
    return decodeMessage(buf, Propose.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Propose>): Generator<ProposeTermsPayerFieldEvent | ProposeTermsPriceMicrosFieldEvent | ProposeWelfareMicrosFieldEvent | ProposeMoveIdFieldEvent | ProposeMoveGainMicrosFieldEvent | ProposeMoveReplacesFieldEvent | ProposeMoveNotifyReplacedFieldEvent> {
    return streamMessage(buf, Propose.codec(), opts)
  }
}

export enum WithdrawReason {
  WITHDRAW_REASON_UNSPECIFIED = 'WITHDRAW_REASON_UNSPECIFIED',
  TAKEN = 'TAKEN',
  EXPIRED = 'EXPIRED',
  LEAVING = 'LEAVING',
  CANCEL = 'CANCEL',
  SINGLE = 'SINGLE'
}

enum __WithdrawReasonValues {
  WITHDRAW_REASON_UNSPECIFIED = 0,
  TAKEN = 1,
  EXPIRED = 2,
  LEAVING = 3,
  CANCEL = 4,
  SINGLE = 5
}

export namespace WithdrawReason {
  export const codec = (): Codec<WithdrawReason> => {
    return enumeration<WithdrawReason>(__WithdrawReasonValues)
  }
}

export interface Withdraw {
  reason: WithdrawReason
  partner: Uint8Array<ArrayBuffer>
  pairWelfareMicros?: number
}

export namespace Withdraw {
  let _codec: Codec<Withdraw>

  export const codec = (): Codec<Withdraw> => {
    if (_codec == null) {
      _codec = message<Withdraw>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.reason != null && __WithdrawReasonValues[obj.reason] !== 0) {
          w.uint32(8)
          WithdrawReason.codec().encode(obj.reason, w)
        }

        if ((obj.partner != null && obj.partner.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.partner)
        }

        if (obj.pairWelfareMicros != null) {
          w.uint32(25)
          w.double(obj.pairWelfareMicros)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          reason: WithdrawReason.WITHDRAW_REASON_UNSPECIFIED,
          partner: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.reason = WithdrawReason.codec().decode(reader)
              break
            }
            case 2: {
              obj.partner = reader.bytes()
              break
            }
            case 3: {
              obj.pairWelfareMicros = reader.double()
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
                field: `${prefix}.reason`,
                value: WithdrawReason.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.partner`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.pairWelfareMicros`,
                value: reader.double()
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

  export interface WithdrawReasonFieldEvent {
    field: '$.reason'
    value: WithdrawReason
  }

  export interface WithdrawPartnerFieldEvent {
    field: '$.partner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WithdrawPairWelfareMicrosFieldEvent {
    field: '$.pairWelfareMicros'
    value: number
  }

  export function encode (obj: Partial<Withdraw>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Withdraw.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Withdraw>): Withdraw {
    return decodeMessage(buf, Withdraw.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Withdraw>): Generator<WithdrawReasonFieldEvent | WithdrawPartnerFieldEvent | WithdrawPairWelfareMicrosFieldEvent> {
    return streamMessage(buf, Withdraw.codec(), opts)
  }
}

export interface CandidateView {
  peer: Uint8Array<ArrayBuffer>
  welfareMicros: number
  terms?: NegotiationTerms
  takenBy: Uint8Array<ArrayBuffer>
  takenWelfareMicros?: number
}

export namespace CandidateView {
  let _codec: Codec<CandidateView>

  export const codec = (): Codec<CandidateView> => {
    if (_codec == null) {
      _codec = message<CandidateView>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peer)
        }

        if ((obj.welfareMicros != null && obj.welfareMicros !== 0)) {
          w.uint32(17)
          w.double(obj.welfareMicros)
        }

        if (obj.terms != null) {
          w.uint32(26)
          NegotiationTerms.codec().encode(obj.terms, w)
        }

        if ((obj.takenBy != null && obj.takenBy.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.takenBy)
        }

        if (obj.takenWelfareMicros != null) {
          w.uint32(41)
          w.double(obj.takenWelfareMicros)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: uint8ArrayAlloc(0),
          welfareMicros: 0,
          takenBy: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.bytes()
              break
            }
            case 2: {
              obj.welfareMicros = reader.double()
              break
            }
            case 3: {
              obj.terms = NegotiationTerms.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.terms
              })
              break
            }
            case 4: {
              obj.takenBy = reader.bytes()
              break
            }
            case 5: {
              obj.takenWelfareMicros = reader.double()
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
                field: `${prefix}.peer`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.welfareMicros`,
                value: reader.double()
              }
              break
            }
            case 3: {
              yield * NegotiationTerms.codec().stream(reader, reader.uint32(), `${prefix}.terms`, {
                limits: opts.limits?.terms
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.takenBy`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.takenWelfareMicros`,
                value: reader.double()
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

  export interface CandidateViewPeerFieldEvent {
    field: '$.peer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CandidateViewWelfareMicrosFieldEvent {
    field: '$.welfareMicros'
    value: number
  }

  export interface CandidateViewTermsPayerFieldEvent {
    field: '$.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CandidateViewTermsPriceMicrosFieldEvent {
    field: '$.terms.priceMicros'
    value: bigint
  }

  export interface CandidateViewTakenByFieldEvent {
    field: '$.takenBy'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CandidateViewTakenWelfareMicrosFieldEvent {
    field: '$.takenWelfareMicros'
    value: number
  }

  export function encode (obj: Partial<CandidateView>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CandidateView.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CandidateView>): CandidateView {
    return decodeMessage(buf, CandidateView.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CandidateView>): Generator<CandidateViewPeerFieldEvent | CandidateViewWelfareMicrosFieldEvent | CandidateViewTermsPayerFieldEvent | CandidateViewTermsPriceMicrosFieldEvent | CandidateViewTakenByFieldEvent | CandidateViewTakenWelfareMicrosFieldEvent> {
    return streamMessage(buf, CandidateView.codec(), opts)
  }
}

export enum PairStepKind {
  PAIR_STEP_UNSPECIFIED = 'PAIR_STEP_UNSPECIFIED',
  VIEW = 'VIEW',
  PLAN = 'PLAN',
  REPORT = 'REPORT',
  COMMIT = 'COMMIT',
  CANCEL_MOVE = 'CANCEL_MOVE'
}

enum __PairStepKindValues {
  PAIR_STEP_UNSPECIFIED = 0,
  VIEW = 1,
  PLAN = 2,
  REPORT = 3,
  COMMIT = 4,
  CANCEL_MOVE = 5
}

export namespace PairStepKind {
  export const codec = (): Codec<PairStepKind> => {
    return enumeration<PairStepKind>(__PairStepKindValues)
  }
}

export interface PairStep {
  step: PairStepKind
  candidates: CandidateView[]
  moveId: string
  target?: CandidateView
  moveRef?: MoveRef
  accepted: boolean
}

export namespace PairStep {
  let _codec: Codec<PairStep>

  export const codec = (): Codec<PairStep> => {
    if (_codec == null) {
      _codec = message<PairStep>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.step != null && __PairStepKindValues[obj.step] !== 0) {
          w.uint32(8)
          PairStepKind.codec().encode(obj.step, w)
        }

        if (obj.candidates != null && obj.candidates.length > 0) {
          for (const value of obj.candidates) {
            w.uint32(18)
            CandidateView.codec().encode(value, w)
          }
        }

        if ((obj.moveId != null && obj.moveId !== '')) {
          w.uint32(26)
          w.string(obj.moveId)
        }

        if (obj.target != null) {
          w.uint32(34)
          CandidateView.codec().encode(obj.target, w)
        }

        if (obj.moveRef != null) {
          w.uint32(42)
          MoveRef.codec().encode(obj.moveRef, w)
        }

        if ((obj.accepted != null && obj.accepted !== false)) {
          w.uint32(48)
          w.bool(obj.accepted)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          step: PairStepKind.PAIR_STEP_UNSPECIFIED,
          candidates: [],
          moveId: '',
          accepted: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.step = PairStepKind.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.candidates != null && obj.candidates.length === opts.limits.candidates) {
                throw new MaxLengthError('Decode error - repeated field "candidates" had too many elements')
              }

              if (obj.candidates.length === 128) {
                throw new MaxLengthError('Decode error - repeated field "candidates" had too many elements')
              }

              obj.candidates.push(CandidateView.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.candidates$
              }))
              break
            }
            case 3: {
              obj.moveId = reader.string()
              break
            }
            case 4: {
              obj.target = CandidateView.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.target
              })
              break
            }
            case 5: {
              obj.moveRef = MoveRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.moveRef
              })
              break
            }
            case 6: {
              obj.accepted = reader.bool()
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
          candidates: 128
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.step`,
                value: PairStepKind.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.candidates != null && obj.candidates === opts.limits.candidates) {
                throw new MaxLengthError('Streaming decode error - repeated field "candidates" had too many elements')
              }

              if (obj.candidates === 128) {
                throw new MaxLengthError('Streaming decode error - repeated field "candidates" had too many elements')
              }

              for (const evt of CandidateView.codec().stream(reader, reader.uint32(), `${prefix}.candidates[]`, {
                limits: opts.limits?.candidates$
              })) {
                yield {
                  ...evt,
                  index: obj.candidates
                }
              }

              obj.candidates++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.moveId`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield * CandidateView.codec().stream(reader, reader.uint32(), `${prefix}.target`, {
                limits: opts.limits?.target
              })

              break
            }
            case 5: {
              yield * MoveRef.codec().stream(reader, reader.uint32(), `${prefix}.moveRef`, {
                limits: opts.limits?.moveRef
              })

              break
            }
            case 6: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.bool()
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

  export interface PairStepStepFieldEvent {
    field: '$.step'
    value: PairStepKind
  }

  export interface PairStepCandidatesPeerFieldEvent {
    field: '$.candidates[].peer'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PairStepCandidatesWelfareMicrosFieldEvent {
    field: '$.candidates[].welfareMicros'
    value: number
    index: number
  }

  export interface PairStepCandidatesTermsPayerFieldEvent {
    field: '$.candidates[].terms.payer'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PairStepCandidatesTermsPriceMicrosFieldEvent {
    field: '$.candidates[].terms.priceMicros'
    value: bigint
    index: number
  }

  export interface PairStepCandidatesTakenByFieldEvent {
    field: '$.candidates[].takenBy'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PairStepCandidatesTakenWelfareMicrosFieldEvent {
    field: '$.candidates[].takenWelfareMicros'
    value: number
    index: number
  }

  export interface PairStepMoveIdFieldEvent {
    field: '$.moveId'
    value: string
  }

  export interface PairStepTargetPeerFieldEvent {
    field: '$.target.peer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairStepTargetWelfareMicrosFieldEvent {
    field: '$.target.welfareMicros'
    value: number
  }

  export interface PairStepTargetTermsPayerFieldEvent {
    field: '$.target.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairStepTargetTermsPriceMicrosFieldEvent {
    field: '$.target.terms.priceMicros'
    value: bigint
  }

  export interface PairStepTargetTakenByFieldEvent {
    field: '$.target.takenBy'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairStepTargetTakenWelfareMicrosFieldEvent {
    field: '$.target.takenWelfareMicros'
    value: number
  }

  export interface PairStepMoveRefIdFieldEvent {
    field: '$.moveRef.id'
    value: string
  }

  export interface PairStepMoveRefGainMicrosFieldEvent {
    field: '$.moveRef.gainMicros'
    value: number
  }

  export interface PairStepMoveRefReplacesFieldEvent {
    field: '$.moveRef.replaces'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairStepMoveRefNotifyReplacedFieldEvent {
    field: '$.moveRef.notifyReplaced'
    value: boolean
  }

  export interface PairStepAcceptedFieldEvent {
    field: '$.accepted'
    value: boolean
  }

  export function encode (obj: Partial<PairStep>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PairStep.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairStep>): PairStep {
    return decodeMessage(buf, PairStep.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairStep>): Generator<PairStepStepFieldEvent | PairStepCandidatesPeerFieldEvent | PairStepCandidatesWelfareMicrosFieldEvent | PairStepCandidatesTermsPayerFieldEvent | PairStepCandidatesTermsPriceMicrosFieldEvent | PairStepCandidatesTakenByFieldEvent | PairStepCandidatesTakenWelfareMicrosFieldEvent | PairStepMoveIdFieldEvent | PairStepTargetPeerFieldEvent | PairStepTargetWelfareMicrosFieldEvent | PairStepTargetTermsPayerFieldEvent | PairStepTargetTermsPriceMicrosFieldEvent | PairStepTargetTakenByFieldEvent | PairStepTargetTakenWelfareMicrosFieldEvent | PairStepMoveRefIdFieldEvent | PairStepMoveRefGainMicrosFieldEvent | PairStepMoveRefReplacesFieldEvent | PairStepMoveRefNotifyReplacedFieldEvent | PairStepAcceptedFieldEvent> {
    return streamMessage(buf, PairStep.codec(), opts)
  }
}

export interface NegotiationMessage {
  from: Uint8Array<ArrayBuffer>
  to: Uint8Array<ArrayBuffer>
  phase: number
  round: bigint
  seq: bigint
  fromAdvertSequence: bigint
  toAdvertSequence: bigint
  nonce: Uint8Array<ArrayBuffer>
  issuedAtMs: bigint
  expiresAtMs: bigint
  delegation: Uint8Array<ArrayBuffer>
  delegationHash: Uint8Array<ArrayBuffer>
  offer?: Offer
  counter?: Counter
  accept?: Accept
  reject?: Reject
  propose?: Propose
  withdraw?: Withdraw
  pair?: PairStep
}

export namespace NegotiationMessage {
  let _codec: Codec<NegotiationMessage>

  export const codec = (): Codec<NegotiationMessage> => {
    if (_codec == null) {
      _codec = message<NegotiationMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.pair != null) {
          obj.withdraw = undefined
          obj.propose = undefined
          obj.reject = undefined
          obj.accept = undefined
          obj.counter = undefined
          obj.offer = undefined
        }

        if (obj.withdraw != null) {
          obj.pair = undefined
          obj.propose = undefined
          obj.reject = undefined
          obj.accept = undefined
          obj.counter = undefined
          obj.offer = undefined
        }

        if (obj.propose != null) {
          obj.pair = undefined
          obj.withdraw = undefined
          obj.reject = undefined
          obj.accept = undefined
          obj.counter = undefined
          obj.offer = undefined
        }

        if (obj.reject != null) {
          obj.pair = undefined
          obj.withdraw = undefined
          obj.propose = undefined
          obj.accept = undefined
          obj.counter = undefined
          obj.offer = undefined
        }

        if (obj.accept != null) {
          obj.pair = undefined
          obj.withdraw = undefined
          obj.propose = undefined
          obj.reject = undefined
          obj.counter = undefined
          obj.offer = undefined
        }

        if (obj.counter != null) {
          obj.pair = undefined
          obj.withdraw = undefined
          obj.propose = undefined
          obj.reject = undefined
          obj.accept = undefined
          obj.offer = undefined
        }

        if (obj.offer != null) {
          obj.pair = undefined
          obj.withdraw = undefined
          obj.propose = undefined
          obj.reject = undefined
          obj.accept = undefined
          obj.counter = undefined
        }

        if ((obj.from != null && obj.from.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.from)
        }

        if ((obj.to != null && obj.to.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.to)
        }

        if ((obj.phase != null && obj.phase !== 0)) {
          w.uint32(24)
          w.uint32(obj.phase)
        }

        if ((obj.round != null && obj.round !== 0n)) {
          w.uint32(32)
          w.uint64(obj.round)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(40)
          w.uint64(obj.seq)
        }

        if ((obj.fromAdvertSequence != null && obj.fromAdvertSequence !== 0n)) {
          w.uint32(48)
          w.uint64(obj.fromAdvertSequence)
        }

        if ((obj.toAdvertSequence != null && obj.toAdvertSequence !== 0n)) {
          w.uint32(56)
          w.uint64(obj.toAdvertSequence)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.nonce)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(72)
          w.uint64(obj.issuedAtMs)
        }

        if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
          w.uint32(80)
          w.uint64(obj.expiresAtMs)
        }

        if ((obj.delegation != null && obj.delegation.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.delegation)
        }

        if ((obj.delegationHash != null && obj.delegationHash.byteLength > 0)) {
          w.uint32(98)
          w.bytes(obj.delegationHash)
        }

        if (obj.offer != null) {
          w.uint32(162)
          Offer.codec().encode(obj.offer, w)
        }

        if (obj.counter != null) {
          w.uint32(170)
          Counter.codec().encode(obj.counter, w)
        }

        if (obj.accept != null) {
          w.uint32(178)
          Accept.codec().encode(obj.accept, w)
        }

        if (obj.reject != null) {
          w.uint32(186)
          Reject.codec().encode(obj.reject, w)
        }

        if (obj.propose != null) {
          w.uint32(194)
          Propose.codec().encode(obj.propose, w)
        }

        if (obj.withdraw != null) {
          w.uint32(202)
          Withdraw.codec().encode(obj.withdraw, w)
        }

        if (obj.pair != null) {
          w.uint32(210)
          PairStep.codec().encode(obj.pair, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          from: uint8ArrayAlloc(0),
          to: uint8ArrayAlloc(0),
          phase: 0,
          round: 0n,
          seq: 0n,
          fromAdvertSequence: 0n,
          toAdvertSequence: 0n,
          nonce: uint8ArrayAlloc(0),
          issuedAtMs: 0n,
          expiresAtMs: 0n,
          delegation: uint8ArrayAlloc(0),
          delegationHash: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.from = reader.bytes()
              break
            }
            case 2: {
              obj.to = reader.bytes()
              break
            }
            case 3: {
              obj.phase = reader.uint32()
              break
            }
            case 4: {
              obj.round = reader.uint64()
              break
            }
            case 5: {
              obj.seq = reader.uint64()
              break
            }
            case 6: {
              obj.fromAdvertSequence = reader.uint64()
              break
            }
            case 7: {
              obj.toAdvertSequence = reader.uint64()
              break
            }
            case 8: {
              obj.nonce = reader.bytes()
              break
            }
            case 9: {
              obj.issuedAtMs = reader.uint64()
              break
            }
            case 10: {
              obj.expiresAtMs = reader.uint64()
              break
            }
            case 11: {
              obj.delegation = reader.bytes()
              break
            }
            case 12: {
              obj.delegationHash = reader.bytes()
              break
            }
            case 20: {
              obj.offer = Offer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.offer
              })
              break
            }
            case 21: {
              obj.counter = Counter.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.counter
              })
              break
            }
            case 22: {
              obj.accept = Accept.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.accept
              })
              break
            }
            case 23: {
              obj.reject = Reject.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.reject
              })
              break
            }
            case 24: {
              obj.propose = Propose.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.propose
              })
              break
            }
            case 25: {
              obj.withdraw = Withdraw.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.withdraw
              })
              break
            }
            case 26: {
              obj.pair = PairStep.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.pair
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.pair != null) {
          delete obj.withdraw
          delete obj.propose
          delete obj.reject
          delete obj.accept
          delete obj.counter
          delete obj.offer
        }

        if (obj.withdraw != null) {
          delete obj.pair
          delete obj.propose
          delete obj.reject
          delete obj.accept
          delete obj.counter
          delete obj.offer
        }

        if (obj.propose != null) {
          delete obj.pair
          delete obj.withdraw
          delete obj.reject
          delete obj.accept
          delete obj.counter
          delete obj.offer
        }

        if (obj.reject != null) {
          delete obj.pair
          delete obj.withdraw
          delete obj.propose
          delete obj.accept
          delete obj.counter
          delete obj.offer
        }

        if (obj.accept != null) {
          delete obj.pair
          delete obj.withdraw
          delete obj.propose
          delete obj.reject
          delete obj.counter
          delete obj.offer
        }

        if (obj.counter != null) {
          delete obj.pair
          delete obj.withdraw
          delete obj.propose
          delete obj.reject
          delete obj.accept
          delete obj.offer
        }

        if (obj.offer != null) {
          delete obj.pair
          delete obj.withdraw
          delete obj.propose
          delete obj.reject
          delete obj.accept
          delete obj.counter
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.from`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.to`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.phase`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.round`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.fromAdvertSequence`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.toAdvertSequence`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.issuedAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.expiresAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.delegation`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.delegationHash`,
                value: reader.bytes()
              }
              break
            }
            case 20: {
              yield * Offer.codec().stream(reader, reader.uint32(), `${prefix}.offer`, {
                limits: opts.limits?.offer
              })

              break
            }
            case 21: {
              yield * Counter.codec().stream(reader, reader.uint32(), `${prefix}.counter`, {
                limits: opts.limits?.counter
              })

              break
            }
            case 22: {
              yield * Accept.codec().stream(reader, reader.uint32(), `${prefix}.accept`, {
                limits: opts.limits?.accept
              })

              break
            }
            case 23: {
              yield * Reject.codec().stream(reader, reader.uint32(), `${prefix}.reject`, {
                limits: opts.limits?.reject
              })

              break
            }
            case 24: {
              yield * Propose.codec().stream(reader, reader.uint32(), `${prefix}.propose`, {
                limits: opts.limits?.propose
              })

              break
            }
            case 25: {
              yield * Withdraw.codec().stream(reader, reader.uint32(), `${prefix}.withdraw`, {
                limits: opts.limits?.withdraw
              })

              break
            }
            case 26: {
              yield * PairStep.codec().stream(reader, reader.uint32(), `${prefix}.pair`, {
                limits: opts.limits?.pair
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

  export interface NegotiationMessageFromFieldEvent {
    field: '$.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageToFieldEvent {
    field: '$.to'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessagePhaseFieldEvent {
    field: '$.phase'
    value: number
  }

  export interface NegotiationMessageRoundFieldEvent {
    field: '$.round'
    value: bigint
  }

  export interface NegotiationMessageSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface NegotiationMessageFromAdvertSequenceFieldEvent {
    field: '$.fromAdvertSequence'
    value: bigint
  }

  export interface NegotiationMessageToAdvertSequenceFieldEvent {
    field: '$.toAdvertSequence'
    value: bigint
  }

  export interface NegotiationMessageNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export interface NegotiationMessageExpiresAtMsFieldEvent {
    field: '$.expiresAtMs'
    value: bigint
  }

  export interface NegotiationMessageDelegationFieldEvent {
    field: '$.delegation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageDelegationHashFieldEvent {
    field: '$.delegationHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageOfferTermsPayerFieldEvent {
    field: '$.offer.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageOfferTermsPriceMicrosFieldEvent {
    field: '$.offer.terms.priceMicros'
    value: bigint
  }

  export interface NegotiationMessageOfferSwapKeyFieldEvent {
    field: '$.offer.swapKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageOfferStatedGainMicrosFieldEvent {
    field: '$.offer.statedGainMicros'
    value: bigint
  }

  export interface NegotiationMessageCounterRefFieldEvent {
    field: '$.counter.ref'
    value: bigint
  }

  export interface NegotiationMessageCounterTermsPayerFieldEvent {
    field: '$.counter.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageCounterTermsPriceMicrosFieldEvent {
    field: '$.counter.terms.priceMicros'
    value: bigint
  }

  export interface NegotiationMessageCounterSwapKeyFieldEvent {
    field: '$.counter.swapKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageCounterStatedGainMicrosFieldEvent {
    field: '$.counter.statedGainMicros'
    value: bigint
  }

  export interface NegotiationMessageAcceptRefFieldEvent {
    field: '$.accept.ref'
    value: bigint
  }

  export interface NegotiationMessageAcceptTermsPayerFieldEvent {
    field: '$.accept.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageAcceptTermsPriceMicrosFieldEvent {
    field: '$.accept.terms.priceMicros'
    value: bigint
  }

  export interface NegotiationMessageAcceptAgreementTermsFieldEvent {
    field: '$.accept.agreementTerms'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageAcceptAgreementSignatureFieldEvent {
    field: '$.accept.agreementSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageRejectRefFieldEvent {
    field: '$.reject.ref'
    value: bigint
  }

  export interface NegotiationMessageRejectReasonFieldEvent {
    field: '$.reject.reason'
    value: RejectReason
  }

  export interface NegotiationMessageProposeTermsPayerFieldEvent {
    field: '$.propose.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageProposeTermsPriceMicrosFieldEvent {
    field: '$.propose.terms.priceMicros'
    value: bigint
  }

  export interface NegotiationMessageProposeWelfareMicrosFieldEvent {
    field: '$.propose.welfareMicros'
    value: number
  }

  export interface NegotiationMessageProposeMoveIdFieldEvent {
    field: '$.propose.move.id'
    value: string
  }

  export interface NegotiationMessageProposeMoveGainMicrosFieldEvent {
    field: '$.propose.move.gainMicros'
    value: number
  }

  export interface NegotiationMessageProposeMoveReplacesFieldEvent {
    field: '$.propose.move.replaces'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageProposeMoveNotifyReplacedFieldEvent {
    field: '$.propose.move.notifyReplaced'
    value: boolean
  }

  export interface NegotiationMessageWithdrawReasonFieldEvent {
    field: '$.withdraw.reason'
    value: WithdrawReason
  }

  export interface NegotiationMessageWithdrawPartnerFieldEvent {
    field: '$.withdraw.partner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessageWithdrawPairWelfareMicrosFieldEvent {
    field: '$.withdraw.pairWelfareMicros'
    value: number
  }

  export interface NegotiationMessagePairStepFieldEvent {
    field: '$.pair.step'
    value: PairStepKind
  }

  export interface NegotiationMessagePairCandidatesPeerFieldEvent {
    field: '$.pair.candidates[].peer'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface NegotiationMessagePairCandidatesWelfareMicrosFieldEvent {
    field: '$.pair.candidates[].welfareMicros'
    value: number
    index: number
  }

  export interface NegotiationMessagePairCandidatesTermsPayerFieldEvent {
    field: '$.pair.candidates[].terms.payer'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface NegotiationMessagePairCandidatesTermsPriceMicrosFieldEvent {
    field: '$.pair.candidates[].terms.priceMicros'
    value: bigint
    index: number
  }

  export interface NegotiationMessagePairCandidatesTakenByFieldEvent {
    field: '$.pair.candidates[].takenBy'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface NegotiationMessagePairCandidatesTakenWelfareMicrosFieldEvent {
    field: '$.pair.candidates[].takenWelfareMicros'
    value: number
    index: number
  }

  export interface NegotiationMessagePairMoveIdFieldEvent {
    field: '$.pair.moveId'
    value: string
  }

  export interface NegotiationMessagePairTargetPeerFieldEvent {
    field: '$.pair.target.peer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessagePairTargetWelfareMicrosFieldEvent {
    field: '$.pair.target.welfareMicros'
    value: number
  }

  export interface NegotiationMessagePairTargetTermsPayerFieldEvent {
    field: '$.pair.target.terms.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessagePairTargetTermsPriceMicrosFieldEvent {
    field: '$.pair.target.terms.priceMicros'
    value: bigint
  }

  export interface NegotiationMessagePairTargetTakenByFieldEvent {
    field: '$.pair.target.takenBy'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessagePairTargetTakenWelfareMicrosFieldEvent {
    field: '$.pair.target.takenWelfareMicros'
    value: number
  }

  export interface NegotiationMessagePairMoveRefIdFieldEvent {
    field: '$.pair.moveRef.id'
    value: string
  }

  export interface NegotiationMessagePairMoveRefGainMicrosFieldEvent {
    field: '$.pair.moveRef.gainMicros'
    value: number
  }

  export interface NegotiationMessagePairMoveRefReplacesFieldEvent {
    field: '$.pair.moveRef.replaces'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NegotiationMessagePairMoveRefNotifyReplacedFieldEvent {
    field: '$.pair.moveRef.notifyReplaced'
    value: boolean
  }

  export interface NegotiationMessagePairAcceptedFieldEvent {
    field: '$.pair.accepted'
    value: boolean
  }

  export function encode (obj: Partial<NegotiationMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, NegotiationMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NegotiationMessage>): NegotiationMessage {
    return decodeMessage(buf, NegotiationMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NegotiationMessage>): Generator<NegotiationMessageFromFieldEvent | NegotiationMessageToFieldEvent | NegotiationMessagePhaseFieldEvent | NegotiationMessageRoundFieldEvent | NegotiationMessageSeqFieldEvent | NegotiationMessageFromAdvertSequenceFieldEvent | NegotiationMessageToAdvertSequenceFieldEvent | NegotiationMessageNonceFieldEvent | NegotiationMessageIssuedAtMsFieldEvent | NegotiationMessageExpiresAtMsFieldEvent | NegotiationMessageDelegationFieldEvent | NegotiationMessageDelegationHashFieldEvent | NegotiationMessageOfferTermsPayerFieldEvent | NegotiationMessageOfferTermsPriceMicrosFieldEvent | NegotiationMessageOfferSwapKeyFieldEvent | NegotiationMessageOfferStatedGainMicrosFieldEvent | NegotiationMessageCounterRefFieldEvent | NegotiationMessageCounterTermsPayerFieldEvent | NegotiationMessageCounterTermsPriceMicrosFieldEvent | NegotiationMessageCounterSwapKeyFieldEvent | NegotiationMessageCounterStatedGainMicrosFieldEvent | NegotiationMessageAcceptRefFieldEvent | NegotiationMessageAcceptTermsPayerFieldEvent | NegotiationMessageAcceptTermsPriceMicrosFieldEvent | NegotiationMessageAcceptAgreementTermsFieldEvent | NegotiationMessageAcceptAgreementSignatureFieldEvent | NegotiationMessageRejectRefFieldEvent | NegotiationMessageRejectReasonFieldEvent | NegotiationMessageProposeTermsPayerFieldEvent | NegotiationMessageProposeTermsPriceMicrosFieldEvent | NegotiationMessageProposeWelfareMicrosFieldEvent | NegotiationMessageProposeMoveIdFieldEvent | NegotiationMessageProposeMoveGainMicrosFieldEvent | NegotiationMessageProposeMoveReplacesFieldEvent | NegotiationMessageProposeMoveNotifyReplacedFieldEvent | NegotiationMessageWithdrawReasonFieldEvent | NegotiationMessageWithdrawPartnerFieldEvent | NegotiationMessageWithdrawPairWelfareMicrosFieldEvent | NegotiationMessagePairStepFieldEvent | NegotiationMessagePairCandidatesPeerFieldEvent | NegotiationMessagePairCandidatesWelfareMicrosFieldEvent | NegotiationMessagePairCandidatesTermsPayerFieldEvent | NegotiationMessagePairCandidatesTermsPriceMicrosFieldEvent | NegotiationMessagePairCandidatesTakenByFieldEvent | NegotiationMessagePairCandidatesTakenWelfareMicrosFieldEvent | NegotiationMessagePairMoveIdFieldEvent | NegotiationMessagePairTargetPeerFieldEvent | NegotiationMessagePairTargetWelfareMicrosFieldEvent | NegotiationMessagePairTargetTermsPayerFieldEvent | NegotiationMessagePairTargetTermsPriceMicrosFieldEvent | NegotiationMessagePairTargetTakenByFieldEvent | NegotiationMessagePairTargetTakenWelfareMicrosFieldEvent | NegotiationMessagePairMoveRefIdFieldEvent | NegotiationMessagePairMoveRefGainMicrosFieldEvent | NegotiationMessagePairMoveRefReplacesFieldEvent | NegotiationMessagePairMoveRefNotifyReplacedFieldEvent | NegotiationMessagePairAcceptedFieldEvent> {
    return streamMessage(buf, NegotiationMessage.codec(), opts)
  }
}

export interface SignedNegotiationMessage {
  message: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedNegotiationMessage {
  let _codec: Codec<SignedNegotiationMessage>

  export const codec = (): Codec<SignedNegotiationMessage> => {
    if (_codec == null) {
      _codec = message<SignedNegotiationMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.message != null && obj.message.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.message)
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
          message: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.message = reader.bytes()
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
                field: `${prefix}.message`,
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

  export interface SignedNegotiationMessageMessageFieldEvent {
    field: '$.message'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedNegotiationMessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedNegotiationMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedNegotiationMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedNegotiationMessage>): SignedNegotiationMessage {
    return decodeMessage(buf, SignedNegotiationMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedNegotiationMessage>): Generator<SignedNegotiationMessageMessageFieldEvent | SignedNegotiationMessageSignatureFieldEvent> {
    return streamMessage(buf, SignedNegotiationMessage.codec(), opts)
  }
}
