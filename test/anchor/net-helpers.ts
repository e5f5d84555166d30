// Shared fixtures of the anchor network tests: an anchor child process, a client libp2p node.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '../../src/runtime/libp2p-host.js'

const CHILD = join(import.meta.dirname, 'fixtures', 'anchor-child.ts')

export interface AnchorProcess {
  child: ChildProcess
  addrs: Multiaddr[]
  anchorKey: Uint8Array
}

/** Starts the anchor child and waits for its ready line (startup compiles and signs the suite: allow a minute). */
export function startAnchorProcess(dataDir: string, port: number): Promise<AnchorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, `/ip4/127.0.0.1/tcp/${port}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('anchor child did not start in 60 s')), 60_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      const info = JSON.parse(out.slice(0, nl)) as { multiaddrs: string[]; anchorKey: string }
      resolve({
        child,
        addrs: info.multiaddrs.map((a) => multiaddr(a)),
        anchorKey: new Uint8Array(Buffer.from(info.anchorKey, 'hex')),
      })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`anchor child exited with ${code} before it was ready`))
    })
  })
}

/** SIGKILL: no shutdown code runs, as in a power cut. Resolves once the process is gone. */
export function killHard(p: AnchorProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve()
    p.child.once('exit', () => resolve())
    p.child.kill('SIGKILL')
  })
}

/** A started libp2p host on loopback; pass a key to know its secret (probed peers sign with it). */
export async function clientNode(privateKey?: PrivateKey): Promise<Host> {
  const host = await createHost({
    privateKey: privateKey ?? (await generateKeyPair('Ed25519')),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    addressScope: 'lan',
    gossip: false,
  })
  await host.start()
  return host
}
