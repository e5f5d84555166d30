import type { Command } from 'commander'
import type { AgentStatus } from '../../node/agent.js'
import { fetchStatus } from '../../node/control-client.js'

function formatStatus(s: AgentStatus): string {
  const lines: string[] = []
  lines.push(`peer id     ${s.peerId}`)
  lines.push(`class       ${s.classId}`)
  lines.push('addresses')
  for (const a of s.addresses) lines.push(`  ${a}`)
  lines.push(`connections ${s.connections.length}`)
  for (const c of s.connections) lines.push(`  ${c.peer}  ${c.address}`)
  lines.push(`class peers found in the DHT: ${s.classPeersInDht.length}`)
  const own = s.advert
  lines.push(
    own
      ? `own advert  seq ${own.sequence}, location ${own.location}, expires ${own.expiresAt}`
      : 'own advert  (none yet)',
  )
  lines.push(`market      ${s.market.length} fresh advert(s)`)
  for (const a of s.market) {
    const profile = Object.entries(a.profile as Record<string, { median: number }>)
      .map(([k, v]) => `${k}=${v.median}`)
      .join(' ')
    lines.push(`  ${a.vm}  ${a.location}  ask ${a.askMicros}  ${profile}`)
  }
  lines.push(`adverts     published ${s.counters.published}, accepted ${s.counters.accepted}`)
  const rejected = Object.entries(s.counters.rejected)
  lines.push(
    `rejected    ${rejected.length === 0 ? 'none' : rejected.map(([k, v]) => `${k}=${v}`).join(' ')}`,
  )
  return `${lines.join('\n')}\n`
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show what a running agent sees: peers, own advert, market, rejections')
    .requiredOption('-d, --data-dir <dir>', "the agent's data dir")
    .option('--json', 'print the raw status as JSON')
    .action(async (flags: { dataDir: string; json?: boolean }) => {
      const s = await fetchStatus(flags.dataDir)
      process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s))
    })
}
