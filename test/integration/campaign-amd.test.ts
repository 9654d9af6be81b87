/**
 * Answering-machine detection through the API: a campaign set up with `machineDetection`
 * dials sipp, which answers every call with a recorded voicemail greeting and a beep. The
 * worker must journal the verdict on each attempt, play the campaign's voicemail copy after
 * the beep, retry machines when told to, and the statistics must count the machines; the
 * setting is validated with 422s naming the field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, silence } from '../../telephony/amd/amd-signals';
import { sippMessages, type SippInstance } from '../../scripts/services/sipp';
import { speak } from '../../bench/amd/tts';
import { call, problemFields } from '../support/api';
import { uploadAudio } from '../support/audio';
import { campaignTestContext, json, userToken, type CampaignBody } from '../support/campaigns';
import { gatewayParts } from '../support/gateway-campaigns';
import { answerAndPlayScenario } from '../support/rtp-pcap';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { buildWav, encodeSamples, sine } from '../support/wav-builder';

jest.setTimeout(180_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 100 });
let owner: { id: string; token: string };
let dir: string;

beforeAll(async () => {
  owner = await userToken();
  dir = mkdtempSync(join(tmpdir(), 'voicecast-campaign-amd-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALLISON = { source: 'allison', name: 'allison' } as const;

/** A gateway answering `calls` calls, each with `scene` played from the ACK on. */
async function voicemailGateway(scene: Int16Array, calls: number): Promise<SippInstance> {
  return gateway({ scenario: answerAndPlayScenario(dir, scene), calls, timeoutMs: 150_000 });
}

async function audioId(token: string, seconds: number, hz: number): Promise<string> {
  const wav = buildWav(
    { tag: 1, bits: 16, channels: 1, sampleRate: 8000 },
    encodeSamples([sine(hz, 8000, seconds)], 1, 16),
  );
  return (await json<{ id: string }>(await uploadAudio({ token, bytes: wav, name: `copy ${hz}` }), 201)).id;
}

interface Row {
  attempt: number;
  outcome: string;
  end_reason: string;
  talk_ms: number;
  machine_detection: {
    verdict: string;
    treatedAs: string;
    action: string;
    greetingEnd?: { cause: string; atMs: number };
    beep?: { endMs: number };
  } | null;
}

test('a voicemail with a beep: journalled machine, the copy plays after the beep, retried as asked, counted', async () => {
  const greeting = speak(ALLISON, 'vm-theperson+digits/2+digits/0+vm-isunavail');
  const beepEndMs = 300 + (greeting.length + 3200 + speak(ALLISON, 'beep').length) / 8;
  const scene = concat(silence(300), greeting, silence(400), speak(ALLISON, 'beep'), silence(6000));
  const sipp = await voicemailGateway(scene, 2);
  const parts = await gatewayParts(owner.token, sipp, ['+493055500001'], 2);
  const copy = await audioId(owner.token, 1, 600);
  const created = await json<CampaignBody & { machineDetection: unknown }>(
    await call('POST', '/api/v1/campaigns', {
      token: owner.token,
      body: {
        name: 'amd',
        ...parts,
        maxAttempts: 2,
        retryDelaySeconds: 0,
        machineDetection: {
          mode: 'detect_message_end',
          onMachine: 'play_audio',
          machineAudioId: copy,
          retryMachines: true,
          maxWaitMs: 20_000,
        },
      },
    }),
    201,
  );
  expect(created.machineDetection).toEqual({
    mode: 'detect_message_end',
    onHuman: 'play_message',
    onMachine: 'play_audio',
    machineAudioId: copy,
    unknownAs: 'human',
    retryMachines: true,
    maxWaitMs: 20_000,
  });
  await ctx.start(owner.token, created.id);
  let rows: Row[] = [];
  for (let i = 0; i < 150; i += 1) {
    rows = (
      await ctx.pool.query<Row>('SELECT * FROM call_record WHERE campaign_id = $1 ORDER BY attempt', [created.id])
    ).rows;
    if (rows.length === 2 && rows.every((r) => r.end_reason !== 'call in progress')) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await expectSippExit(sipp, 0, 60_000);
  expect(sippMessages(sipp, 'received', 'INVITE sip:').length).toBe(2);
  // Retried once because a machine took it, then done: two answered attempts.
  expect(rows.map((r) => [r.attempt, r.outcome])).toEqual([
    [1, 'answered'],
    [2, 'answered'],
  ]);
  for (const r of rows) {
    expect(r.machine_detection).toMatchObject({ verdict: 'machine', treatedAs: 'machine', action: 'machine_audio' });
    expect(r.machine_detection!.greetingEnd?.cause).toBe('beep');
    expect(Math.abs(r.machine_detection!.beep!.endMs - beepEndMs)).toBeLessThan(200);
    // The 1 s copy played after the beep, whole: the call lasted past the beep by about that.
    expect(r.talk_ms).toBeGreaterThanOrEqual(r.machine_detection!.greetingEnd!.atMs + 900);
    expect(r.end_reason).toBe('message played');
  }
  const { rows: contact } = await ctx.pool.query<{ state: string; final_outcome: string }>(
    'SELECT state, final_outcome FROM campaign_contact WHERE campaign_id = $1',
    [created.id],
  );
  expect(contact).toEqual([{ state: 'done', final_outcome: 'answered' }]);

  const callView = await json<{ items: { machineDetection: Row['machine_detection'] }[] }>(
    await call('GET', `/api/v1/calls?campaignId=${created.id}`, { token: owner.token }),
    200,
  );
  expect(callView.items.map((c) => c.machineDetection?.verdict)).toEqual(['machine', 'machine']);
  const stats = await json<{ answeredBy: unknown }>(
    await call('GET', `/api/v1/campaigns/${created.id}/stats`, { token: owner.token }),
    200,
  );
  expect(stats.answeredBy).toEqual({ humans: 0, machines: 2, unknown: 0, notDetected: 0 });
});

/** The fields a 422 names. */
test('the setting is checked: 422 naming the field', async () => {
  const other = await userToken();
  const othersAudio = await audioId(other.token, 1, 500);
  const sipp = await gateway({ scenario: 'uas-answer', calls: 1 });
  const parts = await gatewayParts(owner.token, sipp, ['+493055500002'], 1);
  const create = (machineDetection: unknown) =>
    call('POST', '/api/v1/campaigns', { token: owner.token, body: { name: 'amd-422', ...parts, machineDetection } });
  expect(await problemFields(await create({ mode: 'detect', onMachine: 'play_audio' }))).toEqual([
    'body.machineDetection.machineAudioId',
  ]);
  expect(
    await problemFields(await create({ mode: 'detect', onMachine: 'play_audio', machineAudioId: othersAudio })),
  ).toEqual(['body.machineDetection.machineAudioId']);
  expect(await problemFields(await create({ mode: 'detect', greetingMs: 100 }))).toEqual([
    'body.machineDetection.greetingMs',
  ]);
  expect(await problemFields(await create({ mode: 'sometimes' }))).toEqual(['body.machineDetection.mode']);
  expect(await problemFields(await create({ mode: 'detect', greetingMs: 5000, totalAnalysisMs: 4000 }))).toEqual([
    'body.machineDetection.greetingMs',
  ]);
  // Off is stored as no detection at all.
  const off = await json<{ machineDetection: unknown }>(await create({ mode: 'off' }), 201);
  expect(off.machineDetection).toBeNull();
  await sipp.stop();
});
