/**
 * An agreement in force that cannot be left for yet is retried on a timer:
 * the partner's address appears only after some attempts and the leave then
 * happens, without a restart; retries stop at the agreement's expiry, when
 * it is no longer held, and when the agent stops; a cause no wait changes
 * is not retried. The agreement, its validation, the lifecycle store and
 * the address filtering are the real ones; only the peer store, the
 * platform's prepare and reboot are recorded.
 */
import '../../../src/polyfill.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import { multiaddr } from '@multiformats/multiaddr'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { formatLeave } from '../../../src/cli/commands/market.js'
import {
  AgreementLeave,
  type AgreementLeaveInit,
  isRetryableLeaveCode,
  LEAVE_RETRY_JITTER,
  type LeaveRequest,
  LifecycleErrorCode,
  LifecycleStore,
  leaveRetryDelayMs,
} from '../../../src/node/lifecycle/index.js'
import type { StoredAgreement } from '../../../src/node/negotiation/agreement-store.js'
import { peerIdOfKey, readAgreement } from '../../../src/protocols/agreement.js'
import { openDataDir } from '../../../src/runtime/data-dir.js'
import { agreement, CLASS, keys, party } from '../../protocols/agreement-fixtures.js'
import { log, waitFor } from '../helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** Short delays so a test sees several retries in well under a second. */
const FAST = { firstDelayMs: 20, maxDelayMs: 80 }

interface World {
  leave: AgreementLeave
  stored: StoredAgreement
  partnerAddr: string
  /** What the peer store and the DHT answer for the partner. */
  addrs: Multiaddr[]
  prepared: LeaveRequest[]
  reboots: number
  metrics: Registry
}

async function world(t: Test, over: Partial<AgreementLeaveInit> = {}, expiresInMs?: number): Promise<World> {
  const anchor = keys()
  const a = party('host-a')
  const b = party('host-b')
  const signed = agreement(a, b, anchor.publicKey)
  const read = readAgreement(signed)
  const now = Date.now()
  const stored: StoredAgreement = {
    swapId: hex(read.swapId),
    role: 'a',
    partner: peerIdOfKey(b.agent.publicKey).toString(),
    location: 'host-a',
    partnerLocation: 'host-b',
    priceMicros: '0',
    payer: null,
    statedGainMicros: '1000',
    issuedAtMs: read.terms.issuedAtMs,
    // The retries read the stored expiry; the signed one is an hour away.
    expiresAtMs: expiresInMs === undefined ? read.terms.expiresAtMs : now + expiresInMs,
    registeredAtMs: now,
    signed: hex(signed),
    swapSecretKey: hex(a.swap.secretKey),
  }
  const dir = t.testdir()
  const data = await openDataDir(dir)
  t.teardown(() => data.close())
  const metrics = new Registry()
  const w: World = {
    stored,
    partnerAddr: `/ip4/10.0.0.2/tcp/4001/p2p/${stored.partner}`,
    addrs: [],
    prepared: [],
    reboots: 0,
    metrics,
    leave: undefined as unknown as AgreementLeave,
  }
  w.leave = new AgreementLeave({
    agentKey: a.agent.publicKey,
    anchorKey: anchor.publicKey,
    instanceClass: CLASS,
    lifecycle: new LifecycleStore(data.db, dir),
    addrs: { known: async () => w.addrs, locate: async () => w.addrs },
    canSwap: true,
    prepare: async (req) => {
      w.prepared.push(req)
    },
    reboot: () => {
      w.reboots += 1
      return new Promise<never>(() => {})
    },
    metrics,
    log,
    retry: FAST,
    ...over,
  })
  t.teardown(() => w.leave.stop())
  return w
}

async function counter(r: Registry, name: string, label: string): Promise<number> {
  const m = r.getSingleMetric(name)
  if (m === undefined) return 0
  const values = (await m.get()).values as { labels: Record<string, string>; value: number }[]
  return values.filter((v) => Object.values(v.labels).includes(label)).reduce((n, v) => n + v.value, 0)
}

t.test('the back-off doubles from its first delay, stays within its jitter and its cap', async (t) => {
  const at = (failures: number, random: number) =>
    leaveRetryDelayMs(failures, { firstDelayMs: 5_000, maxDelayMs: 60_000, random: () => random })
  t.equal(at(1, 0.5), 5_000, 'first retry at the first delay')
  t.equal(at(2, 0.5), 10_000, 'then doubled')
  t.equal(at(4, 0.5), 40_000)
  t.equal(at(5, 0.5), 60_000, 'capped')
  t.equal(at(50, 0.5), 60_000, 'and stays capped')
  t.equal(at(1, 0), 5_000 * (1 - LEAVE_RETRY_JITTER), 'the lowest draw')
  t.ok(at(1, 0.999_999) <= 5_000 * (1 + LEAVE_RETRY_JITTER), 'the highest draw')
  t.ok(isRetryableLeaveCode(LifecycleErrorCode.NO_PEER_ADDRESS), 'an unknown address passes')
  t.ok(isRetryableLeaveCode('FAILED'), 'an unexpected failure may pass')
  for (const code of [
    LifecycleErrorCode.NO_PLATFORM,
    LifecycleErrorCode.BAD_AGREEMENT,
    LifecycleErrorCode.ALREADY_LEAVING,
    'BOOT_PARAMS_TOO_LARGE',
  ])
    t.notOk(isRetryableLeaveCode(code), `${code} is not retried`)
})

t.test('a partner whose address appears only later is left for, without a restart', async (t) => {
  const w = await world(t)
  await w.leave.leaveFor(w.stored, 'agreed')
  const first = w.leave.status(w.stored.swapId)
  t.equal(first?.state, 'retrying', 'no address yet: retrying')
  t.equal(first?.lastErrorCode, LifecycleErrorCode.NO_PEER_ADDRESS, 'the last error code is kept')
  t.ok(first?.nextRetryAtMs !== null && first!.nextRetryAtMs > Date.now() - 1_000, 'the next retry is set')
  t.equal(w.prepared.length, 0, 'nothing prepared')

  t.ok(
    await waitFor(() => (w.leave.status(w.stored.swapId)?.attempts ?? 0) >= 3, 30_000),
    'the timer tries again',
  )
  w.addrs = [multiaddr(w.partnerAddr)]
  t.ok(await waitFor(() => w.reboots === 1, 30_000), 'the leave happened once the address was known')
  t.equal(w.prepared.length, 1, 'prepared once')
  t.same(w.prepared[0]!.peerAddrs, ['/ip4/10.0.0.2/tcp/4001'], "the partner's direct address")
  t.equal(w.prepared[0]!.swap.role, 'a')
  const done = w.leave.status(w.stored.swapId)!
  t.equal(done.state, 'left')
  t.equal(done.nextRetryAtMs, null, 'no retry left')
  t.equal(w.leave.leaving, w.stored.swapId)
  t.ok(
    (await counter(w.metrics, 'vboom_agreement_leaves_refused_total', 'NO_PEER_ADDRESS')) >= 3,
    'each failed attempt counted',
  )
  t.equal(await counter(w.metrics, 'vboom_agreement_leaves_total', 'agreed'), 1, 'one leave counted')
})

t.test('retries stop at the agreement’s expiry', async (t) => {
  const w = await world(t, {}, 300)
  await w.leave.leaveFor(w.stored, 'agreed')
  t.ok(
    await waitFor(() => w.leave.status(w.stored.swapId)?.state === 'expired', 30_000),
    'the leave stops as expired',
  )
  const s = w.leave.status(w.stored.swapId)!
  t.equal(s.nextRetryAtMs, null)
  w.addrs = [multiaddr(w.partnerAddr)]
  await new Promise((r) => setTimeout(r, 200))
  t.equal(w.leave.status(w.stored.swapId)!.attempts, s.attempts, 'no attempt after expiry')
  t.equal(w.reboots, 0, 'never left')
})

t.test('retries stop when the agreement is no longer held', async (t) => {
  let held = true
  const w = await world(t, { stillHeld: async () => held })
  await w.leave.leaveFor(w.stored, 'resumed')
  t.ok(await waitFor(() => (w.leave.status(w.stored.swapId)?.attempts ?? 0) >= 2, 30_000))
  held = false
  t.ok(
    await waitFor(() => w.leave.status(w.stored.swapId)?.state === 'resolved', 30_000),
    'resolved at the anchor without this side: no more retries',
  )
  w.addrs = [multiaddr(w.partnerAddr)]
  await new Promise((r) => setTimeout(r, 200))
  t.equal(w.reboots, 0, 'never left')
})

t.test('a cause no wait changes is refused once, not retried', async (t) => {
  const w = await world(t, { canSwap: false })
  await w.leave.leaveFor(w.stored, 'agreed')
  await w.leave.leaveFor(w.stored, 'resumed')
  const s = w.leave.status(w.stored.swapId)!
  t.equal(s.state, 'refused')
  t.equal(s.lastErrorCode, LifecycleErrorCode.NO_PLATFORM)
  t.equal(s.nextRetryAtMs, null, 'no retry')
  t.equal(await counter(w.metrics, 'vboom_agreement_leaves_refused_total', 'NO_PLATFORM'), 1, 'counted once')
})

t.test('stop cancels the retry waiting', async (t) => {
  const w = await world(t, { retry: { firstDelayMs: 100, maxDelayMs: 100 } })
  await w.leave.leaveFor(w.stored, 'agreed')
  w.leave.stop()
  w.addrs = [multiaddr(w.partnerAddr)]
  await new Promise((r) => setTimeout(r, 400))
  t.equal(w.leave.status(w.stored.swapId)!.attempts, 1, 'no attempt after stop')
  t.equal(w.reboots, 0)
})

t.test('vboom agreements shows where the leave stands', async (t) => {
  t.equal(formatLeave(null), '-', 'no leave asked')
  t.equal(
    formatLeave({
      state: 'retrying',
      attempts: 3,
      nextRetryAtMs: Date.UTC(2026, 0, 2, 3, 4, 5),
      lastErrorCode: 'NO_PEER_ADDRESS',
      lastError: 'no direct address',
    }),
    'retrying next 2026-01-02T03:04:05.000Z (3 tries, last NO_PEER_ADDRESS)',
  )
  t.equal(
    formatLeave({ state: 'left', attempts: 1, nextRetryAtMs: null, lastErrorCode: null, lastError: null }),
    'left (1 try)',
  )
})
