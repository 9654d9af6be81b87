/**
 * A slice's groups as read (db/stats-slices.ts) into the published shape (StatsGroup): the
 * key's present members only, the outcomes and ratios through the totals' own shaping
 * (stats-figures.ts), so a group's figures are arranged exactly as the totals' are.
 */
import type { SliceGroupFigures, SliceKeyRow } from '../../db/stats-slices.js';
import type { Dimension } from './stats-groups.js';
import { outcomeFigures } from './stats-figures.js';
import type { StatsGroup, StatsGroupKey, StatsGroupRef } from './stats.dto.js';

const ref = (id: string | null | undefined, name: string | null | undefined): StatsGroupRef | null =>
  id === null || id === undefined ? null : { id, name: name ?? null };

/** The key of a group: one member per dimension, in the dimensions' order. */
export function groupKey(row: SliceKeyRow, dimensions: readonly Dimension[]): StatsGroupKey {
  const key: StatsGroupKey = {};
  for (const dimension of dimensions) {
    switch (dimension) {
      case 'department':
        key.department = ref(row.department_id, row.department_name);
        break;
      case 'user':
        key.user = { id: row.user_id ?? '', name: row.user_name ?? null };
        break;
      case 'campaign':
        key.campaign = ref(row.campaign_id, row.campaign_name);
        break;
      case 'trunk':
        key.trunk = ref(row.trunk_id, row.trunk_name);
        break;
      case 'outcome':
        key.outcome = row.outcome_key ?? '';
        break;
      case 'hour':
        key.hour = row.hour ?? '';
        break;
      case 'day':
        key.day = row.day ?? '';
        break;
    }
  }
  return key;
}

export function groupView(group: SliceGroupFigures, dimensions: readonly Dimension[]): StatsGroup {
  const counts = [...group.outcomes].map(([outcome, c]) => ({ outcome, ...c }));
  const { attempts, outcomes, seizures, answered, answerSeizureRatio } = outcomeFigures(counts);
  return {
    key: groupKey(group.key, dimensions),
    attempts,
    outcomes,
    seizures,
    answered,
    answerSeizureRatio,
    answeredBy: group.answeredBy,
    abandoned: group.abandoned,
    talkTime: group.talkTime,
    dtmf: group.dtmf,
  };
}
