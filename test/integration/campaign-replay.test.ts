/**
 * The campaign workflow's code replays the histories of campaigns that were running when it
 * changed: a history recorded with the code from before scheduling (pause and resume signals,
 * a business retry's timer, four calls; test/integration/histories/, written by
 * `temporal workflow show --output json`) must replay on today's workflow bundle without a
 * nondeterminism error. Record a new one whenever a change to the workflow claims to need no
 * patch.
 */
import { readFileSync } from 'node:fs';
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

function history(name: string): temporal.api.history.v1.History {
  const json = JSON.parse(readFileSync(join(__dirname, 'histories', `${name}.json`), 'utf8')) as unknown;
  return temporal.api.history.v1.History.fromObject(fromProto3Json(json) as Record<string, unknown>);
}

it('replays a campaign recorded before startAt/endAt existed', async () => {
  const recorded = history('campaign-before-schedule');
  expect(recorded.events.length).toBeGreaterThan(40);
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, recorded);
});
