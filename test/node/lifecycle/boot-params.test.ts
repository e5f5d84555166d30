/**
 * The lifecycle takes the registered agreement (src/protocols/agreement.ts):
 * its swap id, this VM's side and both swap keys come from the signed terms,
 * and boot parameters carrying an agreement hold to it on every read.
 */
import t from 'tap'
import {
  type BootParams,
  decodeBootParams,
  encodeBootParams,
  lifecycleSwapOf,
} from '../../../src/node/lifecycle/index.js'
import { validateAgreement } from '../../../src/protocols/agreement.js'
import { agreement, keys, party } from '../../protocols/agreement-fixtures.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test(
  'a registered agreement becomes the lifecycle swap of either side, and stays bound to it',
  async (t) => {
    const anchor = keys()
    const a = party('loc-1')
    const b = party('loc-2')
    const signed = validateAgreement(agreement(a, b, anchor.publicKey), { nowMs: Date.now() })

    const asB = lifecycleSwapOf(signed, b.agent.publicKey)
    t.equal(asB.role, 'b')
    t.equal(hex(asB.swapId), hex(signed.swapId))
    t.equal(hex(asB.swapKeys.a), hex(a.swap.publicKey))
    t.equal(hex(asB.swapKeys.b), hex(b.swap.publicKey))
    t.equal(hex(asB.agreement), hex(signed.signed), 'the signed agreement travels with it')
    t.equal(lifecycleSwapOf(signed, a.agent.publicKey).role, 'a')
    t.throws(() => lifecycleSwapOf(signed, keys().publicKey), { name: 'LifecycleError', code: 'NOT_A_PARTY' })

    const params: BootParams = {
      version: 1,
      phase: 'stateless',
      swap: asB,
      swapSecretKey: b.swap.secretKey,
      peerAddrs: ['/ip4/10.0.0.1/tcp/4001'],
      anchor: { publicKey: anchor.publicKey, addrs: ['/ip4/10.0.0.9/tcp/4001/p2p/12D3KooWabc'] },
      network: { listen: ['/ip4/0.0.0.0/tcp/0'], announce: [] },
      tuning: {},
      leftAtMs: Date.now(),
    }
    const back = decodeBootParams(encodeBootParams(params))
    t.equal(hex(back.swap.agreement), hex(signed.signed), 'round-trips')

    // Another swap's agreement, or a damaged one, beside this swap id: refused at the writer.
    const other = validateAgreement(agreement(a, b, anchor.publicKey), { nowMs: Date.now() })
    t.throws(() => encodeBootParams({ ...params, swap: { ...asB, agreement: other.signed } }), {
      name: 'BootParamsError',
      code: 'BOOT_PARAMS_AGREEMENT_MISMATCH',
    })
    t.throws(() => encodeBootParams({ ...params, swap: { ...asB, agreement: new Uint8Array([1, 2, 3]) } }), {
      name: 'BootParamsError',
      code: 'BOOT_PARAMS_AGREEMENT_MISMATCH',
    })
    // A swap the ledger recorded without an agreement still stores.
    t.ok(decodeBootParams(encodeBootParams({ ...params, swap: { ...asB, agreement: new Uint8Array(0) } })))
  },
)
