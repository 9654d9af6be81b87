/**
 * The campaign workflow's scheduling on the real Temporal server, with activities that keep
 * the contacts in memory (the workflow is under test here; the PostgreSQL activities and
 * real calls through sipp are tested end to end in campaign-calls.test.ts). Each "call" takes a
 * scripted time, heartbeats, honours cancellation and returns a scripted outcome; the
 * business retry decision is the real retry policy.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { CallOutcome } from '../../campaign/outcomes.js';
import type {
  AttemptReport,
  CampaignActivities,
  CampaignRunInput,
  CampaignStatus,
  ClaimedAttempt,
  ClaimResult,
} from '../../campaign/campaign-types.js';
import { claimRoom } from '../../campaign/campaign-types.js';
import {
  campaignWorkflow,
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type CampaignWorkflow,
} from '../../workflows/definitions.js';
import { decideAfterAttempt, DEFAULT_RETRY_ON, type RetryPolicy } from '../../campaign/retry-policy.js';
import { readStack } from '../support/stack';
import { testEnvironment } from '../support/temporal';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await testEnvironment();
});

afterAll(async () => {
  await env?.teardown();
});

interface Contact {
  readonly id: string;
  readonly phone: string;
  /** Outcome of attempt n (the last one repeats). */
  readonly script: readonly CallOutcome[];
  state: 'due' | 'in_flight' | 'waiting' | 'done' | 'cancelled';
  attempts: number;
  dueAt: number;
  outcomes: CallOutcome[];
}

/** An in-memory campaign behind the CampaignActivities contract. */
class FakeCampaign {
  readonly contacts: Contact[];
  readonly statuses: CampaignStatus[] = [];
  readonly claims: { at: number; limit: number; got: number; inFlight?: number; cap?: number | null }[] = [];
  /** The owner's concurrent-call limit the claims report, and apply as the real claim does (undefined: none reported). */
  cap: number | null | undefined;
  readonly callStarts: number[] = [];
  cancelledCalls = 0;
  live = 0;
  maxLive = 0;

  constructor(
    scripts: readonly (readonly CallOutcome[])[],
    private readonly policy: RetryPolicy,
    private readonly callMs: number,
  ) {
    this.contacts = scripts.map((script, i) => ({
      id: `c${i}`,
      phone: `+4930${String(i).padStart(6, '0')}`,
      script,
      state: 'due',
      attempts: 0,
      dueAt: 0,
      outcomes: [],
    }));
  }

  activities(): CampaignActivities {
    return {
      claimDueAttempts: ({ limit, inFlight }) => Promise.resolve(this.claim(limit, inFlight)),
      placeCall: ({ attempt }) => this.call(attempt),
      releaseAttempt: ({ attempt }) => Promise.resolve(this.finish(attempt, 'failed')),
      setCampaignStatus: ({ status }) => {
        this.statuses.push(status);
        return Promise.resolve();
      },
      cancelOpenContacts: () => {
        const open = this.contacts.filter((c) => c.state !== 'done');
        for (const c of open) c.state = 'cancelled';
        return Promise.resolve(open.length);
      },
      // Scheduling is tested against PostgreSQL in campaign-schedule.test.ts.
      beginScheduledCampaign: () => Promise.resolve({ status: 'running', schedule: { startAt: null, endAt: null } }),
      expireOpenContacts: () => Promise.resolve(0),
      // Background copies are tested against PostgreSQL in campaign-prepare.test.ts.
      prepareContacts: () => Promise.resolve({ copied: 0 }),
    };
  }

  private claim(asked: number, inFlight: number | undefined): ClaimResult {
    const limit = this.cap === undefined ? asked : claimRoom({ limit: asked, inFlight }, this.cap);
    const now = Date.now();
    const due = this.contacts.filter((c) => c.state === 'due' || (c.state === 'waiting' && c.dueAt <= now));
    const attempts: ClaimedAttempt[] = due.slice(0, limit).map((c) => {
      c.state = 'in_flight';
      c.attempts += 1;
      return { attemptId: `${c.id}:${c.attempts}`, campaignContactId: c.id, attempt: c.attempts };
    });
    this.claims.push({ at: now, limit: asked, got: attempts.length, inFlight, cap: this.cap });
    const waiting = this.contacts.filter((c) => c.state === 'waiting').map((c) => c.dueAt);
    return {
      attempts,
      nextDueAt: waiting.length ? new Date(Math.min(...waiting)).toISOString() : null,
      open: this.contacts.some((c) => c.state !== 'done' && c.state !== 'cancelled') ? 1 : 0,
      ...(this.cap === undefined ? {} : { concurrencyCap: this.cap }),
    };
  }

  private async call(attempt: ClaimedAttempt): Promise<AttemptReport> {
    const contact = this.contacts.find((c) => c.id === attempt.campaignContactId)!;
    this.callStarts.push(Date.now());
    this.live += 1;
    this.maxLive = Math.max(this.maxLive, this.live);
    const context = Context.current();
    try {
      const ended = await new Promise<boolean>((resolve) => {
        const beat = setInterval(() => context.heartbeat(), 100);
        const stop = (result: boolean) => {
          clearTimeout(timer);
          clearInterval(beat);
          resolve(result);
        };
        const timer = setTimeout(() => stop(true), this.callMs);
        context.cancellationSignal.addEventListener('abort', () => stop(false), { once: true });
      });
      if (!ended) {
        this.cancelledCalls += 1;
        contact.outcomes.push('cancelled');
        throw new Error('hung up: campaign cancelled');
      }
      const outcome = contact.script[Math.min(attempt.attempt, contact.script.length) - 1];
      return this.finish(attempt, outcome);
    } finally {
      this.live -= 1;
    }
  }

  private finish(attempt: ClaimedAttempt, outcome: CallOutcome): AttemptReport {
    const contact = this.contacts.find((c) => c.id === attempt.campaignContactId)!;
    if (outcome !== 'cancelled') contact.outcomes.push(outcome);
    const decision = decideAfterAttempt(this.policy, attempt.attempt, outcome, new Date());
    if (decision.kind === 'retry') {
      contact.state = 'waiting';
      contact.dueAt = decision.at.getTime();
    } else contact.state = 'done';
    return {
      attemptId: attempt.attemptId,
      outcome,
      retryAt: decision.kind === 'retry' ? decision.at.toISOString() : null,
    };
  }
}

async function withWorker<T>(fake: FakeCampaign, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `campaign-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: readStack().temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: fake.activities(),
    // Cancellation reaches an activity with its next heartbeat to the server: do not wait seconds for it here.
    maxHeartbeatThrottleInterval: '200 ms',
  });
  return worker.runUntil(body(taskQueue));
}

function start(taskQueue: string, input: Omit<CampaignRunInput, 'ownerId' | 'campaignId'>) {
  const campaignId = randomUUID();
  return env.client.workflow.start<CampaignWorkflow>(campaignWorkflow, {
    taskQueue,
    workflowId: `campaign-${campaignId}`,
    args: [{ campaignId, ownerId: 'owner-1', ...input }],
    searchAttributes: { CampaignId: [campaignId], OwnerId: ['owner-1'], CampaignStatus: ['running'] },
  });
}

const policy: RetryPolicy = { maxAttempts: 3, retryDelaySeconds: 1, retryOn: DEFAULT_RETRY_ON };

/** `count` contacts who all answer the first call, each call taking `callMs`. */
const answeringAll = (count: number, callMs: number): FakeCampaign =>
  new FakeCampaign(
    Array.from({ length: count }, () => ['answered'] as CallOutcome[]),
    policy,
    callMs,
  );

/** The history length of each run of a workflow, following its continue-as-new chain from the first. */
async function runLengths(workflowId: string, firstRunId: string): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return lengths;
}

describe('campaign workflow (scheduling, in-memory contacts)', () => {
  test('dials everyone, never more than maxConcurrentCalls at once, retries per policy, completes', async () => {
    const scripts: CallOutcome[][] = [
      ['answered'],
      ['busy', 'answered'],
      ['no_answer'], // three attempts, then done
      ['rejected'], // never retried
      ['invalid_number'],
      ['unavailable', 'busy', 'answered'],
      ['answered'],
      ['failed', 'answered'],
      ['answered'],
      ['busy'],
    ];
    const fake = new FakeCampaign(scripts, policy, 150);
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { settings: { maxConcurrentCalls: 3 } });
      return await handle.result();
    });
    expect(result).toMatchObject({ status: 'completed', runs: 1 });
    expect(fake.contacts.map((c) => c.outcomes)).toEqual([
      ['answered'],
      ['busy', 'answered'],
      ['no_answer', 'no_answer', 'no_answer'],
      ['rejected'],
      ['invalid_number'],
      ['unavailable', 'busy', 'answered'],
      ['answered'],
      ['failed', 'answered'],
      ['answered'],
      ['busy', 'busy', 'busy'],
    ]);
    expect(result.callsStarted).toBe(18); // 1+2+3+1+1+3+1+2+1+3
    expect(fake.maxLive).toBe(3);
    expect(fake.statuses).toEqual(['completed']); // `running` is the API's to write, at start
  });

  test("the owner's concurrent-call limit from the claims caps the calls in flight, and follows a change", async () => {
    const fake = answeringAll(14, 300);
    fake.cap = 2;
    let maxBeforeRaise = 0;
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { settings: { maxConcurrentCalls: 5 } });
      while (fake.contacts.filter((c) => c.state === 'done').length < 6) await new Promise((r) => setTimeout(r, 20));
      maxBeforeRaise = fake.maxLive;
      fake.cap = 4; // an administrator raised it: the next claim says so
      return await handle.result();
    });
    expect(result).toMatchObject({ status: 'completed', callsStarted: 14 });
    expect(maxBeforeRaise).toBe(2);
    // Raised to 4, still under the campaign's own 5.
    expect(fake.maxLive).toBe(4);
    // The workflow itself keeps to the cap the last claim reported: after the first claim it
    // never asks for more than the cap leaves room for (nor claims in vain while it is full).
    const later = fake.claims.slice(1);
    expect(later.filter((c, i) => c.limit + (c.inFlight ?? 0) > Math.min(5, fake.claims[i].cap ?? 5))).toEqual([]);
  });

  test('pause stops new calls (live ones finish), resume continues', async () => {
    const fake = answeringAll(8, 400);
    await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { settings: { maxConcurrentCalls: 2 } });
      while (fake.callStarts.length < 2) await new Promise((r) => setTimeout(r, 20));
      await handle.signal(pauseSignal);
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      // The two live calls finished; nothing started after the pause.
      expect(fake.callStarts.filter((t) => t > pausedAt + 100)).toEqual([]);
      expect(fake.contacts.filter((c) => c.state === 'done')).toHaveLength(2);
      expect(fake.statuses.at(-1)).toBe('paused');
      const progress = await handle.query(progressQuery);
      expect(progress).toMatchObject({ status: 'paused', inFlight: [] });
      await handle.signal(resumeSignal);
      expect(await handle.result()).toMatchObject({ status: 'completed', callsStarted: 8 });
    });
    expect(fake.statuses).toEqual(['paused', 'running', 'completed']);
  });

  test('cancel hangs up live calls and marks the rest cancelled', async () => {
    const fake = answeringAll(6, 10_000);
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { settings: { maxConcurrentCalls: 3 } });
      while (fake.live < 3) await new Promise((r) => setTimeout(r, 20));
      const progress = await handle.query(progressQuery);
      expect(progress.inFlight).toHaveLength(3);
      const cancelledAt = Date.now();
      await handle.signal(cancelSignal);
      const r = await handle.result();
      expect(Date.now() - cancelledAt).toBeLessThan(5000); // not the 10 s calls
      return r;
    });
    expect(result).toMatchObject({ status: 'cancelled', callsStarted: 3 });
    expect(fake.cancelledCalls).toBe(3);
    expect(fake.contacts.every((c) => c.state === 'cancelled')).toBe(true);
    expect(fake.statuses.at(-1)).toBe('cancelled');
  });

  test('a closed calling window places no calls until it opens', async () => {
    const fake = new FakeCampaign([['answered'], ['answered']], policy, 50);
    const opensAt = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    const hhmmss = (d: Date) => d.toISOString().slice(11, 19);
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, {
        settings: {
          maxConcurrentCalls: 2,
          callingWindow: {
            days: [days[opensAt.getUTCDay()]],
            from: hhmmss(opensAt),
            to: hhmmss(new Date(opensAt.getTime() + 60_000)),
            timezone: 'UTC',
          },
        },
      });
      await new Promise((r) => setTimeout(r, 500));
      expect((await handle.query(progressQuery)).waitingForWindowUntil).toBe(opensAt.toISOString());
      return await handle.result();
    });
    expect(result.status).toBe('completed');
    expect(Math.min(...fake.callStarts)).toBeGreaterThanOrEqual(opensAt.getTime());
  });

  test('continues as new every callsPerRun calls and still finishes every contact once', async () => {
    const fake = answeringAll(25, 20);
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { settings: { maxConcurrentCalls: 4, callsPerRun: 10 } });
      return await handle.result();
    });
    expect(result).toMatchObject({ status: 'completed', callsStarted: 25, runs: 3 });
    expect(fake.contacts.every((c) => c.outcomes.length === 1)).toBe(true);
  });

  test('a run lasts until its history is long, not 500 calls: no drain of the calls in flight every 500', async () => {
    const fake = answeringAll(700, 10);
    const result = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { settings: { maxConcurrentCalls: 50 } });
      return await handle.result();
    });
    // Runs begun before runs-by-history continued as new after 500 calls (campaign-replay.test.ts).
    expect(result).toMatchObject({ status: 'completed', callsStarted: 700, runs: 1 });
    expect(fake.contacts.every((c) => c.outcomes.length === 1)).toBe(true);
  });

  test('a run with historyEventsPerRun events claims no more, drains its calls and continues as new', async () => {
    const fake = answeringAll(300, 10);
    const limit = 300;
    const { result, lengths } = await withWorker(fake, async (taskQueue) => {
      const handle = await start(taskQueue, { settings: { maxConcurrentCalls: 20, historyEventsPerRun: limit } });
      const done = await handle.result();
      return { result: done, lengths: await runLengths(handle.workflowId, handle.firstExecutionRunId) };
    });
    expect(result).toMatchObject({ status: 'completed', callsStarted: 300 });
    expect(result.runs).toBeGreaterThanOrEqual(3);
    expect(lengths).toHaveLength(result.runs);
    expect(fake.contacts.every((c) => c.outcomes.length === 1)).toBe(true);
    // Every run but the last reached the limit, then only drained: at most the 20 calls in
    // flight (3 events each) and the workflow tasks that took their results (3 each).
    for (const length of lengths.slice(0, -1)) {
      expect(length).toBeGreaterThanOrEqual(limit);
      expect(length).toBeLessThanOrEqual(limit + 20 * 6 + 10);
    }
  });
});
