/**
 * The anchor's ledger: who owns which location, the VM in it, swap agreements
 * and their outcome, transfers and payments. Append-only, hash-chained, signed.
 * Parties build and sign the actions they submit with
 * src/protocols/ledger-action.ts.
 */
export type {
  Action,
  ActionBody,
  ActionKind,
  InstanceClass,
  PartySignature,
  SignedAction,
} from '../../protocols/ledger-action.js'
export type { ChainHead } from './chain.js'
export {
  balancesToJson,
  describeBalances,
  describeEntry,
  describeLocation,
  describeReport,
  describeSwap,
  entryToJson,
  type Json,
  toJson,
} from './format.js'
export {
  type BalancesView,
  Ledger,
  type LedgerEntryView,
  type LedgerInit,
  type ResolveResult,
} from './ledger.js'
export type { BalanceRecord, LocationRecord, OwnerRecord, SwapRecord, SwapStatus } from './state.js'
export { type VerifyReport, verifyLedger } from './verify.js'
