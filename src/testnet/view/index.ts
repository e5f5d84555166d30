/**
 * The testnet's live view: a TestnetSnapshot (filled by the orchestrator
 * from the anchor and the host supervisors) drawn on the terminal at 2 Hz,
 * as plain lines when stdout is not a terminal, or as JSON lines (`--json`).
 */
export { bar } from './bar.js'
export {
  type LiveView,
  type LiveViewOptions,
  type SnapshotSource,
  startLiveView,
  type ViewFormat,
} from './live.js'
export { type RenderOptions, renderPlainLine, renderSnapshot } from './render.js'
export {
  type HostState,
  type SnapshotHost,
  type SnapshotJob,
  type SnapshotLedgerEntry,
  type SnapshotSample,
  type SnapshotSwap,
  type SnapshotSwapPhase,
  type SnapshotSwapSide,
  type SnapshotVm,
  snapshotJob,
  snapshotLedgerEntry,
  snapshotSample,
  type TestnetSnapshot,
  type VmState,
} from './snapshot.js'
