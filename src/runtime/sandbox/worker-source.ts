/**
 * The code of the sandbox worker, as source text run with `eval: true`.
 *
 * Kept as plain JavaScript so the worker starts the same way from the compiled
 * build, under tap's TypeScript loader and under tsx (whose loader does not
 * reach workers). It instantiates the already compiled module with only the
 * granted host functions, calls the entry once, and posts the result.
 * Host functions check every pointer, length and offset they are given.
 */
export const WORKER_SOURCE = `'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const { performance } = require('node:perf_hooks')

const { module, entry, args, grants, disk, net, gate, limits } = workerData
class HostCallError extends Error {}
let memory = null
const io = { directOps: 0, bufferedOps: 0, bytes: 0 }

function view(ptr, len) {
  if (memory === null) throw new HostCallError('the module exports no memory')
  if (!Number.isInteger(ptr) || !Number.isInteger(len) || ptr < 0 || len < 0) throw new HostCallError('bad pointer or length')
  if (len > limits.maxIoBytes) throw new HostCallError('transfer larger than ' + limits.maxIoBytes + ' bytes')
  if (ptr + len > memory.buffer.byteLength) throw new HostCallError('range outside the module memory')
  return new Uint8Array(memory.buffer, ptr, len)
}

function diskIo(write, ptr, len, offset) {
  const buf = view(ptr, len)
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + len > disk.maxBytes) {
    throw new HostCallError('scratch file range past its limit of ' + disk.maxBytes + ' bytes')
  }
  if (gateFlag !== null) waitForGrant(write, len)
  const a = limits.align
  let fd = disk.bufferedFd
  if (disk.directFd !== -1 && ptr % a === 0 && len % a === 0 && offset % a === 0) {
    fd = disk.directFd
    io.directOps++
  } else {
    io.bufferedOps++
  }
  const n = write ? fs.writeSync(fd, buf, 0, len, offset) : fs.readSync(fd, buf, 0, len, offset)
  io.bytes += n
  return n
}

// With an I/O gate, the parent asks it for each disk call and stores 1 (go)
// or 2 (refused) in gateFlag; without one nothing here runs.
const gateFlag = gate === null ? null : new Int32Array(gate.buffer, 0, 1)

function waitForGrant(write, bytes) {
  Atomics.store(gateFlag, 0, 0)
  parentPort.postMessage({ type: 'disk', op: write ? 'write' : 'read', bytes })
  if (Atomics.wait(gateFlag, 0, 0, gate.timeoutMs) === 'timed-out') throw new HostCallError('the disk gate did not grant the I/O in time')
  if (Atomics.load(gateFlag, 0) !== 1) throw new HostCallError('the disk gate refused the I/O (its limits went away)')
}

const netFlag = net === null ? null : new Int32Array(net.buffer, 0, 1)
const netValue = net === null ? null : new Float64Array(net.buffer, 8, 1)

// The parent performs the network call; this thread blocks until it stores
// the result (flag 1, microseconds in netValue) or a failure (flag 2).
function netCall(op, bytes, timeoutMs) {
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > limits.maxIoBytes) throw new HostCallError('bad network transfer size')
  Atomics.store(netFlag, 0, 0)
  parentPort.postMessage({ type: 'net', op, bytes })
  // A little longer than the parent's own deadline, so its typed failure wins the race.
  if (Atomics.wait(netFlag, 0, 0, timeoutMs + 1000) === 'timed-out') throw new HostCallError('network call timed out')
  if (Atomics.load(netFlag, 0) !== 1) throw new HostCallError('network call failed')
  return netValue[0]
}

const hostFunctions = {
  now_us: () => performance.now() * 1000,
  disk_write: (ptr, len, offset) => diskIo(true, ptr, len, offset),
  disk_read: (ptr, len, offset) => diskIo(false, ptr, len, offset),
  disk_sync: () => {
    fs.fsyncSync(disk.bufferedFd)
    return 0
  },
  net_rtt_us: (payload) => netCall('rtt', payload, limits.netTimeoutMs),
  net_send_us: (bytes) => netCall('send', bytes, limits.netTransferTimeoutMs),
}

const imports = { vboom: {} }
for (const name of grants) imports.vboom[name] = hostFunctions[name]

function fail(code, err) {
  parentPort.postMessage({ type: 'failed', code, message: err instanceof Error ? err.name + ': ' + err.message : String(err) })
}

let instance
try {
  instance = new WebAssembly.Instance(module, imports)
} catch (err) {
  fail(err instanceof WebAssembly.LinkError ? 'LINK_ERROR' : 'TRAP', err)
}
if (instance !== undefined) {
  memory = instance.exports.memory instanceof WebAssembly.Memory ? instance.exports.memory : null
  const fn = instance.exports[entry]
  if (typeof fn !== 'function' || fn.length !== args.length) {
    fail('BAD_ENTRY', entry + ' must be an exported function of ' + args.length + ' parameter(s), one per manifest parameter')
  } else {
    try {
      const t0 = performance.now()
      const value = fn(...args)
      const elapsedMs = performance.now() - t0
      parentPort.postMessage({ type: 'done', value, elapsedMs, io, memoryBytes: memory === null ? 0 : memory.buffer.byteLength })
    } catch (err) {
      fail(err instanceof HostCallError ? 'HOST_CALL_FAILED' : 'TRAP', err)
    }
  }
}
`
