/**
 * Reads the limits a WebAssembly binary declares for its memories and tables,
 * which the JS API does not expose: the sandbox refuses a module whose memory
 * could grow past the manifest's limit before it ever runs.
 *
 * Binary format (WebAssembly core spec 5.5): magic, version, then sections
 * `id:u8 size:u32leb bytes`; the table section (4) is a vector of
 * `reftype limits`, the memory section (5) a vector of `limits`, where limits
 * are `0x00 min` or `0x01 min max` (other flags: shared or 64-bit, refused).
 */
import { BenchmarkRefusedError } from './errors.js'

export interface Limits {
  min: number
  max: number | null
}

export interface ModuleShape {
  memories: Limits[]
  tables: Limits[]
}

const invalid = (message: string): never => {
  throw new BenchmarkRefusedError('INVALID_MODULE', message)
}

class Reader {
  pos: number
  constructor(
    private readonly b: Uint8Array,
    start = 0,
    readonly end = b.length,
  ) {
    this.pos = start
  }
  byte(): number {
    if (this.pos >= this.end) invalid('unexpected end of module')
    return this.b[this.pos++]!
  }
  /** Unsigned LEB128, up to 32 bits. */
  u32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = this.byte()
      result += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) break
      shift += 7
      if (shift > 28) invalid('LEB128 too long')
    }
    if (result > 0xffffffff) invalid('LEB128 out of range')
    return result
  }
  limits(what: string): Limits {
    const flag = this.byte()
    if (flag === 0x00) return { min: this.u32(), max: null }
    if (flag === 0x01) {
      const min = this.u32()
      return { min, max: this.u32() }
    }
    return invalid(`${what} limits flag 0x${flag.toString(16)} (shared or 64-bit) not allowed`)
  }
}

export function inspectModule(bytes: Uint8Array): ModuleShape {
  const r = new Reader(bytes)
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  for (const expected of header) if (r.byte() !== expected) invalid('not a WebAssembly 1.0 binary')
  const shape: ModuleShape = { memories: [], tables: [] }
  while (r.pos < bytes.length) {
    const id = r.byte()
    const size = r.u32()
    const end = r.pos + size
    if (end > bytes.length) invalid('section runs past the end')
    if (id === 4 || id === 5) {
      const s = new Reader(bytes, r.pos, end)
      const count = s.u32()
      for (let i = 0; i < count; i++) {
        if (id === 4) {
          s.byte() // reftype
          shape.tables.push(s.limits('table'))
        } else {
          shape.memories.push(s.limits('memory'))
        }
      }
    }
    r.pos = end
  }
  return shape
}
