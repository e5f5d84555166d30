/**
 * An in-memory network for matching agents: the transport of the benchmark
 * and the tests. A round ticks every present agent, then delivers messages
 * first in, first out until none is left (replies within the round, as a
 * fast network would). An agent that crashed or left receives nothing and
 * sends nothing; messages to it are lost, as on a closed stream.
 */
import { MarketError } from './errors.js'
import type { MatchingAgent } from './matching.js'
import type { MatchMessage, MatchTransport } from './matching-messages.js'

/** Deliveries per round beyond which the network stops: a loop is a bug, not a workload. */
export const MAX_DELIVERIES_PER_AGENT_ROUND = 1_000

export class InMemoryNetwork implements MatchTransport {
  private readonly agents = new Map<string, MatchingAgent>()
  private readonly absent = new Set<string>()
  private queue: MatchMessage[] = []
  /** Messages delivered, and lost to absent agents. */
  delivered = 0
  lost = 0
  /** Optional tap on every message sent (dumps, tests). */
  onSend: ((m: MatchMessage) => void) | undefined

  add(agent: MatchingAgent): void {
    this.agents.set(agent.id, agent)
  }

  send(message: MatchMessage): void {
    if (this.absent.has(message.from)) return
    this.onSend?.(message)
    this.queue.push(message)
  }

  /** The agent stops without a word (a crash, a lost VM). */
  crash(id: string): void {
    this.absent.add(id)
  }

  /** The agent leaves politely (withdraws what it holds), then is gone. */
  leave(id: string): void {
    this.agents.get(id)?.leave()
    this.absent.add(id)
  }

  present(id: string): boolean {
    return this.agents.has(id) && !this.absent.has(id)
  }

  /** Ticks every present agent in `order` (default: insertion order), then delivers until quiet. */
  runRound(round: number, order?: readonly string[]): void {
    for (const id of order ?? this.agents.keys()) {
      if (this.absent.has(id)) continue
      this.agents.get(id)?.tick(round)
    }
    const limit = MAX_DELIVERIES_PER_AGENT_ROUND * Math.max(1, this.agents.size)
    let n = 0
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      for (const m of batch) {
        if (++n > limit) {
          throw new MarketError('BAD_DRIVE', `round ${round} did not settle after ${limit} deliveries`)
        }
        const to = this.agents.get(m.to)
        if (to === undefined || this.absent.has(m.to)) {
          this.lost++
          continue
        }
        this.delivered++
        to.receive(m)
      }
    }
  }
}
