import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface AgreementClass {
  vcpus: number
  memoryBytes: bigint
  diskBytes: bigint
}

export namespace AgreementClass {
  let _codec: Codec<AgreementClass>

  export const codec = (): Codec<AgreementClass> => {
    if (_codec == null) {
      _codec = message<AgreementClass>((obj, w, opts = {}) => {
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

  export interface AgreementClassVcpusFieldEvent {
    field: '$.vcpus'
    value: number
  }

  export interface AgreementClassMemoryBytesFieldEvent {
    field: '$.memoryBytes'
    value: bigint
  }

  export interface AgreementClassDiskBytesFieldEvent {
    field: '$.diskBytes'
    value: bigint
  }

  export function encode (obj: Partial<AgreementClass>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AgreementClass.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AgreementClass>): AgreementClass {
    return decodeMessage(buf, AgreementClass.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AgreementClass>): Generator<AgreementClassVcpusFieldEvent | AgreementClassMemoryBytesFieldEvent | AgreementClassDiskBytesFieldEvent> {
    return streamMessage(buf, AgreementClass.codec(), opts)
  }
}

export enum AgreementPayer {
  AGREEMENT_PAYER_NONE = 'AGREEMENT_PAYER_NONE',
  AGREEMENT_PAYER_A = 'AGREEMENT_PAYER_A',
  AGREEMENT_PAYER_B = 'AGREEMENT_PAYER_B'
}

enum __AgreementPayerValues {
  AGREEMENT_PAYER_NONE = 0,
  AGREEMENT_PAYER_A = 1,
  AGREEMENT_PAYER_B = 2
}

export namespace AgreementPayer {
  export const codec = (): Codec<AgreementPayer> => {
    return enumeration<AgreementPayer>(__AgreementPayerValues)
  }
}

export interface AgreementParty {
  location: string
  agentKey: Uint8Array<ArrayBuffer>
  ownerKey: Uint8Array<ArrayBuffer>
  swapKey: Uint8Array<ArrayBuffer>
  advertSequence: bigint
  delegation: Uint8Array<ArrayBuffer>
  statedGainMicros: bigint
}

export namespace AgreementParty {
  let _codec: Codec<AgreementParty>

  export const codec = (): Codec<AgreementParty> => {
    if (_codec == null) {
      _codec = message<AgreementParty>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.location != null && obj.location !== '')) {
          w.uint32(10)
          w.string(obj.location)
        }

        if ((obj.agentKey != null && obj.agentKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.agentKey)
        }

        if ((obj.ownerKey != null && obj.ownerKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ownerKey)
        }

        if ((obj.swapKey != null && obj.swapKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.swapKey)
        }

        if ((obj.advertSequence != null && obj.advertSequence !== 0n)) {
          w.uint32(40)
          w.uint64(obj.advertSequence)
        }

        if ((obj.delegation != null && obj.delegation.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.delegation)
        }

        if ((obj.statedGainMicros != null && obj.statedGainMicros !== 0n)) {
          w.uint32(56)
          w.uint64(obj.statedGainMicros)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          location: '',
          agentKey: uint8ArrayAlloc(0),
          ownerKey: uint8ArrayAlloc(0),
          swapKey: uint8ArrayAlloc(0),
          advertSequence: 0n,
          delegation: uint8ArrayAlloc(0),
          statedGainMicros: 0n
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
              obj.agentKey = reader.bytes()
              break
            }
            case 3: {
              obj.ownerKey = reader.bytes()
              break
            }
            case 4: {
              obj.swapKey = reader.bytes()
              break
            }
            case 5: {
              obj.advertSequence = reader.uint64()
              break
            }
            case 6: {
              obj.delegation = reader.bytes()
              break
            }
            case 7: {
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
                field: `${prefix}.location`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.agentKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ownerKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.swapKey`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.advertSequence`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.delegation`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
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

  export interface AgreementPartyLocationFieldEvent {
    field: '$.location'
    value: string
  }

  export interface AgreementPartyAgentKeyFieldEvent {
    field: '$.agentKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementPartyOwnerKeyFieldEvent {
    field: '$.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementPartySwapKeyFieldEvent {
    field: '$.swapKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementPartyAdvertSequenceFieldEvent {
    field: '$.advertSequence'
    value: bigint
  }

  export interface AgreementPartyDelegationFieldEvent {
    field: '$.delegation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementPartyStatedGainMicrosFieldEvent {
    field: '$.statedGainMicros'
    value: bigint
  }

  export function encode (obj: Partial<AgreementParty>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AgreementParty.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AgreementParty>): AgreementParty {
    return decodeMessage(buf, AgreementParty.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AgreementParty>): Generator<AgreementPartyLocationFieldEvent | AgreementPartyAgentKeyFieldEvent | AgreementPartyOwnerKeyFieldEvent | AgreementPartySwapKeyFieldEvent | AgreementPartyAdvertSequenceFieldEvent | AgreementPartyDelegationFieldEvent | AgreementPartyStatedGainMicrosFieldEvent> {
    return streamMessage(buf, AgreementParty.codec(), opts)
  }
}

export interface AgreementTerms {
  a?: AgreementParty
  b?: AgreementParty
  instanceClass?: AgreementClass
  priceMicros: bigint
  payer: AgreementPayer
  issuedAtMs: bigint
  expiresAtMs: bigint
  anchorKey: Uint8Array<ArrayBuffer>
}

export namespace AgreementTerms {
  let _codec: Codec<AgreementTerms>

  export const codec = (): Codec<AgreementTerms> => {
    if (_codec == null) {
      _codec = message<AgreementTerms>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.a != null) {
          w.uint32(10)
          AgreementParty.codec().encode(obj.a, w)
        }

        if (obj.b != null) {
          w.uint32(18)
          AgreementParty.codec().encode(obj.b, w)
        }

        if (obj.instanceClass != null) {
          w.uint32(26)
          AgreementClass.codec().encode(obj.instanceClass, w)
        }

        if ((obj.priceMicros != null && obj.priceMicros !== 0n)) {
          w.uint32(32)
          w.uint64(obj.priceMicros)
        }

        if (obj.payer != null && __AgreementPayerValues[obj.payer] !== 0) {
          w.uint32(40)
          AgreementPayer.codec().encode(obj.payer, w)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(48)
          w.uint64(obj.issuedAtMs)
        }

        if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
          w.uint32(56)
          w.uint64(obj.expiresAtMs)
        }

        if ((obj.anchorKey != null && obj.anchorKey.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.anchorKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          priceMicros: 0n,
          payer: AgreementPayer.AGREEMENT_PAYER_NONE,
          issuedAtMs: 0n,
          expiresAtMs: 0n,
          anchorKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.a = AgreementParty.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.a
              })
              break
            }
            case 2: {
              obj.b = AgreementParty.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.b
              })
              break
            }
            case 3: {
              obj.instanceClass = AgreementClass.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.instanceClass
              })
              break
            }
            case 4: {
              obj.priceMicros = reader.uint64()
              break
            }
            case 5: {
              obj.payer = AgreementPayer.codec().decode(reader)
              break
            }
            case 6: {
              obj.issuedAtMs = reader.uint64()
              break
            }
            case 7: {
              obj.expiresAtMs = reader.uint64()
              break
            }
            case 8: {
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * AgreementParty.codec().stream(reader, reader.uint32(), `${prefix}.a`, {
                limits: opts.limits?.a
              })

              break
            }
            case 2: {
              yield * AgreementParty.codec().stream(reader, reader.uint32(), `${prefix}.b`, {
                limits: opts.limits?.b
              })

              break
            }
            case 3: {
              yield * AgreementClass.codec().stream(reader, reader.uint32(), `${prefix}.instanceClass`, {
                limits: opts.limits?.instanceClass
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.priceMicros`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.payer`,
                value: AgreementPayer.codec().decode(reader)
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
            case 7: {
              yield {
                field: `${prefix}.expiresAtMs`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
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

  export interface AgreementTermsALocationFieldEvent {
    field: '$.a.location'
    value: string
  }

  export interface AgreementTermsAAgentKeyFieldEvent {
    field: '$.a.agentKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsAOwnerKeyFieldEvent {
    field: '$.a.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsASwapKeyFieldEvent {
    field: '$.a.swapKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsAAdvertSequenceFieldEvent {
    field: '$.a.advertSequence'
    value: bigint
  }

  export interface AgreementTermsADelegationFieldEvent {
    field: '$.a.delegation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsAStatedGainMicrosFieldEvent {
    field: '$.a.statedGainMicros'
    value: bigint
  }

  export interface AgreementTermsBLocationFieldEvent {
    field: '$.b.location'
    value: string
  }

  export interface AgreementTermsBAgentKeyFieldEvent {
    field: '$.b.agentKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsBOwnerKeyFieldEvent {
    field: '$.b.ownerKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsBSwapKeyFieldEvent {
    field: '$.b.swapKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsBAdvertSequenceFieldEvent {
    field: '$.b.advertSequence'
    value: bigint
  }

  export interface AgreementTermsBDelegationFieldEvent {
    field: '$.b.delegation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AgreementTermsBStatedGainMicrosFieldEvent {
    field: '$.b.statedGainMicros'
    value: bigint
  }

  export interface AgreementTermsInstanceClassVcpusFieldEvent {
    field: '$.instanceClass.vcpus'
    value: number
  }

  export interface AgreementTermsInstanceClassMemoryBytesFieldEvent {
    field: '$.instanceClass.memoryBytes'
    value: bigint
  }

  export interface AgreementTermsInstanceClassDiskBytesFieldEvent {
    field: '$.instanceClass.diskBytes'
    value: bigint
  }

  export interface AgreementTermsPriceMicrosFieldEvent {
    field: '$.priceMicros'
    value: bigint
  }

  export interface AgreementTermsPayerFieldEvent {
    field: '$.payer'
    value: AgreementPayer
  }

  export interface AgreementTermsIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export interface AgreementTermsExpiresAtMsFieldEvent {
    field: '$.expiresAtMs'
    value: bigint
  }

  export interface AgreementTermsAnchorKeyFieldEvent {
    field: '$.anchorKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<AgreementTerms>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AgreementTerms.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AgreementTerms>): AgreementTerms {
    return decodeMessage(buf, AgreementTerms.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AgreementTerms>): Generator<AgreementTermsALocationFieldEvent | AgreementTermsAAgentKeyFieldEvent | AgreementTermsAOwnerKeyFieldEvent | AgreementTermsASwapKeyFieldEvent | AgreementTermsAAdvertSequenceFieldEvent | AgreementTermsADelegationFieldEvent | AgreementTermsAStatedGainMicrosFieldEvent | AgreementTermsBLocationFieldEvent | AgreementTermsBAgentKeyFieldEvent | AgreementTermsBOwnerKeyFieldEvent | AgreementTermsBSwapKeyFieldEvent | AgreementTermsBAdvertSequenceFieldEvent | AgreementTermsBDelegationFieldEvent | AgreementTermsBStatedGainMicrosFieldEvent | AgreementTermsInstanceClassVcpusFieldEvent | AgreementTermsInstanceClassMemoryBytesFieldEvent | AgreementTermsInstanceClassDiskBytesFieldEvent | AgreementTermsPriceMicrosFieldEvent | AgreementTermsPayerFieldEvent | AgreementTermsIssuedAtMsFieldEvent | AgreementTermsExpiresAtMsFieldEvent | AgreementTermsAnchorKeyFieldEvent> {
    return streamMessage(buf, AgreementTerms.codec(), opts)
  }
}

export interface SignedAgreement {
  terms: Uint8Array<ArrayBuffer>
  signatureA: Uint8Array<ArrayBuffer>
  signatureB: Uint8Array<ArrayBuffer>
}

export namespace SignedAgreement {
  let _codec: Codec<SignedAgreement>

  export const codec = (): Codec<SignedAgreement> => {
    if (_codec == null) {
      _codec = message<SignedAgreement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.terms != null && obj.terms.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.terms)
        }

        if ((obj.signatureA != null && obj.signatureA.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signatureA)
        }

        if ((obj.signatureB != null && obj.signatureB.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signatureB)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          terms: uint8ArrayAlloc(0),
          signatureA: uint8ArrayAlloc(0),
          signatureB: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.terms = reader.bytes()
              break
            }
            case 2: {
              obj.signatureA = reader.bytes()
              break
            }
            case 3: {
              obj.signatureB = reader.bytes()
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
                field: `${prefix}.terms`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signatureA`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signatureB`,
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

  export interface SignedAgreementTermsFieldEvent {
    field: '$.terms'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedAgreementSignatureAFieldEvent {
    field: '$.signatureA'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedAgreementSignatureBFieldEvent {
    field: '$.signatureB'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedAgreement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedAgreement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAgreement>): SignedAgreement {
    return decodeMessage(buf, SignedAgreement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAgreement>): Generator<SignedAgreementTermsFieldEvent | SignedAgreementSignatureAFieldEvent | SignedAgreementSignatureBFieldEvent> {
    return streamMessage(buf, SignedAgreement.codec(), opts)
  }
}
