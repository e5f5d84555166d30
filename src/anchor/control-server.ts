/**
 * The anchor's local control socket: HTTP over a unix socket in its data dir
 * (file mode 0600: only the operator's user reaches it), so the ledger can be
 * queried while the anchor runs and holds its database:
 *   GET /owner?location=L   GET /history?location=L   GET /swap?id=HEX
 *   GET /entries?from=N[&limit=M]   GET /balances   GET /head
 *   GET /delegation?owner=HEX&id=HEX   GET /verify (the chain checked
 *   from its first entry)   GET /metrics (Prometheus text)
 *   POST /actions  a LedgerSubmit (anchor.proto): the operator appends a
 *                  party-signed action of any kind a party signs, locations
 *                  included (the network refuses those; ledger-service.ts).
 * Queries answer `{json, lines[, next]}` (queries.ts), refusals
 * `{code, message}` with status 400 (bad request) or 404 (unknown id or route).
 */
import type { Registry } from 'prom-client'
import { VBoomError } from '../protocols/errors.js'
import { LedgerSubmit } from '../protocols/proto/anchor.js'
import type { Logger } from '../runtime/log.js'
import { type ControlRoutes, UnixControlServer } from '../runtime/unix-http/server.js'
import { dataDirSocketPath } from '../runtime/unix-http/socket-path.js'
import { LedgerQueryError } from './errors.js'
import { MAX_ENTRY_BYTES } from './ledger/constants.js'
import { describeReport, entryToJson, toJson } from './ledger/format.js'
import type { Ledger } from './ledger/index.js'
import {
  ENTRIES_PAGE,
  queryBalances,
  queryDelegation,
  queryEntries,
  queryHead,
  queryHistory,
  queryOwner,
  querySwap,
} from './ledger/queries.js'

/** The control socket's path for a data dir (in the temp dir when the data dir's is too long). */
export function anchorControlSocketPath(dataDir: string): string {
  return dataDirSocketPath(dataDir, 'vboom-anchor-')
}

export interface AnchorControlServerInit {
  dataDir: string
  ledger: Ledger
  metrics: Registry
  log: Logger
}

function anchorRoutes({ ledger: l, metrics }: AnchorControlServerInit): ControlRoutes {
  return {
    'GET /owner': async (r) => ({ json: queryOwner(l, r.required('location')) }),
    'GET /history': async (r) => ({ json: await queryHistory(l, r.required('location')) }),
    'GET /swap': async (r) => ({ json: querySwap(l, r.required('id')) }),
    'GET /entries': async (r) => {
      const wanted = Number(r.query.get('limit') ?? ENTRIES_PAGE)
      const limit = Number.isInteger(wanted) && wanted > 0 ? Math.min(wanted, ENTRIES_PAGE) : ENTRIES_PAGE
      return { json: await queryEntries(l, r.query.get('from') ?? '0', limit) }
    },
    'GET /balances': async () => ({ json: queryBalances(l) }),
    'GET /head': async () => ({ json: queryHead(l) }),
    'GET /delegation': async (r) => ({ json: queryDelegation(l, r.required('owner'), r.required('id')) }),
    'GET /verify': async () => {
      const r = await l.verify()
      return { json: { json: toJson(r), lines: [describeReport(r)] } }
    },
    'GET /metrics': async () => ({ text: await metrics.metrics(), contentType: metrics.contentType }),
    'POST /actions': async (r) => {
      let submit: LedgerSubmit
      try {
        submit = LedgerSubmit.decode(await r.body(MAX_ENTRY_BYTES, 'one signed action'))
      } catch (err) {
        if (err instanceof VBoomError) throw err
        throw new LedgerQueryError('MALFORMED_REQUEST', 'the body is not a LedgerSubmit (anchor.proto)')
      }
      const e = await l.append({ action: submit.action, parties: submit.parties })
      return { json: { json: entryToJson(e), lines: [`appended entry #${e.seq}`] } }
    },
  }
}

export class AnchorControlServer extends UnixControlServer {
  constructor(init: AnchorControlServerInit) {
    super({
      socketPath: anchorControlSocketPath(init.dataDir),
      name: 'anchor',
      routes: anchorRoutes(init),
      refusals: 'json',
      notFoundCodes: ['UNKNOWN_LOCATION', 'UNKNOWN_SWAP'],
      log: init.log,
    })
  }
}
