/**
 * What the receiver keeps per sender to refuse replays: the highest sequence
 * number accepted, and the nonces of messages not yet expired (a nonce is
 * forgotten once its message has expired, since an expired message is refused
 * on its expiry anyway). Bounded: beyond MAX_PEERS the least recently heard
 * sender is forgotten (its next message is judged by nonce and expiry alone).
 */

/** Far more partners than one agent negotiates with in a message lifetime. */
const MAX_PEERS = 4096

export class PeerState {
  lastSeq: number | undefined
  private readonly nonces = new Map<string, number>()

  constructor(private readonly now: () => number) {}

  seen(nonce: string): boolean {
    this.prune()
    return this.nonces.has(nonce)
  }

  remember(seq: number, nonce: string, expiresAtMs: number): void {
    this.lastSeq = Math.max(this.lastSeq ?? seq, seq)
    this.nonces.set(nonce, expiresAtMs)
  }

  private prune(): void {
    const now = this.now()
    for (const [n, exp] of this.nonces) if (exp <= now) this.nonces.delete(n)
  }
}

export class PeerLedger {
  private readonly peers = new Map<string, PeerState>()

  constructor(private readonly now: () => number) {}

  get(peer: string): PeerState {
    let s = this.peers.get(peer)
    if (s === undefined) {
      s = new PeerState(this.now)
      this.peers.set(peer, s)
      if (this.peers.size > MAX_PEERS) {
        const oldest = this.peers.keys().next().value
        if (oldest !== undefined) this.peers.delete(oldest)
      }
    }
    return s
  }

  /** A message passed validation: its sequence and nonce are now spent. */
  accept(peer: string, seq: number, nonce: string, expiresAtMs: number): void {
    const s = this.get(peer)
    // most recently heard last, so the bound forgets the quietest sender
    this.peers.delete(peer)
    this.peers.set(peer, s)
    s.remember(seq, nonce, expiresAtMs)
  }
}
