import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum Resource {
  RESOURCE_UNSPECIFIED = 'RESOURCE_UNSPECIFIED',
  CPU = 'CPU',
  MEMORY_BW = 'MEMORY_BW',
  DISK_READ = 'DISK_READ',
  DISK_WRITE = 'DISK_WRITE',
  DISK_IOPS = 'DISK_IOPS',
  NET_BW = 'NET_BW',
  NET_RTT = 'NET_RTT'
}

enum __ResourceValues {
  RESOURCE_UNSPECIFIED = 0,
  CPU = 1,
  MEMORY_BW = 2,
  DISK_READ = 3,
  DISK_WRITE = 4,
  DISK_IOPS = 5,
  NET_BW = 6,
  NET_RTT = 7
}

export namespace Resource {
  export const codec = (): Codec<Resource> => {
    return enumeration<Resource>(__ResourceValues)
  }
}

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

export interface ResourceStat {
  resource: Resource
  median: number
  spread: number
  samples: number
  windowMs: bigint
}

export namespace ResourceStat {
  let _codec: Codec<ResourceStat>

  export const codec = (): Codec<ResourceStat> => {
    if (_codec == null) {
      _codec = message<ResourceStat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.resource != null && __ResourceValues[obj.resource] !== 0) {
          w.uint32(8)
          Resource.codec().encode(obj.resource, w)
        }

        if ((obj.median != null && obj.median !== 0)) {
          w.uint32(17)
          w.double(obj.median)
        }

        if ((obj.spread != null && obj.spread !== 0)) {
          w.uint32(25)
          w.double(obj.spread)
        }

        if ((obj.samples != null && obj.samples !== 0)) {
          w.uint32(32)
          w.uint32(obj.samples)
        }

        if ((obj.windowMs != null && obj.windowMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.windowMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: Resource.RESOURCE_UNSPECIFIED,
          median: 0,
          spread: 0,
          samples: 0,
          windowMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.resource = Resource.codec().decode(reader)
              break
            }
            case 2: {
              obj.median = reader.double()
              break
            }
            case 3: {
              obj.spread = reader.double()
              break
            }
            case 4: {
              obj.samples = reader.uint32()
              break
            }
            case 5: {
              obj.windowMs = reader.uint64()
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
                value: Resource.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.median`,
                value: reader.double()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.spread`,
                value: reader.double()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.samples`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.windowMs`,
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

  export interface ResourceStatResourceFieldEvent {
    field: '$.resource'
    value: Resource
  }

  export interface ResourceStatMedianFieldEvent {
    field: '$.median'
    value: number
  }

  export interface ResourceStatSpreadFieldEvent {
    field: '$.spread'
    value: number
  }

  export interface ResourceStatSamplesFieldEvent {
    field: '$.samples'
    value: number
  }

  export interface ResourceStatWindowMsFieldEvent {
    field: '$.windowMs'
    value: bigint
  }

  export function encode (obj: Partial<ResourceStat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ResourceStat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResourceStat>): ResourceStat {
    return decodeMessage(buf, ResourceStat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResourceStat>): Generator<ResourceStatResourceFieldEvent | ResourceStatMedianFieldEvent | ResourceStatSpreadFieldEvent | ResourceStatSamplesFieldEvent | ResourceStatWindowMsFieldEvent> {
    return streamMessage(buf, ResourceStat.codec(), opts)
  }
}

export interface Need {
  resource: Resource
  weight: number
}

export namespace Need {
  let _codec: Codec<Need>

  export const codec = (): Codec<Need> => {
    if (_codec == null) {
      _codec = message<Need>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.resource != null && __ResourceValues[obj.resource] !== 0) {
          w.uint32(8)
          Resource.codec().encode(obj.resource, w)
        }

        if ((obj.weight != null && obj.weight !== 0)) {
          w.uint32(17)
          w.double(obj.weight)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: Resource.RESOURCE_UNSPECIFIED,
          weight: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.resource = Resource.codec().decode(reader)
              break
            }
            case 2: {
              obj.weight = reader.double()
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
                value: Resource.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.weight`,
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

  export interface NeedResourceFieldEvent {
    field: '$.resource'
    value: Resource
  }

  export interface NeedWeightFieldEvent {
    field: '$.weight'
    value: number
  }

  export function encode (obj: Partial<Need>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Need.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Need>): Need {
    return decodeMessage(buf, Need.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Need>): Generator<NeedResourceFieldEvent | NeedWeightFieldEvent> {
    return streamMessage(buf, Need.codec(), opts)
  }
}

export interface Advert {
  vm: Uint8Array<ArrayBuffer>
  instanceClass?: InstanceClass
  location: string
  profile: ResourceStat[]
  needs: Need[]
  askMicros: bigint
  attestations: Uint8Array<ArrayBuffer>[]
  sequence: bigint
  issuedAtMs: bigint
  expiresAtMs: bigint
}

export namespace Advert {
  let _codec: Codec<Advert>

  export const codec = (): Codec<Advert> => {
    if (_codec == null) {
      _codec = message<Advert>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.vm != null && obj.vm.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.vm)
        }

        if (obj.instanceClass != null) {
          w.uint32(18)
          InstanceClass.codec().encode(obj.instanceClass, w)
        }

        if ((obj.location != null && obj.location !== '')) {
          w.uint32(26)
          w.string(obj.location)
        }

        if (obj.profile != null && obj.profile.length > 0) {
          for (const value of obj.profile) {
            w.uint32(34)
            ResourceStat.codec().encode(value, w)
          }
        }

        if (obj.needs != null && obj.needs.length > 0) {
          for (const value of obj.needs) {
            w.uint32(42)
            Need.codec().encode(value, w)
          }
        }

        if ((obj.askMicros != null && obj.askMicros !== 0n)) {
          w.uint32(48)
          w.uint64(obj.askMicros)
        }

        if (obj.attestations != null && obj.attestations.length > 0) {
          for (const value of obj.attestations) {
            w.uint32(58)
            w.bytes(value)
          }
        }

        if ((obj.sequence != null && obj.sequence !== 0n)) {
          w.uint32(64)
          w.uint64(obj.sequence)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(72)
          w.uint64(obj.issuedAtMs)
        }

        if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
          w.uint32(80)
          w.uint64(obj.expiresAtMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          vm: uint8ArrayAlloc(0),
          location: '',
          profile: [],
          needs: [],
          askMicros: 0n,
          attestations: [],
          sequence: 0n,
          issuedAtMs: 0n,
          expiresAtMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.vm = reader.bytes()
              break
            }
            case 2: {
              obj.instanceClass = InstanceClass.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.instanceClass
              })
              break
            }
            case 3: {
              obj.location = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.profile != null && obj.profile.length === opts.limits.profile) {
                throw new MaxLengthError('Decode error - repeated field "profile" had too many elements')
              }

              obj.profile.push(ResourceStat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.profile$
              }))
              break
            }
            case 5: {
              if (opts.limits?.needs != null && obj.needs.length === opts.limits.needs) {
                throw new MaxLengthError('Decode error - repeated field "needs" had too many elements')
              }

              obj.needs.push(Need.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.needs$
              }))
              break
            }
            case 6: {
              obj.askMicros = reader.uint64()
              break
            }
            case 7: {
              if (opts.limits?.attestations != null && obj.attestations.length === opts.limits.attestations) {
                throw new MaxLengthError('Decode error - repeated field "attestations" had too many elements')
              }

              obj.attestations.push(reader.bytes())
              break
            }
            case 8: {
              obj.sequence = reader.uint64()
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
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          profile: 0,
          needs: 0,
          attestations: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.vm`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * InstanceClass.codec().stream(reader, reader.uint32(), `${prefix}.instanceClass`, {
                limits: opts.limits?.instanceClass
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.location`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.profile != null && obj.profile === opts.limits.profile) {
                throw new MaxLengthError('Streaming decode error - repeated field "profile" had too many elements')
              }

              for (const evt of ResourceStat.codec().stream(reader, reader.uint32(), `${prefix}.profile[]`, {
                limits: opts.limits?.profile$
              })) {
                yield {
                  ...evt,
                  index: obj.profile
                }
              }

              obj.profile++

              break
            }
            case 5: {
              if (opts.limits?.needs != null && obj.needs === opts.limits.needs) {
                throw new MaxLengthError('Streaming decode error - repeated field "needs" had too many elements')
              }

              for (const evt of Need.codec().stream(reader, reader.uint32(), `${prefix}.needs[]`, {
                limits: opts.limits?.needs$
              })) {
                yield {
                  ...evt,
                  index: obj.needs
                }
              }

              obj.needs++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.askMicros`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              if (opts.limits?.attestations != null && obj.attestations === opts.limits.attestations) {
                throw new MaxLengthError('Streaming decode error - repeated field "attestations" had too many elements')
              }

              yield {
                field: `${prefix}.attestations[]`,
                index: obj.attestations,
                value: reader.bytes()
              }

              obj.attestations++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.sequence`,
                value: reader.uint64()
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

  export interface AdvertVmFieldEvent {
    field: '$.vm'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdvertInstanceClassVcpusFieldEvent {
    field: '$.instanceClass.vcpus'
    value: number
  }

  export interface AdvertInstanceClassMemoryBytesFieldEvent {
    field: '$.instanceClass.memoryBytes'
    value: bigint
  }

  export interface AdvertInstanceClassDiskBytesFieldEvent {
    field: '$.instanceClass.diskBytes'
    value: bigint
  }

  export interface AdvertLocationFieldEvent {
    field: '$.location'
    value: string
  }

  export interface AdvertProfileResourceFieldEvent {
    field: '$.profile[].resource'
    value: Resource
    index: number
  }

  export interface AdvertProfileMedianFieldEvent {
    field: '$.profile[].median'
    value: number
    index: number
  }

  export interface AdvertProfileSpreadFieldEvent {
    field: '$.profile[].spread'
    value: number
    index: number
  }

  export interface AdvertProfileSamplesFieldEvent {
    field: '$.profile[].samples'
    value: number
    index: number
  }

  export interface AdvertProfileWindowMsFieldEvent {
    field: '$.profile[].windowMs'
    value: bigint
    index: number
  }

  export interface AdvertNeedsResourceFieldEvent {
    field: '$.needs[].resource'
    value: Resource
    index: number
  }

  export interface AdvertNeedsWeightFieldEvent {
    field: '$.needs[].weight'
    value: number
    index: number
  }

  export interface AdvertAskMicrosFieldEvent {
    field: '$.askMicros'
    value: bigint
  }

  export interface AdvertAttestationsFieldEvent {
    field: '$.attestations[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface AdvertSequenceFieldEvent {
    field: '$.sequence'
    value: bigint
  }

  export interface AdvertIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export interface AdvertExpiresAtMsFieldEvent {
    field: '$.expiresAtMs'
    value: bigint
  }

  export function encode (obj: Partial<Advert>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Advert.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Advert>): Advert {
    return decodeMessage(buf, Advert.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Advert>): Generator<AdvertVmFieldEvent | AdvertInstanceClassVcpusFieldEvent | AdvertInstanceClassMemoryBytesFieldEvent | AdvertInstanceClassDiskBytesFieldEvent | AdvertLocationFieldEvent | AdvertProfileResourceFieldEvent | AdvertProfileMedianFieldEvent | AdvertProfileSpreadFieldEvent | AdvertProfileSamplesFieldEvent | AdvertProfileWindowMsFieldEvent | AdvertNeedsResourceFieldEvent | AdvertNeedsWeightFieldEvent | AdvertAskMicrosFieldEvent | AdvertAttestationsFieldEvent | AdvertSequenceFieldEvent | AdvertIssuedAtMsFieldEvent | AdvertExpiresAtMsFieldEvent> {
    return streamMessage(buf, Advert.codec(), opts)
  }
}

export interface SignedAdvert {
  publicKey: Uint8Array<ArrayBuffer>
  payload: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedAdvert {
  let _codec: Codec<SignedAdvert>

  export const codec = (): Codec<SignedAdvert> => {
    if (_codec == null) {
      _codec = message<SignedAdvert>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.publicKey)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.payload)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          publicKey: uint8ArrayAlloc(0),
          payload: uint8ArrayAlloc(0),
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
              obj.payload = reader.bytes()
              break
            }
            case 3: {
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
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
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

  export interface SignedAdvertPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedAdvertPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedAdvertSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedAdvert>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedAdvert.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAdvert>): SignedAdvert {
    return decodeMessage(buf, SignedAdvert.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAdvert>): Generator<SignedAdvertPublicKeyFieldEvent | SignedAdvertPayloadFieldEvent | SignedAdvertSignatureFieldEvent> {
    return streamMessage(buf, SignedAdvert.codec(), opts)
  }
}
