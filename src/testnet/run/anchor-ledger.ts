/**
 * What a run reads of its running anchor's ledger, through the anchor's own
 * control socket (src/anchor/control-server.ts, the one `vboom ledger` asks
 * while the anchor runs): the entries appended since the last read, a swap's
 * state, each location's owner of record, the owners' balances, and the
 * chain's verification. The run only reads: the agents register their
 * agreements and the anchor resolves the swaps.
 */
import { queryRunningAnchor } from '../../anchor/control-client.js'
import { LedgerQueryError } from '../../anchor/errors.js'
import type { QueryAnswer } from '../../anchor/ledger/queries.js'

/** An entry as the control socket gives it (src/anchor/ledger/format.ts entryToJson). */
export interface LedgerEntryJson {
  seq: string
  kind: string
  appendedAt: string
  /** The action's body, bytes as hex and bigints as decimal strings. */
  body: Record<string, unknown>
  /** The parties who signed it besides the anchor, public keys in hex. */
  signers: string[]
  /** One line, as `vboom ledger entries` prints it. */
  text: string
}

export interface LedgerSwapJson {
  status: 'agreed' | 'committed' | 'aborted'
  locationA: string
  locationB: string
  priceMicros: string
  payer: 'a' | 'b' | null
  reason: string | null
}

export interface LedgerBalance {
  /** The owner's public key, hex. */
  owner: string
  creditsMicros: bigint
  debitsMicros: bigint
}

const q = encodeURIComponent

export class RunLedger {
  constructor(readonly anchorDataDir: string) {}

  private ask(path: string): Promise<QueryAnswer> {
    return queryRunningAnchor(this.anchorDataDir, path)
  }

  /** Every entry from `from` on, page after page. */
  async entriesFrom(from: bigint): Promise<LedgerEntryJson[]> {
    const out: LedgerEntryJson[] = []
    let next: string | undefined = from.toString()
    while (next !== undefined) {
      const a: QueryAnswer = await this.ask(`/entries?from=${q(next)}`)
      const list = a.json as Omit<LedgerEntryJson, 'text'>[]
      for (const [i, e] of list.entries()) out.push({ ...e, text: a.lines[i] ?? `#${e.seq} ${e.kind}` })
      next = a.next
    }
    return out
  }

  /** A swap's state; null when the ledger does not know it. */
  async swap(swapId: string): Promise<LedgerSwapJson | null> {
    try {
      return (await this.ask(`/swap?id=${q(swapId)}`)).json as unknown as LedgerSwapJson
    } catch (err) {
      if (err instanceof LedgerQueryError && err.code === 'UNKNOWN_SWAP') return null
      throw err
    }
  }

  /** The owner of record of a location (public key, hex); null when it is not registered. */
  async ownerOf(location: string): Promise<string | null> {
    try {
      return ((await this.ask(`/owner?location=${q(location)}`)).json as { owner: string }).owner
    } catch (err) {
      if (err instanceof LedgerQueryError && err.code === 'UNKNOWN_LOCATION') return null
      throw err
    }
  }

  /** A location's owner of record and the VM it holds (public keys, hex); null when it is not registered. */
  async location(location: string): Promise<{ owner: string; vm: string } | null> {
    try {
      const j = (await this.ask(`/owner?location=${q(location)}`)).json as { owner: string; vm: string }
      return { owner: j.owner, vm: j.vm }
    } catch (err) {
      if (err instanceof LedgerQueryError && err.code === 'UNKNOWN_LOCATION') return null
      throw err
    }
  }

  /** What each owner received and paid (`vboom ledger balances`). */
  async balances(): Promise<LedgerBalance[]> {
    const j = (await this.ask('/balances')).json as {
      owners: { owner: string; creditsMicros: string; debitsMicros: string }[]
    }
    return j.owners.map((o) => ({
      owner: o.owner,
      creditsMicros: BigInt(o.creditsMicros),
      debitsMicros: BigInt(o.debitsMicros),
    }))
  }

  /** The chain checked from its first entry, and the line `vboom ledger` says it with. */
  async verify(): Promise<{ ok: boolean; detail: string }> {
    const a = await this.ask('/verify')
    return { ok: (a.json as { ok: boolean }).ok, detail: a.lines[0] ?? '' }
  }
}
