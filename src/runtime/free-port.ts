/** A TCP port nothing listens on, for a process that must know its port before it starts. */
import { readFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'

/**
 * Ports below the kernel's ephemeral range are never handed out implicitly
 * (an outgoing connection's source port, a listen on port 0), so a port
 * chosen there stays free until someone asks for it by number. A port the
 * OS picks from the ephemeral range can be taken by any process's next
 * outgoing connection between the probe and the listen ("address already in
 * use" in a tool started a second later).
 */
const LOW_PORT = 10_000
/** Linux's default ephemeral range starts here; used where the range cannot be read. */
const DEFAULT_EPHEMERAL_LOW = 32_768
/** Random picks to try below the ephemeral range before falling back to one the OS picks. */
const TRIES = 64

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)
    const n = Number(low)
    return Number.isInteger(n) && n > 0 ? n : DEFAULT_EPHEMERAL_LOW
  } catch {
    return DEFAULT_EPHEMERAL_LOW
  }
}

/**
 * Listens on `port` (0: the OS picks) and closes at once; the port, or null
 * if it is in use (any other failure, a loopback that is down, rejects).
 */
async function probe(port: number): Promise<number | null> {
  const server = createServer()
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(false) : reject(err),
    )
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(true))
  })
  if (!bound) return null
  // A TCP listener's address is always an AddressInfo (a string only for a pipe).
  const { port: got } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return got
}

/**
 * A free TCP port on the loopback, below the ephemeral range when there is
 * room there (see LOW_PORT), so a process started next (or restarted) can
 * listen on it.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1
  if (high > LOW_PORT)
    for (let i = 0; i < TRIES; i++) {
      const port = await probe(LOW_PORT + Math.floor(Math.random() * (high - LOW_PORT + 1)))
      if (port !== null) return port
    }
  // Port 0 never reports "in use": the OS finds one or the listen rejects.
  return (await probe(0)) as number
}
