/**
 * A testnet host's machine level: its supervisor (the host's firmware and
 * hypervisor: boot parameters, the stateless swapper, the VM's processes,
 * the anchor's verification image), the Platform the VM's agent reaches it
 * by, the VM disk's layout and how it is built, and the run's anchor as a
 * process. The host itself (limits, network, disk) is src/testnet/hosts/.
 */
export { type AnchorInfo, AnchorProcess, type AnchorProcessInit } from './anchor-process.js'
export { SupervisorClient, SupervisorConnection, supervisorBootTarget } from './client.js'
export {
  DirectoryHost,
  DirectoryHostError,
  type DirectoryHostInit,
  diskLimitUnavailable,
} from './directory-host.js'
export { SupervisorError, SupervisorErrorCode, VmDiskError, VmDiskErrorCode } from './errors.js'
export { type HostLayout, hostLayout } from './layout.js'
export type {
  BootLogEntry,
  HostFacts,
  HostState,
  PhaseProgress,
  SupervisorStatus,
  SwapView,
  VmView,
} from './protocol.js'
export { Supervisor, type SupervisorOptions } from './supervisor.js'
export { SupervisorProcess, type SupervisorStartOptions } from './supervisor-process.js'
export {
  agentKeyFile,
  buildVmDisk,
  type InstanceClassJson,
  readVmIdentity,
  type VmDiskSpec,
  type VmIdentity,
  type VmOnDisk,
} from './vm-disk.js'
