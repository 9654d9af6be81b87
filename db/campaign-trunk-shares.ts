/**
 * `campaign_trunk_share`: how many calls each trunk of a campaign's group took, which the
 * weighted rotation counts (campaign/trunk-shares.ts, activities/trunk-choice.ts). Read and
 * counted in the trunk choice's transaction, under the group's trunk locks.
 */
import type { PoolClient } from './sql.js';

/** Calls each of `trunkIds` took from the campaign (trunks that took none are absent). */
export async function trunkShareCalls(
  client: PoolClient,
  campaignId: string,
  trunkIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await client.query<{ trunk_id: string; calls: string }>(
    `SELECT trunk_id::text AS trunk_id, calls FROM campaign_trunk_share WHERE campaign_id = $1 AND trunk_id = ANY($2::uuid[])`,
    [campaignId, trunkIds],
  );
  return new Map(rows.map((r) => [r.trunk_id, Number(r.calls)]));
}

/** Counts one more call of the campaign on the trunk. */
export async function countTrunkShare(client: PoolClient, campaignId: string, trunkId: string): Promise<void> {
  await client.query(
    `INSERT INTO campaign_trunk_share AS s (campaign_id, trunk_id, calls) VALUES ($1, $2, 1)
     ON CONFLICT (campaign_id, trunk_id) DO UPDATE SET calls = s.calls + 1`,
    [campaignId, trunkId],
  );
}
