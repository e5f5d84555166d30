/**
 * The swap lifecycle, platform-agnostic: a registered agreement becomes two
 * VMs running on each other's hosts.
 *   1. leave.ts: the agent stores boot parameters and leaves its running system;
 *   2. stateless-swap.ts: the host's stateless side runs the swap and stores its end;
 *   3. normal-boot.ts: the agent of whatever VM the disk holds notices where it is.
 * The platform (src/node/platform/platform.ts) says what storing, rebooting
 * and the disk mean where the VM runs.
 */

export { AgreementLeave, type AgreementLeaveInit, type LeaveCause } from './agreement-leave.js'
export {
  type BootOutcome,
  type BootParams,
  type BootPhase,
  type BootSwapTuning,
  decodeBootParams,
  encodeBootParams,
  type LifecycleSwap,
  lifecycleSwapOf,
  MAX_BOOT_PARAMS_BYTES,
  otherRole,
  type SwapRole,
  swapIdHex,
} from './boot-params.js'
export { BootParamsError, BootParamsErrorCode, LifecycleError, LifecycleErrorCode } from './errors.js'
export {
  type LeaveContext,
  type LeaveRequest,
  type LeaveRequestJson,
  leaveForSwap,
  leaveRequestToJson,
  parseLeaveRequest,
  prepareLeave,
} from './leave.js'
export {
  type AgreementLeaveView,
  DEFAULT_LEAVE_RETRY,
  isRetryableLeaveCode,
  LEAVE_RETRY_FIRST_DELAY_MS,
  LEAVE_RETRY_JITTER,
  LEAVE_RETRY_MAX_DELAY_MS,
  type LeaveRetryTuning,
  type LeaveState,
  type LeaveStatus,
  leaveRetryDelayMs,
} from './leave-retry.js'
export { type BootNotice, noticeBoot } from './normal-boot.js'
export {
  MAX_PEER_ADDRS,
  PEER_LOOKUP_TIMEOUT_MS,
  type PeerAddressSource,
  partnerAddrs,
  swapPeerAddrs,
} from './peer-addrs.js'
export {
  runStatelessSwap,
  type SettledSwap,
  type StatelessSwapOptions,
  settleSwap,
  swapPeerId,
} from './stateless-swap.js'
export { type HistoryRecord, type LeavingRecord, LifecycleStore } from './store.js'
