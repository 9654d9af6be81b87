/**
 * The campaign workflow's activities against PostgreSQL (the source of truth for each
 * contact's state) and the telephony engine. See campaign/campaign-types.ts for the
 * contract and place-call.ts for the call itself.
 *
 * Contacts are claimed with `FOR UPDATE SKIP LOCKED`, so several workers never hand out a
 * contact twice. A claim is idempotent and never lost:
 * - it stamps its contacts with its key (`<workflow run id>:<claim number>`); the same claim
 *   run again (its workflow task failed or timed out after the claim had committed, so the
 *   workflow never recorded the result) returns those contacts instead of taking more;
 * - a new run of the campaign's workflow (continue-as-new, a restart by the reconciler)
 *   adopts every contact an earlier run left in flight, as the very attempt it was claimed
 *   for: the attempt's id is its idempotency key (journal row, leases), so an attempt that
 *   did run is not dialled again, and one that never ran is dialled now, not written off.
 * Only one run of a workflow id is open at a time, so a contact in flight under another run's
 * key belongs to no live scheduler.
 *
 * A claim carries its attempt number, which fences everything written for it.
 */
import { inTransaction, type Pool, type PoolClient } from '../db/sql.js';
import type {
  AttemptReport,
  CampaignActivities,
  CampaignSchedule,
  CampaignStatus,
  ClaimedAttempt,
  ClaimRequest,
  ClaimResult,
} from '../campaign/campaign-types.js';
import { claimRoom, DEFERRED } from '../campaign/campaign-types.js';
import { CANCELLED_BEFORE_DIALLING } from '../campaign/journal-codes.js';
import { EXPIRED } from '../campaign/outcomes.js';
import {
  callNotPlaced,
  deferAttempt,
  findAttempt,
  numberAttempt,
  recordAttempt,
  reportRecorded,
  type NumberedAttempt,
} from './call-journal.js';
import { AttemptBusyError, attemptIsLive } from './call-leases.js';
import { wasDialled } from './dial-ledger.js';
import { loadCampaignSettings } from './campaign-settings.js';
import { createPlaceCall, type CallDeps } from './place-call.js';
import { journalCancelledInFlight } from '../db/call-records.js';
import {
  adoptInFlight,
  cancelContactsFinally,
  claimDueContacts,
  claimedBy,
  claimOutlook,
  countInfraFailure,
  endWaitingContacts,
  type ClaimedRow,
} from '../db/campaign-claims.js';
import { beginScheduled, writeWorkflowStatus } from '../db/campaign-status.js';
import { campaignOwner } from '../db/campaigns.js';
import { loadDepartmentLimits } from '../db/department-policy.js';
import { loadOwnerPolicy } from '../db/owner-policy.js';
import { effectiveLimits } from '../campaign/department-policy.js';
import type { PolicyDefaults } from '../campaign/owner-policy.js';
import { createPrepareContacts } from './campaign-prepare.js';
import { enqueueCallEvents } from './webhook-outbox.js';
import { deferClosedZones, numberWindow } from './zone-claim.js';
import { timed } from '../lib/step-times.js';

export type CampaignActivityDeps = CallDeps & {
  /** Contacts per batch of a background copy (CAMPAIGN_COPY_BATCH; campaign-prepare.ts). */
  readonly prepareBatch?: number;
  /** How long an attempt given back after an infrastructure failure waits (CAMPAIGN_INFRA_RETRY_SECONDS; 30 s). */
  readonly infraRetrySeconds?: number;
};

/**
 * Infrastructure failures (no INVITE sent) an attempt may have before it is written off as
 * failed: each one puts the contact back for {@link INFRA_RETRY_SECONDS} without using up the
 * attempt, so an outage of storage or database costs time, not calls; a fault that never
 * clears (say, the message deleted from storage) still ends the contact after about an hour.
 */
export const MAX_INFRA_FAILURES = 10;
const INFRA_RETRY_SECONDS = 30; // CAMPAIGN_INFRA_RETRY_SECONDS may change it (a test does)

const FINISHED_STATUSES: readonly CampaignStatus[] = ['completed', 'cancelled', 'expired', 'failed'];

export function createCampaignActivities(deps: CampaignActivityDeps): CampaignActivities {
  const { pool } = deps;
  return {
    async claimDueAttempts(request): Promise<ClaimResult> {
      // Also picks up webhook deliveries whose start a failure left for later (webhook-dispatch.ts).
      await deps.webhooks.dispatchCampaign(request.campaignId);
      return timed('claim', async () => {
        const cap = await concurrencyCap(pool, request.campaignId, deps.policyDefaults);
        const limit = claimRoom(request, cap);
        const claim = await inTransaction(pool, (client) => claimDue(client, { ...request, limit }));
        return { ...claim, concurrencyCap: cap };
      });
    },

    placeCall: createPlaceCall(deps),

    prepareContacts: createPrepareContacts(pool, deps.prepareBatch),

    async releaseAttempt({ campaignId, attempt, reason }): Promise<AttemptReport> {
      // A call of this attempt still live somewhere (its activity lost to Temporal, not to us)
      // is left to finish and journal itself.
      if (await attemptIsLive(pool, attempt.attemptId)) {
        throw new AttemptBusyError(`attempt ${attempt.attemptId} still has a live call; released once it has ended`);
      }
      const recorded = await findAttempt(pool, attempt.attemptId);
      if (recorded && !recorded.inProgress) return reportRecorded(pool, attempt, recorded.outcome);
      if (!recorded && !(await wasDialled(pool, attempt.attemptId))) {
        const waits = await deferAfterInfraFailure(pool, attempt, deps.infraRetrySeconds ?? INFRA_RETRY_SECONDS);
        if (waits) return waits;
      }
      const settings = await loadCampaignSettings(pool, campaignId);
      const result = recorded
        ? callNotPlaced('answered', 'worker lost during the call', {
            invite: recorded.inviteAt,
            answer: recorded.answerAt ?? recorded.inviteAt,
            end: new Date(),
          })
        : callNotPlaced('failed', `call activity failed: ${reason}`);
      const numbered = await numberAttempt(pool, attempt);
      const report =
        numbered && (await recordUnplaced(pool, campaignId, settings, numbered, result, recorded?.optedOut));
      await deps.webhooks.dispatchCampaign(campaignId);
      return report ?? { attemptId: attempt.attemptId, outcome: 'superseded', retryAt: null };
    },

    async setCampaignStatus({ campaignId, status }): Promise<void> {
      // A finished status is never taken back: the workflow's write of `paused` for a pause
      // signal may land after the API already wrote `cancelled` for the cancel that followed.
      await writeWorkflowStatus(pool, campaignId, status, FINISHED_STATUSES);
    },

    async cancelOpenContacts({ campaignId }): Promise<number> {
      // An attempt claimed but never placed (its activity was cancelled while Temporal waited
      // to retry it) still gets its journal row: every attempt counted has one.
      await inTransaction(pool, async (client) => {
        for (const row of await journalCancelledInFlight(client, campaignId, CANCELLED_BEFORE_DIALLING)) {
          await enqueueCallEvents(client, { ownerId: row.owner_id, campaignId, attemptId: row.attempt_id });
        }
      });
      const cancelled = await cancelContactsFinally(pool, campaignId);
      await deps.webhooks.dispatchCampaign(campaignId);
      return cancelled;
    },

    async beginScheduledCampaign({ campaignId, now }) {
      // One statement: the API's PATCH (which locks the row) either moved startAt before this
      // (then nothing changes here) or finds the campaign running and answers 409.
      const row = await beginScheduled<CampaignStatus>(pool, campaignId, now);
      // Deleted meanwhile (only possible once cancelled): the workflow ends like a cancelled one.
      if (!row) return { status: 'cancelled', schedule: { startAt: null, endAt: null } };
      const iso = (d: string | Date | null) => (d === null ? null : new Date(d).toISOString());
      const schedule: CampaignSchedule = { startAt: iso(row.start_at), endAt: iso(row.end_at) };
      return { status: row.status, schedule };
    },

    async expireOpenContacts({ campaignId }): Promise<number> {
      // The workflow calls this with nothing in flight: only contacts never called or waiting
      // for a retry are left. No journal row: no call is placed for them.
      return endWaitingContacts(pool, campaignId, EXPIRED);
    },
  };
}

/**
 * The most calls a campaign may have in flight: the lower of its owner's limit (an
 * administrator's, or the installation's default) and the owner's department's; null when
 * neither is set. Leases enforce these limits across campaigns and workers at dial time; the
 * claim also holds the campaign itself to them, so a `maxConcurrentCalls` above its owner's
 * limit does not start call activities that would only wait in `leases` on a worker slot.
 */
async function concurrencyCap(pool: Pool, campaignId: string, defaults: PolicyDefaults): Promise<number | null> {
  const ownerId = await campaignOwner(pool, campaignId);
  if (ownerId === undefined) return null; // deleted: the claim finds nothing either
  const [owner, department] = await Promise.all([
    loadOwnerPolicy(pool, ownerId, defaults),
    loadDepartmentLimits(pool, ownerId),
  ]);
  return effectiveLimits(owner, department).maxConcurrentCalls.value;
}

/**
 * Claims up to `limit` contacts in one transaction (a claim that fails half-way leaves no
 * contact in flight): the ones this claim already took (a repeated claim), else, with
 * `adopt`, the ones another run left in flight, then due ones. With a calling window on the
 * callee's clock only contacts whose own window is open are due (zone-claim.ts), and
 * `nextDueAt` includes the next opening.
 */
async function claimDue(client: PoolClient, request: ClaimRequest): Promise<ClaimResult> {
  const { campaignId, limit, claimKey } = request;
  const again = await claimedBy(client, campaignId, claimKey);
  const adopted = request.adopt && again.length === 0 ? await adoptOrphans(client, request) : [];
  const rows = again.length > 0 ? again : adopted;
  const fresh = rows.length < limit ? await claimFresh(client, request, limit - rows.length) : [];
  // One index entry each, not an aggregate over a million contacts (db/campaign-claims.ts).
  const left = await claimOutlook(client, campaignId);
  const attempts: ClaimedAttempt[] = [...rows, ...fresh]
    .map((r) => ({
      attemptId: `${r.id}:${r.attempts}`,
      campaignContactId: String(r.id),
      attempt: r.attempts,
    }))
    .sort((a, b) => Number(a.campaignContactId) - Number(b.campaignContactId));
  return {
    attempts,
    ...(request.adopt ? { adopted: adopted.length } : {}),
    nextDueAt: left?.next_due ? new Date(left.next_due).toISOString() : null,
    open: left?.open ? 1 : 0,
  };
}

/**
 * Contacts in flight under another run's claims (or claimed before claims had keys), re-keyed
 * to this claim with their attempt unchanged. The run's id is the key's prefix.
 */
async function adoptOrphans(client: PoolClient, request: ClaimRequest): Promise<readonly ClaimedRow[]> {
  const runPrefix = request.claimKey.slice(0, request.claimKey.lastIndexOf(':') + 1);
  return adoptInFlight(client, {
    campaignId: request.campaignId,
    limit: request.limit,
    claimKey: request.claimKey,
    runPrefix,
  });
}

async function claimFresh(client: PoolClient, request: ClaimRequest, limit: number): Promise<readonly ClaimedRow[]> {
  const { campaignId, claimKey } = request;
  // A window on the callee's clock: contacts whose window is closed are moved to its opening,
  // and only contacts whose window is open are due.
  const window = await numberWindow(client, campaignId);
  const zones = window ? await deferClosedZones(client, campaignId, window, new Date()) : undefined;
  return claimDueContacts(client, { campaignId, limit, claimKey, ...(zones ? { openZones: zones.open } : {}) });
}

/**
 * An attempt that sent no INVITE failed on infrastructure (storage, database, Temporal):
 * the contact waits again with its attempt given back, unless it has failed so
 * {@link MAX_INFRA_FAILURES} times. Returns the report, or undefined when it is to be
 * journalled as failed (or is no longer claimed for this attempt).
 */
async function deferAfterInfraFailure(
  pool: Pool,
  attempt: ClaimedAttempt,
  waitSeconds: number,
): Promise<AttemptReport | undefined> {
  const failures = await countInfraFailure(pool, attempt.campaignContactId, attempt.attempt);
  if (failures === undefined || failures >= MAX_INFRA_FAILURES) return undefined;
  const until = new Date(Date.now() + waitSeconds * 1000);
  if (!(await deferAttempt(pool, attempt, until))) return undefined;
  return { attemptId: attempt.attemptId, outcome: DEFERRED, retryAt: until.toISOString() };
}

/** Journals an attempt whose call was not (or no longer) ours to finish: no recording, the contact moved on per policy. */
function recordUnplaced(
  pool: Pool,
  campaignId: string,
  settings: Awaited<ReturnType<typeof loadCampaignSettings>>,
  attempt: NumberedAttempt,
  result: ReturnType<typeof callNotPlaced>,
  optedOut = false,
): Promise<AttemptReport | undefined> {
  const journal = {
    campaignId,
    ownerId: settings.ownerId,
    trunkId: settings.trunkId,
    attempt,
    policy: settings.policy,
  };
  return recordAttempt(pool, journal, { result, recordingKey: null, recordingPrivate: false, optedOut });
}
