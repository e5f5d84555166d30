import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface InstanceClass {
  vcpus: number
  memoryBytes: bigint
  diskBytes: bigint
}

export namespace InstanceClass {
  let _codec: Codec<InstanceClass>

  export const codec = (): Codec<InstanceClass> => {
    if (_codec == null) {
      _codec = message<InstanceClass>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.vcpus != null && obj.vcpus !== 0)) {
          w.uint32(8)
          w.uint32(obj.vcpus)
        }

        if ((obj.memoryBytes != null && obj.memoryBytes !== 0n)) {
          w.uint32(16)
          w.uint64(obj.memoryBytes)
        }

        if ((obj.diskBytes != null && obj.diskBytes !== 0n)) {
          w.uint32(24)
          w.uint64(obj.diskBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          vcpus: 0,
          memoryBytes: 0n,
          diskBytes: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.vcpus = reader.uint32()
              break
            }
            case 2: {
              obj.memoryBytes = reader.uint64()
              break
            }
            case 3: {
              obj.diskBytes = reader.uint64()
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
                field: `${prefix}.vcpus`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.memoryBytes`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.diskBytes`,
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

  export interface InstanceClassVcpusFieldEvent {
    field: '$.vcpus'
    value: number
  }

  export interface InstanceClassMemoryBytesFieldEvent {
    field: '$.memoryBytes'
    value: bigint
  }

  export interface InstanceClassDiskBytesFieldEvent {
    field: '$.diskBytes'
    value: bigint
  }

  export function encode (obj: Partial<InstanceClass>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, InstanceClass.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InstanceClass>): InstanceClass {
    return decodeMessage(buf, InstanceClass.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InstanceClass>): Generator<InstanceClassVcpusFieldEvent | InstanceClassMemoryBytesFieldEvent | InstanceClassDiskBytesFieldEvent> {
    return streamMessage(buf, InstanceClass.codec(), opts)
  }
}

export interface OwnerRegistered {
  ownerKey: Uint8Array<ArrayBuffer>
  name: string
}

export namespace OwnerRegistered {
  let _codec: Codec<OwnerRegistered>

  export const codec = (): Codec<OwnerRegistered> => {
    if (_codec == null) {
      _codec = message<OwnerRegistered>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ownerKey != null && obj.ownerKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ownerKey)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ownerKey: uint8ArrayAlloc(0),
          name: ''
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
              obj.name = reader.string()
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
                field: `${prefix}.name`,
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

  export interface OwnerRegisteredOwnerKeyFieldEvent {
    field: '$.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OwnerRegisteredNameFieldEvent {
    field: '$.name'
    value: string
  }

  export function encode (obj: Partial<OwnerRegistered>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, OwnerRegistered.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OwnerRegistered>): OwnerRegistered {
    return decodeMessage(buf, OwnerRegistered.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OwnerRegistered>): Generator<OwnerRegisteredOwnerKeyFieldEvent | OwnerRegisteredNameFieldEvent> {
    return streamMessage(buf, OwnerRegistered.codec(), opts)
  }
}

export interface LocationRegistered {
  location: string
  ownerKey: Uint8Array<ArrayBuffer>
  vmKey: Uint8Array<ArrayBuffer>
  instanceClass?: InstanceClass
}

export namespace LocationRegistered {
  let _codec: Codec<LocationRegistered>

  export const codec = (): Codec<LocationRegistered> => {
    if (_codec == null) {
      _codec = message<LocationRegistered>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.location != null && obj.location !== '')) {
          w.uint32(10)
          w.string(obj.location)
        }

        if ((obj.ownerKey != null && obj.ownerKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ownerKey)
        }

        if ((obj.vmKey != null && obj.vmKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.vmKey)
        }

        if (obj.instanceClass != null) {
          w.uint32(34)
          InstanceClass.codec().encode(obj.instanceClass, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          location: '',
          ownerKey: uint8ArrayAlloc(0),
          vmKey: uint8ArrayAlloc(0)
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
              obj.ownerKey = reader.bytes()
              break
            }
            case 3: {
              obj.vmKey = reader.bytes()
              break
            }
            case 4: {
              obj.instanceClass = InstanceClass.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.instanceClass
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
                field: `${prefix}.location`,
                value: reader.string()
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
                field: `${prefix}.vmKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield * InstanceClass.codec().stream(reader, reader.uint32(), `${prefix}.instanceClass`, {
                limits: opts.limits?.instanceClass
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

  export interface LocationRegisteredLocationFieldEvent {
    field: '$.location'
    value: string
  }

  export interface LocationRegisteredOwnerKeyFieldEvent {
    field: '$.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LocationRegisteredVmKeyFieldEvent {
    field: '$.vmKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LocationRegisteredInstanceClassVcpusFieldEvent {
    field: '$.instanceClass.vcpus'
    value: number
  }

  export interface LocationRegisteredInstanceClassMemoryBytesFieldEvent {
    field: '$.instanceClass.memoryBytes'
    value: bigint
  }

  export interface LocationRegisteredInstanceClassDiskBytesFieldEvent {
    field: '$.instanceClass.diskBytes'
    value: bigint
  }

  export function encode (obj: Partial<LocationRegistered>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LocationRegistered.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LocationRegistered>): LocationRegistered {
    return decodeMessage(buf, LocationRegistered.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LocationRegistered>): Generator<LocationRegisteredLocationFieldEvent | LocationRegisteredOwnerKeyFieldEvent | LocationRegisteredVmKeyFieldEvent | LocationRegisteredInstanceClassVcpusFieldEvent | LocationRegisteredInstanceClassMemoryBytesFieldEvent | LocationRegisteredInstanceClassDiskBytesFieldEvent> {
    return streamMessage(buf, LocationRegistered.codec(), opts)
  }
}

export interface SwapAgreementRegistered {
  swapId: Uint8Array<ArrayBuffer>
  locationA: string
  locationB: string
  ownerA: Uint8Array<ArrayBuffer>
  ownerB: Uint8Array<ArrayBuffer>
  vmA: Uint8Array<ArrayBuffer>
  vmB: Uint8Array<ArrayBuffer>
  agreement: Uint8Array<ArrayBuffer>
}

export namespace SwapAgreementRegistered {
  let _codec: Codec<SwapAgreementRegistered>

  export const codec = (): Codec<SwapAgreementRegistered> => {
    if (_codec == null) {
      _codec = message<SwapAgreementRegistered>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.swapId)
        }

        if ((obj.locationA != null && obj.locationA !== '')) {
          w.uint32(18)
          w.string(obj.locationA)
        }

        if ((obj.locationB != null && obj.locationB !== '')) {
          w.uint32(26)
          w.string(obj.locationB)
        }

        if ((obj.ownerA != null && obj.ownerA.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.ownerA)
        }

        if ((obj.ownerB != null && obj.ownerB.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.ownerB)
        }

        if ((obj.vmA != null && obj.vmA.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.vmA)
        }

        if ((obj.vmB != null && obj.vmB.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.vmB)
        }

        if ((obj.agreement != null && obj.agreement.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.agreement)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          swapId: uint8ArrayAlloc(0),
          locationA: '',
          locationB: '',
          ownerA: uint8ArrayAlloc(0),
          ownerB: uint8ArrayAlloc(0),
          vmA: uint8ArrayAlloc(0),
          vmB: uint8ArrayAlloc(0),
          agreement: uint8ArrayAlloc(0)
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
              obj.locationA = reader.string()
              break
            }
            case 3: {
              obj.locationB = reader.string()
              break
            }
            case 4: {
              obj.ownerA = reader.bytes()
              break
            }
            case 5: {
              obj.ownerB = reader.bytes()
              break
            }
            case 6: {
              obj.vmA = reader.bytes()
              break
            }
            case 7: {
              obj.vmB = reader.bytes()
              break
            }
            case 8: {
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
                field: `${prefix}.swapId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.locationA`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.locationB`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ownerA`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.ownerB`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.vmA`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.vmB`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
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

  export interface SwapAgreementRegisteredSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapAgreementRegisteredLocationAFieldEvent {
    field: '$.locationA'
    value: string
  }

  export interface SwapAgreementRegisteredLocationBFieldEvent {
    field: '$.locationB'
    value: string
  }

  export interface SwapAgreementRegisteredOwnerAFieldEvent {
    field: '$.ownerA'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapAgreementRegisteredOwnerBFieldEvent {
    field: '$.ownerB'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapAgreementRegisteredVmAFieldEvent {
    field: '$.vmA'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapAgreementRegisteredVmBFieldEvent {
    field: '$.vmB'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapAgreementRegisteredAgreementFieldEvent {
    field: '$.agreement'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SwapAgreementRegistered>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SwapAgreementRegistered.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapAgreementRegistered>): SwapAgreementRegistered {
    return decodeMessage(buf, SwapAgreementRegistered.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapAgreementRegistered>): Generator<SwapAgreementRegisteredSwapIdFieldEvent | SwapAgreementRegisteredLocationAFieldEvent | SwapAgreementRegisteredLocationBFieldEvent | SwapAgreementRegisteredOwnerAFieldEvent | SwapAgreementRegisteredOwnerBFieldEvent | SwapAgreementRegisteredVmAFieldEvent | SwapAgreementRegisteredVmBFieldEvent | SwapAgreementRegisteredAgreementFieldEvent> {
    return streamMessage(buf, SwapAgreementRegistered.codec(), opts)
  }
}

export interface SwapCommitted {
  swapId: Uint8Array<ArrayBuffer>
  payment?: PaymentRecorded
}

export namespace SwapCommitted {
  let _codec: Codec<SwapCommitted>

  export const codec = (): Codec<SwapCommitted> => {
    if (_codec == null) {
      _codec = message<SwapCommitted>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.swapId)
        }

        if (obj.payment != null) {
          w.uint32(18)
          PaymentRecorded.codec().encode(obj.payment, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          swapId: uint8ArrayAlloc(0)
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
              obj.payment = PaymentRecorded.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.payment
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
                field: `${prefix}.swapId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * PaymentRecorded.codec().stream(reader, reader.uint32(), `${prefix}.payment`, {
                limits: opts.limits?.payment
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

  export interface SwapCommittedSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapCommittedPaymentPayerFieldEvent {
    field: '$.payment.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapCommittedPaymentPayeeFieldEvent {
    field: '$.payment.payee'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapCommittedPaymentAmountMicrosFieldEvent {
    field: '$.payment.amountMicros'
    value: bigint
  }

  export interface SwapCommittedPaymentSwapIdFieldEvent {
    field: '$.payment.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapCommittedPaymentMemoFieldEvent {
    field: '$.payment.memo'
    value: string
  }

  export function encode (obj: Partial<SwapCommitted>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SwapCommitted.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapCommitted>): SwapCommitted {
    return decodeMessage(buf, SwapCommitted.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapCommitted>): Generator<SwapCommittedSwapIdFieldEvent | SwapCommittedPaymentPayerFieldEvent | SwapCommittedPaymentPayeeFieldEvent | SwapCommittedPaymentAmountMicrosFieldEvent | SwapCommittedPaymentSwapIdFieldEvent | SwapCommittedPaymentMemoFieldEvent> {
    return streamMessage(buf, SwapCommitted.codec(), opts)
  }
}

export interface SwapAborted {
  swapId: Uint8Array<ArrayBuffer>
  reason: string
}

export namespace SwapAborted {
  let _codec: Codec<SwapAborted>

  export const codec = (): Codec<SwapAborted> => {
    if (_codec == null) {
      _codec = message<SwapAborted>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.swapId)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          swapId: uint8ArrayAlloc(0),
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

  export interface SwapAbortedSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapAbortedReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<SwapAborted>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SwapAborted.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapAborted>): SwapAborted {
    return decodeMessage(buf, SwapAborted.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapAborted>): Generator<SwapAbortedSwapIdFieldEvent | SwapAbortedReasonFieldEvent> {
    return streamMessage(buf, SwapAborted.codec(), opts)
  }
}

export interface OwnershipTransferred {
  location: string
  fromOwner: Uint8Array<ArrayBuffer>
  toOwner: Uint8Array<ArrayBuffer>
}

export namespace OwnershipTransferred {
  let _codec: Codec<OwnershipTransferred>

  export const codec = (): Codec<OwnershipTransferred> => {
    if (_codec == null) {
      _codec = message<OwnershipTransferred>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.location != null && obj.location !== '')) {
          w.uint32(10)
          w.string(obj.location)
        }

        if ((obj.fromOwner != null && obj.fromOwner.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.fromOwner)
        }

        if ((obj.toOwner != null && obj.toOwner.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.toOwner)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          location: '',
          fromOwner: uint8ArrayAlloc(0),
          toOwner: uint8ArrayAlloc(0)
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
              obj.fromOwner = reader.bytes()
              break
            }
            case 3: {
              obj.toOwner = reader.bytes()
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
                field: `${prefix}.location`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.fromOwner`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.toOwner`,
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

  export interface OwnershipTransferredLocationFieldEvent {
    field: '$.location'
    value: string
  }

  export interface OwnershipTransferredFromOwnerFieldEvent {
    field: '$.fromOwner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OwnershipTransferredToOwnerFieldEvent {
    field: '$.toOwner'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<OwnershipTransferred>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, OwnershipTransferred.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OwnershipTransferred>): OwnershipTransferred {
    return decodeMessage(buf, OwnershipTransferred.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OwnershipTransferred>): Generator<OwnershipTransferredLocationFieldEvent | OwnershipTransferredFromOwnerFieldEvent | OwnershipTransferredToOwnerFieldEvent> {
    return streamMessage(buf, OwnershipTransferred.codec(), opts)
  }
}

export interface PaymentRecorded {
  payer: Uint8Array<ArrayBuffer>
  payee: Uint8Array<ArrayBuffer>
  amountMicros: bigint
  swapId: Uint8Array<ArrayBuffer>
  memo: string
}

export namespace PaymentRecorded {
  let _codec: Codec<PaymentRecorded>

  export const codec = (): Codec<PaymentRecorded> => {
    if (_codec == null) {
      _codec = message<PaymentRecorded>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.payer != null && obj.payer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.payer)
        }

        if ((obj.payee != null && obj.payee.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.payee)
        }

        if ((obj.amountMicros != null && obj.amountMicros !== 0n)) {
          w.uint32(24)
          w.uint64(obj.amountMicros)
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.swapId)
        }

        if ((obj.memo != null && obj.memo !== '')) {
          w.uint32(42)
          w.string(obj.memo)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          payer: uint8ArrayAlloc(0),
          payee: uint8ArrayAlloc(0),
          amountMicros: 0n,
          swapId: uint8ArrayAlloc(0),
          memo: ''
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
              obj.payee = reader.bytes()
              break
            }
            case 3: {
              obj.amountMicros = reader.uint64()
              break
            }
            case 4: {
              obj.swapId = reader.bytes()
              break
            }
            case 5: {
              obj.memo = reader.string()
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
                field: `${prefix}.payee`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.amountMicros`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.swapId`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.memo`,
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

  export interface PaymentRecordedPayerFieldEvent {
    field: '$.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PaymentRecordedPayeeFieldEvent {
    field: '$.payee'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PaymentRecordedAmountMicrosFieldEvent {
    field: '$.amountMicros'
    value: bigint
  }

  export interface PaymentRecordedSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PaymentRecordedMemoFieldEvent {
    field: '$.memo'
    value: string
  }

  export function encode (obj: Partial<PaymentRecorded>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PaymentRecorded.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PaymentRecorded>): PaymentRecorded {
    return decodeMessage(buf, PaymentRecorded.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PaymentRecorded>): Generator<PaymentRecordedPayerFieldEvent | PaymentRecordedPayeeFieldEvent | PaymentRecordedAmountMicrosFieldEvent | PaymentRecordedSwapIdFieldEvent | PaymentRecordedMemoFieldEvent> {
    return streamMessage(buf, PaymentRecorded.codec(), opts)
  }
}

export interface DelegationRevoked {
  delegationId: Uint8Array<ArrayBuffer>
  ownerKey: Uint8Array<ArrayBuffer>
}

export namespace DelegationRevoked {
  let _codec: Codec<DelegationRevoked>

  export const codec = (): Codec<DelegationRevoked> => {
    if (_codec == null) {
      _codec = message<DelegationRevoked>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.delegationId != null && obj.delegationId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.delegationId)
        }

        if ((obj.ownerKey != null && obj.ownerKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ownerKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          delegationId: uint8ArrayAlloc(0),
          ownerKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.delegationId = reader.bytes()
              break
            }
            case 2: {
              obj.ownerKey = reader.bytes()
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
                field: `${prefix}.delegationId`,
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

  export interface DelegationRevokedDelegationIdFieldEvent {
    field: '$.delegationId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DelegationRevokedOwnerKeyFieldEvent {
    field: '$.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DelegationRevoked>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DelegationRevoked.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationRevoked>): DelegationRevoked {
    return decodeMessage(buf, DelegationRevoked.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DelegationRevoked>): Generator<DelegationRevokedDelegationIdFieldEvent | DelegationRevokedOwnerKeyFieldEvent> {
    return streamMessage(buf, DelegationRevoked.codec(), opts)
  }
}

export interface Action {
  issuedAtMs: bigint
  nonce: Uint8Array<ArrayBuffer>
  ownerRegistered?: OwnerRegistered
  locationRegistered?: LocationRegistered
  swapAgreementRegistered?: SwapAgreementRegistered
  swapCommitted?: SwapCommitted
  swapAborted?: SwapAborted
  ownershipTransferred?: OwnershipTransferred
  paymentRecorded?: PaymentRecorded
  delegationRevoked?: DelegationRevoked
}

export namespace Action {
  let _codec: Codec<Action>

  export const codec = (): Codec<Action> => {
    if (_codec == null) {
      _codec = message<Action>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.delegationRevoked != null) {
          obj.paymentRecorded = undefined
          obj.ownershipTransferred = undefined
          obj.swapAborted = undefined
          obj.swapCommitted = undefined
          obj.swapAgreementRegistered = undefined
          obj.locationRegistered = undefined
          obj.ownerRegistered = undefined
        }

        if (obj.paymentRecorded != null) {
          obj.delegationRevoked = undefined
          obj.ownershipTransferred = undefined
          obj.swapAborted = undefined
          obj.swapCommitted = undefined
          obj.swapAgreementRegistered = undefined
          obj.locationRegistered = undefined
          obj.ownerRegistered = undefined
        }

        if (obj.ownershipTransferred != null) {
          obj.delegationRevoked = undefined
          obj.paymentRecorded = undefined
          obj.swapAborted = undefined
          obj.swapCommitted = undefined
          obj.swapAgreementRegistered = undefined
          obj.locationRegistered = undefined
          obj.ownerRegistered = undefined
        }

        if (obj.swapAborted != null) {
          obj.delegationRevoked = undefined
          obj.paymentRecorded = undefined
          obj.ownershipTransferred = undefined
          obj.swapCommitted = undefined
          obj.swapAgreementRegistered = undefined
          obj.locationRegistered = undefined
          obj.ownerRegistered = undefined
        }

        if (obj.swapCommitted != null) {
          obj.delegationRevoked = undefined
          obj.paymentRecorded = undefined
          obj.ownershipTransferred = undefined
          obj.swapAborted = undefined
          obj.swapAgreementRegistered = undefined
          obj.locationRegistered = undefined
          obj.ownerRegistered = undefined
        }

        if (obj.swapAgreementRegistered != null) {
          obj.delegationRevoked = undefined
          obj.paymentRecorded = undefined
          obj.ownershipTransferred = undefined
          obj.swapAborted = undefined
          obj.swapCommitted = undefined
          obj.locationRegistered = undefined
          obj.ownerRegistered = undefined
        }

        if (obj.locationRegistered != null) {
          obj.delegationRevoked = undefined
          obj.paymentRecorded = undefined
          obj.ownershipTransferred = undefined
          obj.swapAborted = undefined
          obj.swapCommitted = undefined
          obj.swapAgreementRegistered = undefined
          obj.ownerRegistered = undefined
        }

        if (obj.ownerRegistered != null) {
          obj.delegationRevoked = undefined
          obj.paymentRecorded = undefined
          obj.ownershipTransferred = undefined
          obj.swapAborted = undefined
          obj.swapCommitted = undefined
          obj.swapAgreementRegistered = undefined
          obj.locationRegistered = undefined
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(8)
          w.uint64(obj.issuedAtMs)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if (obj.ownerRegistered != null) {
          w.uint32(82)
          OwnerRegistered.codec().encode(obj.ownerRegistered, w)
        }

        if (obj.locationRegistered != null) {
          w.uint32(90)
          LocationRegistered.codec().encode(obj.locationRegistered, w)
        }

        if (obj.swapAgreementRegistered != null) {
          w.uint32(98)
          SwapAgreementRegistered.codec().encode(obj.swapAgreementRegistered, w)
        }

        if (obj.swapCommitted != null) {
          w.uint32(106)
          SwapCommitted.codec().encode(obj.swapCommitted, w)
        }

        if (obj.swapAborted != null) {
          w.uint32(114)
          SwapAborted.codec().encode(obj.swapAborted, w)
        }

        if (obj.ownershipTransferred != null) {
          w.uint32(122)
          OwnershipTransferred.codec().encode(obj.ownershipTransferred, w)
        }

        if (obj.paymentRecorded != null) {
          w.uint32(130)
          PaymentRecorded.codec().encode(obj.paymentRecorded, w)
        }

        if (obj.delegationRevoked != null) {
          w.uint32(138)
          DelegationRevoked.codec().encode(obj.delegationRevoked, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          issuedAtMs: 0n,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.issuedAtMs = reader.uint64()
              break
            }
            case 2: {
              obj.nonce = reader.bytes()
              break
            }
            case 10: {
              obj.ownerRegistered = OwnerRegistered.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ownerRegistered
              })
              break
            }
            case 11: {
              obj.locationRegistered = LocationRegistered.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.locationRegistered
              })
              break
            }
            case 12: {
              obj.swapAgreementRegistered = SwapAgreementRegistered.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.swapAgreementRegistered
              })
              break
            }
            case 13: {
              obj.swapCommitted = SwapCommitted.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.swapCommitted
              })
              break
            }
            case 14: {
              obj.swapAborted = SwapAborted.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.swapAborted
              })
              break
            }
            case 15: {
              obj.ownershipTransferred = OwnershipTransferred.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ownershipTransferred
              })
              break
            }
            case 16: {
              obj.paymentRecorded = PaymentRecorded.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.paymentRecorded
              })
              break
            }
            case 17: {
              obj.delegationRevoked = DelegationRevoked.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delegationRevoked
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.delegationRevoked != null) {
          delete obj.paymentRecorded
          delete obj.ownershipTransferred
          delete obj.swapAborted
          delete obj.swapCommitted
          delete obj.swapAgreementRegistered
          delete obj.locationRegistered
          delete obj.ownerRegistered
        }

        if (obj.paymentRecorded != null) {
          delete obj.delegationRevoked
          delete obj.ownershipTransferred
          delete obj.swapAborted
          delete obj.swapCommitted
          delete obj.swapAgreementRegistered
          delete obj.locationRegistered
          delete obj.ownerRegistered
        }

        if (obj.ownershipTransferred != null) {
          delete obj.delegationRevoked
          delete obj.paymentRecorded
          delete obj.swapAborted
          delete obj.swapCommitted
          delete obj.swapAgreementRegistered
          delete obj.locationRegistered
          delete obj.ownerRegistered
        }

        if (obj.swapAborted != null) {
          delete obj.delegationRevoked
          delete obj.paymentRecorded
          delete obj.ownershipTransferred
          delete obj.swapCommitted
          delete obj.swapAgreementRegistered
          delete obj.locationRegistered
          delete obj.ownerRegistered
        }

        if (obj.swapCommitted != null) {
          delete obj.delegationRevoked
          delete obj.paymentRecorded
          delete obj.ownershipTransferred
          delete obj.swapAborted
          delete obj.swapAgreementRegistered
          delete obj.locationRegistered
          delete obj.ownerRegistered
        }

        if (obj.swapAgreementRegistered != null) {
          delete obj.delegationRevoked
          delete obj.paymentRecorded
          delete obj.ownershipTransferred
          delete obj.swapAborted
          delete obj.swapCommitted
          delete obj.locationRegistered
          delete obj.ownerRegistered
        }

        if (obj.locationRegistered != null) {
          delete obj.delegationRevoked
          delete obj.paymentRecorded
          delete obj.ownershipTransferred
          delete obj.swapAborted
          delete obj.swapCommitted
          delete obj.swapAgreementRegistered
          delete obj.ownerRegistered
        }

        if (obj.ownerRegistered != null) {
          delete obj.delegationRevoked
          delete obj.paymentRecorded
          delete obj.ownershipTransferred
          delete obj.swapAborted
          delete obj.swapCommitted
          delete obj.swapAgreementRegistered
          delete obj.locationRegistered
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.issuedAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield * OwnerRegistered.codec().stream(reader, reader.uint32(), `${prefix}.ownerRegistered`, {
                limits: opts.limits?.ownerRegistered
              })

              break
            }
            case 11: {
              yield * LocationRegistered.codec().stream(reader, reader.uint32(), `${prefix}.locationRegistered`, {
                limits: opts.limits?.locationRegistered
              })

              break
            }
            case 12: {
              yield * SwapAgreementRegistered.codec().stream(reader, reader.uint32(), `${prefix}.swapAgreementRegistered`, {
                limits: opts.limits?.swapAgreementRegistered
              })

              break
            }
            case 13: {
              yield * SwapCommitted.codec().stream(reader, reader.uint32(), `${prefix}.swapCommitted`, {
                limits: opts.limits?.swapCommitted
              })

              break
            }
            case 14: {
              yield * SwapAborted.codec().stream(reader, reader.uint32(), `${prefix}.swapAborted`, {
                limits: opts.limits?.swapAborted
              })

              break
            }
            case 15: {
              yield * OwnershipTransferred.codec().stream(reader, reader.uint32(), `${prefix}.ownershipTransferred`, {
                limits: opts.limits?.ownershipTransferred
              })

              break
            }
            case 16: {
              yield * PaymentRecorded.codec().stream(reader, reader.uint32(), `${prefix}.paymentRecorded`, {
                limits: opts.limits?.paymentRecorded
              })

              break
            }
            case 17: {
              yield * DelegationRevoked.codec().stream(reader, reader.uint32(), `${prefix}.delegationRevoked`, {
                limits: opts.limits?.delegationRevoked
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

  export interface ActionIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export interface ActionNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionOwnerRegisteredOwnerKeyFieldEvent {
    field: '$.ownerRegistered.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionOwnerRegisteredNameFieldEvent {
    field: '$.ownerRegistered.name'
    value: string
  }

  export interface ActionLocationRegisteredLocationFieldEvent {
    field: '$.locationRegistered.location'
    value: string
  }

  export interface ActionLocationRegisteredOwnerKeyFieldEvent {
    field: '$.locationRegistered.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionLocationRegisteredVmKeyFieldEvent {
    field: '$.locationRegistered.vmKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionLocationRegisteredInstanceClassVcpusFieldEvent {
    field: '$.locationRegistered.instanceClass.vcpus'
    value: number
  }

  export interface ActionLocationRegisteredInstanceClassMemoryBytesFieldEvent {
    field: '$.locationRegistered.instanceClass.memoryBytes'
    value: bigint
  }

  export interface ActionLocationRegisteredInstanceClassDiskBytesFieldEvent {
    field: '$.locationRegistered.instanceClass.diskBytes'
    value: bigint
  }

  export interface ActionSwapAgreementRegisteredSwapIdFieldEvent {
    field: '$.swapAgreementRegistered.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapAgreementRegisteredLocationAFieldEvent {
    field: '$.swapAgreementRegistered.locationA'
    value: string
  }

  export interface ActionSwapAgreementRegisteredLocationBFieldEvent {
    field: '$.swapAgreementRegistered.locationB'
    value: string
  }

  export interface ActionSwapAgreementRegisteredOwnerAFieldEvent {
    field: '$.swapAgreementRegistered.ownerA'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapAgreementRegisteredOwnerBFieldEvent {
    field: '$.swapAgreementRegistered.ownerB'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapAgreementRegisteredVmAFieldEvent {
    field: '$.swapAgreementRegistered.vmA'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapAgreementRegisteredVmBFieldEvent {
    field: '$.swapAgreementRegistered.vmB'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapAgreementRegisteredAgreementFieldEvent {
    field: '$.swapAgreementRegistered.agreement'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapCommittedSwapIdFieldEvent {
    field: '$.swapCommitted.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapCommittedPaymentPayerFieldEvent {
    field: '$.swapCommitted.payment.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapCommittedPaymentPayeeFieldEvent {
    field: '$.swapCommitted.payment.payee'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapCommittedPaymentAmountMicrosFieldEvent {
    field: '$.swapCommitted.payment.amountMicros'
    value: bigint
  }

  export interface ActionSwapCommittedPaymentSwapIdFieldEvent {
    field: '$.swapCommitted.payment.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapCommittedPaymentMemoFieldEvent {
    field: '$.swapCommitted.payment.memo'
    value: string
  }

  export interface ActionSwapAbortedSwapIdFieldEvent {
    field: '$.swapAborted.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionSwapAbortedReasonFieldEvent {
    field: '$.swapAborted.reason'
    value: string
  }

  export interface ActionOwnershipTransferredLocationFieldEvent {
    field: '$.ownershipTransferred.location'
    value: string
  }

  export interface ActionOwnershipTransferredFromOwnerFieldEvent {
    field: '$.ownershipTransferred.fromOwner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionOwnershipTransferredToOwnerFieldEvent {
    field: '$.ownershipTransferred.toOwner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionPaymentRecordedPayerFieldEvent {
    field: '$.paymentRecorded.payer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionPaymentRecordedPayeeFieldEvent {
    field: '$.paymentRecorded.payee'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionPaymentRecordedAmountMicrosFieldEvent {
    field: '$.paymentRecorded.amountMicros'
    value: bigint
  }

  export interface ActionPaymentRecordedSwapIdFieldEvent {
    field: '$.paymentRecorded.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionPaymentRecordedMemoFieldEvent {
    field: '$.paymentRecorded.memo'
    value: string
  }

  export interface ActionDelegationRevokedDelegationIdFieldEvent {
    field: '$.delegationRevoked.delegationId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ActionDelegationRevokedOwnerKeyFieldEvent {
    field: '$.delegationRevoked.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Action>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Action.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Action>): Action {
    return decodeMessage(buf, Action.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Action>): Generator<ActionIssuedAtMsFieldEvent | ActionNonceFieldEvent | ActionOwnerRegisteredOwnerKeyFieldEvent | ActionOwnerRegisteredNameFieldEvent | ActionLocationRegisteredLocationFieldEvent | ActionLocationRegisteredOwnerKeyFieldEvent | ActionLocationRegisteredVmKeyFieldEvent | ActionLocationRegisteredInstanceClassVcpusFieldEvent | ActionLocationRegisteredInstanceClassMemoryBytesFieldEvent | ActionLocationRegisteredInstanceClassDiskBytesFieldEvent | ActionSwapAgreementRegisteredSwapIdFieldEvent | ActionSwapAgreementRegisteredLocationAFieldEvent | ActionSwapAgreementRegisteredLocationBFieldEvent | ActionSwapAgreementRegisteredOwnerAFieldEvent | ActionSwapAgreementRegisteredOwnerBFieldEvent | ActionSwapAgreementRegisteredVmAFieldEvent | ActionSwapAgreementRegisteredVmBFieldEvent | ActionSwapAgreementRegisteredAgreementFieldEvent | ActionSwapCommittedSwapIdFieldEvent | ActionSwapCommittedPaymentPayerFieldEvent | ActionSwapCommittedPaymentPayeeFieldEvent | ActionSwapCommittedPaymentAmountMicrosFieldEvent | ActionSwapCommittedPaymentSwapIdFieldEvent | ActionSwapCommittedPaymentMemoFieldEvent | ActionSwapAbortedSwapIdFieldEvent | ActionSwapAbortedReasonFieldEvent | ActionOwnershipTransferredLocationFieldEvent | ActionOwnershipTransferredFromOwnerFieldEvent | ActionOwnershipTransferredToOwnerFieldEvent | ActionPaymentRecordedPayerFieldEvent | ActionPaymentRecordedPayeeFieldEvent | ActionPaymentRecordedAmountMicrosFieldEvent | ActionPaymentRecordedSwapIdFieldEvent | ActionPaymentRecordedMemoFieldEvent | ActionDelegationRevokedDelegationIdFieldEvent | ActionDelegationRevokedOwnerKeyFieldEvent> {
    return streamMessage(buf, Action.codec(), opts)
  }
}

export interface PartySignature {
  publicKey: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace PartySignature {
  let _codec: Codec<PartySignature>

  export const codec = (): Codec<PartySignature> => {
    if (_codec == null) {
      _codec = message<PartySignature>((obj, w, opts = {}) => {
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

  export interface PartySignaturePublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PartySignatureSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PartySignature>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PartySignature.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PartySignature>): PartySignature {
    return decodeMessage(buf, PartySignature.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PartySignature>): Generator<PartySignaturePublicKeyFieldEvent | PartySignatureSignatureFieldEvent> {
    return streamMessage(buf, PartySignature.codec(), opts)
  }
}

export interface LedgerEntry {
  seq: bigint
  prevHash: Uint8Array<ArrayBuffer>
  appendedAtMs: bigint
  action: Uint8Array<ArrayBuffer>
  parties: PartySignature[]
}

export namespace LedgerEntry {
  let _codec: Codec<LedgerEntry>

  export const codec = (): Codec<LedgerEntry> => {
    if (_codec == null) {
      _codec = message<LedgerEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if ((obj.prevHash != null && obj.prevHash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.prevHash)
        }

        if ((obj.appendedAtMs != null && obj.appendedAtMs !== 0n)) {
          w.uint32(24)
          w.uint64(obj.appendedAtMs)
        }

        if ((obj.action != null && obj.action.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.action)
        }

        if (obj.parties != null && obj.parties.length > 0) {
          for (const value of obj.parties) {
            w.uint32(42)
            PartySignature.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n,
          prevHash: uint8ArrayAlloc(0),
          appendedAtMs: 0n,
          action: uint8ArrayAlloc(0),
          parties: []
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
              obj.prevHash = reader.bytes()
              break
            }
            case 3: {
              obj.appendedAtMs = reader.uint64()
              break
            }
            case 4: {
              obj.action = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.parties != null && obj.parties.length === opts.limits.parties) {
                throw new MaxLengthError('Decode error - repeated field "parties" had too many elements')
              }

              obj.parties.push(PartySignature.codec().decode(reader, reader.uint32(), {
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
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.prevHash`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.appendedAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.action`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.parties != null && obj.parties === opts.limits.parties) {
                throw new MaxLengthError('Streaming decode error - repeated field "parties" had too many elements')
              }

              for (const evt of PartySignature.codec().stream(reader, reader.uint32(), `${prefix}.parties[]`, {
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

  export interface LedgerEntrySeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface LedgerEntryPrevHashFieldEvent {
    field: '$.prevHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerEntryAppendedAtMsFieldEvent {
    field: '$.appendedAtMs'
    value: bigint
  }

  export interface LedgerEntryActionFieldEvent {
    field: '$.action'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LedgerEntryPartiesPublicKeyFieldEvent {
    field: '$.parties[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LedgerEntryPartiesSignatureFieldEvent {
    field: '$.parties[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<LedgerEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LedgerEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerEntry>): LedgerEntry {
    return decodeMessage(buf, LedgerEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LedgerEntry>): Generator<LedgerEntrySeqFieldEvent | LedgerEntryPrevHashFieldEvent | LedgerEntryAppendedAtMsFieldEvent | LedgerEntryActionFieldEvent | LedgerEntryPartiesPublicKeyFieldEvent | LedgerEntryPartiesSignatureFieldEvent> {
    return streamMessage(buf, LedgerEntry.codec(), opts)
  }
}

export interface SignedLedgerEntry {
  entry: Uint8Array<ArrayBuffer>
  anchorSignature: Uint8Array<ArrayBuffer>
}

export namespace SignedLedgerEntry {
  let _codec: Codec<SignedLedgerEntry>

  export const codec = (): Codec<SignedLedgerEntry> => {
    if (_codec == null) {
      _codec = message<SignedLedgerEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.entry != null && obj.entry.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.entry)
        }

        if ((obj.anchorSignature != null && obj.anchorSignature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.anchorSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entry: uint8ArrayAlloc(0),
          anchorSignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.entry = reader.bytes()
              break
            }
            case 2: {
              obj.anchorSignature = reader.bytes()
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
                field: `${prefix}.entry`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.anchorSignature`,
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

  export interface SignedLedgerEntryEntryFieldEvent {
    field: '$.entry'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedLedgerEntryAnchorSignatureFieldEvent {
    field: '$.anchorSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedLedgerEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedLedgerEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedLedgerEntry>): SignedLedgerEntry {
    return decodeMessage(buf, SignedLedgerEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedLedgerEntry>): Generator<SignedLedgerEntryEntryFieldEvent | SignedLedgerEntryAnchorSignatureFieldEvent> {
    return streamMessage(buf, SignedLedgerEntry.codec(), opts)
  }
}

export enum ControlAction {
  CONTROL_ACTION_UNSPECIFIED = 'CONTROL_ACTION_UNSPECIFIED',
  REBOOT = 'REBOOT',
  SNAPSHOT = 'SNAPSHOT',
  CONSOLE = 'CONSOLE',
  BOOT_VERIFICATION_IMAGE = 'BOOT_VERIFICATION_IMAGE'
}

enum __ControlActionValues {
  CONTROL_ACTION_UNSPECIFIED = 0,
  REBOOT = 1,
  SNAPSHOT = 2,
  CONSOLE = 3,
  BOOT_VERIFICATION_IMAGE = 4
}

export namespace ControlAction {
  export const codec = (): Codec<ControlAction> => {
    return enumeration<ControlAction>(__ControlActionValues)
  }
}

export interface ControlRequest {
  location: string
  action: ControlAction
  requesterKey: Uint8Array<ArrayBuffer>
  anchorKey: Uint8Array<ArrayBuffer>
  nonce: Uint8Array<ArrayBuffer>
  issuedAtMs: bigint
}

export namespace ControlRequest {
  let _codec: Codec<ControlRequest>

  export const codec = (): Codec<ControlRequest> => {
    if (_codec == null) {
      _codec = message<ControlRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.location != null && obj.location !== '')) {
          w.uint32(10)
          w.string(obj.location)
        }

        if (obj.action != null && __ControlActionValues[obj.action] !== 0) {
          w.uint32(16)
          ControlAction.codec().encode(obj.action, w)
        }

        if ((obj.requesterKey != null && obj.requesterKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.requesterKey)
        }

        if ((obj.anchorKey != null && obj.anchorKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.anchorKey)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.nonce)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(48)
          w.uint64(obj.issuedAtMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          location: '',
          action: ControlAction.CONTROL_ACTION_UNSPECIFIED,
          requesterKey: uint8ArrayAlloc(0),
          anchorKey: uint8ArrayAlloc(0),
          nonce: uint8ArrayAlloc(0),
          issuedAtMs: 0n
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
              obj.action = ControlAction.codec().decode(reader)
              break
            }
            case 3: {
              obj.requesterKey = reader.bytes()
              break
            }
            case 4: {
              obj.anchorKey = reader.bytes()
              break
            }
            case 5: {
              obj.nonce = reader.bytes()
              break
            }
            case 6: {
              obj.issuedAtMs = reader.uint64()
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
                field: `${prefix}.location`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.action`,
                value: ControlAction.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.requesterKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.anchorKey`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.issuedAtMs`,
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

  export interface ControlRequestLocationFieldEvent {
    field: '$.location'
    value: string
  }

  export interface ControlRequestActionFieldEvent {
    field: '$.action'
    value: ControlAction
  }

  export interface ControlRequestRequesterKeyFieldEvent {
    field: '$.requesterKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ControlRequestAnchorKeyFieldEvent {
    field: '$.anchorKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ControlRequestNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ControlRequestIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export function encode (obj: Partial<ControlRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ControlRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ControlRequest>): ControlRequest {
    return decodeMessage(buf, ControlRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ControlRequest>): Generator<ControlRequestLocationFieldEvent | ControlRequestActionFieldEvent | ControlRequestRequesterKeyFieldEvent | ControlRequestAnchorKeyFieldEvent | ControlRequestNonceFieldEvent | ControlRequestIssuedAtMsFieldEvent> {
    return streamMessage(buf, ControlRequest.codec(), opts)
  }
}

export interface SignedControlRequest {
  request: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedControlRequest {
  let _codec: Codec<SignedControlRequest>

  export const codec = (): Codec<SignedControlRequest> => {
    if (_codec == null) {
      _codec = message<SignedControlRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.request != null && obj.request.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.request)
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
          request: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.request = reader.bytes()
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
                field: `${prefix}.request`,
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

  export interface SignedControlRequestRequestFieldEvent {
    field: '$.request'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedControlRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedControlRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedControlRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedControlRequest>): SignedControlRequest {
    return decodeMessage(buf, SignedControlRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedControlRequest>): Generator<SignedControlRequestRequestFieldEvent | SignedControlRequestSignatureFieldEvent> {
    return streamMessage(buf, SignedControlRequest.codec(), opts)
  }
}
