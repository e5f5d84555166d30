/**
 * freePort: a port below the kernel's ephemeral range (which outgoing
 * connections never take), free to listen on, and different from one
 * already held.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import t from 'tap'
import { freePort } from '../../src/runtime/free-port.js'

function listen(port: number): Promise<Server> {
  const server = createServer()
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server))
  })
}

t.test('a port below the ephemeral range that can be listened on', async (t) => {
  const port = await freePort()
  let low = 32_768
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {}
  t.ok(port >= 10_000 && port < low, `${port} lies below the ephemeral range (from ${low})`)
  const server = await listen(port)
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  t.pass('a listener takes it')
})

t.test('a port in use is never given', async (t) => {
  const held: Server[] = []
  t.teardown(() => Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r())))))
  const ports = new Set<number>()
  for (let i = 0; i < 20; i++) {
    const port = await freePort()
    t.notOk(ports.has(port), `${port} was not given while held`)
    ports.add(port)
    held.push(await listen(port))
  }
})
