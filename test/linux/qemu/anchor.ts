/**
 * The anchor of the qemu tests, on the host (the guests reach the host's
 * loopback as 10.0.2.2 through user networking): a ledger with two owners,
 * the two slots' locations (their DMI ids, as LinuxPlatform names them) and,
 * when `agreement` is 'seeded', one agreement between them, registered as
 * agents register theirs (both owners' delegations, both agents' signatures;
 * src/testnet/owner-agreement.ts); with 'market' the VMs' agents reach one
 * themselves. Then the testnet's anchor process (src/testnet/host/anchor-main.ts)
 * on it.
 * The anchor admits the coordinator calls of the stateless nodes by the swap
 * keys the agreement names. `stop` ends the process; `ledger` opens the
 * ledger afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadOrCreateAnchorKey } from '../../../src/anchor/key.js'
import { Ledger } from '../../../src/anchor/ledger/index.js'
import { type BootParams, encodeBootParams } from '../../../src/node/lifecycle/index.js'
import { buildSignedAction, type InstanceClass } from '../../../src/protocols/ledger-action.js'
import { generateSigningKeyPair, type SigningKeyPair } from '../../../src/protocols/signing.js'
import { nodeCommand } from '../../../src/testnet/hosts/spawn.js'
import { ownersAgreement } from '../../../src/testnet/owner-agreement.js'

const ANCHOR_MAIN = join(import.meta.dirname, '..', '..', '..', 'src', 'testnet', 'host', 'anchor-main.ts')
/** How the guests reach the host's loopback under qemu's user networking. */
export const HOST_FROM_GUEST = '10.0.2.2'
/** The stateless nodes' port on the peer link. */
export const STATELESS_PORT = 4300

export interface SwapSide {
  role: 'a' | 'b'
  location: string
  owner: SigningKeyPair
  /** The VM's agent key: the agreement names it as the VM. */
  agent: SigningKeyPair
  swap: SigningKeyPair
  /** The side's address on the peer link (no prefix). */
  peerIp: string
}

export class QemuAnchor {
  private exited: Promise<void>

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    /** The anchor's address as the guests dial it. */
    readonly guestAddr: string,
    readonly publicKey: Uint8Array,
    /** The seeded agreement's swap id and bytes; null when the agents trade through the market. */
    readonly swapId: Uint8Array | null,
    readonly agreement: Uint8Array | null,
    readonly sides: Record<'a' | 'b', SwapSide>,
  ) {
    this.exited = new Promise((r) => child.once('exit', () => r()))
  }

  static async start(o: {
    dir: string
    port: number
    locations: Record<'a' | 'b', string>
    peerIps: Record<'a' | 'b', string>
    diskBytes: number
    /** 'seeded' (default): the ledger holds an agreement from the start; 'market': the agents make one. */
    agreement?: 'seeded' | 'market'
  }): Promise<QemuAnchor> {
    await mkdir(o.dir, { recursive: true })
    const anchorKeys = await loadOrCreateAnchorKey(o.dir)
    const cls: InstanceClass = { vcpus: 1, memoryBytes: 1n << 30n, diskBytes: BigInt(o.diskBytes) }
    const sides = {} as Record<'a' | 'b', SwapSide>
    for (const role of ['a', 'b'] as const)
      sides[role] = {
        role,
        location: o.locations[role],
        owner: generateSigningKeyPair(),
        agent: generateSigningKeyPair(),
        swap: generateSigningKeyPair(),
        peerIp: o.peerIps[role],
      }
    const side = (s: SwapSide) => ({
      location: s.location,
      owner: s.owner,
      agentSecretKey: s.agent.secretKey,
      swapKey: s.swap.publicKey,
    })
    const seeded = (o.agreement ?? 'seeded') === 'seeded'
    const { agreement, swapId } = ownersAgreement({
      a: side(sides.a),
      b: side(sides.b),
      instanceClass: cls,
      anchorKey: anchorKeys.publicKey,
      // the whole test within it, with room for a loaded machine
      lifetimeMs: 6 * 3600_000,
    })
    const ledger = await Ledger.open({ dir: join(o.dir, 'ledger'), anchorKey: anchorKeys })
    try {
      for (const role of ['a', 'b'] as const) {
        const s = sides[role]
        await ledger.append(
          buildSignedAction({ kind: 'owner-registered', owner: s.owner.publicKey, name: `owner-${role}` }, [
            s.owner,
          ]),
        )
        await ledger.append(
          buildSignedAction(
            {
              kind: 'location-registered',
              location: s.location,
              owner: s.owner.publicKey,
              vm: s.agent.publicKey,
              instanceClass: cls,
            },
            [s.owner],
          ),
        )
      }
      if (seeded) await ledger.registerAgreement(agreement)
    } finally {
      await ledger.close()
    }
    const hostsFile = join(o.dir, 'hosts.json')
    await writeFile(hostsFile, '{}')
    const [cmd, args] = nodeCommand(ANCHOR_MAIN, [o.dir, `/ip4/127.0.0.1/tcp/${o.port}`, hostsFile, 'info'])
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', openSync(join(o.dir, 'anchor.log'), 'a')] })
    const info = await new Promise<{ peerId: string }>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error('the anchor did not listen within 120 s')), 120_000)
      child.once('exit', (c) => {
        clearTimeout(timer)
        reject(new Error(`the anchor exited (${c}); read ${join(o.dir, 'anchor.log')}`))
      })
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        const nl = out.indexOf('\n')
        if (nl < 0) return
        clearTimeout(timer)
        resolve(JSON.parse(out.slice(0, nl)) as { peerId: string })
      })
    })
    child.stdout!.destroy()
    const guestAddr = `/ip4/${HOST_FROM_GUEST}/tcp/${o.port}/p2p/${info.peerId}`
    return new QemuAnchor(
      child,
      o.dir,
      guestAddr,
      anchorKeys.publicKey,
      seeded ? swapId : null,
      seeded ? agreement : null,
      sides,
    )
  }

  /** The boot parameters `role` leaves with (the lifecycle's, as its leave step builds them). */
  bootParams(role: 'a' | 'b'): BootParams {
    if (this.swapId === null || this.agreement === null)
      throw new Error('no seeded agreement: this anchor was started for the market')
    const me = this.sides[role]
    const peer = this.sides[role === 'a' ? 'b' : 'a']
    return {
      version: 1,
      phase: 'stateless',
      swap: {
        swapId: this.swapId,
        role,
        swapKeys: { a: this.sides.a.swap.publicKey, b: this.sides.b.swap.publicKey },
        agreement: this.agreement,
      },
      swapSecretKey: me.swap.secretKey,
      peerAddrs: [`/ip4/${peer.peerIp}/tcp/${STATELESS_PORT}`],
      anchor: { publicKey: this.publicKey, addrs: [this.guestAddr] },
      network: {
        listen: [`/ip4/${me.peerIp}/tcp/${STATELESS_PORT}`],
        announce: [`/ip4/${me.peerIp}/tcp/${STATELESS_PORT}`],
      },
      tuning: {},
      leftAtMs: Date.now(),
    }
  }

  /** `bootParams` in the encoding the VM's trigger file carries. */
  trigger(role: 'a' | 'b'): Buffer {
    return Buffer.from(encodeBootParams(this.bootParams(role)))
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM')
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 20_000)
    await this.exited
    clearTimeout(killer)
  }

  /** The ledger (the anchor stopped). */
  async ledger<T>(fn: (l: Ledger) => T | Promise<T>): Promise<T> {
    const ledger = await Ledger.open({
      dir: join(this.dir, 'ledger'),
      anchorKey: await loadOrCreateAnchorKey(this.dir),
    })
    try {
      return await fn(ledger)
    } finally {
      await ledger.close()
    }
  }
}
