/**
 * One workflow per campaign (`campaign-<id>`): the scheduler. PostgreSQL holds each
 * contact's state; the workflow claims due contacts in batches, keeps at most
 * `maxConcurrentCalls` call activities in flight, sleeps on durable timers until a retry is
 * due or the calling window opens, and continues-as-new once its history holds
 * {@link RUN_HISTORY_EVENTS} events or {@link RUN_HISTORY_BYTES} bytes, so that a
 * million-contact campaign stays far from Temporal's history limits.
 *
 *   scheduled ──startAt──▶ running ──pause──▶ paused ──resume──▶ running   (in-flight calls finish)
 *   preparing ──list copied──▶ running   (a large list: prepareContacts copies it beside the first calls)
 *      │                      │                  │
 *      └────────cancel────────┴──────cancel──────┴──▶ cancelled  (live calls hung up, rest cancelled)
 *   running ── nothing open ──▶ completed
 *   running | paused ── endAt ──▶ expired                          (in-flight calls finish, rest expired)
 *
 * Scheduling: a first run with a `startAt` (the API made the campaign `scheduled`) sleeps on a
 * durable timer until then; `rescheduleCampaign` moves it. When it fires, the database decides
 * (`beginScheduledCampaign`): a `startAt` moved later there means sleeping again. An `endAt`
 * bounds every wait of the loop; once it has passed nothing new is claimed, the calls in flight
 * finish and the contacts not done end `expired`.
 *
 * A run started with `prepare` (a list over CAMPAIGN_COPY_INLINE_MAX_CONTACTS) runs the
 * `prepareContacts` activity beside its loop: claims find the contacts copied so far, the
 * loop does not end (nor continue as new) before the copy has, and a cancel or `endAt` stops
 * the copy. Runs without `prepare` (every run before it existed) issue no new command.
 *
 * Business retries (busy, no answer…) are decided by the placeCall activity with the
 * contact's new state; Temporal retries activities only for infrastructure failures. An
 * attempt a worker had no call slot for (its slots are shared fairly between owners) comes
 * back THROTTLED: its contact waits a few seconds, uncounted, and the workflow claims nothing
 * new until then.
 *
 * A run ends only with no call in flight (a new run cannot take over running activities), so
 * each run end costs a drain: no new calls while the last ones end. Runs recorded before
 * `runs-by-history` ended after 500 calls, which at 1,000 calls in flight made every run one
 * wave (about 1,000 calls, drained to none, then the next); a run now lasts until its history
 * is long, about 6,000 calls, whatever the concurrency.
 *
 * Versioning: every change to the commands this code issues must replay the histories of
 * running campaigns. The run length is the `runs-by-history` patch: runs that began without it
 * end as they did (after 500 calls, or when Temporal suggested it). The hold after THROTTLED
 * needs no patch: only a THROTTLED result, which older workers never returned, leads to it.
 * Scheduling needs none either: without `input.schedule` (every run started before it) no
 * timer, activity or memo is added and every timeout stays what it was (an absent `endAt` is
 * an infinite bound). Date.now() here is the workflow's clock (the SDK makes it
 * deterministic), not the host's.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { windowClosedUntil } from '../campaign/policy-rules/calling-window.js';
import {
  claimRoom,
  DEFERRED,
  POLICY_SKIPS,
  THROTTLED,
  type CampaignActivities,
  type CampaignRunInput,
  type CampaignRunResult,
  type CampaignRunSettings,
  type CampaignStatus,
  type ClaimedAttempt,
} from '../campaign/campaign-types.js';
import { cancelSignal, pauseSignal, progressQuery, rescheduleSignal, resumeSignal } from './definitions.js';

/** Calls started per run before continuing as new, in runs begun before `runs-by-history`. */
export const CALLS_PER_RUN = 500;
/**
 * A run claims nothing more once its history has this many events (about three per call)…
 * The drain that follows adds about three per call in flight (at most 1,000), so a run ends
 * far below Temporal's limit (51,200 events) at any concurrency. Temporal's own suggestion
 * (`continueAsNewSuggested`, at 4,096 events or 4 MB) would end a run with 1,000 calls in
 * flight after about 1,300 calls, each run then costing a drain.
 */
export const RUN_HISTORY_EVENTS = 20_000;
/** …or this many bytes (Temporal warns at 10 MB and fails the workflow at 50 MB). */
export const RUN_HISTORY_BYTES = 8 * 1024 * 1024;
/** With contacts open but none due and none in flight: look again this often. */
const IDLE_RECHECK_MS = 30_000;
/** While the list is still being copied (`preparing`): look for newly copied contacts this often. */
const PREPARE_RECHECK_MS = 500;

// The bookkeeping activities are short SQL transactions: as local activities they run in the
// workflow's own worker without a trip through the task queue (a claim is a marker event
// instead of three, and does not wait behind a worker full of calls). They retry without a
// cap: a database outage of any length delays the campaign, never fails its workflow.
const db = proxyLocalActivities<CampaignActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/**
 * How long Temporal waits for a call activity's heartbeat before it gives the attempt to
 * another worker: the time a dead worker's ringing call takes to be placed again. Long
 * enough that a stalled event loop or a Temporal restart of up to ~25 s ends no call (the
 * call goes on regardless: see place-call.ts); the worker still sends a heartbeat every few
 * seconds (`maxHeartbeatThrottleInterval`), which is how fast a cancel reaches a live call.
 */
export const CALL_HEARTBEAT_TIMEOUT = '30 seconds';

/**
 * The call activity. Back-off capped at 15 s so that calls resume soon after an outage; 10
 * tries (~2 minutes), then releaseAttempt gives the attempt back when no INVITE left
 * (campaign.activities.ts). `callRetry` (CAMPAIGN_CALL_RETRY_*) shortens the back-off: the
 * fault test gives attempts back within seconds instead of minutes.
 */
const callActivities = (callRetry: CampaignRunSettings['callRetry']) =>
  proxyActivities<CampaignActivities>({
    // A call is bounded by its ring timeout and maximum length (the activity enforces both).
    startToCloseTimeout: '3 hours',
    heartbeatTimeout: CALL_HEARTBEAT_TIMEOUT,
    // On cancel, wait until the activity has hung up and written its journal row.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: callRetry?.initialIntervalMs ?? '2 seconds',
      maximumInterval: callRetry?.maximumIntervalMs ?? '15 seconds',
      maximumAttempts: 10,
    },
  });

/**
 * The background copy of a large list (status `preparing`). A normal activity: it may take
 * minutes for millions of contacts, heartbeating after each batch. It resumes where it
 * stopped, so it is retried without a cap, like the database activities.
 */
const preparation = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '6 hours',
  // A batch takes well under a second: a worker gone mid-copy is noticed within this.
  heartbeatTimeout: '15 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

interface InFlight {
  readonly attempt: ClaimedAttempt;
  readonly since: string;
}

export async function runCampaign(input: CampaignRunInput): Promise<CampaignRunResult> {
  const { campaignId, settings } = input;
  const calls = callActivities(settings.callRetry);
  // Runs begun before it end after CALLS_PER_RUN calls: they replay as they ran.
  const runsByHistory = patched('runs-by-history');
  const runs = (input.carry?.runs ?? 0) + 1;
  let paused = input.carry?.paused ?? false;
  let cancelled = false;
  let callsStarted = input.carry?.callsStarted ?? 0;
  let startedThisRun = 0;
  let finishedThisRun = 0;
  let waitingForWindowUntil: string | null = null;
  // A worker had no call slot for this owner (THROTTLED): claim nothing new before this time (epoch ms).
  let holdClaimsUntil = 0;
  // Claims are keyed by run and number (see ClaimRequest); the first ones of a run adopt what
  // an earlier run left in flight, until a claim finds fewer orphans than it asked for.
  let claims = 0;
  let adopting = true;
  const inFlight = new Map<string, InFlight>();
  // The owner's (and department's) concurrent-call limit as the last claim found it: call
  // activities beyond it would only wait for a lease while holding a worker's slot.
  let concurrencyCap: number | null = null;
  const maxInFlight = (): number => claimRoom({ limit: settings.maxConcurrentCalls, inFlight: 0 }, concurrencyCap);
  const running: Promise<void>[] = [];
  const callScope = new CancellationScope();
  let { startAt, endAt } = input.schedule ?? { startAt: null, endAt: null };
  let reschedules = 0;
  // Only a first run waits for startAt: a run with carry (continue-as-new, the reconciler) has begun.
  let scheduled = !input.carry && startAt !== null;
  let expired = false;
  /** Whether this run should claim no more and continue as new once its calls have ended. */
  const runIsFull = (): boolean => {
    if (settings.callsPerRun !== undefined && startedThisRun >= settings.callsPerRun) return true;
    const info = workflowInfo();
    if (!runsByHistory) return startedThisRun >= CALLS_PER_RUN || info.continueAsNewSuggested;
    const events = settings.historyEventsPerRun ?? RUN_HISTORY_EVENTS;
    return info.historyLength >= events || info.historySize >= RUN_HISTORY_BYTES;
  };
  /** Until endAt on the workflow's clock; Infinity without one. */
  const msToEnd = (): number => (endAt === null ? Infinity : Date.parse(endAt) - Date.now());

  // The signals and the query are defined in definitions.ts, which the API imports.
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(cancelSignal, () => void (cancelled = true));
  setHandler(rescheduleSignal, (next) => {
    ({ startAt, endAt } = next);
    reschedules += 1;
    upsertMemo({ startAt, endAt });
  });
  // A list copied in the background (`preparing`): its first contacts are called while the
  // rest is copied. Only runs started with `prepare` do this (none before it existed).
  let preparing = input.prepare === true;
  const prepareScope = new CancellationScope();
  const prepared = preparing
    ? prepareScope
        .run(() => preparation.prepareContacts({ campaignId }))
        .then(
          () => {
            if (status === 'running') upsertSearchAttributes({ CampaignStatus: ['running'] });
          },
          (err: unknown) => {
            if (!isCancellation(err)) log.error('copying the contacts failed', { error: String(err) });
          },
        )
        .finally(() => void (preparing = false))
    : undefined;

  setHandler(progressQuery, () => ({
    status: cancelled
      ? 'cancelled'
      : scheduled
        ? 'scheduled'
        : expired
          ? 'expired'
          : paused
            ? 'paused'
            : preparing
              ? 'preparing'
              : 'running',
    inFlight: [...inFlight.values()].map(({ attempt, since }) => ({
      attemptId: attempt.attemptId,
      campaignContactId: attempt.campaignContactId,
      since,
    })),
    callsStarted,
    waitingForWindowUntil,
    startAt,
    endAt,
    maxInFlight: maxInFlight(),
  }));

  // The API wrote `running` when it started the campaign (and a new run carries the status
  // on): writing it again here could land after a pause the API has already recorded.
  let status: CampaignStatus | undefined = scheduled ? 'scheduled' : paused ? 'paused' : 'running';
  const setStatus = async (next: CampaignStatus) => {
    if (status === next) return;
    status = next;
    upsertSearchAttributes({ CampaignStatus: [next] });
    await db.setCampaignStatus({ campaignId, status: next });
  };

  const launch = (attempt: ClaimedAttempt) => {
    inFlight.set(attempt.attemptId, { attempt, since: new Date().toISOString() });
    callsStarted += 1;
    startedThisRun += 1;
    const done = callScope
      .run(() => calls.placeCall({ campaignId, attempt }))
      .then(
        (report) => {
          // Held back by a policy rule (frequency cap, uk hold, reservation, daily limit): no call.
          if (POLICY_SKIPS.includes(report.outcome)) callsStarted -= 1;
          if (report.outcome === THROTTLED) {
            callsStarted -= 1; // no call slot on the worker: no call, and no new claims for a moment
            const retryAt = report.retryAt ? Date.parse(report.retryAt) : Date.now() + 1000;
            holdClaimsUntil = Math.max(holdClaimsUntil, retryAt);
          }
        },
        async (err: unknown) => {
          if (isCancellation(err)) return; // the campaign was cancelled; cancelOpenContacts settles the contact
          log.error('call activity failed for good; releasing the attempt', { attemptId: attempt.attemptId });
          const released = await db.releaseAttempt({ campaignId, attempt, reason: String(err) });
          if (released.outcome === DEFERRED) callsStarted -= 1; // no INVITE left: the contact waits again
        },
      )
      .finally(() => {
        inFlight.delete(attempt.attemptId);
        finishedThisRun += 1;
      });
    running.push(done);
  };

  /** Sleeps until startAt (moved by rescheduleCampaign), then lets the database begin the campaign. */
  const waitForStart = async (): Promise<void> => {
    while (!cancelled) {
      const at = startAt === null ? 0 : Date.parse(startAt);
      if (at > Date.now()) {
        const seen = reschedules;
        await condition(() => cancelled || reschedules !== seen, at - Date.now());
        continue;
      }
      const begun = await db.beginScheduledCampaign({ campaignId, now: new Date().toISOString() });
      ({ startAt, endAt } = begun.schedule);
      if (begun.status === 'scheduled') continue; // moved later in the database (its signal was lost)
      if (begun.status === 'cancelled') cancelled = true; // its signal was lost: the reconciler sends it again too
      return;
    }
  };

  if (scheduled) {
    await waitForStart();
    scheduled = false;
    if (!cancelled) {
      status = 'running'; // written by beginScheduledCampaign
      upsertSearchAttributes({ CampaignStatus: ['running'] });
    }
  }
  // A no-op unless scheduled (status starts as this); cancelled before it fired, it never ran.
  if (!cancelled) await setStatus(paused ? 'paused' : 'running');
  for (;;) {
    if (cancelled) break;
    if (msToEnd() <= 0) {
      expired = true;
      break;
    }
    if (paused) {
      await setStatus('paused');
      const wake = () => !paused || cancelled;
      // No timer without an endAt: runs recorded before endAt existed issued none here.
      if (endAt === null) await condition(wake);
      else await condition(wake, Math.max(1, msToEnd()));
      if (!cancelled && !paused) await setStatus('running');
      continue;
    }
    // The policy's calling-window rule: on the callee's clock the claim hands out only
    // contacts whose own window is open; on the campaign's, nothing is claimed until it opens.
    const opens = windowClosedUntil(settings.callingWindow, new Date());
    if (opens) {
      waitingForWindowUntil = opens.toISOString();
      await condition(() => paused || cancelled, Math.max(1, Math.min(opens.getTime() - Date.now(), msToEnd())));
      waitingForWindowUntil = null;
      continue;
    }
    if (!preparing && runIsFull()) {
      // Continue-as-new only with nothing in flight (the new run cannot adopt running
      // activities), and with the list copied: the new run copies nothing.
      await condition(() => inFlight.size === 0);
      const { prepare: _copied, ...carried } = input;
      return continueAsNew<typeof runCampaign>({
        ...carried,
        ...(input.schedule ? { schedule: { startAt, endAt } } : {}),
        carry: { callsStarted, paused, runs },
      });
    }
    const free = maxInFlight() - inFlight.size;
    if (free <= 0) {
      await condition(() => inFlight.size < maxInFlight() || paused || cancelled);
      continue;
    }
    // Only ever set by a THROTTLED report, which histories from before fair share do not hold.
    const holdMs = holdClaimsUntil - Date.now();
    if (holdMs > 0) {
      await condition(() => paused || cancelled, Math.min(holdMs, msToEnd()));
      continue;
    }
    const finishedBefore = finishedThisRun;
    claims += 1;
    const claimKey = `${workflowInfo().runId}:${claims}`;
    const before = inFlight.size;
    const claim = await db.claimDueAttempts({ campaignId, limit: free, claimKey, adopt: adopting, inFlight: before });
    // Results recorded before the clamp carry no cap: they replay as they ran.
    if (claim.concurrencyCap !== undefined) concurrencyCap = claim.concurrencyCap;
    const asked = claimRoom({ limit: free, inFlight: before }, concurrencyCap);
    if (adopting && (claim.adopted ?? 0) < asked) adopting = false;
    for (const attempt of claim.attempts) launch(attempt);
    if (claim.attempts.length > 0) continue;
    if (claim.open === 0 && inFlight.size === 0 && !preparing) break;
    // Nothing due now: wake when a call finishes (its contact may be due again), when the
    // next retry is due, on a signal, or at the latest after IDLE_RECHECK_MS (while the
    // list is being copied, after PREPARE_RECHECK_MS, and when the copy ends).
    const dueInMs = claim.nextDueAt ? Math.max(1, Date.parse(claim.nextDueAt) - Date.now()) : IDLE_RECHECK_MS;
    const wasPreparing = preparing;
    await condition(
      () => finishedThisRun !== finishedBefore || paused || cancelled || preparing !== wasPreparing,
      Math.min(dueInMs, wasPreparing ? PREPARE_RECHECK_MS : IDLE_RECHECK_MS, msToEnd()),
    );
  }

  // Cancelled or expired while copying: the rest of the list is not wanted.
  if (prepared) {
    if (preparing) prepareScope.cancel();
    await prepared;
  }

  // endAt: nothing new is claimed; the calls in flight finish (a cancel meanwhile still hangs them up).
  if (expired && !cancelled) await condition(() => inFlight.size === 0 || cancelled);
  if (cancelled) {
    callScope.cancel(); // live calls get BYE (or CANCEL while ringing) from their activity
    await Promise.all(running);
    await db.cancelOpenContacts({ campaignId });
    await setStatus('cancelled');
    return { status: 'cancelled', callsStarted, runs };
  }
  await Promise.all(running);
  if (expired) {
    await db.expireOpenContacts({ campaignId });
    await setStatus('expired');
    return { status: 'expired', callsStarted, runs };
  }
  await setStatus('completed');
  return { status: 'completed', callsStarted, runs };
}
