/**
 * Publishes this VM's signed advert on its class topic: at start, every
 * third of its lifetime (30 s at most), and soon after a new peer subscribes to the topic
 * (gossipsub does not replay old messages to newcomers). Every advert
 * carries the profile and needs of the moment (`live`); the agent publishes
 * at once when they change materially.
 *
 * Sequence numbers must rise across restarts: the next one is
 * max(last persisted + 1, now in ms), and it is persisted (synced) before
 * the advert leaves, so a crash can skip numbers but never reuse one.
 */
import type { GossipSub, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { type Advert, type InstanceClass, type Needs, type Profile, signAdvert } from '../protocols/advert.js'
import type { Bytes } from '../protocols/signing.js'
import type { Db } from '../runtime/data-dir.js'
import type { Logger } from '../runtime/log.js'
import type { AdvertMetrics } from '../runtime/metrics.js'

const SEQUENCE_KEY = 'advert/sequence'
/** Recent adverts remembered (sequence and time): profiles change every few minutes at most, so 16 span any negotiation. */
const RECENT_ADVERTS = 16
/** Several subscribers often arrive together (a mesh forming): one republish serves them all. */
const NEW_SUBSCRIBER_DEBOUNCE_MS = 250
/**
 * Republishes for newcomers are spaced at least this far apart: while a mesh
 * forms, subscribers arrive every few ms, and republishing for each would
 * exceed the receivers' rate limit (ADVERT_RATE_PER_SECOND = 1/s sustained).
 */
const MIN_REPUBLISH_INTERVAL_MS = 2_000
/**
 * Gossip is best effort: a peer that joined the mesh just after an advert went
 * out never sees it (gossipsub replays only a few seconds of history). A
 * periodic republish at most this far apart repairs that; a few hundred bytes
 * every 30 s per agent is cheap.
 */
const MAX_REPUBLISH_INTERVAL_MS = 30_000

export interface AdvertContent {
  instanceClass: InstanceClass
  location: string
  profile: Profile
  needs: Needs
  askMicros: bigint
  ttlMs: number
}

export interface AdvertPublisherOptions {
  topic: string
  pubsub: GossipSub
  key: Ed25519PrivateKey
  db: Db
  content: AdvertContent
  /**
   * Live sources that replace `content.profile` and `content.needs` in every
   * advert drafted (the profiler's profile, the needs learner's weights), so
   * the periodic republish always carries the current figures.
   */
  live?: { profile?: () => Profile; needs?: () => Needs }
  /** The anchor attestations to carry, as of `nowMs` (none when omitted). */
  attestations?: (nowMs: number) => Bytes[]
  metrics: AdvertMetrics
  log: Logger
}

export class AdvertPublisher {
  private current?: Advert
  private readonly recent: { sequence: bigint; atMs: number }[] = []
  private timer?: NodeJS.Timeout
  private debounce?: NodeJS.Timeout
  private lastPublishAt = 0
  private publishing: Promise<void> = Promise.resolve()
  private readonly secret: Uint8Array
  private readonly publicKey: Bytes
  private readonly vm: string
  private readonly onSubscription = (evt: CustomEvent<SubscriptionChangeData>): void => {
    if (evt.detail.subscriptions.some((s) => s.subscribe && s.topic === this.opts.topic)) {
      // One trailing republish serves every subscriber that arrives before it fires.
      if (this.debounce !== undefined) return
      const wait = Math.max(
        NEW_SUBSCRIBER_DEBOUNCE_MS,
        this.lastPublishAt + MIN_REPUBLISH_INTERVAL_MS - Date.now(),
      )
      this.debounce = setTimeout(() => {
        this.debounce = undefined
        this.publishSoon()
      }, wait)
      this.debounce.unref()
    }
  }

  constructor(private readonly opts: AdvertPublisherOptions) {
    this.secret = opts.key.raw.subarray(0, 32)
    this.publicKey = opts.key.publicKey.raw as Bytes
    this.vm = peerIdFromPrivateKey(opts.key).toString()
  }

  get advert(): Advert | undefined {
    return this.current
  }

  /**
   * The sequences of the adverts published since `sinceMs` (ms since the
   * epoch), newest last: a partner's offer may name any of them, since an
   * advert republished while the offer was on its way does not make it stale.
   */
  sequencesSince(sinceMs: number): bigint[] {
    return this.recent.filter((r) => r.atMs >= sinceMs).map((r) => r.sequence)
  }

  async start(): Promise<void> {
    this.opts.pubsub.addEventListener('subscription-change', this.onSubscription)
    await this.publish()
    this.timer = setInterval(
      () => this.publishSoon(),
      Math.max(1000, Math.min(MAX_REPUBLISH_INTERVAL_MS, Math.floor(this.opts.content.ttlMs / 3))),
    )
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    clearTimeout(this.debounce)
    this.opts.pubsub.removeEventListener('subscription-change', this.onSubscription)
  }

  /** Replaces the advertised content (e.g. a new profile) and publishes it. */
  async update(content: Partial<AdvertContent>): Promise<void> {
    Object.assign(this.opts.content, content)
    await this.publish()
  }

  /** The advert as it would be published now with these attestations (also used to check them before keeping). */
  draft(attestations: Bytes[], sequence = 0n, now = Date.now()): Advert {
    const { content, live } = this.opts
    return {
      vm: this.vm,
      instanceClass: content.instanceClass,
      location: content.location,
      profile: live?.profile?.() ?? content.profile,
      needs: live?.needs?.() ?? content.needs,
      askMicros: content.askMicros,
      attestations,
      sequence,
      issuedAtMs: now,
      expiresAtMs: now + content.ttlMs,
    }
  }

  private publishSoon(): void {
    this.publish().catch((err) => this.opts.log.warn({ err }, 'advert publish failed; will retry'))
  }

  /** Publishes are serialised so sequence numbers leave in order. */
  publish(): Promise<void> {
    this.publishing = this.publishing.catch(() => {}).then(() => this.publishNow())
    return this.publishing
  }

  private async publishNow(): Promise<void> {
    const { db, pubsub, topic } = this.opts
    const last = await db.get(SEQUENCE_KEY)
    const lastSeq = last === undefined ? 0n : BigInt(new TextDecoder().decode(last))
    const now = Date.now()
    const sequence = lastSeq + 1n > BigInt(now) ? lastSeq + 1n : BigInt(now)
    this.lastPublishAt = now
    await db.put(SEQUENCE_KEY, new TextEncoder().encode(sequence.toString()), { sync: true })
    const advert = this.draft(this.opts.attestations?.(now) ?? [], sequence, now)
    const data = signAdvert(advert, this.secret, this.publicKey)
    // Logged as it leaves (bench:mesh times propagation from this line).
    this.opts.log.debug({ sequence: sequence.toString() }, 'advert published')
    await pubsub.publish(topic, data)
    this.current = advert
    this.recent.push({ sequence, atMs: now })
    if (this.recent.length > RECENT_ADVERTS) this.recent.shift()
    this.opts.metrics.published.inc()
  }
}
