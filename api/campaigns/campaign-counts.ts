/** A campaign's contacts counted by scheduler state and final outcome (`campaign_contact`). */
import { countContactsByState } from '../../db/campaign-contacts.js';
import type { Pool, PoolClient } from '../../db/sql.js';
import type { CampaignCounts } from './campaigns.dto.js';

const BY_STATE: Readonly<Record<string, 'pending' | 'inFlight' | 'waiting' | 'done' | 'cancelled'>> = {
  pending: 'pending',
  in_flight: 'inFlight',
  waiting: 'waiting',
  done: 'done',
  cancelled: 'cancelled',
};

/** Counts with `db` (a pool, or a client inside a transaction that must see the same snapshot). */
export async function contactCounts(db: Pool | PoolClient, campaignId: string): Promise<CampaignCounts> {
  const rows = await countContactsByState(db, campaignId);
  const counts: CampaignCounts = {
    total: 0,
    pending: 0,
    inFlight: 0,
    waiting: 0,
    done: 0,
    cancelled: 0,
    outcomes: {},
  };
  for (const row of rows) {
    const n = Number(row.n);
    counts.total += n;
    const key = BY_STATE[row.state];
    if (key) counts[key] += n;
    if (row.state === 'done' && row.final_outcome) {
      counts.outcomes[row.final_outcome] = (counts.outcomes[row.final_outcome] ?? 0) + n;
    }
  }
  return counts;
}
