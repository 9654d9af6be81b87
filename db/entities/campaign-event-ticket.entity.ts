import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.js';
import { User } from './user.entity.js';

/**
 * A one-time ticket to open a campaign's event stream from a browser's `EventSource`, which
 * cannot send an `Authorization` header (api/campaigns/campaign-event-tickets.ts). Only the
 * SHA-256 of the ticket is stored; it is deleted when used and is good for seconds only.
 */
export const CampaignEventTicket = defineEntity({
  name: 'CampaignEventTicket',
  tableName: 'campaign_event_ticket',
  properties: {
    /** Hex SHA-256 of the ticket. */
    ticketHash: p.string().length(64).primary(),
    campaign: () => p.manyToOne(Campaign).deleteRule('cascade').index(),
    /** The owner the caller acts for (its connections count against it). */
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    /** The caller as its token showed it (auth/principal.ts). */
    principal: p.json<Record<string, unknown>>(),
    expiresAt: p.datetime(),
  },
});
export type CampaignEventTicket = InferEntity<typeof CampaignEventTicket>;
