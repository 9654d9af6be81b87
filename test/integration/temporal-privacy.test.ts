/**
 * F29: no phone numbers in Temporal. The Temporal Web UI (no login of its own) shows every
 * workflow's history, markers and query answers; the campaign workflow and its activities
 * exchange contact ids only, and the API adds the numbers from PostgreSQL. A campaign of
 * three calls ringing at a sipp gateway on the stack's worker: while they ring, the API's
 * live view has the numbers and the workflow's query has none; afterwards no payload of the
 * whole history (inputs, claim markers, results) holds one.
 */
import { Pool } from 'pg';
import { call, createUser, login } from '../support/api';
import { gatewayTrunk, phoneList, toneMessage } from '../support/campaign-e2e';
import { closeTemporalClient, insertCampaign, startCampaign, temporalClient, waitFor } from '../support/campaign-runs';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';
import { progressQuery } from '../../workflows/definitions';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp' });
let db: Pool;

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

/** Every payload in `value` (a history or a query answer), decoded as text. */
function payloadTexts(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) {
    out.push(Buffer.from(value).toString('utf8'));
  } else if (Array.isArray(value)) {
    for (const item of value) payloadTexts(item, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) payloadTexts(item, out);
  }
  return out;
}

test('a campaign leaves no phone number in its Temporal history or query; the API still shows them', async () => {
  const salt = 10_000 + Math.floor(Math.random() * 80_000);
  const phones = [0, 1, 2].map((i) => `+4930${salt}7${i}0`);
  const user = await createUser();
  const token = (await login(user.username, user.password)).access_token;
  const sipp = await gateway({ scenario: 'uas-ring-forever', calls: phones.length, timeoutMs: 60_000 });
  const [trunkId, audioId, contactListId] = await Promise.all([
    gatewayTrunk(token, sipp, { maxConcurrentCalls: 10, maxCallsPerSecond: 20 }),
    toneMessage(token, 1),
    phoneList(token, phones),
  ]);
  const campaign = await insertCampaign(db, {
    ownerId: user.id,
    trunkId,
    audioId,
    contactListId,
    maxConcurrentCalls: 3,
    maxAttempts: 1,
    ringTimeoutSeconds: 6,
    record: false,
  });
  const handle = await startCampaign(campaign);

  interface Detail {
    live?: { inFlight: { attemptId: string; phone: string }[] };
  }
  let detail: Detail = {};
  await waitFor('three calls ringing, in the API', async () => {
    const res = await call('GET', `/api/v1/campaigns/${campaign.id}`, { token });
    detail = (await res.json()) as Detail;
    return detail.live?.inFlight.length === 3;
  });
  expect(detail.live?.inFlight.map((c) => c.phone).sort()).toEqual([...phones].sort());
  const live = await handle.query(progressQuery);
  expect(live.inFlight).toHaveLength(3);
  for (const item of live.inFlight)
    expect(Object.keys(item).sort()).toEqual(['attemptId', 'campaignContactId', 'since']);

  expect(await handle.result()).toMatchObject({ status: 'completed', callsStarted: 3 });
  await expectSippExit(sipp, 0);
  const history = await (await temporalClient()).workflow.getHandle(handle.workflowId).fetchHistory();
  const texts = payloadTexts(history.events).join('\n');
  expect(texts).toContain(campaign.id); // the payloads were read
  expect(texts).toContain('"attemptId"');
  for (const phone of phones) {
    expect(texts).not.toContain(phone.slice(1)); // neither +49… nor 49…
    expect(texts).not.toContain(phone.slice(3)); // nor a national form
  }
});
