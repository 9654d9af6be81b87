import type { EntityManager } from '@mikro-orm/postgresql';
import { isAdmin, type Principal } from '../../auth/principal.js';
import { inTransaction, type Pool, type PoolClient } from '../../db/sql.js';
import { userExists } from '../../db/users.js';
import { NotFoundError, ValidationError, type FieldError } from '../../lib/errors.js';
import { contactCounts } from '../campaigns/campaign-counts.js';
import { findCampaign } from '../campaigns/campaign-view.js';
import { attemptsFigures, digitFigures, outcomeFigures } from './stats-figures.js';
import { ownerIdProblems, resolveInterval, timezoneProblems } from './stats-params.js';
import {
  abandonedCalls,
  answeredBy,
  beginStatsSnapshot,
  attemptsPerContact,
  campaignScope,
  dtmfCounts,
  hourlyCounts,
  intervalScope,
  outcomeCounts,
  talkTime,
  type Scope,
} from '../../db/stats.js';
import type { CallStats, CampaignStats, IntervalStats } from './stats.dto.js';

export interface IntervalQuery {
  readonly from?: string;
  readonly to?: string;
  readonly timezone?: string;
  readonly ownerId?: string;
}

const TIMEZONE_PROBLEM: FieldError = {
  field: 'timezone',
  message: 'must be an IANA time zone such as Europe/Berlin or UTC',
};

/**
 * Call statistics from the journal. Access first (a campaign the caller may not see is 404,
 * as is another owner named in `ownerId`), then every figure in one read-only
 * repeatable-read transaction: a campaign still running cannot make them disagree.
 */
export class StatsService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async campaign(principal: Principal, id: string, timezone = 'UTC'): Promise<CampaignStats> {
    const problems = timezoneProblems(timezone);
    if (problems.length > 0) throw new ValidationError(problems);
    const campaign = await findCampaign(this.em.fork(), principal, id);
    return this.snapshot(timezone, async (db) => {
      const figures = await callStats(db, campaignScope(campaign.id), timezone);
      return { campaignId: campaign.id, ...figures, contacts: await contactCounts(db, campaign.id) };
    });
  }

  async interval(principal: Principal, query: IntervalQuery): Promise<IntervalStats> {
    const timezone = query.timezone ?? 'UTC';
    const { interval, errors } = resolveInterval(query, this.now());
    errors.push(...timezoneProblems(timezone), ...ownerIdProblems(query.ownerId));
    if (errors.length > 0 || !interval) throw new ValidationError(errors);
    const ownerId = await this.ownerOf(principal, query.ownerId);
    const scope = intervalScope(interval.from, interval.to, ownerId);
    const externalScope = intervalScope(interval.from, interval.to, ownerId, true);
    const { figures, external } = await this.snapshot(timezone, async (db) => ({
      figures: await callStats(db, scope, timezone),
      external: outcomeFigures(await outcomeCounts(db, externalScope)),
    }));
    return {
      from: interval.from.toISOString(),
      to: interval.to.toISOString(),
      ownerId,
      ...figures,
      external: { calls: external.attempts, outcomes: external.outcomes },
    };
  }

  /**
   * Whose calls: a user sees their own (naming anyone else is 404, as for any resource of
   * theirs); an administrator everyone's, or one existing user's.
   */
  private async ownerOf(principal: Principal, ownerId: string | undefined): Promise<string | null> {
    if (!isAdmin(principal)) {
      if (ownerId !== undefined && ownerId !== principal.userId) throw new NotFoundError(`User ${ownerId}`);
      return principal.userId;
    }
    if (ownerId === undefined) return null;
    if (!(await userExists(this.pool, ownerId))) throw new NotFoundError(`User ${ownerId}`);
    return ownerId;
  }

  /** Runs `work` in one read-only snapshot whose session time zone is `timezone` (422 when PostgreSQL does not know it). */
  private snapshot<T>(timezone: string, work: (db: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (db) => {
      try {
        await beginStatsSnapshot(db, timezone);
      } catch (err) {
        // 22023 invalid_parameter_value: a zone ICU knows and PostgreSQL's tz database does not.
        if ((err as { code?: unknown }).code === '22023') throw new ValidationError([TIMEZONE_PROBLEM]);
        throw err;
      }
      return work(db);
    });
  }
}

/** Every journal figure for `scope`, one query after another on the snapshot's connection. */
async function callStats(db: PoolClient, scope: Scope, timezone: string): Promise<CallStats> {
  const outcomes = outcomeFigures(await outcomeCounts(db, scope));
  const byWhom = await answeredBy(db, scope);
  const abandoned = await abandonedCalls(db, scope);
  const talk = await talkTime(db, scope);
  const attempts = attemptsFigures(await attemptsPerContact(db, scope));
  const dtmf = await dtmfCounts(db, scope);
  const buckets = await hourlyCounts(db, scope);
  return {
    ...outcomes,
    answeredBy: byWhom,
    abandoned,
    talkTime: talk,
    attemptsPerContact: attempts,
    dtmf: { calls: dtmf.total.calls, presses: dtmf.total.presses, digits: digitFigures(dtmf.digits) },
    callsPerHour: { timezone, buckets },
  };
}
