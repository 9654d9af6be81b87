/**
 * A campaign's live event stream over one HTTP response (text/event-stream), and the tickets a
 * browser opens it with. The events themselves come from {@link CampaignEventHub}.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request as ExpressRequest } from 'express';
import type { Principal } from '../../auth/principal.js';
import type { Pool } from '../../db/sql.js';
import { ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { sseRetry } from '../server-sent-events.js';
import { FINISHED_CAMPAIGN_STATUSES, type CampaignEventHub, type EventSubscriber } from './campaign-event-hub.js';
import { journalAfter } from './campaign-event-queries.js';
import { issueTicket } from './campaign-event-tickets.js';
import { findCampaign } from './campaign-view.js';
import type { EventTicket } from './campaigns.dto.js';
import { parseCursor, STREAM_START, type EventCursor } from './event-cursor.js';

/** A client that reads slower than this much is queued for it is dropped; it reconnects and catches up. */
const MAX_BUFFERED_BYTES = 1 << 20;

/** The reconnection delay EventSource is told (its default is up to the browser). */
const RETRY_MS = 2000;

export interface CampaignEventsOptions {
  readonly em: EntityManager;
  readonly pool: Pool;
  readonly hub: CampaignEventHub;
  readonly logger: Logger;
  /** A stream is closed after this long (the client reconnects): no stream outlives the token it was opened with by much. */
  readonly maxStreamMs: number;
}

export class CampaignEventsService {
  constructor(private readonly options: CampaignEventsOptions) {}

  /** A one-time ticket to open `id`'s stream without an Authorization header; 404 unless the caller may see it. */
  async ticket(principal: Principal, id: string): Promise<EventTicket> {
    const campaign = await findCampaign(this.options.em.fork(), principal, id);
    const issued = await issueTicket(this.options.pool, principal, campaign.id);
    return { ticket: issued.ticket, expiresAt: issued.expiresAt };
  }

  /**
   * Starts streaming `id`'s events to `req`'s response from `lastEventId` (undefined: from now),
   * or answers `ended` when the campaign is over and nothing follows `lastEventId` (204: an
   * EventSource stops reconnecting). 404, 422 (a position this stream never gave) and 429 (too
   * many streams) are thrown before anything is sent.
   */
  async stream(
    principal: Principal,
    id: string,
    lastEventId: string | undefined,
    req: ExpressRequest,
  ): Promise<'streaming' | 'ended'> {
    const from = lastEventId === undefined ? undefined : parseCursor(lastEventId);
    if (lastEventId !== undefined && from === undefined) {
      throw new ValidationError([{ field: 'header.Last-Event-ID', message: 'is not a position this stream sent' }]);
    }
    const campaign = await findCampaign(this.options.em.fork(), principal, id);
    const release = this.options.hub.admit(principal.userId);
    try {
      if (from && FINISHED_CAMPAIGN_STATUSES.includes(campaign.status) && !(await this.anyAfter(campaign.id, from))) {
        release();
        return 'ended';
      }
    } catch (err) {
      release();
      throw err;
    }
    this.open(campaign.id, principal.userId, from, req, release);
    return 'streaming';
  }

  private async anyAfter(campaignId: string, from: EventCursor): Promise<boolean> {
    const page = await journalAfter(this.options.pool, campaignId, from, 1);
    return page.events.length > 0 || page.held;
  }

  private open(
    campaignId: string,
    ownerId: string,
    from: EventCursor | undefined,
    req: ExpressRequest,
    release: () => void,
  ): void {
    const res = req.res;
    if (!res) throw new Error('no response to stream to');
    const { hub, logger } = this.options;
    if (res.destroyed) {
      release(); // the client left while the campaign was looked up
      return;
    }
    req.socket.setNoDelay(true);
    // No compression, no caching, no buffering in a proxy (nginx honours X-Accel-Buffering).
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end(); // the headers are the answer; no stream to hold open
      release();
      return;
    }
    res.write(sseRetry(RETRY_MS));
    let open = true;
    const subscriber: EventSubscriber = {
      ownerId,
      cursor: STREAM_START,
      isOpen: () => open,
      send(frame) {
        if (!open) return false;
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          res.destroy();
          return false;
        }
        res.write(frame);
        return true;
      },
      drained: () =>
        new Promise<void>((resolve) => {
          if (!open || !res.writableNeedDrain) return resolve();
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        }),
      end() {
        if (!open) return;
        open = false;
        res.end();
      },
    };
    const maxAge = setTimeout(() => subscriber.end(), this.options.maxStreamMs);
    maxAge.unref();
    res.once('close', () => {
      open = false;
      clearTimeout(maxAge);
      hub.leave(campaignId, subscriber);
      release();
    });
    hub.join(campaignId, from, subscriber).catch((err: unknown) => {
      // PostgreSQL away while joining: the client reconnects (with its Last-Event-ID) and tries again.
      logger.warn({ campaignId, error: String(err) }, 'campaign events: could not start a stream');
      subscriber.end();
    });
  }
}
