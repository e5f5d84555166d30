/**
 * The agent leaves for its own agreement: two agents over libp2p negotiate a
 * swap, the anchor registers it, and each, under a platform that records its
 * reboots, stores boot parameters naming the partner's real listen address,
 * its role and both swap keys, and reboots stateless exactly once. Then, over
 * the same data dirs: an agreement in force with no leave on record (a crash
 * between registration and leave) is left for again at start; one whose swap
 * the history shows completed is not; an agreement the partner registered
 * but this side never stored (the confirmation lost) is adopted from the
 * anchor's open agreement and left for when this side holds the swap key it
 * signed with, and reported, never left for, when it does not.
 */
import '../../src/polyfill.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { AnchorNode } from '../../src/anchor/anchor-node.js'
import { answerLedgerRequest } from '../../src/anchor/ledger-service.js'
import { Agent } from '../../src/node/agent.js'
import { AnchorLedgerClient } from '../../src/node/anchor-client.js'
import { parseAgentConfig } from '../../src/node/config.js'
import { swapPeerAddrs } from '../../src/node/lifecycle/index.js'
import { validateAgreement } from '../../src/protocols/agreement.js'
import { buildSignedAction } from '../../src/protocols/ledger-action.js'
import { LedgerRequest } from '../../src/protocols/proto/anchor.js'
import { publicKeyOf } from '../../src/protocols/signing.js'
import { openDataDir } from '../../src/runtime/data-dir.js'
import { loadOrCreateKey } from '../../src/runtime/key-store.js'
import { delegate, keys } from '../protocols/agreement-fixtures.js'
import { CLASS_LEDGER, CLS, CPU_RICH, DISK_RICH } from './fixtures/market-sides.js'
import { RecordingPlatform } from './fixtures/recording-platform.js'
import { log, startAnchor, waitFor } from './helpers.js'

/** Two agents start libp2p and negotiate, then restart four times: the machine may be loaded. */
t.setTimeout(10 * 60_000)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/**
 * Market rounds every 2 s before the agreement; afterwards rounds do not matter. Pairwise offers:
 * this test is about leaving, and the matching's sessions (matching-agents.test.ts) would only add
 * their settle time and session stride to every agreement here.
 */
const MARKET = { intervalMs: 2_000, matching: { enabled: false } }

interface Side {
  dir: string
  hostDir: string
  location: string
  kind: 'cpu-rich' | 'disk-rich'
}

async function enrol(anchor: AnchorNode, s: Side): Promise<void> {
  await mkdir(s.dir, { recursive: true })
  const owner = keys()
  const agentKey = (await loadOrCreateKey(s.dir)).publicKey.raw
  await anchor.ledger.append(
    buildSignedAction({ kind: 'owner-registered', owner: owner.publicKey, name: s.location }, [owner]),
  )
  await anchor.ledger.append(
    buildSignedAction(
      {
        kind: 'location-registered',
        location: s.location,
        owner: owner.publicKey,
        vm: agentKey,
        instanceClass: CLASS_LEDGER,
      },
      [owner],
    ),
  )
  await writeFile(join(s.dir, 'delegation.bin'), delegate(owner, agentKey))
}

async function startAgent(
  t: Test,
  anchor: AnchorNode,
  s: Side,
  platform: RecordingPlatform | undefined,
): Promise<Agent> {
  const config = parseAgentConfig({
    instanceClass: CLS,
    location: s.location,
    profileOverride: s.kind === 'cpu-rich' ? CPU_RICH : DISK_RICH,
    needs: s.kind === 'cpu-rich' ? { diskWrite: 0.9 } : { cpu: 0.9 },
    needsMode: 'config',
    profiler: { enabled: false },
    bootstrap: anchor.host.getMultiaddrs().map(String),
    anchorKey: hex(anchor.key.publicKey),
    market: MARKET,
  })
  // the disk benchmarks of probes served write their scratch files there
  if (platform !== undefined) await mkdir(platform.diskDir, { recursive: true })
  const a = await Agent.create({
    dataDir: s.dir,
    config,
    log,
    ...(platform === undefined ? {} : { platform }),
  })
  await a.start()
  t.teardown(() => a.stop())
  return a
}

/** Edits a stopped agent's database: the states a crash leaves behind. */
async function editDb(
  dir: string,
  edit: (db: Awaited<ReturnType<typeof openDataDir>>['db']) => Promise<void>,
) {
  const d = await openDataDir(dir)
  try {
    await edit(d.db)
  } finally {
    await d.close()
  }
}

async function counter(a: Agent, name: string, label: string): Promise<number> {
  const m = a.metrics.registry.getSingleMetric(name)
  if (m === undefined) return 0
  const values = (await m.get()).values as { labels: Record<string, string>; value: number }[]
  return values.filter((v) => Object.values(v.labels).includes(label)).reduce((n, v) => n + v.value, 0)
}

t.test(
  'agents leave for their own agreement, resume after a crash and adopt one from the anchor',
  async (t) => {
    const dir = t.testdir()
    const anchor = await startAnchor(t, dir)
    const A: Side = {
      dir: join(dir, 'a'),
      hostDir: join(dir, 'host-a'),
      location: 'host-a',
      kind: 'disk-rich',
    }
    const B: Side = {
      dir: join(dir, 'b'),
      hostDir: join(dir, 'host-b'),
      location: 'host-b',
      kind: 'cpu-rich',
    }
    await enrol(anchor, A)
    await enrol(anchor, B)
    const pa = new RecordingPlatform(A.location, A.hostDir)
    const pb = new RecordingPlatform(B.location, B.hostDir)
    let a = await startAgent(t, anchor, A, pa)
    let b = await startAgent(t, anchor, B, pb)

    t.ok(
      await waitFor(() => pa.statelessReboots.length > 0 && pb.statelessReboots.length > 0, 300_000),
      'both agents rebooted stateless for their agreement',
    )
    const heldA = await a.negotiation!.agreementInForce()
    const heldB = await b.negotiation!.agreementInForce()
    t.ok(heldA !== null && heldB !== null, 'both hold the agreement')
    t.equal(heldA!.swapId, heldB!.swapId, 'the same agreement')
    const agreement = validateAgreement(new Uint8Array(Buffer.from(heldA!.signed, 'hex')), {
      nowMs: Date.now(),
      anchorKey: anchor.key.publicKey,
    })
    const bootA = (await pa.loadBootParams())!
    const bootB = (await pb.loadBootParams())!
    for (const [name, boot, held, partner] of [
      ['a', bootA, heldA!, b],
      ['b', bootB, heldB!, a],
    ] as const) {
      t.equal(boot.phase, 'stateless', `${name}: stateless boot parameters stored`)
      t.equal(hex(boot.swap.swapId), held.swapId, `${name}: for the agreed swap`)
      t.equal(boot.swap.role, held.role, `${name}: its role`)
      t.equal(hex(boot.swap.swapKeys.a), hex(agreement.a.swapKey), `${name}: side a's swap key`)
      t.equal(hex(boot.swap.swapKeys.b), hex(agreement.b.swapKey), `${name}: side b's swap key`)
      t.equal(hex(boot.swap.agreement), held.signed, `${name}: the registered agreement`)
      t.equal(
        hex(publicKeyOf(boot.swapSecretKey)),
        hex(agreement[held.role].swapKey),
        `${name}: its own swap secret`,
      )
      const listening = swapPeerAddrs(partner.host.getMultiaddrs(), partner.peerId.toString())
      t.ok(
        boot.peerAddrs.some((x) => listening.includes(x)),
        `${name}: the partner's real listen address (${boot.peerAddrs.join(', ')})`,
      )
      t.notOk(
        boot.peerAddrs.some((x) => x.includes('/p2p')),
        `${name}: no /p2p suffix, no circuit`,
      )
      t.same(boot.anchor.addrs, anchor.host.getMultiaddrs().map(String), `${name}: the anchor`)
    }
    t.not(bootA.swap.role, bootB.swap.role, 'one side each')
    // The responder tells its agent after a grace; both are on record now: nothing asks for a second leave.
    t.equal(await counter(a, 'vboom_agreement_leaves_total', 'agreed'), 1, 'a left once, for the agreement')
    t.equal(await counter(b, 'vboom_agreement_leaves_total', 'agreed'), 1, 'b left once, for the agreement')
    t.equal(pa.statelessReboots.length, 1, 'a rebooted stateless exactly once')
    t.equal(pb.statelessReboots.length, 1, 'b rebooted stateless exactly once')

    // The anchor's open agreement names both agents.
    const ledger = new AnchorLedgerClient({
      node: a.host,
      anchor: anchor.host.getMultiaddrs(),
      anchorKey: anchor.key.publicKey,
    })
    t.equal(
      hex((await ledger.openAgreement(a.key.publicKey.raw))!),
      heldA!.signed,
      "the anchor's open agreement of a",
    )
    t.equal(hex((await ledger.openAgreement(b.key.publicKey.raw))!), heldA!.signed, 'and of b')
    t.equal(await ledger.openAgreement(publicKeyOf(new Uint8Array(32).fill(7))), null, 'none for another key')
    await t.rejects(
      answerLedgerRequest(
        anchor.ledger,
        LedgerRequest.encode({ openAgreement: { agentKey: new Uint8Array(5) } }),
      ),
      { name: 'LedgerActionError', code: 'MALFORMED_REQUEST' },
      'a query with a malformed agent key is refused',
    )

    await t.test('a crash between registration and leave: the restarted agent leaves', async (t) => {
      await a.stop()
      // As if the host died before the boot parameters were stored: no parameters, no leave on record.
      await pa.clearBootParams()
      await editDb(A.dir, (db) => db.del('lifecycle/leaving'))
      const again = new RecordingPlatform(A.location, A.hostDir)
      a = await startAgent(t, anchor, A, again)
      t.ok(await waitFor(() => again.statelessReboots.length > 0, 60_000), 'a leaves again')
      t.equal(again.statelessReboots[0]?.swap.role, heldA!.role)
      t.equal(hex(again.statelessReboots[0]!.swap.swapId), heldA!.swapId, 'for the same swap')
      t.equal(await counter(a, 'vboom_agreement_leaves_total', 'resumed'), 1, 'counted as resumed')
      t.equal(a.leavingFor, heldA!.swapId)
    })

    await t.test('a swap the history shows completed is not left for again', async (t) => {
      await a.stop()
      // The swap ran: the host's parameters say completed, and the VM now boots at the partner's location.
      const done = (await new RecordingPlatform(A.location, A.hostDir).loadBootParams())!
      const moved = new RecordingPlatform(B.location, join(dir, 'host-b-after'))
      await moved.storeBootParams({
        ...done,
        phase: 'completed',
        outcome: { atMs: Date.now(), reason: 'swapped' },
      })
      a = await startAgent(t, anchor, A, moved)
      t.match(a.boot, {
        moved: true,
        recorded: { kind: 'swap', outcome: 'completed', swapId: heldA!.swapId },
      })
      t.equal(await a.negotiation!.agreementInForce(), null, 'the agreement is no longer held')
      t.equal(a.negotiation!.held(), null, 'the agent is free to trade again')
      await a.stop()
      t.equal(moved.statelessReboots.length, 0, 'no leave')
      t.equal(a.leavingFor, null)
    })

    await t.test('the confirmation lost: the partner adopts the agreement from the anchor', async (t) => {
      await b.stop()
      // b signed the terms (its swap key kept) but never stored the agreement, and never left.
      await pb.clearBootParams()
      await editDb(B.dir, async (db) => {
        await db.del(`agreement/${heldB!.swapId}`)
        await db.del('lifecycle/leaving')
      })
      const again = new RecordingPlatform(B.location, B.hostDir)
      b = await startAgent(t, anchor, B, again)
      t.ok(
        await waitFor(() => again.statelessReboots.length > 0, 60_000),
        'b adopts the agreement and leaves',
      )
      const boot = again.statelessReboots[0]!
      t.equal(hex(boot.swap.swapId), heldB!.swapId, 'for the swap the anchor holds open')
      t.equal(boot.swap.role, heldB!.role)
      t.equal(
        hex(publicKeyOf(boot.swapSecretKey)),
        hex(agreement[heldB!.role].swapKey),
        'with the key it signed with',
      )
      t.equal(await counter(b, 'vboom_agreement_leaves_total', 'adopted'), 1, 'counted as adopted')
      t.equal((await b.agreements()).map((x) => x.swapId).join(), heldB!.swapId, 'and holds it now')
    })

    await t.test('without its swap key the agent cannot take part, says so and does not leave', async (t) => {
      await b.stop()
      await pb.clearBootParams()
      await editDb(B.dir, async (db) => {
        await db.del(`agreement/${heldB!.swapId}`)
        await db.del('lifecycle/leaving')
        await db.del(`signed-swap-key/${hex(agreement[heldB!.role].swapKey)}`)
      })
      const again = new RecordingPlatform(B.location, B.hostDir)
      b = await startAgent(t, anchor, B, again)
      t.ok(
        await waitFor(
          async () => (await counter(b, 'vboom_negotiation_outcomes_total', 'unheld-swap-key')) === 1,
          60_000,
        ),
        'the agreement it cannot take part in is reported',
      )
      t.same(await b.agreements(), [], 'not adopted')
      t.equal(again.statelessReboots.length, 0, 'no leave')

      // The other side's swapper aborts at its decision timeout: the anchor holds nothing open for either side.
      await anchor.ledger.abortSwap(agreement.swapId, 'the peer did not stage before the decision timeout')
      const ledger = new AnchorLedgerClient({
        node: b.host,
        anchor: anchor.host.getMultiaddrs(),
        anchorKey: anchor.key.publicKey,
      })
      t.equal(await ledger.openAgreement(a.key.publicKey.raw), null, 'aborted: nothing open for a')
      t.equal(await ledger.openAgreement(b.key.publicKey.raw), null, 'nor for b')
    })

    await t.test(
      'an agreement whose swap the anchor resolved without this side is dropped, not left for',
      async (t) => {
        await b.stop()
        await pb.clearBootParams()
        await editDb(B.dir, async (db) => {
          await db.put(`agreement/${heldB!.swapId}`, new TextEncoder().encode(JSON.stringify(heldB)))
          await db.del('lifecycle/leaving')
        })
        const again = new RecordingPlatform(B.location, B.hostDir)
        b = await startAgent(t, anchor, B, again)
        await b.startupLeave
        t.equal(again.statelessReboots.length, 0, 'no leave')
        t.same(
          (await b.agreements()).map((x) => [x.swapId, x.state]),
          [[heldB!.swapId, 'resolved']],
          'the agreement shows resolved',
        )
        t.equal(b.negotiation!.held(), null, 'and no longer holds the agent')
        t.equal(await counter(b, 'vboom_negotiation_outcomes_total', 'resolved-elsewhere'), 1)
      },
    )
  },
)
