/**
 * The outline of a zstd frame (RFC 8878 section 3.1.1), read without
 * decoding it: where it ends, the content size its header declares, and an
 * upper bound on what it can decode to. Lets the receiver refuse a zstd bomb
 * before any decoder allocates for it: each block header gives the block's
 * decoded size (raw, RLE) or caps it (compressed: at most Block_Maximum_Size,
 * which decoders enforce), so a frame's blocks bound its output.
 */
import { SwapProtocolError } from '../errors.js'

/** Magic_Number, little-endian (section 3.1.1). */
const ZSTD_MAGIC = 0xfd2fb528
/** Block_Maximum_Size: min(Window_Size, 128 KiB) (section 3.1.1.2.4). */
const MAX_BLOCK_SIZE = 128 * 1024
/** Frame_Content_Size field bytes by FCS_Flag; flag 0 means 1 byte in a single-segment frame, else none. */
const FCS_FIELD_BYTES = [0, 2, 4, 8] as const
/** Dictionary_ID field bytes by Dictionary_ID_Flag. */
const DICT_ID_BYTES = [0, 1, 2, 4] as const
/** A 2-byte Frame_Content_Size is stored minus 256 (section 3.1.1.1.4). */
const FCS_2_BYTE_OFFSET = 256
const BLOCK_HEADER_BYTES = 3
const CHECKSUM_BYTES = 4

export interface ZstdFrameOutline {
  /** Frame_Content_Size from the header; null where the header leaves it out. */
  contentSize: number | null
  /** Most bytes the frame can decode to (sum over its blocks). */
  maxDecodedSize: number
  /** Blocks in the frame. */
  blocks: number
}

const malformed = (why: string): never => {
  throw new SwapProtocolError(
    'SWAP_ZSTD_MALFORMED',
    `a compressed block batch is not one well-formed zstd frame (${why}); its blocks are counted bad and fetched again`,
  )
}

/**
 * Reads the outline of the one zstd frame `data` must be exactly (no
 * skippable frame, nothing after it). Throws SwapProtocolError
 * SWAP_ZSTD_MALFORMED on anything else.
 */
export function outlineZstdFrame(data: Uint8Array): ZstdFrameOutline {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const need = (pos: number, n: number, what: string) => {
    if (pos + n > data.length) malformed(`ends inside its ${what}`)
  }
  need(0, 5, 'header')
  if (view.getUint32(0, true) !== ZSTD_MAGIC) malformed('no zstd magic number')
  const fhd = data[4]!
  // rule: Reserved_Bit must be zero (section 3.1.1.1.1.4)
  if ((fhd & 0x08) !== 0) malformed('reserved header bit set')
  const fcsFlag = fhd >> 6
  const singleSegment = (fhd & 0x20) !== 0
  const hasChecksum = (fhd & 0x04) !== 0
  let pos = 5
  let windowSize = 0
  if (!singleSegment) {
    need(pos, 1, 'window descriptor')
    const wd = data[pos++]!
    const base = 2 ** (10 + (wd >> 3))
    windowSize = base + (base / 8) * (wd & 7)
  }
  pos += DICT_ID_BYTES[fhd & 3]!
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : FCS_FIELD_BYTES[fcsFlag]!
  need(pos, fcsBytes, 'content size')
  let contentSize: number | null = null
  if (fcsBytes === 1) contentSize = data[pos]!
  else if (fcsBytes === 2) contentSize = view.getUint16(pos, true) + FCS_2_BYTE_OFFSET
  else if (fcsBytes === 4) contentSize = view.getUint32(pos, true)
  else if (fcsBytes === 8) contentSize = Number(view.getBigUint64(pos, true))
  pos += fcsBytes
  // rule: a single-segment frame's window is its content (section 3.1.1.1.2)
  if (singleSegment) windowSize = contentSize!
  const blockMax = Math.min(windowSize, MAX_BLOCK_SIZE)
  let maxDecodedSize = 0
  let blocks = 0
  for (let last = false; !last; blocks++) {
    need(pos, BLOCK_HEADER_BYTES, 'block header')
    const h = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)
    pos += BLOCK_HEADER_BYTES
    last = (h & 1) !== 0
    const type = (h >> 1) & 3
    const size = h >>> 3
    // rule: Block_Size is limited by Block_Maximum_Size (section 3.1.1.2.3)
    if (size > blockMax) malformed(`a block of ${size} bytes over the maximum ${blockMax}`)
    if (type === 3) malformed('reserved block type')
    // raw: `size` bytes as they are; RLE: one byte repeated `size` times; compressed: `size` bytes in, at most blockMax out
    const stored = type === 1 ? 1 : size
    need(pos, stored, 'block')
    pos += stored
    maxDecodedSize += type === 2 ? blockMax : size
  }
  if (hasChecksum) pos += CHECKSUM_BYTES
  need(pos, 0, 'checksum')
  if (pos !== data.length) malformed(`${data.length - pos} bytes after the frame`)
  return { contentSize, maxDecodedSize, blocks }
}
