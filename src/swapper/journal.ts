/**
 * A side's durable swap state in its state directory:
 * - journal.json: the phase reached, replaced atomically (write a temp file,
 *   fsync it, rename over the old one, fsync the directory), so after a crash
 *   it holds either the old record or the new one, never a torn one;
 * - local.manifest / peer.manifest: both signed manifests with their hashes,
 *   written the same way before the phase that relies on them. After the
 *   commit point the local disk changes, so the plan is rebuilt from these.
 * The staging file lives beside them (staging.ts).
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { SignedManifest } from '../protocols/proto/swap.js'
import { MAX_MANIFEST_HEADER_BYTES } from '../protocols/swap-constants.js'
import { writeFileAtomic } from '../runtime/atomic-file.js'
import { SwapStateError } from './errors.js'
import type { Role } from './index/manifest.js'

/** Phases in order; a side only moves forward. */
export const PHASES = ['indexed', 'planned', 'staged', 'prepared', 'committed', 'applied', 'done'] as const
export type JournalPhase = (typeof PHASES)[number]

export interface JournalRecord {
  version: 1
  swapId: string
  role: Role
  phase: JournalPhase
  /** In phase `committed`: apply windows done and fsynced (apply.ts); a restart continues at this window. */
  appliedWindows?: number
  updatedAt: string
}

export function phaseAtLeast(r: JournalRecord | null, p: JournalPhase): boolean {
  return r !== null && PHASES.indexOf(r.phase) >= PHASES.indexOf(p)
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export class Journal {
  /** Record writes, one after the other in call order, so the last one called is the one kept. */
  private writes: Promise<unknown> = Promise.resolve()
  /** The phase this process last recorded: a record never goes back to an earlier phase. */
  private last: JournalPhase | null = null

  constructor(readonly dir: string) {}

  static async open(dir: string): Promise<Journal> {
    await mkdir(dir, { recursive: true })
    return new Journal(dir)
  }

  get stagingPath(): string {
    return join(this.dir, 'staging.bin')
  }

  async read(): Promise<JournalRecord | null> {
    let text: string
    try {
      text = await readFile(join(this.dir, 'journal.json'), 'utf8')
    } catch {
      return null
    }
    const r = JSON.parse(text) as JournalRecord
    if (r.version !== 1 || !PHASES.includes(r.phase)) {
      throw new SwapStateError('JOURNAL_CORRUPT', `journal in ${this.dir} has an unknown format`)
    }
    return r
  }

  async write(swapId: string, role: Role, phase: JournalPhase, appliedWindows?: number): Promise<void> {
    const r: JournalRecord = {
      version: 1,
      swapId,
      role,
      phase,
      appliedWindows,
      updatedAt: new Date().toISOString(),
    }
    const done = this.writes.then(async () => {
      // a record made in the background (agent.ts) may land after a later one: it is dropped
      if (this.last !== null && PHASES.indexOf(phase) < PHASES.indexOf(this.last)) return
      await writeFileAtomic(join(this.dir, 'journal.json'), JSON.stringify(r))
      this.last = phase
    })
    this.writes = done.catch(() => undefined)
    await done
  }

  /** Stored as u32 header length (big endian) || SignedManifest || hashes. */
  async saveManifest(which: 'local' | 'peer', signed: SignedManifest, hashes: Uint8Array): Promise<void> {
    const m = SignedManifest.encode(signed)
    const out = new Uint8Array(4 + m.length + hashes.length)
    new DataView(out.buffer).setUint32(0, m.length)
    out.set(m, 4)
    out.set(hashes, 4 + m.length)
    await writeFileAtomic(join(this.dir, `${which}.manifest`), out)
  }

  /** The stored manifest, or null. The caller re-verifies it as if it came from the network. */
  async loadManifest(
    which: 'local' | 'peer',
  ): Promise<{ signed: SignedManifest; hashes: Uint8Array } | null> {
    let buf: Buffer
    try {
      buf = await readFile(join(this.dir, `${which}.manifest`))
    } catch {
      return null
    }
    const len = buf.length >= 4 ? buf.readUInt32BE(0) : -1
    if (len < 0 || len > MAX_MANIFEST_HEADER_BYTES + 256 || 4 + len > buf.length) {
      throw new SwapStateError('JOURNAL_CORRUPT', `${which}.manifest in ${this.dir} is truncated`)
    }
    const signed = SignedManifest.decode(buf.subarray(4, 4 + len))
    return { signed, hashes: new Uint8Array(buf.subarray(4 + len)) }
  }

  /** Removes staging and manifests once both sides completed (or the swap aborted); keeps the journal record. */
  async clean(): Promise<void> {
    for (const f of [
      'staging.bin',
      'local.manifest',
      'peer.manifest',
      'local.manifest.tmp',
      'peer.manifest.tmp',
    ]) {
      await rm(join(this.dir, f), { force: true })
    }
    await fsyncDir(this.dir)
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}
