import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import t from 'tap'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import { openSwapChannel } from '../../src/protocols/swap-channel.js'
import { SwapAgent } from '../../src/swapper/agent.js'
import type { SwapAgreement } from '../../src/swapper/agent-options.js'
import { LevelCoordinator } from '../../src/swapper/coordinator/coordinator.js'
import { createSwapNode } from '../../src/swapper/local/swap-node.js'
import { fetchManifest } from '../../src/swapper/transfer/fetch.js'
import { MiB, random, sha256File, writeImage } from './helpers.js'

t.test(
  'a peer not named in the agreement is refused both ways; the swap aborts, disk untouched',
  async (t) => {
    const dir = t.testdir()
    const pa = join(dir, 'a.img')
    await writeImage(pa, random(MiB))
    const ha = await sha256File(pa)
    const [na, nb, nx] = await Promise.all([1, 2, 3].map(() => createSwapNode(randomBytes(32))))
    const coordinator = await LevelCoordinator.open(join(dir, 'coord'))
    t.teardown(async () => {
      for (const n of [na!, nb!, nx!]) await n.stop()
      await coordinator.close()
    })
    const skA = generateSecretKey()
    const agreement: SwapAgreement = {
      swapId: randomBytes(16),
      parties: {
        a: { peerId: na!.peerId, swapKey: publicKeyOf(skA) },
        b: { peerId: nb!.peerId, swapKey: publicKeyOf(generateSecretKey()) },
      },
    }
    const agent = new SwapAgent({
      role: 'a',
      diskPath: pa,
      stateDir: join(dir, 'state-a'),
      agreement,
      swapSecretKey: skA,
      coordinator,
      node: na!,
      // an impostor's address where B's should be
      peerAddrs: nx!.getMultiaddrs(),
      stagingReserveBytes: 0,
      timeoutMs: 2000,
    })
    await agent.start()
    t.teardown(() => agent.stop())
    const run = agent.run().then(
      () => null,
      (e: unknown) => e as Error & { cause?: Error },
    )

    // the impostor asks A for its manifest: A serves only B
    const ch = await openSwapChannel(nx!, na!.getMultiaddrs(), na!.peerId, AbortSignal.timeout(2000))
    await t.rejects(
      fetchManifest(
        ch,
        agreement.swapId,
        { swapId: agreement.swapId, role: 'a', signer: agreement.parties.a.swapKey },
        2000,
      ),
      'A refuses to serve a peer outside the agreement',
    )

    const err = await run
    t.equal(err?.name, 'SwapAbortedError')
    t.equal(err?.cause?.name, 'PeerNotInAgreementError')
    t.equal((await coordinator.status(Buffer.from(agreement.swapId).toString('hex'))).decision, 'aborted')
    t.equal(await sha256File(pa), ha, 'A untouched')
  },
)
