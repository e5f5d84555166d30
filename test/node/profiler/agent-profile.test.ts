/**
 * The agent end to end: it fetches the anchor's signed suite (through the
 * probe service), the profiler runs the real CPU benchmark in the sandbox on
 * a fast schedule, the advert carries the measured profile with the
 * override on top, and the control socket and `vboom needs` show the needs
 * with their sources, while the agent runs and after it stopped.
 */
import { join } from 'node:path'
import t from 'tap'
import { fetchNeeds } from '../../../src/node/control-client.js'
import { ControlServer } from '../../../src/node/control-server.js'
import { SMALL } from '../../../src/testnet/mesh.js'
import { vboom } from '../../cli/helpers.js'
import { log, startAgent, startAnchor, waitFor } from '../helpers.js'

const RTT = { median: 250, spread: 10, samples: 30, windowMs: 600_000 }

t.test('the advert carries the measured profile; needs are shown with their sources', async (t) => {
  const dir = t.testdir()
  const anchor = await startAnchor(t, dir)
  const dataDir = join(dir, 'agent')
  const agent = await startAgent(t, dataDir, 0, SMALL, anchor.multiaddrs, {
    anchorKey: Buffer.from(anchor.publicKey).toString('hex'),
    profileOverride: { netRtt: RTT },
    // Fast and unbudgeted for the test; the CPU benchmark alone keeps it short.
    profiler: {
      startDelayMs: 0,
      intervalMs: 1_000,
      jitter: 0,
      busyRetryMs: 200,
      cpuShare: 1,
      diskShare: 1,
      benchmarks: ['vboom/cpu'],
    },
    needs: { netRtt: 0.2 },
    needsLearning: { sampleIntervalMs: 1_000, minObservedMs: 0 },
  })
  const control = new ControlServer(agent, log)
  await control.start()
  t.teardown(() => control.stop())

  t.ok(
    await waitFor(() => (agent.profileStatus()?.resources.cpu?.count ?? 0) >= 3, 90_000),
    'three CPU samples measured in the sandbox',
  )
  const status = agent.profileStatus()!
  t.same(
    status.benchmarks,
    [{ resource: 'cpu', name: 'vboom/cpu' }],
    'the configured benchmark, from the signed catalog',
  )
  t.equal(status.lastRun?.outcome, 'measured')
  t.ok(status.lastRun!.cost.cpuMs > 0, 'its CPU time is measured')
  t.ok(
    await waitFor(async () => {
      const own = (await agent.status()).advert as { profile: Record<string, { samples: number }> } | null
      return (own?.profile.cpu?.samples ?? 0) >= 1
    }, 30_000),
    'the published advert carries the measured CPU',
  )
  const advert = (await agent.status()).advert as {
    profile: Record<string, { median: number }>
    needs: object
  }
  t.ok(advert.profile.cpu!.median > 0, 'a positive ops/s median')
  t.same(advert.profile.netRtt, RTT, 'the override stands beside the measured resources')
  t.equal((advert.needs as Record<string, number>).netRtt, 0.2, 'the config’s weight is advertised')

  const needs = await fetchNeeds(dataDir)
  t.equal(needs.mode, 'both')
  t.match(
    needs.entries.find((e) => e.resource === 'netRtt'),
    { source: 'config', weight: 0.2 },
  )
  t.ok(needs.sum <= 1 + 1e-9)
  const running = await vboom(['needs', '--data-dir', dataDir])
  t.equal(running.code, 0, running.stderr)
  t.match(running.stdout, /needs \(agent running; mode both\)/)
  t.match(running.stdout, /netRtt\s+0\.200\s+config\s+config/)
  t.match(running.stdout, /memoryBw\s+0\s+default\s+not learnable/)
  t.match(running.stdout, /^sum \d\.\d{3}; /m)
  t.comment(running.stdout)

  await control.stop()
  await agent.stop()
  const stopped = await vboom(['needs', '--data-dir', dataDir, '--json'])
  t.equal(stopped.code, 0, stopped.stderr)
  const offline = JSON.parse(stopped.stdout)
  t.equal(offline.mode, 'both', 'read from the stopped agent’s database')
  t.equal(offline.entries.length, 7)
  const human = await vboom(['needs', '--data-dir', dataDir])
  t.match(human.stdout, /agent stopped; as last derived/)
  const missing = await vboom(['needs', '--data-dir', join(dir, 'nothing-here')])
  t.equal(missing.code, 2, 'no agent, no database: a usage error')
  t.match(missing.stderr, /no agent is running with data dir/)
})
