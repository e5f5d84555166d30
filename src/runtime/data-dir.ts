/**
 * A node's data directory: one process at a time, enforced by LevelDB's lock.
 *
 * Layout:
 *   <dir>/node.key      libp2p private key (protobuf), mode 0600
 *   <dir>/db/           LevelDB: node state (its LOCK file is the process lock)
 *   <dir>/control.sock  local control endpoint (agent only)
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { UsageError } from '../protocols/errors.js'

export type Db = Level<string, Uint8Array>

export interface DataDir {
  path: string
  db: Db
  close(): Promise<void>
}

export async function openDataDir(path: string): Promise<DataDir> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new UsageError(
      'DATA_DIR_UNUSABLE',
      `cannot create data dir ${path}: ${(err as Error).message}; check the path and its permissions`,
    )
  }
  const db: Db = new Level<string, Uint8Array>(join(path, 'db'), { valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new UsageError(
        'DATA_DIR_LOCKED',
        `data dir ${path} is already in use by another process; stop that process or pass another --data-dir`,
      )
    }
    throw new UsageError(
      'DATA_DIR_UNUSABLE',
      `cannot open the database in ${path}: ${(err as Error).message}; check its permissions and free disk space`,
    )
  }
  return {
    path,
    db,
    close: async () => {
      await db.close()
    },
  }
}
