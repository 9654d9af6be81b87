/**
 * Statistics by department from real calls: two members of one department (made with SQL,
 * test/support/departments.ts, until the departments API is merged) each run a campaign
 * against sipp; the department's slices equal the figures computed from the call journal
 * API's rows of those calls, group by group.
 */
import { adminToken, call, userToken } from '../support/api';
import { campaignParts, campaignTestContext, createCampaign, json } from '../support/campaigns';
import { uploadContacts } from '../support/contact-lists';
import { addMember, createDepartment, deleteDepartments, type TestDepartment } from '../support/departments';
import { comparable } from '../support/journal-stats';
import { callJournal, expectedGroups, type Dimension, type SliceNames } from '../support/journal-slices';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';

jest.setTimeout(120_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 200 });

type Owner = Awaited<ReturnType<typeof userToken>>;

/** A campaign of `owner` calling `digits` (sipp answers by the last digit: 1 busy, else answer) through `port`. */
async function runCampaign(owner: Owner, port: number, digits: readonly string[], tag: number) {
  const parts = await campaignParts(owner.token, 1);
  const phones = digits.map((d, i) => `+49302${tag}${String(i).padStart(3, '0')}${d}`);
  const list = await json<{ id: string }>(await uploadContacts(owner.token, `phone\n${phones.join('\n')}\n`), 201);
  const trunk = await json<{ id: string; name: string }>(
    await call('POST', '/api/v1/trunks', {
      token: owner.token,
      body: { name: `slices-gw-${tag}-${port}`, host: '127.0.0.1', port, callerIdNumber: '+4930000000' },
    }),
    201,
  );
  const campaign = await createCampaign(
    owner.token,
    { ...parts, trunkId: trunk.id, contactListId: list.id },
    { maxConcurrentCalls: 2, callsPerSecond: 20, maxAttempts: 1, ringTimeoutSeconds: 5 },
  );
  await ctx.start(owner.token, campaign.id);
  return { campaign, trunk };
}

async function completed(token: string, id: string, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while ((await json(await call('GET', `/api/v1/campaigns/${id}`, { token }), 200)).status !== 'completed') {
    if (Date.now() > deadline) throw new Error(`campaign not completed\n${diagnostics()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("a department's slices of real calls equal the call journal, group by group", async () => {
  const department = await createDepartment();
  try {
    await departmentSlices(department);
  } finally {
    await deleteDepartments([department.id]);
  }
});

async function departmentSlices(department: TestDepartment): Promise<void> {
  const [u1, u2] = await Promise.all([userToken(), userToken()]);
  await addMember(department.id, u1.id);
  await addMember(department.id, u2.id);
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 5, timeoutMs: 90_000 });
  const from = new Date(Date.now() - 1000);
  const runs = [await runCampaign(u1, sipp.port, ['0', '1', '5'], 1), await runCampaign(u2, sipp.port, ['1', '7'], 2)];
  await completed(u1.token, runs[0].campaign.id, () => sipp.diagnostics());
  await completed(u2.token, runs[1].campaign.id, () => sipp.diagnostics());
  await expectSippExit(sipp, 0);
  const to = new Date(Date.now() + 1000);

  const admin = await adminToken();
  const interval = { from: from.toISOString(), to: to.toISOString() };
  const journal = (
    await Promise.all(runs.map((r) => callJournal(admin, { ...interval, campaignId: r.campaign.id })))
  ).flat();
  expect(journal.map((r) => r.outcome).sort()).toEqual(['answered', 'answered', 'answered', 'busy', 'busy']);
  const users = new Map([
    [u1.id, u1.user.username],
    [u2.id, u2.user.username],
  ]);
  const dept = department;
  const names: SliceNames = {
    department: (userId) => (users.has(userId) ? { id: dept.id, name: dept.name } : null),
    user: (userId) => users.get(userId) ?? userId,
    campaign: (id) => runs.find((r) => r.campaign.id === id)?.campaign.name ?? id,
    trunk: (id) => runs.find((r) => r.trunk.id === id)?.trunk.name ?? id,
  };
  for (const groupBy of ['department', 'department,user,outcome', 'trunk,hour', 'campaign,day']) {
    const params = new URLSearchParams({ ...interval, departmentId: dept.id, groupBy, timezone: 'Europe/Berlin' });
    const got = await json<{ attempts: number; groups: object[] }>(
      await call('GET', `/api/v1/stats?${params.toString()}`, { token: admin }),
      200,
    );
    const dims = groupBy.split(',') as Dimension[];
    expect(comparable(got.groups)).toEqual(comparable(expectedGroups(journal, dims, 'Europe/Berlin', names)));
    expect(got.attempts).toBe(5);
  }
  // A member grouping by department sees their own calls only.
  const own = new URLSearchParams({ ...interval, groupBy: 'department' });
  const mine = await json<{ groups: object[] }>(
    await call('GET', `/api/v1/stats?${own.toString()}`, { token: u2.token }),
    200,
  );
  const expected = expectedGroups(
    journal.filter((r) => r.ownerId === u2.id),
    ['department'],
    'UTC',
    names,
  );
  expect(comparable(mine.groups)).toEqual(comparable(expected));
}
