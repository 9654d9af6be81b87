/**
 * Uploads in flight per owner (review F13): each upload holds a request, a socket and a
 * spool file for as long as its client takes, so an owner may have at most
 * `maxUploadsInFlight` at once (UPLOADS_MAX_IN_FLIGHT_PER_OWNER, 4; an administrator sets it
 * per user); one more is a 429 with Retry-After before any byte of it is read. Real slow
 * uploads (a request whose body stops midway) against the test stack's API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadFile, type FileUpload } from '../../scripts/services/multipart-upload';
import { adminToken, apiUrl, call, createUser, expectProblem, login } from '../support/api';
import { waitFor } from '../support/campaign-runs';

let dir: string;
let csv: string;
const open: FileUpload[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-upload-limits-'));
  csv = join(dir, 'contacts.csv');
  writeFileSync(csv, `phone\n${Array.from({ length: 20_000 }, (_, i) => `+4930${5_000_000 + i}`).join('\n')}\n`);
});

afterEach(() => {
  for (const upload of open.splice(0)) upload.request.destroy();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function user(): Promise<{ id: string; token: string }> {
  const created = await createUser();
  return { id: created.id, token: (await login(created.username, created.password)).access_token };
}

/** An upload whose client sends the head and 1 KB of the file, then nothing: in flight until cut. */
function stalled(token: string, path = '/api/v1/contact-lists'): FileUpload {
  const upload = uploadFile(`${apiUrl()}${path}`, csv, { token, stopAfterBytes: 1024 });
  open.push(upload);
  return upload;
}

/** Whether the server has answered (or cut) `upload` already. */
const answered = (upload: FileUpload): Promise<boolean> =>
  Promise.race([upload.response.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);

const whole = (token: string, path = '/api/v1/contact-lists') =>
  uploadFile(`${apiUrl()}${path}`, csv, { token }).response;

async function setLimit(userId: string, maxUploadsInFlight: number | null) {
  const res = await call('PUT', `/api/v1/users/${userId}/limits`, {
    token: await adminToken(),
    body: { maxUploadsInFlight },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

test('the default is 4 per owner; an administrator sets it per user and resets it with null', async () => {
  const u = await user();
  const limits = await call('GET', `/api/v1/users/${u.id}/limits`, { token: await adminToken() });
  expect(await limits.json()).toMatchObject({ maxUploadsInFlight: 4, maxUploadsInFlightSource: 'default' });
  expect(await setLimit(u.id, 1)).toMatchObject({ maxUploadsInFlight: 1, maxUploadsInFlightSource: 'administrator' });
  expect(await setLimit(u.id, null)).toMatchObject({ maxUploadsInFlight: 4, maxUploadsInFlightSource: 'default' });
  const refused = await call('PUT', `/api/v1/users/${u.id}/limits`, {
    token: await adminToken(),
    body: { maxUploadsInFlight: 0 },
  });
  await expectProblem(refused, 422, 'validation-error');
});

test('one upload more than the limit is a 429 with Retry-After, whatever the resource; others are not held up', async () => {
  const a = await user();
  const b = await user();
  await setLimit(a.id, 1);
  // The first is admitted once its head is read; until then a probe could be the one admitted,
  // and the first is then refused: start another stalled upload and probe again.
  let first = stalled(a.token);
  await first.sent;
  await waitFor('the first upload admitted', async () => {
    if (await answered(first)) {
      first = stalled(a.token);
      await first.sent;
    }
    const probe = await whole(a.token, '/api/v1/audio');
    return probe?.status === 429 && !(await answered(first));
  });
  for (const path of ['/api/v1/contact-lists', '/api/v1/audio', '/api/v1/blocklist/upload']) {
    const refused = await whole(a.token, path);
    expect([path, refused?.status]).toEqual([path, 429]);
    const problem = JSON.parse(refused?.body ?? '{}') as Record<string, unknown>;
    expect(problem).toMatchObject({ type: 'urn:voicecast:problem:too-many-requests', status: 429 });
    expect(problem.detail).toMatch(/maxUploadsInFlight 1/);
  }
  const withHeaders = await fetch(`${apiUrl()}/api/v1/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.token}`, 'content-type': 'multipart/form-data; boundary=x' },
    body: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF\r\n--x--\r\n',
  });
  expect(withHeaders.status).toBe(429);
  expect(Number(withHeaders.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(withHeaders.headers.get('content-type')).toMatch(/^application\/problem\+json/);

  // Another owner is not counted with A.
  expect((await whole(b.token))?.status).toBe(201);

  // A's client gives up: the slot is free again.
  first.request.destroy();
  await waitFor('a slot for A again', async () => (await whole(a.token))?.status === 201, 15_000);
});

test('concurrent uploads cannot pass the limit together', async () => {
  const a = await user();
  await setLimit(a.id, 2);
  const uploads = Array.from({ length: 8 }, () => stalled(a.token));
  await Promise.all(uploads.map((u) => u.sent));
  // Refused ones are answered at once; the admitted ones wait for their bodies.
  await waitFor('six refused', async () => {
    const answered = await Promise.all(
      uploads.map((u) => Promise.race([u.response, new Promise((r) => setTimeout(() => r('pending'), 50))])),
    );
    return answered.filter((r) => (r as { status?: number } | undefined)?.status === 429).length === 6;
  });
  const settled = await Promise.all(
    uploads.map((u) => Promise.race([u.response, new Promise((r) => setTimeout(() => r('pending'), 500))])),
  );
  expect(settled.filter((r) => r === 'pending')).toHaveLength(2);
});
