/**
 * `vboom testnet`'s runner: scenarios, the run (world, live view, the
 * owners' swap decisions, the swaps through the lifecycle, measurements,
 * report), and the anchor's console the run reads and writes the ledger by.
 */
export { AnchorConsole, consoleSocketPath, serveAnchorConsole } from './anchor-console.js'
export { TestnetRunError, TestnetRunErrorCode } from './errors.js'
export type { DiskCheck, Downtime, Improvement } from './measure.js'
export {
  marketRuleDecider,
  type PairVerdict,
  type PlannedSwap,
  type SwapCandidate,
  type SwapDecider,
} from './owner-decision.js'
export {
  type LedgerFacts,
  type RunOnceOutcome,
  type RunOptions,
  type RunOutcome,
  runScenario,
} from './runner.js'
export {
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
