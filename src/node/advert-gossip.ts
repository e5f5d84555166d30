/**
 * The gossip side of adverts: the topic validator adapter (rate limit, then
 * the pure validator), which feeds the market view and counts every outcome.
 *
 * As in lodestar, the adapter maps ValidationError's action to gossipsub's
 * result; an unexpected error of ours is IGNORE so peers are not punished for
 * our bugs.
 */
import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { validateAdvert } from '../protocols/advert.js'
import { checkAdvertAttestations } from '../protocols/attestation.js'
import { ADVERT_RATE_BURST, ADVERT_RATE_PER_SECOND, advertTopic } from '../protocols/constants.js'
import { ValidationError } from '../protocols/errors.js'
import type { Logger } from '../runtime/log.js'
import type { AdvertMetrics } from '../runtime/metrics.js'
import type { MarketView } from './market/market-view.js'
import { RateLimiter } from './rate-limiter.js'

export interface AdvertGossipOptions {
  classId: string
  pubsub: GossipSub
  market: MarketView
  metrics: AdvertMetrics
  log: Logger
  now?: () => number
  /** When set, attestations carried by adverts are checked against this anchor key (and the advert's claims). */
  attestations?: { trustedAnchorKey: Uint8Array; tolerance: number }
}

export class AdvertGossip {
  readonly topic: string
  private readonly limiter = new RateLimiter(ADVERT_RATE_BURST, ADVERT_RATE_PER_SECOND)
  private readonly now: () => number
  private pruneTimer?: NodeJS.Timeout

  constructor(private readonly opts: AdvertGossipOptions) {
    this.topic = advertTopic(opts.classId)
    this.now = opts.now ?? Date.now
  }

  start(): void {
    this.opts.pubsub.topicValidators.set(this.topic, (peer, msg) => this.validate(peer, msg))
    this.opts.pubsub.subscribe(this.topic)
    this.pruneTimer = setInterval(() => {
      const now = this.now()
      this.limiter.prune(now)
      this.opts.market.evictExpired(now)
      this.opts.metrics.marketSize.set(this.opts.market.size)
    }, 1000)
    this.pruneTimer.unref()
  }

  stop(): void {
    clearInterval(this.pruneTimer)
    this.opts.pubsub.unsubscribe(this.topic)
    this.opts.pubsub.topicValidators.delete(this.topic)
  }

  private validate(propagationSource: PeerId, msg: Message): TopicValidatorResult {
    const { metrics, market, log } = this.opts
    const now = this.now()
    try {
      // Rule: gossip is StrictSign, so the originator is known; unsigned frames are invalid.
      if (msg.type !== 'signed')
        throw new ValidationError('REJECT', 'UNSIGNED', 'gossip message carries no origin')
      const from = msg.from.toString()
      // Rule: per-originator rate limit, the cheapest check of all.
      if (!this.limiter.take(from, now)) {
        throw new ValidationError('IGNORE', 'RATE_LIMITED', `peer ${from} publishes adverts too fast`)
      }
      const advert = validateAdvert(msg.data, {
        topicClassId: this.opts.classId,
        from,
        nowMs: now,
        lastSequence: market.lastSequence(from),
      })
      // Rule: attestations carried are the trusted anchor's, about this VM and location, and agree with the claims.
      if (this.opts.attestations !== undefined && advert.attestations.length > 0)
        checkAdvertAttestations(advert, { ...this.opts.attestations, nowMs: now })
      market.upsert(advert, now)
      log.debug({ vm: advert.vm, sequence: advert.sequence.toString() }, 'advert accepted')
      metrics.accepted.inc()
      metrics.marketSize.set(market.size)
      return TopicValidatorResult.Accept
    } catch (err) {
      if (err instanceof ValidationError) {
        metrics.rejected.inc({ reason: err.code })
        log.debug({ reason: err.code, peer: propagationSource.toString() }, 'advert dropped')
        return err.action === 'REJECT' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
      }
      metrics.rejected.inc({ reason: 'INTERNAL' })
      log.error({ err }, 'advert validator failed')
      return TopicValidatorResult.Ignore
    }
  }
}
