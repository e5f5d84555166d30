import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ProbeRequest {
  nonce: Uint8Array<ArrayBuffer>
  modules: Uint8Array<ArrayBuffer>[]
}

export namespace ProbeRequest {
  let _codec: Codec<ProbeRequest>

  export const codec = (): Codec<ProbeRequest> => {
    if (_codec == null) {
      _codec = message<ProbeRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nonce)
        }

        if (obj.modules != null && obj.modules.length > 0) {
          for (const value of obj.modules) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: uint8ArrayAlloc(0),
          modules: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nonce = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.modules != null && obj.modules.length === opts.limits.modules) {
                throw new MaxLengthError('Decode error - repeated field "modules" had too many elements')
              }

              obj.modules.push(reader.bytes())
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
          modules: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.modules != null && obj.modules === opts.limits.modules) {
                throw new MaxLengthError('Streaming decode error - repeated field "modules" had too many elements')
              }

              yield {
                field: `${prefix}.modules[]`,
                index: obj.modules,
                value: reader.bytes()
              }

              obj.modules++

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

  export interface ProbeRequestNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeRequestModulesFieldEvent {
    field: '$.modules[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ProbeRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeRequest>): ProbeRequest {
    return decodeMessage(buf, ProbeRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeRequest>): Generator<ProbeRequestNonceFieldEvent | ProbeRequestModulesFieldEvent> {
    return streamMessage(buf, ProbeRequest.codec(), opts)
  }
}

export interface ProbeMeasurement {
  moduleSha256: Uint8Array<ArrayBuffer>
  name: string
  value: number
  unit: string
}

export namespace ProbeMeasurement {
  let _codec: Codec<ProbeMeasurement>

  export const codec = (): Codec<ProbeMeasurement> => {
    if (_codec == null) {
      _codec = message<ProbeMeasurement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.moduleSha256 != null && obj.moduleSha256.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.moduleSha256)
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
          moduleSha256: uint8ArrayAlloc(0),
          name: '',
          value: 0,
          unit: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.moduleSha256 = reader.bytes()
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
                field: `${prefix}.moduleSha256`,
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

  export interface ProbeMeasurementModuleSha256FieldEvent {
    field: '$.moduleSha256'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeMeasurementNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ProbeMeasurementValueFieldEvent {
    field: '$.value'
    value: number
  }

  export interface ProbeMeasurementUnitFieldEvent {
    field: '$.unit'
    value: string
  }

  export function encode (obj: Partial<ProbeMeasurement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeMeasurement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeMeasurement>): ProbeMeasurement {
    return decodeMessage(buf, ProbeMeasurement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeMeasurement>): Generator<ProbeMeasurementModuleSha256FieldEvent | ProbeMeasurementNameFieldEvent | ProbeMeasurementValueFieldEvent | ProbeMeasurementUnitFieldEvent> {
    return streamMessage(buf, ProbeMeasurement.codec(), opts)
  }
}

export interface ProbeResult {
  nonce: Uint8Array<ArrayBuffer>
  prober: Uint8Array<ArrayBuffer>
  vm: Uint8Array<ArrayBuffer>
  measurements: ProbeMeasurement[]
  issuedAtMs: bigint
}

export namespace ProbeResult {
  let _codec: Codec<ProbeResult>

  export const codec = (): Codec<ProbeResult> => {
    if (_codec == null) {
      _codec = message<ProbeResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nonce)
        }

        if ((obj.prober != null && obj.prober.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.prober)
        }

        if ((obj.vm != null && obj.vm.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.vm)
        }

        if (obj.measurements != null && obj.measurements.length > 0) {
          for (const value of obj.measurements) {
            w.uint32(34)
            ProbeMeasurement.codec().encode(value, w)
          }
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.issuedAtMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: uint8ArrayAlloc(0),
          prober: uint8ArrayAlloc(0),
          vm: uint8ArrayAlloc(0),
          measurements: [],
          issuedAtMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nonce = reader.bytes()
              break
            }
            case 2: {
              obj.prober = reader.bytes()
              break
            }
            case 3: {
              obj.vm = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.measurements != null && obj.measurements.length === opts.limits.measurements) {
                throw new MaxLengthError('Decode error - repeated field "measurements" had too many elements')
              }

              obj.measurements.push(ProbeMeasurement.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.measurements$
              }))
              break
            }
            case 5: {
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
        const obj = {
          measurements: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.prober`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.vm`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.measurements != null && obj.measurements === opts.limits.measurements) {
                throw new MaxLengthError('Streaming decode error - repeated field "measurements" had too many elements')
              }

              for (const evt of ProbeMeasurement.codec().stream(reader, reader.uint32(), `${prefix}.measurements[]`, {
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
            case 5: {
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

  export interface ProbeResultNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeResultProberFieldEvent {
    field: '$.prober'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeResultVmFieldEvent {
    field: '$.vm'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeResultMeasurementsModuleSha256FieldEvent {
    field: '$.measurements[].moduleSha256'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ProbeResultMeasurementsNameFieldEvent {
    field: '$.measurements[].name'
    value: string
    index: number
  }

  export interface ProbeResultMeasurementsValueFieldEvent {
    field: '$.measurements[].value'
    value: number
    index: number
  }

  export interface ProbeResultMeasurementsUnitFieldEvent {
    field: '$.measurements[].unit'
    value: string
    index: number
  }

  export interface ProbeResultIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: bigint
  }

  export function encode (obj: Partial<ProbeResult>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeResult>): ProbeResult {
    return decodeMessage(buf, ProbeResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeResult>): Generator<ProbeResultNonceFieldEvent | ProbeResultProberFieldEvent | ProbeResultVmFieldEvent | ProbeResultMeasurementsModuleSha256FieldEvent | ProbeResultMeasurementsNameFieldEvent | ProbeResultMeasurementsValueFieldEvent | ProbeResultMeasurementsUnitFieldEvent | ProbeResultIssuedAtMsFieldEvent> {
    return streamMessage(buf, ProbeResult.codec(), opts)
  }
}

export interface ProbeResponse {
  publicKey: Uint8Array<ArrayBuffer>
  result: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  failureCode: string
  failureMessage: string
}

export namespace ProbeResponse {
  let _codec: Codec<ProbeResponse>

  export const codec = (): Codec<ProbeResponse> => {
    if (_codec == null) {
      _codec = message<ProbeResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.publicKey)
        }

        if ((obj.result != null && obj.result.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.result)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if ((obj.failureCode != null && obj.failureCode !== '')) {
          w.uint32(34)
          w.string(obj.failureCode)
        }

        if ((obj.failureMessage != null && obj.failureMessage !== '')) {
          w.uint32(42)
          w.string(obj.failureMessage)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          publicKey: uint8ArrayAlloc(0),
          result: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          failureCode: '',
          failureMessage: ''
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
              obj.result = reader.bytes()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
              break
            }
            case 4: {
              obj.failureCode = reader.string()
              break
            }
            case 5: {
              obj.failureMessage = reader.string()
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
                field: `${prefix}.result`,
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
            case 4: {
              yield {
                field: `${prefix}.failureCode`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.failureMessage`,
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

  export interface ProbeResponsePublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeResponseResultFieldEvent {
    field: '$.result'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProbeResponseFailureCodeFieldEvent {
    field: '$.failureCode'
    value: string
  }

  export interface ProbeResponseFailureMessageFieldEvent {
    field: '$.failureMessage'
    value: string
  }

  export function encode (obj: Partial<ProbeResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeResponse>): ProbeResponse {
    return decodeMessage(buf, ProbeResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeResponse>): Generator<ProbeResponsePublicKeyFieldEvent | ProbeResponseResultFieldEvent | ProbeResponseSignatureFieldEvent | ProbeResponseFailureCodeFieldEvent | ProbeResponseFailureMessageFieldEvent> {
    return streamMessage(buf, ProbeResponse.codec(), opts)
  }
}
