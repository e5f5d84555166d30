import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ManifestHeader {
  swapId: Uint8Array<ArrayBuffer>
  role: string
  diskSize: bigint
  blockSize: number
  blockCount: number
  hashAlg: string
  merkleRoot: Uint8Array<ArrayBuffer>
  zeroCount: number
  signer: Uint8Array<ArrayBuffer>
}

export namespace ManifestHeader {
  let _codec: Codec<ManifestHeader>

  export const codec = (): Codec<ManifestHeader> => {
    if (_codec == null) {
      _codec = message<ManifestHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.swapId)
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(18)
          w.string(obj.role)
        }

        if ((obj.diskSize != null && obj.diskSize !== 0n)) {
          w.uint32(24)
          w.uint64(obj.diskSize)
        }

        if ((obj.blockSize != null && obj.blockSize !== 0)) {
          w.uint32(32)
          w.uint32(obj.blockSize)
        }

        if ((obj.blockCount != null && obj.blockCount !== 0)) {
          w.uint32(40)
          w.uint32(obj.blockCount)
        }

        if ((obj.hashAlg != null && obj.hashAlg !== '')) {
          w.uint32(50)
          w.string(obj.hashAlg)
        }

        if ((obj.merkleRoot != null && obj.merkleRoot.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.merkleRoot)
        }

        if ((obj.zeroCount != null && obj.zeroCount !== 0)) {
          w.uint32(64)
          w.uint32(obj.zeroCount)
        }

        if ((obj.signer != null && obj.signer.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.signer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          swapId: uint8ArrayAlloc(0),
          role: '',
          diskSize: 0n,
          blockSize: 0,
          blockCount: 0,
          hashAlg: '',
          merkleRoot: uint8ArrayAlloc(0),
          zeroCount: 0,
          signer: uint8ArrayAlloc(0)
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
              obj.role = reader.string()
              break
            }
            case 3: {
              obj.diskSize = reader.uint64()
              break
            }
            case 4: {
              obj.blockSize = reader.uint32()
              break
            }
            case 5: {
              obj.blockCount = reader.uint32()
              break
            }
            case 6: {
              obj.hashAlg = reader.string()
              break
            }
            case 7: {
              obj.merkleRoot = reader.bytes()
              break
            }
            case 8: {
              obj.zeroCount = reader.uint32()
              break
            }
            case 9: {
              obj.signer = reader.bytes()
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
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.diskSize`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.blockSize`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.blockCount`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.hashAlg`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.merkleRoot`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.zeroCount`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.signer`,
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

  export interface ManifestHeaderSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestHeaderRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface ManifestHeaderDiskSizeFieldEvent {
    field: '$.diskSize'
    value: bigint
  }

  export interface ManifestHeaderBlockSizeFieldEvent {
    field: '$.blockSize'
    value: number
  }

  export interface ManifestHeaderBlockCountFieldEvent {
    field: '$.blockCount'
    value: number
  }

  export interface ManifestHeaderHashAlgFieldEvent {
    field: '$.hashAlg'
    value: string
  }

  export interface ManifestHeaderMerkleRootFieldEvent {
    field: '$.merkleRoot'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestHeaderZeroCountFieldEvent {
    field: '$.zeroCount'
    value: number
  }

  export interface ManifestHeaderSignerFieldEvent {
    field: '$.signer'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ManifestHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ManifestHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestHeader>): ManifestHeader {
    return decodeMessage(buf, ManifestHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestHeader>): Generator<ManifestHeaderSwapIdFieldEvent | ManifestHeaderRoleFieldEvent | ManifestHeaderDiskSizeFieldEvent | ManifestHeaderBlockSizeFieldEvent | ManifestHeaderBlockCountFieldEvent | ManifestHeaderHashAlgFieldEvent | ManifestHeaderMerkleRootFieldEvent | ManifestHeaderZeroCountFieldEvent | ManifestHeaderSignerFieldEvent> {
    return streamMessage(buf, ManifestHeader.codec(), opts)
  }
}

export interface SignedManifest {
  header: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedManifest {
  let _codec: Codec<SignedManifest>

  export const codec = (): Codec<SignedManifest> => {
    if (_codec == null) {
      _codec = message<SignedManifest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.header != null && obj.header.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.header)
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
          header: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.header = reader.bytes()
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
                field: `${prefix}.header`,
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

  export interface SignedManifestHeaderFieldEvent {
    field: '$.header'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedManifestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedManifest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedManifest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedManifest>): SignedManifest {
    return decodeMessage(buf, SignedManifest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedManifest>): Generator<SignedManifestHeaderFieldEvent | SignedManifestSignatureFieldEvent> {
    return streamMessage(buf, SignedManifest.codec(), opts)
  }
}

export interface HashPage {
  first: number
  hashes: Uint8Array<ArrayBuffer>
  zeroMap: Uint8Array<ArrayBuffer>
  count: number
}

export namespace HashPage {
  let _codec: Codec<HashPage>

  export const codec = (): Codec<HashPage> => {
    if (_codec == null) {
      _codec = message<HashPage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.first != null && obj.first !== 0)) {
          w.uint32(8)
          w.uint32(obj.first)
        }

        if ((obj.hashes != null && obj.hashes.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.hashes)
        }

        if ((obj.zeroMap != null && obj.zeroMap.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.zeroMap)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(32)
          w.uint32(obj.count)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          first: 0,
          hashes: uint8ArrayAlloc(0),
          zeroMap: uint8ArrayAlloc(0),
          count: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.first = reader.uint32()
              break
            }
            case 2: {
              obj.hashes = reader.bytes()
              break
            }
            case 3: {
              obj.zeroMap = reader.bytes()
              break
            }
            case 4: {
              obj.count = reader.uint32()
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
                field: `${prefix}.first`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.hashes`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.zeroMap`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.count`,
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

  export interface HashPageFirstFieldEvent {
    field: '$.first'
    value: number
  }

  export interface HashPageHashesFieldEvent {
    field: '$.hashes'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HashPageZeroMapFieldEvent {
    field: '$.zeroMap'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HashPageCountFieldEvent {
    field: '$.count'
    value: number
  }

  export function encode (obj: Partial<HashPage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HashPage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HashPage>): HashPage {
    return decodeMessage(buf, HashPage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HashPage>): Generator<HashPageFirstFieldEvent | HashPageHashesFieldEvent | HashPageZeroMapFieldEvent | HashPageCountFieldEvent> {
    return streamMessage(buf, HashPage.codec(), opts)
  }
}

export interface BlockBatch {
  indices: number[]
  codec: BlockBatch.Compression
  data: Uint8Array<ArrayBuffer>
  rawLength: number
}

export namespace BlockBatch {
  export enum Compression {
    RAW = 'RAW',
    ZSTD = 'ZSTD'
  }

  enum __CompressionValues {
    RAW = 0,
    ZSTD = 1
  }

  export namespace Compression {
    export const codec = (): Codec<Compression> => {
      return enumeration<Compression>(__CompressionValues)
    }
  }

  let _codec: Codec<BlockBatch>

  export const codec = (): Codec<BlockBatch> => {
    if (_codec == null) {
      _codec = message<BlockBatch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.indices != null && obj.indices.length > 0) {
          for (const value of obj.indices) {
            w.uint32(8)
            w.uint32(value)
          }
        }

        if (obj.codec != null && __CompressionValues[obj.codec] !== 0) {
          w.uint32(16)
          BlockBatch.Compression.codec().encode(obj.codec, w)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.data)
        }

        if ((obj.rawLength != null && obj.rawLength !== 0)) {
          w.uint32(32)
          w.uint32(obj.rawLength)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          indices: [],
          codec: Compression.RAW,
          data: uint8ArrayAlloc(0),
          rawLength: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.indices != null && obj.indices.length === opts.limits.indices) {
                throw new MaxLengthError('Decode error - repeated field "indices" had too many elements')
              }

              obj.indices.push(reader.uint32())
              break
            }
            case 2: {
              obj.codec = BlockBatch.Compression.codec().decode(reader)
              break
            }
            case 3: {
              obj.data = reader.bytes()
              break
            }
            case 4: {
              obj.rawLength = reader.uint32()
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
          indices: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.indices != null && obj.indices === opts.limits.indices) {
                throw new MaxLengthError('Streaming decode error - repeated field "indices" had too many elements')
              }

              yield {
                field: `${prefix}.indices[]`,
                index: obj.indices,
                value: reader.uint32()
              }

              obj.indices++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.codec`,
                value: BlockBatch.Compression.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.rawLength`,
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

  export interface BlockBatchIndicesFieldEvent {
    field: '$.indices[]'
    index: number
    value: number
  }

  export interface BlockBatchCodecFieldEvent {
    field: '$.codec'
    value: BlockBatch.Compression
  }

  export interface BlockBatchDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockBatchRawLengthFieldEvent {
    field: '$.rawLength'
    value: number
  }

  export function encode (obj: Partial<BlockBatch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BlockBatch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockBatch>): BlockBatch {
    return decodeMessage(buf, BlockBatch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockBatch>): Generator<BlockBatchIndicesFieldEvent | BlockBatchCodecFieldEvent | BlockBatchDataFieldEvent | BlockBatchRawLengthFieldEvent> {
    return streamMessage(buf, BlockBatch.codec(), opts)
  }
}

export interface SwapRequest {
  kind: SwapRequest.Kind
  swapId: Uint8Array<ArrayBuffer>
  requestId: number
  indices: number[]
}

export namespace SwapRequest {
  export enum Kind {
    MANIFEST = 'MANIFEST',
    BLOCKS = 'BLOCKS'
  }

  enum __KindValues {
    MANIFEST = 0,
    BLOCKS = 1
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<SwapRequest>

  export const codec = (): Codec<SwapRequest> => {
    if (_codec == null) {
      _codec = message<SwapRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          SwapRequest.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.swapId != null && obj.swapId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.swapId)
        }

        if ((obj.requestId != null && obj.requestId !== 0)) {
          w.uint32(24)
          w.uint32(obj.requestId)
        }

        if (obj.indices != null && obj.indices.length > 0) {
          for (const value of obj.indices) {
            w.uint32(32)
            w.uint32(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.MANIFEST,
          swapId: uint8ArrayAlloc(0),
          requestId: 0,
          indices: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = SwapRequest.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.swapId = reader.bytes()
              break
            }
            case 3: {
              obj.requestId = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.indices != null && obj.indices.length === opts.limits.indices) {
                throw new MaxLengthError('Decode error - repeated field "indices" had too many elements')
              }

              obj.indices.push(reader.uint32())
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
          indices: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: SwapRequest.Kind.codec().decode(reader)
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
                field: `${prefix}.requestId`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.indices != null && obj.indices === opts.limits.indices) {
                throw new MaxLengthError('Streaming decode error - repeated field "indices" had too many elements')
              }

              yield {
                field: `${prefix}.indices[]`,
                index: obj.indices,
                value: reader.uint32()
              }

              obj.indices++

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

  export interface SwapRequestKindFieldEvent {
    field: '$.kind'
    value: SwapRequest.Kind
  }

  export interface SwapRequestSwapIdFieldEvent {
    field: '$.swapId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapRequestRequestIdFieldEvent {
    field: '$.requestId'
    value: number
  }

  export interface SwapRequestIndicesFieldEvent {
    field: '$.indices[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<SwapRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SwapRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapRequest>): SwapRequest {
    return decodeMessage(buf, SwapRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapRequest>): Generator<SwapRequestKindFieldEvent | SwapRequestSwapIdFieldEvent | SwapRequestRequestIdFieldEvent | SwapRequestIndicesFieldEvent> {
    return streamMessage(buf, SwapRequest.codec(), opts)
  }
}

export interface SwapResponse {
  kind: SwapResponse.Kind
  requestId: number
  manifest?: SignedManifest
  page?: HashPage
  blocks?: BlockBatch
  error: string
}

export namespace SwapResponse {
  export enum Kind {
    MANIFEST = 'MANIFEST',
    HASH_PAGE = 'HASH_PAGE',
    BLOCKS = 'BLOCKS',
    ERROR = 'ERROR'
  }

  enum __KindValues {
    MANIFEST = 0,
    HASH_PAGE = 1,
    BLOCKS = 2,
    ERROR = 3
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<SwapResponse>

  export const codec = (): Codec<SwapResponse> => {
    if (_codec == null) {
      _codec = message<SwapResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          SwapResponse.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.requestId != null && obj.requestId !== 0)) {
          w.uint32(16)
          w.uint32(obj.requestId)
        }

        if (obj.manifest != null) {
          w.uint32(26)
          SignedManifest.codec().encode(obj.manifest, w)
        }

        if (obj.page != null) {
          w.uint32(34)
          HashPage.codec().encode(obj.page, w)
        }

        if (obj.blocks != null) {
          w.uint32(42)
          BlockBatch.codec().encode(obj.blocks, w)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(50)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.MANIFEST,
          requestId: 0,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = SwapResponse.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.requestId = reader.uint32()
              break
            }
            case 3: {
              obj.manifest = SignedManifest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.manifest
              })
              break
            }
            case 4: {
              obj.page = HashPage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.page
              })
              break
            }
            case 5: {
              obj.blocks = BlockBatch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.blocks
              })
              break
            }
            case 6: {
              obj.error = reader.string()
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
                field: `${prefix}.kind`,
                value: SwapResponse.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.requestId`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield * SignedManifest.codec().stream(reader, reader.uint32(), `${prefix}.manifest`, {
                limits: opts.limits?.manifest
              })

              break
            }
            case 4: {
              yield * HashPage.codec().stream(reader, reader.uint32(), `${prefix}.page`, {
                limits: opts.limits?.page
              })

              break
            }
            case 5: {
              yield * BlockBatch.codec().stream(reader, reader.uint32(), `${prefix}.blocks`, {
                limits: opts.limits?.blocks
              })

              break
            }
            case 6: {
              yield {
                field: `${prefix}.error`,
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

  export interface SwapResponseKindFieldEvent {
    field: '$.kind'
    value: SwapResponse.Kind
  }

  export interface SwapResponseRequestIdFieldEvent {
    field: '$.requestId'
    value: number
  }

  export interface SwapResponseManifestHeaderFieldEvent {
    field: '$.manifest.header'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapResponseManifestSignatureFieldEvent {
    field: '$.manifest.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapResponsePageFirstFieldEvent {
    field: '$.page.first'
    value: number
  }

  export interface SwapResponsePageHashesFieldEvent {
    field: '$.page.hashes'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapResponsePageZeroMapFieldEvent {
    field: '$.page.zeroMap'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapResponsePageCountFieldEvent {
    field: '$.page.count'
    value: number
  }

  export interface SwapResponseBlocksIndicesFieldEvent {
    field: '$.blocks.indices[]'
    index: number
    value: number
  }

  export interface SwapResponseBlocksCodecFieldEvent {
    field: '$.blocks.codec'
    value: BlockBatch.Compression
  }

  export interface SwapResponseBlocksDataFieldEvent {
    field: '$.blocks.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SwapResponseBlocksRawLengthFieldEvent {
    field: '$.blocks.rawLength'
    value: number
  }

  export interface SwapResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<SwapResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SwapResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapResponse>): SwapResponse {
    return decodeMessage(buf, SwapResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SwapResponse>): Generator<SwapResponseKindFieldEvent | SwapResponseRequestIdFieldEvent | SwapResponseManifestHeaderFieldEvent | SwapResponseManifestSignatureFieldEvent | SwapResponsePageFirstFieldEvent | SwapResponsePageHashesFieldEvent | SwapResponsePageZeroMapFieldEvent | SwapResponsePageCountFieldEvent | SwapResponseBlocksIndicesFieldEvent | SwapResponseBlocksCodecFieldEvent | SwapResponseBlocksDataFieldEvent | SwapResponseBlocksRawLengthFieldEvent | SwapResponseErrorFieldEvent> {
    return streamMessage(buf, SwapResponse.codec(), opts)
  }
}
