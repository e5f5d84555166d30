import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum BenchmarkResource {
  BENCHMARK_RESOURCE_UNSPECIFIED = 'BENCHMARK_RESOURCE_UNSPECIFIED',
  CPU = 'CPU',
  MEMORY_BW = 'MEMORY_BW',
  DISK_READ = 'DISK_READ',
  DISK_WRITE = 'DISK_WRITE',
  DISK_IOPS = 'DISK_IOPS',
  NET_BW = 'NET_BW',
  NET_RTT = 'NET_RTT',
  CUSTOM = 'CUSTOM'
}

enum __BenchmarkResourceValues {
  BENCHMARK_RESOURCE_UNSPECIFIED = 0,
  CPU = 1,
  MEMORY_BW = 2,
  DISK_READ = 3,
  DISK_WRITE = 4,
  DISK_IOPS = 5,
  NET_BW = 6,
  NET_RTT = 7,
  CUSTOM = 8
}

export namespace BenchmarkResource {
  export const codec = (): Codec<BenchmarkResource> => {
    return enumeration<BenchmarkResource>(__BenchmarkResourceValues)
  }
}

export interface BenchmarkParameter {
  name: string
  value: number
}

export namespace BenchmarkParameter {
  let _codec: Codec<BenchmarkParameter>

  export const codec = (): Codec<BenchmarkParameter> => {
    if (_codec == null) {
      _codec = message<BenchmarkParameter>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.value != null && obj.value !== 0)) {
          w.uint32(17)
          w.double(obj.value)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          value: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.value = reader.double()
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
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
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

  export interface BenchmarkParameterNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface BenchmarkParameterValueFieldEvent {
    field: '$.value'
    value: number
  }

  export function encode (obj: Partial<BenchmarkParameter>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BenchmarkParameter.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BenchmarkParameter>): BenchmarkParameter {
    return decodeMessage(buf, BenchmarkParameter.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BenchmarkParameter>): Generator<BenchmarkParameterNameFieldEvent | BenchmarkParameterValueFieldEvent> {
    return streamMessage(buf, BenchmarkParameter.codec(), opts)
  }
}

export interface BenchmarkManifest {
  name: string
  version: number
  resource: BenchmarkResource
  unit: string
  description: string
  parameters: BenchmarkParameter[]
  timeLimitMs: number
  memoryLimitPages: number
  hostFunctions: string[]
  entry: string
  higherIsBetter: boolean
}

export namespace BenchmarkManifest {
  let _codec: Codec<BenchmarkManifest>

  export const codec = (): Codec<BenchmarkManifest> => {
    if (_codec == null) {
      _codec = message<BenchmarkManifest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(16)
          w.uint32(obj.version)
        }

        if (obj.resource != null && __BenchmarkResourceValues[obj.resource] !== 0) {
          w.uint32(24)
          BenchmarkResource.codec().encode(obj.resource, w)
        }

        if ((obj.unit != null && obj.unit !== '')) {
          w.uint32(34)
          w.string(obj.unit)
        }

        if ((obj.description != null && obj.description !== '')) {
          w.uint32(42)
          w.string(obj.description)
        }

        if (obj.parameters != null && obj.parameters.length > 0) {
          for (const value of obj.parameters) {
            w.uint32(50)
            BenchmarkParameter.codec().encode(value, w)
          }
        }

        if ((obj.timeLimitMs != null && obj.timeLimitMs !== 0)) {
          w.uint32(56)
          w.uint32(obj.timeLimitMs)
        }

        if ((obj.memoryLimitPages != null && obj.memoryLimitPages !== 0)) {
          w.uint32(64)
          w.uint32(obj.memoryLimitPages)
        }

        if (obj.hostFunctions != null && obj.hostFunctions.length > 0) {
          for (const value of obj.hostFunctions) {
            w.uint32(74)
            w.string(value)
          }
        }

        if ((obj.entry != null && obj.entry !== '')) {
          w.uint32(82)
          w.string(obj.entry)
        }

        if ((obj.higherIsBetter != null && obj.higherIsBetter !== false)) {
          w.uint32(88)
          w.bool(obj.higherIsBetter)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          version: 0,
          resource: BenchmarkResource.BENCHMARK_RESOURCE_UNSPECIFIED,
          unit: '',
          description: '',
          parameters: [],
          timeLimitMs: 0,
          memoryLimitPages: 0,
          hostFunctions: [],
          entry: '',
          higherIsBetter: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.version = reader.uint32()
              break
            }
            case 3: {
              obj.resource = BenchmarkResource.codec().decode(reader)
              break
            }
            case 4: {
              obj.unit = reader.string()
              break
            }
            case 5: {
              obj.description = reader.string()
              break
            }
            case 6: {
              if (opts.limits?.parameters != null && obj.parameters.length === opts.limits.parameters) {
                throw new MaxLengthError('Decode error - repeated field "parameters" had too many elements')
              }

              obj.parameters.push(BenchmarkParameter.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.parameters$
              }))
              break
            }
            case 7: {
              obj.timeLimitMs = reader.uint32()
              break
            }
            case 8: {
              obj.memoryLimitPages = reader.uint32()
              break
            }
            case 9: {
              if (opts.limits?.hostFunctions != null && obj.hostFunctions.length === opts.limits.hostFunctions) {
                throw new MaxLengthError('Decode error - repeated field "hostFunctions" had too many elements')
              }

              obj.hostFunctions.push(reader.string())
              break
            }
            case 10: {
              obj.entry = reader.string()
              break
            }
            case 11: {
              obj.higherIsBetter = reader.bool()
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
          parameters: 0,
          hostFunctions: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.resource`,
                value: BenchmarkResource.codec().decode(reader)
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
            case 5: {
              yield {
                field: `${prefix}.description`,
                value: reader.string()
              }
              break
            }
            case 6: {
              if (opts.limits?.parameters != null && obj.parameters === opts.limits.parameters) {
                throw new MaxLengthError('Streaming decode error - repeated field "parameters" had too many elements')
              }

              for (const evt of BenchmarkParameter.codec().stream(reader, reader.uint32(), `${prefix}.parameters[]`, {
                limits: opts.limits?.parameters$
              })) {
                yield {
                  ...evt,
                  index: obj.parameters
                }
              }

              obj.parameters++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.timeLimitMs`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.memoryLimitPages`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              if (opts.limits?.hostFunctions != null && obj.hostFunctions === opts.limits.hostFunctions) {
                throw new MaxLengthError('Streaming decode error - repeated field "hostFunctions" had too many elements')
              }

              yield {
                field: `${prefix}.hostFunctions[]`,
                index: obj.hostFunctions,
                value: reader.string()
              }

              obj.hostFunctions++

              break
            }
            case 10: {
              yield {
                field: `${prefix}.entry`,
                value: reader.string()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.higherIsBetter`,
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

  export interface BenchmarkManifestNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface BenchmarkManifestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface BenchmarkManifestResourceFieldEvent {
    field: '$.resource'
    value: BenchmarkResource
  }

  export interface BenchmarkManifestUnitFieldEvent {
    field: '$.unit'
    value: string
  }

  export interface BenchmarkManifestDescriptionFieldEvent {
    field: '$.description'
    value: string
  }

  export interface BenchmarkManifestParametersNameFieldEvent {
    field: '$.parameters[].name'
    value: string
    index: number
  }

  export interface BenchmarkManifestParametersValueFieldEvent {
    field: '$.parameters[].value'
    value: number
    index: number
  }

  export interface BenchmarkManifestTimeLimitMsFieldEvent {
    field: '$.timeLimitMs'
    value: number
  }

  export interface BenchmarkManifestMemoryLimitPagesFieldEvent {
    field: '$.memoryLimitPages'
    value: number
  }

  export interface BenchmarkManifestHostFunctionsFieldEvent {
    field: '$.hostFunctions[]'
    index: number
    value: string
  }

  export interface BenchmarkManifestEntryFieldEvent {
    field: '$.entry'
    value: string
  }

  export interface BenchmarkManifestHigherIsBetterFieldEvent {
    field: '$.higherIsBetter'
    value: boolean
  }

  export function encode (obj: Partial<BenchmarkManifest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BenchmarkManifest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BenchmarkManifest>): BenchmarkManifest {
    return decodeMessage(buf, BenchmarkManifest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BenchmarkManifest>): Generator<BenchmarkManifestNameFieldEvent | BenchmarkManifestVersionFieldEvent | BenchmarkManifestResourceFieldEvent | BenchmarkManifestUnitFieldEvent | BenchmarkManifestDescriptionFieldEvent | BenchmarkManifestParametersNameFieldEvent | BenchmarkManifestParametersValueFieldEvent | BenchmarkManifestTimeLimitMsFieldEvent | BenchmarkManifestMemoryLimitPagesFieldEvent | BenchmarkManifestHostFunctionsFieldEvent | BenchmarkManifestEntryFieldEvent | BenchmarkManifestHigherIsBetterFieldEvent> {
    return streamMessage(buf, BenchmarkManifest.codec(), opts)
  }
}

export interface SignedBenchmark {
  manifest: Uint8Array<ArrayBuffer>
  moduleSha256: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedBenchmark {
  let _codec: Codec<SignedBenchmark>

  export const codec = (): Codec<SignedBenchmark> => {
    if (_codec == null) {
      _codec = message<SignedBenchmark>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.manifest)
        }

        if ((obj.moduleSha256 != null && obj.moduleSha256.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.moduleSha256)
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
          manifest: uint8ArrayAlloc(0),
          moduleSha256: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.manifest = reader.bytes()
              break
            }
            case 2: {
              obj.moduleSha256 = reader.bytes()
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
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.moduleSha256`,
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

  export interface SignedBenchmarkManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedBenchmarkModuleSha256FieldEvent {
    field: '$.moduleSha256'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedBenchmarkSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedBenchmark>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedBenchmark.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedBenchmark>): SignedBenchmark {
    return decodeMessage(buf, SignedBenchmark.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedBenchmark>): Generator<SignedBenchmarkManifestFieldEvent | SignedBenchmarkModuleSha256FieldEvent | SignedBenchmarkSignatureFieldEvent> {
    return streamMessage(buf, SignedBenchmark.codec(), opts)
  }
}

export interface BenchmarkCatalog {
  benchmarks: SignedBenchmark[]
}

export namespace BenchmarkCatalog {
  let _codec: Codec<BenchmarkCatalog>

  export const codec = (): Codec<BenchmarkCatalog> => {
    if (_codec == null) {
      _codec = message<BenchmarkCatalog>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.benchmarks != null && obj.benchmarks.length > 0) {
          for (const value of obj.benchmarks) {
            w.uint32(10)
            SignedBenchmark.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          benchmarks: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.benchmarks != null && obj.benchmarks.length === opts.limits.benchmarks) {
                throw new MaxLengthError('Decode error - repeated field "benchmarks" had too many elements')
              }

              obj.benchmarks.push(SignedBenchmark.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.benchmarks$
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
          benchmarks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.benchmarks != null && obj.benchmarks === opts.limits.benchmarks) {
                throw new MaxLengthError('Streaming decode error - repeated field "benchmarks" had too many elements')
              }

              for (const evt of SignedBenchmark.codec().stream(reader, reader.uint32(), `${prefix}.benchmarks[]`, {
                limits: opts.limits?.benchmarks$
              })) {
                yield {
                  ...evt,
                  index: obj.benchmarks
                }
              }

              obj.benchmarks++

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

  export interface BenchmarkCatalogBenchmarksManifestFieldEvent {
    field: '$.benchmarks[].manifest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BenchmarkCatalogBenchmarksModuleSha256FieldEvent {
    field: '$.benchmarks[].moduleSha256'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BenchmarkCatalogBenchmarksSignatureFieldEvent {
    field: '$.benchmarks[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<BenchmarkCatalog>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BenchmarkCatalog.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BenchmarkCatalog>): BenchmarkCatalog {
    return decodeMessage(buf, BenchmarkCatalog.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BenchmarkCatalog>): Generator<BenchmarkCatalogBenchmarksManifestFieldEvent | BenchmarkCatalogBenchmarksModuleSha256FieldEvent | BenchmarkCatalogBenchmarksSignatureFieldEvent> {
    return streamMessage(buf, BenchmarkCatalog.codec(), opts)
  }
}
