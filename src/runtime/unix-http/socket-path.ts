/**
 * Where a process's local control socket lives: in its data dir, or, when
 * that path is too long for a unix socket, in the temp dir under a name
 * derived from the data dir (so client and server agree on it).
 */
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const CONTROL_SOCKET = 'control.sock'
/** sockaddr_un holds 108 bytes; keep a margin for the terminating NUL and odd platforms. */
const MAX_SOCKET_PATH = 100
/** Hex digits of the data dir's hash in the temp-dir name: 80 bits, no collision between data dirs. */
const TEMP_NAME_HEX = 20

/** `<dataDir>/control.sock`, or `<tmp>/<tempPrefix><hash of dataDir>.sock` when that is too long. */
export function dataDirSocketPath(dataDir: string, tempPrefix: string): string {
  const dir = resolve(dataDir)
  const inDir = join(dir, CONTROL_SOCKET)
  if (inDir.length <= MAX_SOCKET_PATH) return inDir
  const id = createHash('sha256').update(dir).digest('hex').slice(0, TEMP_NAME_HEX)
  return join(tmpdir(), `${tempPrefix}${id}.sock`)
}
