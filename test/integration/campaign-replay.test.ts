/**
 * The campaign workflow's code replays the histories of campaigns that were running when it
 * changed: a history recorded with the code from before scheduling (pause and resume signals,
 * a business retry's timer, four calls; test/integration/histories/, written by
 * `temporal workflow show --output json`) must replay on today's workflow bundle without a
 * nondeterminism error. Record a new one whenever a change to the workflow claims to need no
 * patch, or to prove a patch (a long history is kept gzipped).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

jest.setTimeout(120_000);

/**
 * Proto3 JSON's timestamps and durations as protobufjs objects. The SDK's own reader
 * (historyFromJSON) fails here with "type must be a Type": @temporalio/common carries a
 * protobufjs of another major version than @temporalio/proto's.
 */
function fromProto3Json(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromProto3Json);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromProto3Json(v)]));
  }
  if (typeof value !== 'string') return value;
  const timestamp = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(value);
  if (timestamp) {
    return { seconds: Date.parse(`${timestamp[1]}Z`) / 1000, nanos: Number((timestamp[2] ?? '').padEnd(9, '0')) };
  }
  const duration = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(value);
  if (duration) return { seconds: Number(duration[1]), nanos: Number((duration[2] ?? '').padEnd(9, '0')) };
  return value;
}

/** `<name>.json`, or `<name>.json.gz` for a long one. */
function history(name: string, gzipped = false): temporal.api.history.v1.History {
  const file = readFileSync(join(__dirname, 'histories', `${name}.json${gzipped ? '.gz' : ''}`));
  const json = JSON.parse((gzipped ? gunzipSync(file) : file).toString('utf8')) as unknown;
  return temporal.api.history.v1.History.fromObject(fromProto3Json(json) as Record<string, unknown>);
}

it('replays a campaign recorded before startAt/endAt existed', async () => {
  const recorded = history('campaign-before-schedule');
  expect(recorded.events.length).toBeGreaterThan(40);
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, recorded);
});

it('replays a run that continued as new after 500 calls, recorded before runs-by-history', async () => {
  // 520 contacts, 50 calls in flight: the first run claimed no more past 500 calls (518, the
  // last claim's whole batch), waited for its calls to end and continued as new. Today's runs
  // go on claiming there; this one must still end where it did (the patch).
  const recorded = history('campaign-continued-after-500-calls', true);
  const placed = recorded.events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'placeCall',
  );
  expect(placed).toHaveLength(518);
  expect(recorded.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, recorded);
});
