/**
 * `vboom testnet`'s runner: scenarios, the run (world, live view, the
 * agents' swaps observed in the anchor's ledger and on the hosts,
 * measurements, report), and the market's rule the run holds the agents'
 * agreements to.
 */
export { type LedgerEntryJson, RunLedger } from './anchor-ledger.js'
export { TestnetRunError, TestnetRunErrorCode } from './errors.js'
export {
  type Expectation,
  type ExpectedSwap,
  expectedSwaps,
  type PairVerdict,
  type SwapCandidate,
} from './expected-swaps.js'
export {
  type LiarVerdict,
  type MarketCheck,
  type MarketCheckResult,
  marketChecks,
  paymentChecks,
} from './market-checks.js'
export type { DiskCheck, Downtime, Improvement } from './measure.js'
export { type ObservedSwap, swapToJson, termsText } from './observe.js'
export {
  type LedgerFacts,
  type RunEnd,
  type RunOnceOutcome,
  type RunOptions,
  type RunOutcome,
  runScenario,
} from './runner.js'
export {
  marketScenario,
  PAPER_REDUCTION_PCT,
  paperScenario,
  placedScenario,
  SCENARIOS,
  type Scenario,
  type ScenarioRun,
  type ScenarioVm,
  scenarioByName,
  swapScenario,
} from './scenarios.js'
