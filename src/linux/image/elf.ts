/**
 * The two things the image build reads from ELF files: a kernel module's
 * `.modinfo` section (its dependencies), and whether an executable is
 * statically linked (no PT_INTERP program header: it needs no ld.so).
 * 64-bit little-endian only (x86-64, the platform VBoom runs on).
 */

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46]
const ELFCLASS64 = 2
const ELFDATA2LSB = 1
const PT_INTERP = 3

function header(buf: Uint8Array): DataView | null {
  if (buf.length < 64 || ELF_MAGIC.some((b, i) => buf[i] !== b)) return null
  if (buf[4] !== ELFCLASS64 || buf[5] !== ELFDATA2LSB) return null
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
}

export function isElf64(buf: Uint8Array): boolean {
  return header(buf) !== null
}

/** True when the executable has no program interpreter (statically linked). */
export function isStaticExecutable(buf: Uint8Array): boolean {
  const v = header(buf)
  if (v === null) return false
  const phoff = Number(v.getBigUint64(0x20, true))
  const phentsize = v.getUint16(0x36, true)
  const phnum = v.getUint16(0x38, true)
  for (let k = 0; k < phnum; k++) {
    const at = phoff + k * phentsize
    if (at + 4 > buf.length) return false
    if (v.getUint32(at, true) === PT_INTERP) return false
  }
  return true
}

/** The bytes of the section called `name`, or null. */
export function elfSection(buf: Uint8Array, name: string): Uint8Array | null {
  const v = header(buf)
  if (v === null) return null
  const shoff = Number(v.getBigUint64(0x28, true))
  const shentsize = v.getUint16(0x3a, true)
  const shnum = v.getUint16(0x3c, true)
  const shstrndx = v.getUint16(0x3e, true)
  const sect = (k: number): { name: number; offset: number; size: number } | null => {
    const at = shoff + k * shentsize
    if (at + 64 > buf.length) return null
    return {
      name: v.getUint32(at, true),
      offset: Number(v.getBigUint64(at + 0x18, true)),
      size: Number(v.getBigUint64(at + 0x20, true)),
    }
  }
  const strtab = sect(shstrndx)
  if (strtab === null) return null
  const wanted = new TextEncoder().encode(`${name}\0`)
  for (let k = 0; k < shnum; k++) {
    const s = sect(k)
    if (s === null) return null
    const at = strtab.offset + s.name
    if (wanted.every((b, i) => buf[at + i] === b)) {
      if (s.offset + s.size > buf.length) return null
      return buf.subarray(s.offset, s.offset + s.size)
    }
  }
  return null
}

/** `key=value` pairs of a module's .modinfo (a key may repeat: alias, softdep). */
export function modinfo(ko: Uint8Array): Array<[string, string]> {
  const sec = elfSection(ko, '.modinfo')
  if (sec === null) return []
  const out: Array<[string, string]> = []
  for (const s of new TextDecoder('latin1').decode(sec).split('\0')) {
    const eq = s.indexOf('=')
    if (eq > 0) out.push([s.slice(0, eq), s.slice(eq + 1)])
  }
  return out
}
