// Shared fixtures of the anchor tests: keys, and a small world of owners and locations.
import type { Ledger } from '../../src/anchor/ledger/index.js'
import type { DelegationLimits } from '../../src/protocols/delegation.js'
import { type ActionBody, buildSignedAction, type InstanceClass } from '../../src/protocols/ledger-action.js'
import { type SigningKeyPair as Keys, generateSigningKeyPair as keys } from '../../src/protocols/signing.js'
import { agreement, type Party, party } from '../protocols/agreement-fixtures.js'

/** The tests' short names for a fresh Ed25519 key pair. */
export { type Keys, keys }

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

/**
 * Agrees a swap between two locations as agents do: each owner delegates to
 * its VM's agent, both agents sign the terms, the ledger registers them.
 * Returns the swap id.
 */
export async function agreeSwap(
  ledger: Ledger,
  a: { location: string; owner: Keys; vm: Keys },
  b: { location: string; owner: Keys; vm: Keys },
  opts: Parameters<typeof agreement>[3] = {},
): Promise<Uint8Array> {
  return (await agreeSwapWith(ledger, a, b, opts)).swapId
}

/** `agreeSwap`, returning the swap keys and the signed agreement too. */
export async function agreeSwapWith(
  ledger: Ledger,
  a: { location: string; owner: Keys; vm: Keys; limits?: Partial<DelegationLimits> },
  b: { location: string; owner: Keys; vm: Keys; limits?: Partial<DelegationLimits> },
  opts: Parameters<typeof agreement>[3] = {},
): Promise<{ swapId: Uint8Array; swapA: Keys; swapB: Keys; agreement: Uint8Array; parties: [Party, Party] }> {
  const pa = party(a.location, a.owner, a.vm, a.limits)
  const pb = party(b.location, b.owner, b.vm, b.limits)
  const signedAgreement = agreement(pa, pb, ledger.anchorPublicKey, opts)
  const entry = await ledger.registerAgreement(signedAgreement)
  if (entry.action.body.kind !== 'swap-agreed') throw new Error('not an agreement entry')
  return {
    swapId: entry.action.body.swapId,
    swapA: pa.swap,
    swapB: pb.swap,
    agreement: signedAgreement,
    parties: [pa, pb],
  }
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
