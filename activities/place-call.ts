/**
 * `placeCall`: one call attempt of a campaign, exactly once.
 *
 *   journal has the attempt? ── finished ──▶ return what it says (a retried activity never redials)
 *        │                  └─ answered, not ended (worker died mid-call) ─▶ finish it as answered
 *        ▼
 *   fence: contact still claimed for this attempt? ── no ──▶ superseded, nothing dialled
 *        ▼
 *   policy, stage admit (policy-rules/): blocklist or DIAL_DENIED_PREFIXES ──▶ journalled `blocked`, contact done
 *        │                                  reserved by another department ──▶ skipped `reserved` until it ends
 *        ▼
 *   a call slot of this worker for the owner (call-slots.ts)? ── no ──▶ throttled: contact waits again, no journal row
 *        ▼
 *   every trunk of the group held down by its circuit breaker? ── yes ──▶ throttled until the first hold ends
 *        ▼
 *   trunk line (the group's first trunk that is up and has room, trunk-choice.ts) + owner's and department's limits (leases)
 *        ▼
 *   admit again ─▶ campaign's start slot ─▶ trunk's start slot + policy, stage ledger (dial ledger): uk hold, frequency
 *        │         caps (owner, department), department's calls per day ── held ──▶ contact waits again, skip journalled
 *        ▼
 *   dial ─▶ technical failure (503, no response…)? ── yes ──▶ next trunk of the group at once (group-dial.ts)
 *        ▼
 *   spool recording ─▶ journal + contact + recording upload outbox (one transaction) ─▶ upload (recording-outbox.ts)
 *
 * The rules, their order and what each journals: campaign/policy-rules/rule.ts.
 * The blocklist is checked before the trunk line is taken (a blocked contact costs no line)
 * and again once it is held, since waiting for a line can take long; not between the pacing
 * slot and the INVITE, which must follow its slot at once. During the call, the campaign's
 * opt-out key puts the number on the blocklist and hangs up (opt-out.ts).
 *
 * It heartbeats throughout; Temporal cancellation aborts the dial (CANCEL while ringing, BYE
 * once answered). A campaign cancel still journals the attempt, then rethrows the
 * cancellation; any other cancellation (worker shutdown, heartbeat timeout) of an unanswered
 * call journals nothing, so the retried activity places the call again. Business outcomes
 * (busy, no answer…) are returned, never thrown.
 */
import { performance } from 'node:perf_hooks';
import { CancelledFailure, Context } from '@temporalio/activity';
import { loadOwnerPolicy } from '../db/owner-policy.js';
import type { DepartmentLimits } from '../campaign/department-policy.js';
import { touchClaim } from '../db/campaign-claims.js';
import type { Pool } from '../db/sql.js';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Storage } from '../lib/storage.js';
import type { EffectivePolicy, PolicyDefaults } from '../campaign/owner-policy.js';
import type { CallResult, MachineDetectionRequest } from '../telephony/call-types.js';
import type { TelephonyEngine } from '../telephony/engine.js';
import { THROTTLED, type AttemptReport, type ClaimedAttempt } from '../campaign/campaign-types.js';
import { profilesInForce } from '../campaign/compliance-profile.js';
import type { WebhookDispatcher } from './webhook-dispatch.js';
import { AudioCache } from './audio-cache.js';
import type { WorkerCallSlots } from './call-slots.js';
import { recordOptOut } from './blocklist.js';
import { admitCall, concurrencyLimits, type AdmitContext } from './policy-rules/index.js';
import { admitAttempt, defer, skipAttempt } from './policy-skip.js';
import { CANCELLED_BEFORE_DIALLING } from '../campaign/journal-codes.js';
import {
  callNotPlaced,
  findAttempt,
  numberAttempt,
  recordAnswer,
  recordAttempt,
  reportRecorded,
  type AttemptContext,
  type AttemptResult,
  type JournalRecording,
  type RecordedAttempt,
} from './call-journal.js';
import type { RecordingUploader } from './recording-outbox.js';
import { releaseNow } from '../lib/release-now.js';
import { loadCallSetup, type CampaignCallSetup } from './campaign-settings.js';
import { pickCallerId } from './caller-id-pick.js';
import { OptOutWatch } from './opt-out.js';
import { detectionRequest } from './machine-detection.js';
import { attemptIsLive, LEASE_RENEW_MS, releaseLeases, renewLeases, type Sleep } from './call-leases.js';
import {
  cancelReservation,
  pruneDialLedger,
  reserveDial,
  wasDialled,
  type DialReservation,
  type DialTarget,
} from './dial-ledger.js';
import { waitForCampaignSlot, type TrunkLimits } from './trunk-limits.js';
import type { GroupTrunk } from './campaign-settings.js';
import { groupLines, type TrunkChoice } from './trunk-choice.js';
import { DEFAULT_BREAKER, type BreakerSettings } from './trunk-breaker.js';
import { dialGroup, type TrunkDialled } from './group-dial.js';
import type { TrunkAttempt } from '../campaign/trunk-failover.js';
import { timed } from '../lib/step-times.js';

export interface CallDeps {
  readonly pool: Pool;
  readonly storage: Storage;
  readonly engine: Pick<TelephonyEngine, 'dial'>;
  readonly secrets: SecretBox;
  readonly buckets: { readonly audio: string; readonly recordings: string };
  /** Spools recordings and uploads them from the outbox (recording-outbox.ts). */
  readonly recordings: Pick<RecordingUploader, 'spoolRecording' | 'firstTry' | 'discard'>;
  /** Starts the webhook deliveries a journal write enqueued. */
  readonly webhooks: Pick<WebhookDispatcher, 'dispatchCampaign'>;
  /** Owners' policies where none is stored (lib/config.ts `policies`). */
  readonly policyDefaults: PolicyDefaults;
  /** The worker's call slots, shared fairly between owners; absent: no bound of our own (tests). */
  readonly callSlots?: Pick<WorkerCallSlots, 'take'>;
  /** Trunks' circuit breakers (TRUNK_BREAKER_*); default {@link DEFAULT_BREAKER}. */
  readonly breaker?: BreakerSettings;
  readonly logger?: Logger;
}

/** The report of an attempt another run took over: nothing was dialled or written. */
const superseded = (attempt: ClaimedAttempt): AttemptReport => ({
  attemptId: attempt.attemptId,
  outcome: 'superseded',
  retryAt: null,
});

/** The object key of an attempt's recording in the recordings bucket. */
export const recordingKey = (campaignId: string, attempt: ClaimedAttempt): string =>
  `campaigns/${campaignId}/${attempt.campaignContactId}-${attempt.attempt}.wav`;

/**
 * What an execution of the attempt heartbeats, so that its retry (on this worker or another)
 * knows what the journal may not know yet: a callee who answered while the database was away
 * is never called again, even when this worker dies before it could write the row.
 */
export interface CallProgress {
  invitedAt?: string;
  answeredAt?: string;
}

/** How long the journal write at the end of a call is retried (the database may be away): the activity heartbeats meanwhile. */
const JOURNAL_DEADLINE_MS = 2 * 60 * 60 * 1000;

export function createPlaceCall(deps: CallDeps) {
  const audio = new AudioCache(deps.storage, deps.buckets.audio);
  return async function placeCall(input: { campaignId: string; attempt: ClaimedAttempt }): Promise<AttemptReport> {
    const ctx = Context.current();
    const progress: CallProgress = {};
    ctx.heartbeat(progress);
    const beat = setInterval(() => ctx.heartbeat(progress), 1000);
    try {
      const report = await runAttempt(deps, audio, ctx, input.campaignId, input.attempt, progress);
      // Whichever way the attempt was journalled (now, or by a run that died before this
      // step), its webhook deliveries are started before the activity completes.
      await timed('webhooks', () => deps.webhooks.dispatchCampaign(input.campaignId));
      return report;
    } finally {
      clearInterval(beat);
    }
  };
}

async function runAttempt(
  deps: CallDeps,
  audio: AudioCache,
  ctx: Context,
  campaignId: string,
  attempt: ClaimedAttempt,
  progress: CallProgress,
): Promise<AttemptReport> {
  const { pool } = deps;
  const sleep = (ms: number) => ctx.sleep(ms);
  if (await attemptIsLive(pool, attempt.attemptId)) {
    // An earlier execution Temporal lost track of still has the call: it journals it itself.
    await waitWhileLive(pool, attempt.attemptId, sleep);
  }
  const earlier = previousProgress(ctx);
  let recorded = await findAttempt(pool, attempt.attemptId);
  if (recorded && !recorded.inProgress) return reportRecorded(pool, attempt, recorded.outcome);
  if (!recorded && earlier?.answeredAt && earlier.invitedAt) {
    // Answered under an execution that died before the journal had the answer.
    recorded = lostAnswer(earlier.invitedAt, earlier.answeredAt);
  }
  const setup = await timed('setup', () => loadCallSetup(pool, deps.secrets, campaignId));
  // The number comes from the contact's row, never from Temporal (review F29).
  const numbered = await numberAttempt(pool, attempt);
  if (!numbered) return superseded(attempt);
  const attemptRef: AttemptContext = {
    campaignId,
    ownerId: setup.ownerId,
    trunkId: setup.trunk.id,
    attempt: numbered,
    policy: setup.policy,
  };
  if (recorded) return finishLostAnswer(pool, attemptRef, recorded);
  if (!(await renewClaim(pool, attempt))) return superseded(attempt);
  const { admit, department, refusal } = await timed('admit', () =>
    admitAttempt(deps, attemptRef, earlier?.invitedAt !== undefined),
  );
  if (refusal?.kind === 'stop') return finish(deps, ctx, attemptRef, callNotPlaced('blocked', refusal.endReason));
  if (refusal) return skipAttempt(deps, attemptRef, refusal.journalCode, refusal.retryAt);
  // One of the worker's call slots, shared fairly between owners (call-slots.ts, review F13).
  // Refused: the contact waits a moment without using up its attempt, which is only right
  // when no INVITE can have left for it (an earlier execution's heartbeat or dial reservation).
  let slot = deps.callSlots?.take(setup.ownerId);
  if (slot?.kind === 'refused') {
    if (earlier?.invitedAt || (await wasDialled(pool, attempt.attemptId))) {
      slot = deps.callSlots?.take(setup.ownerId, true);
    } else {
      deps.logger?.debug(
        { attemptId: attempt.attemptId, held: slot.held, share: slot.share },
        'no call slot for the owner',
      );
      return defer(deps, attempt, slot.retryAt, THROTTLED);
    }
  }
  try {
    return await callOnSlot(deps, audio, ctx, { setup, attemptRef, progress, earlier, admit, department });
  } finally {
    if (slot?.kind === 'admitted') slot.release();
  }
}

/** What an attempt about to dial knows: the campaign's call setup, which attempt it is, and the progress it heartbeats. */
interface AttemptOnSlot {
  readonly setup: CampaignCallSetup;
  readonly attemptRef: AttemptContext;
  readonly progress: CallProgress;
  /** What an earlier execution of the attempt heartbeated. */
  readonly earlier: CallProgress | undefined;
  /** The policy's admit stage, asked again once the line is held. */
  readonly admit: AdmitContext;
  /** The owner's department's limits (null: none). */
  readonly department: DepartmentLimits | null;
}

/** The trunk's limits as the pacing and leases take them. */
const limitsOf = ({ trunk, trunkLimits }: GroupTrunk): TrunkLimits => ({
  trunkId: trunk.id,
  maxConcurrentCalls: trunkLimits.maxConcurrentCalls,
  callsPerSecond: trunkLimits.maxCallsPerSecond,
});

/** The attempt on a call slot of this worker: leases, clearance, the call (through the trunk group), the journal. */
async function callOnSlot(
  deps: CallDeps,
  audio: AudioCache,
  ctx: Context,
  { setup, attemptRef, progress, earlier, admit, department }: AttemptOnSlot,
): Promise<AttemptReport> {
  const { pool } = deps;
  const { campaignId, attempt } = attemptRef;
  const sleep = (ms: number) => ctx.sleep(ms);
  const breaker = deps.breaker ?? DEFAULT_BREAKER;
  const { samples, machineAudio, ownerPolicy } = await timed('setup', async () => ({
    samples: await audio.get(setup.audioId, setup.audioKey),
    machineAudio: setup.machineAudio ? await audio.get(setup.machineAudio.id, setup.machineAudio.key) : undefined,
    ownerPolicy: await loadOwnerPolicy(pool, setup.ownerId, deps.policyDefaults),
  }));
  const detection = detectionRequest(setup.machineDetection, machineAudio);
  // The concurrency rule's places (owner, department), taken with the trunk line.
  const shared = concurrencyLimits(setup.ownerId, ownerPolicy, department);
  const group = setup.trunks.map(({ trunk, trunkLimits, share }) => ({
    trunkId: trunk.id,
    maxConcurrentCalls: trunkLimits.maxConcurrentCalls,
    ...share,
  }));
  const lines = groupLines(pool, { trunks: group, shared, campaignId }, attempt.attemptId, breaker, sleep);
  let choice: TrunkChoice;
  try {
    choice = await timed('leases', () => lines.first(false));
    // Every trunk held down: the contact waits for the first hold to end, unless an INVITE may
    // have left for this attempt already (then it may not be put back as if it never happened).
    if (choice.kind === 'down' && (earlier?.invitedAt || (await wasDialled(pool, attempt.attemptId)))) {
      choice = await timed('leases', () => lines.first(true));
    }
  } catch (err) {
    if (!ctx.cancellationSignal.aborted) throw err;
    return finish(deps, ctx, attemptRef, callNotPlaced('cancelled', CANCELLED_BEFORE_DIALLING));
  }
  if (choice.kind === 'down') return defer(deps, attempt, choice.until, THROTTLED);
  const first = choice.index;
  // The leases are held until the journal row is written: a second execution of this attempt
  // either finds them (and backs off) or, after them, the row (and returns it).
  const renew = setInterval(() => {
    Promise.all([renewLeases(pool, attempt.attemptId), renewClaim(pool, attempt)]).catch((err) =>
      deps.logger?.warn({ err, attemptId: attempt.attemptId }, 'could not renew the call leases'),
    );
  }, LEASE_RENEW_MS);
  try {
    const recorded = await findAttempt(pool, attempt.attemptId);
    if (recorded && !recorded.inProgress) return await reportRecorded(pool, attempt, recorded.outcome);
    if (recorded) return await finishLostAnswer(pool, attemptRef, recorded);
    const target = { ownerId: setup.ownerId, phone: attempt.phone, attemptId: attempt.attemptId };
    // A pool number is counted against its daily cap here, once the attempt holds its line.
    const callerId = await pickCallerId(pool, setup.ownerId, setup.callerIdPool, attempt.phone, setup.callerId);
    const placing: CampaignCallSetup = callerId ? { ...setup, callerId } : setup;
    const hangUp = hangUpSignal(ctx, deps.logger?.child({ campaignId, attemptId: attempt.attemptId }));
    const call = { samples, detection };
    const { dialled, trunk, attempts } = await dialGroup({
      pool,
      breaker,
      logger: deps.logger?.child({ campaignId, attemptId: attempt.attemptId }),
      trunks: setup.trunks,
      first,
      dialOn: (groupTrunk, failover) => {
        const limits = limitsOf(groupTrunk);
        const clearance = () =>
          waitForClearance(pool, { campaignId, setup, target, limits, ownerPolicy, department, sleep, failover });
        const onTrunk = { ...attemptRef, trunkId: groupTrunk.trunk.id };
        const controls = { ctx, hangUp, progress, admit };
        return dialWithClearance(deps, controls, placing, onTrunk, groupTrunk, call, clearance);
      },
      chooseNext: (indices) => lines.next(indices),
      stopped: () => hangUp.aborted || ctx.cancellationSignal.aborted,
    });
    if (dialled.kind === 'capped') return await skipAttempt(deps, attemptRef, dialled.why, dialled.until);
    const report = await finish(deps, ctx, { ...attemptRef, trunkId: trunk.trunk.id }, dialled.result, {
      recordingPrivate: setup.recordingsPrivate,
      optedOut: dialled.optedOut,
      hangUp,
      trunkAttempts: attempts,
      callerIdNumber: callerId?.number ?? trunk.trunk.callerId.number,
    });
    await pruneDialLedger(pool).catch(() => undefined); // housekeeping; the next call prunes
    return report;
  } finally {
    clearInterval(renew);
    // Left to expire (LEASE_TTL_SECONDS) when the database is away: the row is written by then.
    await timed('leases', () => releaseLeases(pool, attempt.attemptId)).catch((err: unknown) =>
      deps.logger?.warn({ err, attemptId: attempt.attemptId }, 'could not release the call leases; they expire'),
    );
  }
}

/** The heartbeat details of the execution before this one, if it got as far as a call. */
function previousProgress(ctx: Context): CallProgress | undefined {
  const details: unknown = ctx.info.heartbeatDetails;
  if (typeof details !== 'object' || details === null) return undefined;
  const { invitedAt, answeredAt } = details as Record<string, unknown>;
  return {
    ...(typeof invitedAt === 'string' ? { invitedAt } : {}),
    ...(typeof answeredAt === 'string' ? { answeredAt } : {}),
  };
}

/** A journal entry as the answer-time row would have been: answered, not ended. */
function lostAnswer(invitedAt: string, answeredAt: string): RecordedAttempt {
  return {
    outcome: 'answered',
    inProgress: true,
    inviteAt: new Date(invitedAt),
    answerAt: new Date(answeredAt),
    optedOut: false,
  };
}

/** Waits (cancellably, heartbeating) until no execution of the attempt holds a live lease. */
async function waitWhileLive(pool: Pool, attemptId: string, sleep: Sleep): Promise<void> {
  while (await attemptIsLive(pool, attemptId)) await sleep(1000);
}

/**
 * What hangs the call up: a cancel of the campaign, or the worker shutting down past its
 * grace time. Not Temporal losing track of the activity (its heartbeat timed out while
 * Temporal was restarting or the event loop stalled, or the activity is not found): the call
 * is the callee's, so it goes on and is journalled, and the attempt's retry waits for it
 * (the attempt's leases say it is live).
 */
function hangUpSignal(ctx: Context, logger: Logger | undefined): AbortSignal {
  const hangUp = new AbortController();
  const onAbort = () => {
    const why = ctx.cancellationDetails;
    if (why?.timedOut || why?.notFound) {
      logger?.warn({ why }, 'Temporal lost track of the call activity; the call goes on and is journalled');
      return;
    }
    hangUp.abort(ctx.cancellationSignal.reason);
  };
  if (ctx.cancellationSignal.aborted) onAbort();
  else ctx.cancellationSignal.addEventListener('abort', onAbort, { once: true });
  return hangUp.signal;
}

export { deniedEndReason } from './policy-rules/index.js';

interface ClearanceInput {
  readonly campaignId: string;
  readonly setup: CampaignCallSetup;
  readonly target: DialTarget;
  readonly limits: TrunkLimits;
  readonly ownerPolicy: EffectivePolicy;
  readonly department: DepartmentLimits | null;
  readonly sleep: Sleep;
  /**
   * The attempt's trunk before this one failed technically: the attempt had its campaign
   * slot and passed the frequency cap already, so only the new trunk's slot is taken.
   */
  readonly failover?: boolean;
}

/**
 * Waits for the campaign's start slot, then takes the trunk's (with the frequency cap's
 * reservation) and waits for it; a wait cut short by cancellation gives the reservation back.
 */
async function waitForClearance(pool: Pool, input: ClearanceInput): Promise<DialReservation> {
  const { campaignId, setup, target, limits, ownerPolicy, department, sleep, failover = false } = input;
  if (!failover) await timed('pacing', () => waitForCampaignSlot(pool, campaignId, setup.callsPerSecond, sleep));
  // The uk profile's abandoned-call hold, the campaign's or the owner's (compliance-profile.ts).
  const abandonedHold = profilesInForce(setup.complianceProfile, ownerPolicy.complianceProfile).includes('uk');
  const checks = failover
    ? { cap: null, abandonedHold: false }
    : { cap: ownerPolicy.frequencyCap, abandonedHold, department };
  const reservation = await timed('ledger', () => reserveDial(pool, target, checks, limits));
  const waitMs = reservation.kind === 'reserved' ? reservation.dueMs - performance.now() : 0;
  if (reservation.kind === 'reserved' && waitMs > 0) {
    await timed('pacing', () => sleep(waitMs)).catch(async (err: unknown) => {
      await cancelReservation(pool, reservation.id);
      throw err;
    });
  }
  return reservation;
}

/** Answered on a worker that died before the call ended: never call an answered contact again. */
async function finishLostAnswer(pool: Pool, attemptRef: AttemptContext, recorded: RecordedAttempt) {
  const times = { invite: recorded.inviteAt, answer: recorded.answerAt ?? recorded.inviteAt, end: new Date() };
  const result = callNotPlaced('answered', 'worker lost during the call', times);
  const entry = { result, recordingKey: null, recordingPrivate: false, optedOut: recorded.optedOut };
  const report = await recordAttempt(pool, attemptRef, entry);
  return report ?? superseded(attemptRef.attempt);
}

/** How a placed call is journalled; a call not placed has none of it. */
interface PlacedCall {
  /** The campaign keeps its recordings private (from the answer on). */
  readonly recordingPrivate?: boolean;
  /** The callee pressed the campaign's opt-out key. */
  readonly optedOut?: boolean;
  /** The signal the call ran under. */
  readonly hangUp?: AbortSignal;
  /** Every trunk of the group the call went to, in order. */
  readonly trunkAttempts?: readonly TrunkAttempt[];
  /** The number the INVITE's From carried. */
  readonly callerIdNumber?: string;
}

/**
 * Spools the recording, journals the attempt (with the recording's upload in the outbox) and
 * tries the upload once; rethrows a cancellation once journalled.
 */
async function finish(
  deps: CallDeps,
  ctx: Context,
  attemptRef: AttemptContext,
  result: AttemptResult,
  { recordingPrivate = false, optedOut = false, hangUp, trunkAttempts, callerIdNumber }: PlacedCall = {},
): Promise<AttemptReport> {
  const campaignCancel = ctx.cancellationDetails?.cancelRequested === true;
  // A call that went on although Temporal lost track of the activity (see hangUpSignal) happened.
  const wentOn = hangUp !== undefined && !hangUp.aborted && result.endReason !== CANCELLED_BEFORE_DIALLING;
  if (ctx.cancellationSignal.aborted && !campaignCancel && result.outcome !== 'answered' && !wentOn) {
    // Shutdown or lost heartbeat before the callee answered: the attempt did not happen; Temporal retries it.
    throw new CancelledFailure(String(ctx.cancellationSignal.reason ?? 'cancelled'));
  }
  const wav = result.recording;
  const key = wav ? recordingKey(attemptRef.campaignId, attemptRef.attempt) : null;
  const recording = wav && key ? await timed('upload', () => uploadRecording(deps, attemptRef, key, wav)) : undefined;
  const recordingBytes = wav?.length;
  // Spooled (or uploaded, or lost): nothing reads the WAV again, and its memory goes back now
  // rather than when the saturated main thread next collects garbage (lib/release-now.ts).
  if (wav) releaseNow(wav);
  const entry = {
    result: wav ? { ...result, recording: undefined } : result,
    ...(recordingBytes === undefined ? {} : { recordingBytes }),
    recordingKey: recording?.state === 'lost' ? null : key,
    recording,
    recordingPrivate,
    optedOut,
    ...(trunkAttempts && trunkAttempts.length > 0 ? { trunkAttempts } : {}),
    ...(callerIdNumber && result.endReason !== CANCELLED_BEFORE_DIALLING ? { callerIdNumber } : {}),
  };
  const log = deps.logger?.child({ campaignId: attemptRef.campaignId, attemptId: attemptRef.attempt.attemptId });
  // The database may be away: the call happened, so its row is written once it is back (a
  // failed activity's retry would otherwise dial the contact again).
  const report = await retryUntil(
    () =>
      timed(
        'journal',
        async () =>
          (await recordAttempt(deps.pool, attemptRef, entry, campaignCancel ? 'cancelled' : undefined)) ??
          (await recordedReport(deps.pool, attemptRef.attempt)),
      ),
    {
      deadlineMs: JOURNAL_DEADLINE_MS,
      onRetry: (err, delayMs) => log?.warn({ err, delayMs }, 'journal write failed; retrying'),
    },
  );
  if (recording?.upload) {
    // Journalled: the first try now (the outbox retries it); taken over: the call is another run's.
    if (report) await deps.recordings.firstTry(attemptRef.attempt.attemptId);
    else await deps.recordings.discard(recording.upload.spoolFile);
  }
  deps.logger
    ?.child({ campaignId: attemptRef.campaignId, attemptId: attemptRef.attempt.attemptId })
    .debug({ outcome: result.outcome, sipCode: result.sipCode, retryAt: report?.retryAt }, 'call attempt recorded');
  if (campaignCancel) throw new CancelledFailure('CANCELLED');
  return report ?? superseded(attemptRef.attempt);
}

/**
 * The attempt's report when its row is in the journal: a write that committed although its
 * answer was lost (the connection dropped) is not superseded, it is done.
 */
async function recordedReport(pool: Pool, attempt: ClaimedAttempt): Promise<AttemptReport | undefined> {
  const recorded = await findAttempt(pool, attempt.attemptId);
  return recorded && !recorded.inProgress ? reportRecorded(pool, attempt, recorded.outcome) : undefined;
}

/**
 * Puts the recording where it survives: the worker's spool (fsynced), to be journalled
 * `pending` with its upload in the outbox. When the spool cannot take it (disk full or
 * failing), one direct upload instead: `stored`, or `lost` with both reasons.
 */
async function uploadRecording(
  deps: CallDeps,
  attemptRef: AttemptContext,
  key: string,
  wav: Buffer,
): Promise<JournalRecording> {
  try {
    return { state: 'pending', upload: await deps.recordings.spoolRecording(key, wav) };
  } catch (spoolErr) {
    const log = deps.logger?.child({ campaignId: attemptRef.campaignId, attemptId: attemptRef.attempt.attemptId, key });
    log?.error({ err: spoolErr }, 'cannot spool the recording; uploading it directly');
    try {
      await deps.storage.putObject(deps.buckets.recordings, key, wav, wav.length, { 'Content-Type': 'audio/wav' });
      return { state: 'stored' };
    } catch (uploadErr) {
      log?.error({ err: uploadErr }, 'recording lost: neither spooled nor uploaded');
      const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));
      return {
        state: 'lost',
        error: `could not spool it (${reason(spoolErr)}) nor upload it (${reason(uploadErr)})`,
      };
    }
  }
}

/**
 * Fences the attempt and shows it alive: true while the contact is still claimed for exactly
 * this attempt (a claim that looked abandoned and was taken over has a higher attempt number).
 */
const renewClaim = (pool: Pool, attempt: ClaimedAttempt): Promise<boolean> =>
  touchClaim(pool, attempt.campaignContactId, attempt.attempt);

/** The activity's Temporal context, the signal that hangs the call up, and the progress it heartbeats. */
interface DialControls {
  readonly ctx: Context;
  readonly hangUp: AbortSignal;
  readonly progress: CallProgress;
  /** The policy's admit stage (blocklist, reservation), asked again once the line is held. */
  readonly admit: AdmitContext;
}

/**
 * What {@link dialWithClearance} came to: the frequency cap holds the number until `until`
 * (nothing dialled), or an attempt result to journal (a call, or a call not placed).
 */
type Dialled = TrunkDialled;

/**
 * Waits for clearance (the trunk's start slot, with the frequency cap's reservation) and
 * dials. A cancel while waiting places no call, nor does a number blocked while the attempt
 * waited for its trunk line; a dial whose INVITE never left gives its reservation back,
 * since only an INVITE sent counts against the cap. The campaign's opt-out key ends the
 * call (opt-out.ts).
 */
async function dialWithClearance(
  deps: CallDeps,
  { ctx, hangUp, progress, admit }: DialControls,
  setup: CampaignCallSetup,
  attemptRef: AttemptContext,
  { trunk }: GroupTrunk,
  { samples, detection }: { readonly samples: Int16Array; readonly detection: MachineDetectionRequest | undefined },
  clearance: () => Promise<DialReservation>,
): Promise<Dialled> {
  // Checked before the pacing slot, not after it: the INVITE must follow its slot at once.
  const { verdict } = await timed('admit', () => admitCall(admit));
  if (verdict.kind === 'stop') {
    return { kind: 'dialled', result: callNotPlaced('blocked', verdict.endReason), optedOut: false };
  }
  // Reserved while the attempt waited for its line: put back, unless an earlier trunk sent an INVITE.
  if (verdict.kind === 'skip' && !progress.invitedAt) {
    return { kind: 'capped', until: verdict.retryAt, why: verdict.journalCode };
  }
  let reservation: DialReservation;
  try {
    reservation = await clearance();
  } catch (err) {
    if (!ctx.cancellationSignal.aborted) throw err;
    return { kind: 'dialled', result: callNotPlaced('cancelled', CANCELLED_BEFORE_DIALLING), optedOut: false };
  }
  if (reservation.kind === 'capped') return { kind: 'capped', until: reservation.until, why: reservation.why };
  const invite = new Date();
  const invitedBefore = progress.invitedAt; // by an earlier trunk of the group
  progress.invitedAt = invite.toISOString();
  let answerWrite: Promise<void> | undefined;
  const optOut = new OptOutWatch(setup.optOutDigit, () => recordOptOut(deps.pool, attemptRef), deps.logger);
  let result: CallResult;
  try {
    result = await timed('sip', () =>
      deps.engine.dial(
        {
          trunk,
          destination: attemptRef.attempt.phone,
          audio: samples,
          ringTimeoutMs: setup.ringTimeoutMs,
          maxCallMs: setup.maxCallMs,
          record: setup.record,
          ...(setup.callerId ? { callerId: setup.callerId } : {}),
          ...(detection ? { machineDetection: detection } : {}),
          // The answer row before our ACK (call-types.ts): a worker killed in between never
          // ACKed, so no callee ever hears a second call of an attempt the journal lost. Should
          // that write fail, it is retried while the call lasts; should the database stay away,
          // the row is written whole at the end (finish), and the heartbeat carries the answer.
          onAnswering: (at) => {
            const journal = () =>
              timed('journal', () => recordAnswer(deps.pool, attemptRef, invite, at, setup.recordingsPrivate));
            const write = journal();
            answerWrite = write.catch(() =>
              retryUntil(journal, {
                deadlineMs: setup.maxCallMs,
              }).catch((err: unknown) =>
                deps.logger?.warn(
                  { err, attemptId: attemptRef.attempt.attemptId },
                  'answer not journalled during the call',
                ),
              ),
            );
            return write;
          },
          onEvent: (event) => {
            if (event.type === 'dtmf') optOut.press(event.digit, answerWrite);
            if (event.type !== 'answered') return;
            progress.answeredAt = event.at.toISOString();
            ctx.heartbeat(progress);
          },
        },
        AbortSignal.any([hangUp, optOut.signal]),
      ),
    );
  } catch (err) {
    await cancelReservation(deps.pool, reservation.id);
    throw err;
  }
  if (result.inviteSent === false) {
    if (invitedBefore) progress.invitedAt = invitedBefore;
    else delete progress.invitedAt;
    await cancelReservation(deps.pool, reservation.id);
  }
  await optOut.settled();
  await answerWrite;
  return {
    kind: 'dialled',
    result: optOut.describe(result),
    optedOut: optOut.optedOut,
    ...(result.inviteSent === false ? {} : { reservationId: reservation.id }),
  };
}
