/**
 * Live campaign events for every open stream of this API process (GET /campaigns/{id}/events).
 *
 * One feed per watched campaign polls PostgreSQL every EVENTS_POLL_MS — its status, its counts
 * and the journal rows after the feed's position — once for all the streams of that campaign,
 * and hands each new row to every stream that has not seen it. Polling rather than
 * LISTEN/NOTIFY: a notification sent while PostgreSQL restarts, or while the listening
 * connection is being replaced, is lost, so a reader must poll to catch up anyway; a poll that
 * fails is simply the next one's work, from the same position. It also keeps NOTIFY's commit
 * lock out of the journal's transactions and a pooled connection from being pinned.
 *
 * A stream joins with a position (its `Last-Event-ID`, or the feed's own for a new client),
 * reads the rows between that and the feed's position itself, then follows the feed. The
 * campaign's end is the last event: sent once it is completed, cancelled or failed, no call is
 * in flight and every row has been handed out.
 */
import type { Pool } from '../../db/sql.js';
import { TooManyRequestsError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { sseComment, sseEvent } from '../server-sent-events.js';
import { contactCounts } from './campaign-counts.js';
import { campaignStatus, journalAfter, streamHead, type JournalEvent } from './campaign-event-queries.js';
import type { CampaignCounts } from './campaigns.dto.js';
import { compareCursors, formatCursor, type EventCursor } from './event-cursor.js';

export const FINISHED_CAMPAIGN_STATUSES: readonly string[] = ['completed', 'cancelled', 'failed'];

/** Rows read per query; a full page is followed by the next at once. */
const PAGE = 500;

/** One open stream. */
export interface EventSubscriber {
  readonly ownerId: string;
  /** The last position this stream has been sent. */
  cursor: EventCursor;
  /** Writes a frame; false once the stream is closed. */
  send(frame: string): boolean;
  isOpen(): boolean;
  /** Resolves when the client has taken what was written (or the stream closed): a catch-up waits for a slow reader. */
  drained(): Promise<void>;
  /** Ends the stream (the campaign ended, or the server stops). */
  end(): void;
}

export interface EventHubOptions {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly pollMs: number;
  readonly heartbeatMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerOwner: number;
}

interface Seen {
  status: string;
  counts: string;
}

interface Feed {
  readonly campaignId: string;
  readonly ready: Promise<void>;
  position: EventCursor;
  /** Each stream with the status and counts it was last sent (changes are relative to what it has). */
  readonly subscribers: Map<EventSubscriber, Seen>;
  busy: boolean;
  failing: boolean;
}

export class CampaignEventHub {
  private readonly feeds = new Map<string, Feed>();
  private readonly perOwner = new Map<string, number>();
  private total = 0;
  private closed = false;
  private readonly poll: NodeJS.Timeout;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: EventHubOptions) {
    this.poll = setInterval(() => this.tickAll(), options.pollMs);
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.poll.unref();
    this.heartbeat.unref();
  }

  /**
   * A connection slot for `ownerId`, or a 429; `release` gives it back (once). Checked and taken
   * with no await in between, so concurrent connections cannot pass the limit together.
   */
  admit(ownerId: string): () => void {
    const { maxConnections, maxConnectionsPerOwner } = this.options;
    const held = this.perOwner.get(ownerId) ?? 0;
    if (this.closed) throw new TooManyRequestsError(5, 'The server is shutting down; connect again shortly.');
    if (held >= maxConnectionsPerOwner) {
      throw new TooManyRequestsError(
        5,
        `You have ${held} event streams open, as many as allowed (EVENTS_MAX_CONNECTIONS_PER_OWNER); close one first.`,
      );
    }
    if (this.total >= maxConnections) {
      throw new TooManyRequestsError(5, 'This server has as many event streams open as it allows; retry shortly.');
    }
    this.perOwner.set(ownerId, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perOwner.get(ownerId) ?? 1) - 1;
      if (left > 0) this.perOwner.set(ownerId, left);
      else this.perOwner.delete(ownerId);
    };
  }

  /**
   * Sends the snapshot (`progress`, `status`) with the stream's starting position, the rows
   * between `from` (undefined: a new client, starting now) and the feed's position, then
   * follows the feed until the campaign ends or the subscriber is removed.
   */
  async join(campaignId: string, from: EventCursor | undefined, subscriber: EventSubscriber): Promise<void> {
    let feed = this.feedOf(campaignId);
    await feed.ready;
    const { pool } = this.options;
    const status = (await campaignStatus(pool, campaignId)) ?? 'deleted';
    const progress = await contactCounts(pool, campaignId);
    const seen: Seen = { status, counts: JSON.stringify(progress) };
    subscriber.cursor = from ?? feed.position;
    if (!subscriber.send(sseEvent('snapshot', { campaignId, status, progress }, formatCursor(subscriber.cursor))))
      return;
    // Catch up to the feed, which moves on meanwhile; joined with no await between the last
    // check and the add, so no row falls between the catch-up and the feed. A feed that ended
    // or stopped meanwhile (its last stream left) is started again.
    for (;;) {
      while (compareCursors(subscriber.cursor, feed.position) < 0) {
        const target = feed.position;
        const page = await journalAfter(pool, campaignId, subscriber.cursor, PAGE, target);
        for (const event of page.events) if (!this.deliver(subscriber, event)) return;
        await subscriber.drained();
        if (!page.full) subscriber.cursor = target;
      }
      if (this.closed || !subscriber.isOpen()) return;
      if (this.feeds.get(campaignId) === feed) break;
      feed = this.feedOf(campaignId);
      await feed.ready;
    }
    feed.subscribers.set(subscriber, seen);
  }

  /** Stops sending to `subscriber` (its client went away); a feed without streams stops. */
  leave(campaignId: string, subscriber: EventSubscriber): void {
    const feed = this.feeds.get(campaignId);
    if (!feed) return;
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size === 0 && !feed.busy) this.feeds.delete(campaignId);
  }

  /** Server shutdown: ends every stream (clients reconnect, with their Last-Event-ID, to another process). */
  close(): void {
    this.closed = true;
    clearInterval(this.poll);
    clearInterval(this.heartbeat);
    for (const feed of this.feeds.values()) for (const s of feed.subscribers.keys()) s.end();
    this.feeds.clear();
  }

  /** Open streams and watched campaigns on this process (`/metrics`). */
  load(): { streams: number; campaigns: number } {
    return { streams: this.total, campaigns: this.feeds.size };
  }

  private feedOf(campaignId: string): Feed {
    const existing = this.feeds.get(campaignId);
    if (existing) return existing;
    const feed: Feed = {
      campaignId,
      position: { xid: '0' },
      subscribers: new Map(),
      busy: false,
      failing: false,
      ready: streamHead(this.options.pool).then((head) => {
        feed.position = head;
      }),
    };
    // A feed that could not start is dropped, so that the next client tries again.
    feed.ready.catch(() => {
      if (this.feeds.get(campaignId) === feed) this.feeds.delete(campaignId);
    });
    this.feeds.set(campaignId, feed);
    return feed;
  }

  private deliver(subscriber: EventSubscriber, event: JournalEvent): boolean {
    if (compareCursors(event.cursor, subscriber.cursor) <= 0) return true;
    subscriber.cursor = event.cursor;
    return subscriber.send(sseEvent('outcome', event.call, formatCursor(event.cursor)));
  }

  private broadcast(feed: Feed, frame: string): void {
    for (const s of feed.subscribers.keys()) if (!s.send(frame)) feed.subscribers.delete(s);
  }

  private tickAll(): void {
    for (const feed of this.feeds.values()) {
      if (feed.busy || feed.subscribers.size === 0) continue;
      this.tick(feed).catch((err: unknown) => {
        if (!feed.failing)
          this.options.logger.warn(
            { campaignId: feed.campaignId, error: String(err) },
            'campaign events: poll failed; retrying',
          );
        feed.failing = true;
      });
    }
  }

  /**
   * One poll: status, then counts, then rows — in that order, so that a finished status with
   * no call in flight means every row was committed before the rows were read.
   */
  private async tick(feed: Feed): Promise<void> {
    if (feed.busy) return;
    feed.busy = true;
    // Status and counts go to the streams that were there before they were read: a stream that
    // joined meanwhile may have newer ones in its snapshot (it gets any change at the next poll).
    const present = new Set(feed.subscribers.keys());
    try {
      const { pool } = this.options;
      const status = (await campaignStatus(pool, feed.campaignId)) ?? 'deleted';
      const progress = await contactCounts(pool, feed.campaignId);
      let page;
      do {
        page = await journalAfter(pool, feed.campaignId, feed.position, PAGE);
        for (const event of page.events) {
          for (const s of feed.subscribers.keys()) if (!this.deliver(s, event)) feed.subscribers.delete(s);
          feed.position = event.cursor;
        }
      } while (page.full && page.events.length > 0);
      this.report(feed, present, status, progress);
      if (feed.failing) this.options.logger.info({ campaignId: feed.campaignId }, 'campaign events: polling again');
      feed.failing = false;
      const ended = status === 'deleted' || (FINISHED_CAMPAIGN_STATUSES.includes(status) && progress.inFlight === 0);
      if (ended && !page.held && !page.full) this.finish(feed, status, progress);
    } finally {
      feed.busy = false;
      if (feed.subscribers.size === 0 && this.feeds.get(feed.campaignId) === feed) this.feeds.delete(feed.campaignId);
    }
  }

  private report(feed: Feed, present: Set<EventSubscriber>, status: string, progress: CampaignCounts): void {
    const counts = JSON.stringify(progress);
    for (const [s, seen] of feed.subscribers) {
      if (!present.has(s)) continue;
      let open = true;
      if (seen.status !== status) open = s.send(sseEvent('status', { status }));
      if (open && seen.counts !== counts) open = s.send(sseEvent('progress', progress));
      if (!open) feed.subscribers.delete(s);
      seen.counts = counts;
      seen.status = status;
    }
  }

  private finish(feed: Feed, status: string, progress: CampaignCounts): void {
    this.feeds.delete(feed.campaignId);
    for (const s of feed.subscribers.keys()) {
      s.send(sseEvent('end', { status, progress }, formatCursor(s.cursor)));
      s.end();
    }
    feed.subscribers.clear();
  }

  private beat(): void {
    const frame = sseComment('heartbeat');
    for (const feed of this.feeds.values()) this.broadcast(feed, frame);
  }
}
