// Shared fixtures of the anchor tests: keys, and a small world of owners and locations.
import { randomBytes } from 'node:crypto'
import type { Ledger } from '../../src/anchor/ledger/index.js'
import { type ActionBody, buildSignedAction, type InstanceClass } from '../../src/protocols/ledger-action.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'

export interface Keys {
  secretKey: Uint8Array
  publicKey: Uint8Array
}

export function keys(): Keys {
  const secretKey = generateSecretKey()
  return { secretKey, publicKey: publicKeyOf(secretKey) }
}

export const CLASS: InstanceClass = { vcpus: 2, memoryBytes: 4n << 30n, diskBytes: 20n << 30n }

export const signed = (body: ActionBody, ...signers: Keys[]) => buildSignedAction(body, signers)

export async function registerOwner(ledger: Ledger, name: string): Promise<Keys> {
  const k = keys()
  await ledger.append(signed({ kind: 'owner-registered', owner: k.publicKey, name }, k))
  return k
}

export async function registerLocation(ledger: Ledger, location: string, owner: Keys): Promise<Keys> {
  const vm = keys()
  await ledger.append(
    signed(
      {
        kind: 'location-registered',
        location,
        owner: owner.publicKey,
        vm: vm.publicKey,
        instanceClass: CLASS,
      },
      owner,
    ),
  )
  return vm
}

/** Agrees a swap between two locations and returns its id. */
export async function agreeSwap(
  ledger: Ledger,
  a: { location: string; owner: Keys; vm: Keys },
  b: { location: string; owner: Keys; vm: Keys },
): Promise<Uint8Array> {
  const swapId = new Uint8Array(randomBytes(32))
  await ledger.append(
    signed(
      {
        kind: 'swap-agreed',
        swapId,
        locationA: a.location,
        locationB: b.location,
        ownerA: a.owner.publicKey,
        ownerB: b.owner.publicKey,
        vmA: a.vm.publicKey,
        vmB: b.vm.publicKey,
        agreement: new TextEncoder().encode('test agreement'),
      },
      a.owner,
      b.owner,
    ),
  )
  return swapId
}

/** Owners alice and bob, a location each (alice's first) with its VM, and one swap agreed between them. */
export async function agreedSwapOfTwo(
  ledger: Ledger,
  [locA, locB]: [string, string] = ['loc-a', 'loc-b'],
): Promise<{ swapId: Uint8Array; alice: Keys; bob: Keys; vmA: Keys; vmB: Keys }> {
  const alice = await registerOwner(ledger, 'alice')
  const bob = await registerOwner(ledger, 'bob')
  const vmA = await registerLocation(ledger, locA, alice)
  const vmB = await registerLocation(ledger, locB, bob)
  const swapId = await agreeSwap(
    ledger,
    { location: locA, owner: alice, vm: vmA },
    { location: locB, owner: bob, vm: vmB },
  )
  return { swapId, alice, bob, vmA, vmB }
}
