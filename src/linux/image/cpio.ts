/**
 * An initramfs archive: cpio "newc" (the format the kernel unpacks,
 * Documentation/driver-api/early-userspace/buffer-format.rst), written
 * here so the build needs no cpio tool. Entries are written in path order
 * with owner root, mtime 0 and inode numbers by position, so the same
 * inputs give the same bytes (a reproducible image has one hash to sign).
 */

export type CpioEntry =
  | { path: string; kind: 'dir'; mode?: number }
  | { path: string; kind: 'file'; mode?: number; data: Uint8Array }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'chardev'; mode?: number; major: number; minor: number }

const S_IFDIR = 0o040000
const S_IFREG = 0o100000
const S_IFLNK = 0o120000
const S_IFCHR = 0o020000

const hex8 = (n: number): string => n.toString(16).padStart(8, '0')
const pad4 = (n: number): number => (4 - (n % 4)) % 4

function header(o: {
  ino: number
  mode: number
  nlink: number
  size: number
  rdevMajor: number
  rdevMinor: number
  nameSize: number
}): string {
  return [
    '070701',
    hex8(o.ino),
    hex8(o.mode),
    hex8(0), // uid
    hex8(0), // gid
    hex8(o.nlink),
    hex8(0), // mtime
    hex8(o.size),
    hex8(0), // devmajor
    hex8(0), // devminor
    hex8(o.rdevMajor),
    hex8(o.rdevMinor),
    hex8(o.nameSize),
    hex8(0), // check
  ].join('')
}

/** One entry's bytes (header, name, padding, data, padding) as chunks. */
function entryChunks(e: CpioEntry | { path: 'TRAILER!!!'; kind: 'trailer' }, ino: number): Uint8Array[] {
  const name = Buffer.from(`${e.path}\0`, 'utf8')
  let mode = 0
  let data: Uint8Array = new Uint8Array(0)
  let rdevMajor = 0
  let rdevMinor = 0
  let nlink = 1
  switch (e.kind) {
    case 'dir':
      mode = S_IFDIR | (e.mode ?? 0o755)
      nlink = 2
      break
    case 'file':
      mode = S_IFREG | (e.mode ?? 0o644)
      data = e.data
      break
    case 'symlink':
      mode = S_IFLNK | 0o777
      data = Buffer.from(e.target, 'utf8')
      break
    case 'chardev':
      mode = S_IFCHR | (e.mode ?? 0o600)
      rdevMajor = e.major
      rdevMinor = e.minor
      break
    case 'trailer':
      nlink = 1
      ino = 0
      break
  }
  const h = Buffer.from(
    header({ ino, mode, nlink, size: data.length, rdevMajor, rdevMinor, nameSize: name.length }),
    'latin1',
  )
  return [
    h,
    name,
    new Uint8Array(pad4(h.length + name.length)),
    data,
    new Uint8Array(pad4(data.length)),
  ].filter((c) => c.length > 0)
}

/**
 * Writes `entries` as one archive through `sink` (chunks in order, each
 * awaited: backpressure). Parents must come before children; entries are
 * sorted by path here, which gives that.
 */
export async function writeCpio(
  entries: CpioEntry[],
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<number> {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  let bytes = 0
  let ino = 1
  for (const e of sorted) {
    for (const c of entryChunks(e, ino++)) {
      await sink(c)
      bytes += c.length
    }
  }
  for (const c of entryChunks({ path: 'TRAILER!!!', kind: 'trailer' }, 0)) {
    await sink(c)
    bytes += c.length
  }
  return bytes
}
