/**
 * The host dir: what a host's supervisor owns, outside the VM's disk (the
 * swap never overwrites it). It sits beside the host's filesystem in the
 * run's directory, `<run>/h<i>/host/`, so it survives every boot of the host
 * and goes with the run:
 *
 *   boot-params.json   the boot parameters (src/node/lifecycle/boot-params.ts), 0600
 *   swap/              the stateless swapper's journal, manifests and staging
 *   supervisor.sock    the supervisor's socket (protocol.ts), 0600
 *   boots.jsonl        one line per boot: what booted, the disk's hash when asked
 *   logs/              the logs of the supervisor and of the processes it starts
 *   workload.jsonl     the workload's status lines
 *   vm/                the VM's tree: its mount point (root mode) or its copy (emulated)
 *   vm.state           emulated mode: whether the copy holds changes not yet on the disk
 *
 * Staging lives here rather than on the host's throttled filesystem: the
 * stateless system's scratch space is the host's, not the VM's disk (on a
 * cloud host, RAM or a disk the swap does not touch).
 */
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { HostInfo } from '../hosts/index.js'

/** sockaddr_un holds 108 bytes; keep a margin for the terminating NUL. */
const MAX_SOCKET_PATH = 100

export interface HostLayout {
  /** `<run>/h<i>`: the host's directory in the run. */
  hostDir: string
  /** `<run>/h<i>/host`: the supervisor's. */
  dir: string
  bootParams: string
  swapState: string
  socket: string
  bootLog: string
  logs: string
  workloadStatus: string
  vmRoot: string
  vmState: string
}

export function hostLayout(info: HostInfo): HostLayout {
  // both modes keep the VM image at <run>/h<i>/fs/vm.img
  const hostDir = dirname(dirname(info.vmDisk))
  const dir = join(hostDir, 'host')
  let socket = join(dir, 'supervisor.sock')
  if (socket.length > MAX_SOCKET_PATH) {
    const id = createHash('sha256').update(dir).digest('hex').slice(0, 20)
    socket = join(tmpdir(), `vboom-host-${id}.sock`)
  }
  return {
    hostDir,
    dir,
    bootParams: join(dir, 'boot-params.json'),
    swapState: join(dir, 'swap'),
    socket,
    bootLog: join(dir, 'boots.jsonl'),
    logs: join(dir, 'logs'),
    workloadStatus: join(dir, 'workload.jsonl'),
    vmRoot: join(dir, 'vm'),
    vmState: join(dir, 'vm.state'),
  }
}
