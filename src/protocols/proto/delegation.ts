import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DelegationLimits {
  maxPriceMicros: bigint
  minGainMicros: bigint
  mayAcceptPayment: boolean
}

export namespace DelegationLimits {
  let _codec: Codec<DelegationLimits>

  export const codec = (): Codec<DelegationLimits> => {
    if (_codec == null) {
      _codec = message<DelegationLimits>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.maxPriceMicros != null && obj.maxPriceMicros !== 0n)) {
          w.uint32(8)
          w.uint64(obj.maxPriceMicros)
        }

        if ((obj.minGainMicros != null && obj.minGainMicros !== 0n)) {
          w.uint32(16)
          w.uint64(obj.minGainMicros)
        }

        if ((obj.mayAcceptPayment != null && obj.mayAcceptPayment !== false)) {
          w.uint32(24)
          w.bool(obj.mayAcceptPayment)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          maxPriceMicros: 0n,
          minGainMicros: 0n,
          mayAcceptPayment: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.maxPriceMicros = reader.uint64()
              break
            }
            case 2: {
              obj.minGainMicros = reader.uint64()
              break
            }
            case 3: {
              obj.mayAcceptPayment = reader.bool()
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
                field: `${prefix}.maxPriceMicros`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.minGainMicros`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mayAcceptPayment`,
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

  export interface DelegationLimitsMaxPriceMicrosFieldEvent {
    field: '$.maxPriceMicros'
    value: bigint
  }

  export interface DelegationLimitsMinGainMicrosFieldEvent {
    field: '$.minGainMicros'
    value: bigint
  }

  export interface DelegationLimitsMayAcceptPaymentFieldEvent {
    field: '$.mayAcceptPayment'
    value: boolean
  }

  export function encode (obj: Partial<DelegationLimits>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DelegationLimits.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationLimits>): DelegationLimits {
    return decodeMessage(buf, DelegationLimits.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationLimits>): Generator<DelegationLimitsMaxPriceMicrosFieldEvent | DelegationLimitsMinGainMicrosFieldEvent | DelegationLimitsMayAcceptPaymentFieldEvent> {
    return streamMessage(buf, DelegationLimits.codec(), opts)
  }
}

export interface Delegation {
  id: Uint8Array<ArrayBuffer>
  ownerKey: Uint8Array<ArrayBuffer>
  agentKey: Uint8Array<ArrayBuffer>
  limits?: DelegationLimits
  notBeforeMs: bigint
  expiresAtMs: bigint
}

export namespace Delegation {
  let _codec: Codec<Delegation>

  export const codec = (): Codec<Delegation> => {
    if (_codec == null) {
      _codec = message<Delegation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.ownerKey != null && obj.ownerKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ownerKey)
        }

        if ((obj.agentKey != null && obj.agentKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.agentKey)
        }

        if (obj.limits != null) {
          w.uint32(34)
          DelegationLimits.codec().encode(obj.limits, w)
        }

        if ((obj.notBeforeMs != null && obj.notBeforeMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.notBeforeMs)
        }

        if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
          w.uint32(48)
          w.uint64(obj.expiresAtMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          ownerKey: uint8ArrayAlloc(0),
          agentKey: uint8ArrayAlloc(0),
          notBeforeMs: 0n,
          expiresAtMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.ownerKey = reader.bytes()
              break
            }
            case 3: {
              obj.agentKey = reader.bytes()
              break
            }
            case 4: {
              obj.limits = DelegationLimits.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.limits
              })
              break
            }
            case 5: {
              obj.notBeforeMs = reader.uint64()
              break
            }
            case 6: {
              obj.expiresAtMs = reader.uint64()
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
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ownerKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.agentKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield * DelegationLimits.codec().stream(reader, reader.uint32(), `${prefix}.limits`, {
                limits: opts.limits?.limits
              })

              break
            }
            case 5: {
              yield {
                field: `${prefix}.notBeforeMs`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.expiresAtMs`,
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

  export interface DelegationIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DelegationOwnerKeyFieldEvent {
    field: '$.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DelegationAgentKeyFieldEvent {
    field: '$.agentKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DelegationLimitsMaxPriceMicrosFieldEvent {
    field: '$.limits.maxPriceMicros'
    value: bigint
  }

  export interface DelegationLimitsMinGainMicrosFieldEvent {
    field: '$.limits.minGainMicros'
    value: bigint
  }

  export interface DelegationLimitsMayAcceptPaymentFieldEvent {
    field: '$.limits.mayAcceptPayment'
    value: boolean
  }

  export interface DelegationNotBeforeMsFieldEvent {
    field: '$.notBeforeMs'
    value: bigint
  }

  export interface DelegationExpiresAtMsFieldEvent {
    field: '$.expiresAtMs'
    value: bigint
  }

  export function encode (obj: Partial<Delegation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Delegation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delegation>): Delegation {
    return decodeMessage(buf, Delegation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delegation>): Generator<DelegationIdFieldEvent | DelegationOwnerKeyFieldEvent | DelegationAgentKeyFieldEvent | DelegationLimitsMaxPriceMicrosFieldEvent | DelegationLimitsMinGainMicrosFieldEvent | DelegationLimitsMayAcceptPaymentFieldEvent | DelegationNotBeforeMsFieldEvent | DelegationExpiresAtMsFieldEvent> {
    return streamMessage(buf, Delegation.codec(), opts)
  }
}

export interface SignedDelegation {
  delegation: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedDelegation {
  let _codec: Codec<SignedDelegation>

  export const codec = (): Codec<SignedDelegation> => {
    if (_codec == null) {
      _codec = message<SignedDelegation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.delegation != null && obj.delegation.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.delegation)
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
          delegation: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.delegation = reader.bytes()
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
                field: `${prefix}.delegation`,
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

  export interface SignedDelegationDelegationFieldEvent {
    field: '$.delegation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedDelegationSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedDelegation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedDelegation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedDelegation>): SignedDelegation {
    return decodeMessage(buf, SignedDelegation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedDelegation>): Generator<SignedDelegationDelegationFieldEvent | SignedDelegationSignatureFieldEvent> {
    return streamMessage(buf, SignedDelegation.codec(), opts)
  }
}
