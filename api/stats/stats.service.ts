import type { EntityManager } from '@mikro-orm/postgresql';
import { isAdmin, type Principal } from '../../auth/principal.js';
import { inTransaction, type Pool, type PoolClient } from '../../db/sql.js';
import { userExists } from '../../db/users.js';
import { NotFoundError, ValidationError, type FieldError } from '../../lib/errors.js';
import { isUuid } from '../keyset-cursor.js';
import { contactCounts } from '../campaigns/campaign-counts.js';
import { findCampaign } from '../campaigns/campaign-view.js';
import { attemptsFigures, digitFigures, outcomeFigures } from './stats-figures.js';
import { ownerIdProblems, resolveInterval, timezoneProblems } from './stats-params.js';
import {
  answeredFigures,
  beginStatsSnapshot,
  attemptsPerContact,
  campaignScope,
  dtmfCounts,
  hourlyCounts,
  intervalScope,
  outcomeCounts,
  talkTime,
  type Scope,
  type Whose,
} from '../../db/stats.js';
import { departmentExists, sliceStats } from '../../db/stats-slices.js';
import { hourlyIntervalProblems, MAX_GROUPS, parseGroupBy, tooManyGroups, type Dimension } from './stats-groups.js';
import { groupView } from './stats-slice-view.js';
import type { CallStats, CampaignStats, IntervalStats, StatsGroup } from './stats.dto.js';

export interface IntervalQuery {
  readonly from?: string;
  readonly to?: string;
  readonly timezone?: string;
  readonly ownerId?: string;
  readonly departmentId?: string;
  readonly groupBy?: string;
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
    const { dimensions, errors: groupByErrors } = parseGroupBy(query.groupBy);
    errors.push(...timezoneProblems(timezone), ...ownerIdProblems(query.ownerId), ...groupByErrors);
    errors.push(...departmentIdProblems(query), ...(interval ? hourlyIntervalProblems(dimensions, interval) : []));
    if (errors.length > 0 || !interval) throw new ValidationError(errors);
    const whose = await this.whose(principal, query);
    const scope = intervalScope(interval.from, interval.to, whose);
    const externalScope = intervalScope(interval.from, interval.to, whose, true);
    const { figures, external, groups } = await this.snapshot(timezone, async (db) => ({
      figures: await callStats(db, scope, timezone),
      external: outcomeFigures(await outcomeCounts(db, externalScope)),
      groups: dimensions.length > 0 ? await groupsOf(db, scope, dimensions) : undefined,
    }));
    return {
      from: interval.from.toISOString(),
      to: interval.to.toISOString(),
      ownerId: whose !== null && 'ownerId' in whose ? whose.ownerId : null,
      ...figures,
      external: { calls: external.attempts, outcomes: external.outcomes },
      ...(whose !== null && 'departmentId' in whose ? { departmentId: whose.departmentId } : {}),
      ...(groups ? { groupBy: dimensions, groups } : {}),
    };
  }

  /**
   * Whose calls: a user sees their own (naming anyone else is 404, as for any resource of
   * theirs); an administrator everyone's, or one existing user's. `departmentId`: the
   * members' of a department the caller manages (an administrator: any existing one); any
   * other is 404, as an owner's.
   */
  private async whose(principal: Principal, query: IntervalQuery): Promise<Whose> {
    const { ownerId, departmentId } = query;
    if (departmentId !== undefined) {
      const allowed = isAdmin(principal)
        ? await departmentExists(this.pool, departmentId)
        : principal.managedDepartmentIds.includes(departmentId);
      if (!allowed) throw new NotFoundError(`Department ${departmentId}`);
      return { departmentId };
    }
    if (!isAdmin(principal)) {
      if (ownerId !== undefined && ownerId !== principal.userId) throw new NotFoundError(`User ${ownerId}`);
      return { ownerId: principal.userId };
    }
    if (ownerId === undefined) return null;
    if (!(await userExists(this.pool, ownerId))) throw new NotFoundError(`User ${ownerId}`);
    return { ownerId };
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
  const { answeredBy: byWhom, abandoned } = await answeredFigures(db, scope);
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

/** The slice's groups; more than {@link MAX_GROUPS} is a 422 naming `groupBy`. */
async function groupsOf(db: PoolClient, scope: Scope, dimensions: readonly Dimension[]): Promise<StatsGroup[]> {
  const { groups, tooMany } = await sliceStats(db, scope, dimensions, MAX_GROUPS);
  if (tooMany !== undefined) throw new ValidationError(tooManyGroups(tooMany));
  return groups.map((group) => groupView(group, dimensions));
}

/** `departmentId`: a uuid, and not with `ownerId` (group by user instead). */
function departmentIdProblems(query: IntervalQuery): FieldError[] {
  if (query.departmentId === undefined) return [];
  if (!isUuid(query.departmentId)) return [{ field: 'departmentId', message: 'must be a department id (uuid)' }];
  return query.ownerId === undefined
    ? []
    : [{ field: 'departmentId', message: 'must not be given with ownerId (group by user instead)' }];
}
