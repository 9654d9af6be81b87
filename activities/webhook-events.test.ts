import {
  boundedVariables,
  callEvents,
  callIngestedData,
  recordingUploadedData,
  WEBHOOK_MAX_VARIABLE_CHARS,
  WEBHOOK_MAX_VARIABLES,
  type JournalRow,
} from './webhook-events';
import { verdictOf } from './webhook-post';

const answered: JournalRow = {
  id: '0b6f9c1e-4a57-4a39-9d7e-2f4f1f0a5b11',
  campaign_id: '5d1c8f3e-2b0a-4c1e-8f7d-6a9b0c1d2e3f',
  attempt_id: '42:1',
  attempt: 1,
  phone_e164: '+4930123456',
  outcome: 'answered',
  sip_code: 200,
  sip_reason: 'OK',
  hung_up_by: 'us',
  end_reason: 'message played',
  invite_at: '2026-12-01 12:00:00.000+00',
  ringing_at: '2026-12-01 12:00:00.100+00',
  answer_at: new Date('2026-12-01T12:00:01.000Z'),
  end_at: '2026-12-01 12:00:05.500+00',
  talk_ms: 4500,
  dtmf: [{ digit: '1', atMs: 1200, durationMs: 100, source: 'rfc4733' }],
  recording_key: 'campaigns/5d1c/42-1.wav',
  recording_state: 'stored',
  recording_error: null,
  recording_private: true,
  machine_detection: {
    verdict: 'human',
    cause: 'short_greeting',
    decisionMs: 1400,
    treatedAs: 'human',
    action: 'message',
  },
  trunk_attempts: [
    { trunkId: '7a0d3c2b-1e4f-4a5b-9c8d-0e1f2a3b4c5d', sipCode: 503, reason: 'Service Unavailable' },
    { trunkId: '8b1e4d3c-2f5a-4b6c-8d9e-1f2a3b4c5d6e', sipCode: 200, reason: 'OK' },
  ],
  caller_id_number: '+4930555000',
  variables: { Stadt: 'Berlin', 'Kunde Nr': '=1+1' },
};

describe('webhook events of a journalled call', () => {
  test('an answered, recorded call raises call.completed and recording.uploaded with the journal data', () => {
    expect(callEvents(answered, 88_244)).toEqual([
      {
        event: 'call.completed',
        data: {
          callId: answered.id,
          campaignId: answered.campaign_id,
          attemptId: '42:1',
          attempt: 1,
          phone: '+4930123456',
          outcome: 'answered',
          sipCode: 200,
          sipReason: 'OK',
          hungUpBy: 'us',
          endReason: 'message played',
          inviteAt: '2026-12-01T12:00:00.000Z',
          ringingAt: '2026-12-01T12:00:00.100Z',
          answerAt: '2026-12-01T12:00:01.000Z',
          endAt: '2026-12-01T12:00:05.500Z',
          talkMs: 4500,
          dtmf: [{ digit: '1', atMs: 1200, durationMs: 100, source: 'rfc4733' }],
          machineDetection: answered.machine_detection,
          trunkAttempts: answered.trunk_attempts,
          callerIdNumber: answered.caller_id_number,
          recording: true,
          recordingState: 'stored',
          recordingError: null,
          variables: { Stadt: 'Berlin', 'Kunde Nr': '=1+1' },
          variablesTruncated: false,
          source: null,
          externalId: null,
        },
      },
      {
        event: 'recording.uploaded',
        data: {
          callId: answered.id,
          campaignId: answered.campaign_id,
          attemptId: '42:1',
          phone: '+4930123456',
          contentType: 'audio/wav',
          sizeBytes: 88_244,
          private: true,
          path: `/api/v1/calls/${answered.id}/recording`,
          source: null,
          externalId: null,
        },
      },
    ]);
  });

  test('a call without recording raises call.completed only', () => {
    const busy: JournalRow = {
      ...answered,
      outcome: 'busy',
      sip_code: 486,
      sip_reason: 'Busy Here',
      hung_up_by: null,
      answer_at: null,
      ringing_at: null,
      talk_ms: null,
      dtmf: [],
      recording_key: null,
      recording_state: 'none',
      recording_private: false,
    };
    const events = callEvents(busy, null);
    expect(events.map((e) => e.event)).toEqual(['call.completed']);
    expect(events[0]?.data).toMatchObject({
      outcome: 'busy',
      sipCode: 486,
      answerAt: null,
      talkMs: null,
      recording: false,
      recordingState: 'none',
    });
  });

  test('a recording still in the spool or lost is not announced as uploaded, and call.completed says why', () => {
    const pending = callEvents({ ...answered, recording_state: 'pending' }, 88_244);
    expect(pending.map((e) => e.event)).toEqual(['call.completed']);
    expect(pending[0]?.data).toMatchObject({ recording: false, recordingState: 'pending', recordingError: null });
    const reason = 'the spool file is gone';
    const lost = callEvents({ ...answered, recording_state: 'lost', recording_error: reason }, null);
    expect(lost.map((e) => e.event)).toEqual(['call.completed']);
    expect(lost[0]?.data).toMatchObject({ recording: false, recordingState: 'lost', recordingError: reason });
  });
});

describe('webhook events of an external call', () => {
  const external: JournalRow = {
    ...answered,
    campaign_id: null,
    attempt_id: `ext:${answered.id}`,
    end_reason: 'external call',
    sip_code: null,
    sip_reason: null,
    hung_up_by: null,
    ringing_at: null,
    recording_state: 'none',
    recording_private: false,
    source: 'pbx-berlin-1',
    external_id: '1733402394.1187',
    direction: 'inbound',
    from_party: '+4930123456',
    to_party: '201',
    external_fields: { queue: 'support' },
    tags: ['support'],
  };

  test('call.ingested carries the call as the PBX sent it, marked with its source', () => {
    expect(callIngestedData(external)).toEqual({
      callId: external.id,
      source: 'pbx-berlin-1',
      externalId: '1733402394.1187',
      direction: 'inbound',
      from: '+4930123456',
      to: '201',
      phone: '+4930123456',
      outcome: 'answered',
      startAt: '2026-12-01T12:00:00.000Z',
      answerAt: '2026-12-01T12:00:01.000Z',
      endAt: '2026-12-01T12:00:05.500Z',
      talkMs: 4500,
      tags: ['support'],
      private: false,
      fields: { queue: 'support' },
      recording: false,
    });
  });

  test('recording.uploaded of an external call names its source; of our own, null', () => {
    const stored = { ...external, recording_state: 'stored' as const };
    expect(recordingUploadedData(stored, 1234)).toMatchObject({
      campaignId: null,
      attemptId: `ext:${answered.id}`,
      source: 'pbx-berlin-1',
      externalId: '1733402394.1187',
      sizeBytes: 1234,
    });
    expect(recordingUploadedData(answered, 1)).toMatchObject({ source: null, externalId: null });
  });
});

describe('boundedVariables: the contact variables of call.completed', () => {
  test('passes a small set through whole, and reads a missing or odd value as none', () => {
    expect(boundedVariables({ b: '2', a: '1' })).toEqual({ variables: { a: '1', b: '2' }, truncated: false });
    expect(boundedVariables(undefined)).toEqual({ variables: {}, truncated: false });
    expect(boundedVariables(['x'])).toEqual({ variables: {}, truncated: false });
  });

  test('keeps the first names in code point order and cuts long values, saying so', () => {
    const many = Object.fromEntries(
      Array.from({ length: WEBHOOK_MAX_VARIABLES + 10 }, (_, i) => [`v${String(i).padStart(3, '0')}`, 'x']),
    );
    const kept = boundedVariables(many);
    expect(Object.keys(kept.variables)).toHaveLength(WEBHOOK_MAX_VARIABLES);
    expect(Object.keys(kept.variables)[0]).toBe('v000');
    expect(kept.truncated).toBe(true);
    const long = boundedVariables({ note: '🎉'.repeat(WEBHOOK_MAX_VARIABLE_CHARS + 1) });
    expect([...long.variables.note]).toHaveLength(WEBHOOK_MAX_VARIABLE_CHARS);
    expect(long.truncated).toBe(true);
    // The bound holds whatever the list held: the body stays small.
    const huge = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`${'n'.repeat(900)}${i}`, 'y'.repeat(5000)]),
    );
    expect(JSON.stringify(boundedVariables(huge)).length).toBeLessThan(60_000);
  });
});

describe('verdictOf: what a receiver answer means for the delivery', () => {
  test.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'failed'],
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [410, 'failed'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ])('HTTP %i → %s', (statusCode, verdict) => {
    expect(verdictOf({ statusCode, error: null })).toBe(verdict);
  });

  test('no answer (timeout, connection refused) is retried', () => {
    expect(verdictOf({ statusCode: null, error: 'ECONNREFUSED' })).toBe('retry');
  });
});
