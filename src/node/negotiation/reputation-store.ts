/**
 * Reputation kept in the agent's database, so a peer caught lying (by a
 * probe) or abandoning negotiations does not start clean when this agent
 * restarts. One record per peer (`reputation/<peer id>`): its score and its
 * recent outcomes, JSON. Writes are serialised and never block the caller.
 */
import type { Db } from '../../runtime/data-dir.js'
import type { Logger } from '../../runtime/log.js'
import { type ProbeRecord, type ProbeVerdict, Reputation } from '../market/reputation.js'

const PREFIX = 'reputation/'
const VERDICTS: readonly ProbeVerdict[] = ['pass', 'claim-mismatch', 'invalid-answer', 'no-answer']

interface Stored {
  score: number
  history: ProbeRecord[]
}

function valid(v: unknown): v is Stored {
  const s = v as Stored
  return (
    typeof s === 'object' &&
    s !== null &&
    Number.isFinite(s.score) &&
    Array.isArray(s.history) &&
    s.history.every((r) => Number.isFinite(r.atMs) && VERDICTS.includes(r.verdict))
  )
}

export class PersistentReputation extends Reputation {
  private writes: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    super()
  }

  /** Reads every stored peer; a record that does not decode is dropped (the peer starts at 0). */
  async load(): Promise<number> {
    let n = 0
    for await (const [key, value] of this.db.iterator({ gte: PREFIX, lt: `${PREFIX}\xff` })) {
      try {
        const v: unknown = JSON.parse(new TextDecoder().decode(value))
        if (!valid(v)) continue
        const peer = key.slice(PREFIX.length)
        this.scores.set(peer, v.score)
        this.records.set(peer, v.history)
        n++
      } catch {
        // not ours to crash on: the peer's history is lost, its score starts at 0
      }
    }
    return n
  }

  override record(peer: string, r: ProbeRecord): number {
    const score = super.record(peer, r)
    const value = new TextEncoder().encode(JSON.stringify({ score, history: this.history(peer) }))
    this.writes = this.writes
      .then(() => this.db.put(`${PREFIX}${peer}`, value))
      .catch((err) => this.log.warn({ err, peer }, 'cannot store a reputation change'))
    return score
  }

  /** Resolves once every change recorded so far is on disk. */
  async flush(): Promise<void> {
    await this.writes
  }

  /** Every peer with a record, and its score. */
  all(): { peer: string; score: number }[] {
    return [...this.scores].map(([peer, score]) => ({ peer, score }))
  }
}
