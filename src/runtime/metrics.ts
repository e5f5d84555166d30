/**
 * Metrics: a prom-client registry per node (never the global one, so several
 * nodes in one process, as in tests and the testnet, keep their own counts).
 */
import { Counter, Gauge, Registry } from 'prom-client'

export interface AdvertMetrics {
  published: Counter
  accepted: Counter
  rejected: Counter<'reason'>
  marketSize: Gauge
}

export interface NodeMetrics {
  registry: Registry
  adverts: AdvertMetrics
}

export function createNodeMetrics(): NodeMetrics {
  const registry = new Registry()
  return {
    registry,
    adverts: {
      published: new Counter({
        name: 'vboom_adverts_published_total',
        help: 'Adverts this agent signed and published',
        registers: [registry],
      }),
      accepted: new Counter({
        name: 'vboom_adverts_accepted_total',
        help: 'Adverts from other agents that passed validation',
        registers: [registry],
      }),
      rejected: new Counter({
        name: 'vboom_adverts_rejected_total',
        help: 'Adverts dropped by validation, by the rule that failed',
        labelNames: ['reason'],
        registers: [registry],
      }),
      marketSize: new Gauge({
        name: 'vboom_market_adverts',
        help: 'Fresh adverts in the market view',
        registers: [registry],
      }),
    },
  }
}

/**
 * The anchor's ledger service: what it appended, by kind, and what it
 * refused, by reason (`<ErrorName>.<CODE>`, e.g. `DelegationError.REVOKED`:
 * codes repeat across error classes, so the class is part of the reason).
 */
export interface AnchorLedgerMetrics {
  appended: Counter<'kind'>
  refused: Counter<'reason'>
}

export function createAnchorLedgerMetrics(registry: Registry): AnchorLedgerMetrics {
  return {
    appended: new Counter({
      name: 'vboom_anchor_ledger_appended_total',
      help: 'Entries the anchor appended for requests over the network, by action kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    refused: new Counter({
      name: 'vboom_anchor_ledger_refused_total',
      help: 'Ledger requests the anchor refused, by the rule that failed (ErrorName.CODE)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  }
}

/** Counter values by label, for status output and tests. */
export async function counterByLabel(counter: Counter<'reason'>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const v of (await counter.get()).values) {
    const reason = v.labels.reason
    if (reason !== undefined) out[String(reason)] = v.value
  }
  return out
}
