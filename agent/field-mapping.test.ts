import { isoTime, mapRecord } from './field-mapping';

describe('mapRecord', () => {
  it('reads an Asterisk CDR: names, dispositions, naive times as UTC, direction from the extension side', () => {
    const call = mapRecord(
      {
        uniqueid: '1733402394.1187',
        src: '+4930123456',
        dst: '201',
        start: '2026-12-05 13:39:54',
        answer: '2026-12-05 13:40:01',
        end: '2026-12-05 13:42:30',
        disposition: 'ANSWERED',
        channel: 'PJSIP/trunk-00000042',
        billsec: 149,
        tags: 'support,private',
      },
      'asterisk',
      'pbx-1',
    );
    expect(call).toEqual({
      source: 'pbx-1',
      externalId: '1733402394.1187',
      direction: 'inbound',
      from: '+4930123456',
      to: '201',
      startAt: '2026-12-05T13:39:54Z',
      answerAt: '2026-12-05T13:40:01Z',
      endAt: '2026-12-05T13:42:30Z',
      disposition: 'answered',
      tags: ['support', 'private'],
      private: true,
      fields: { channel: 'PJSIP/trunk-00000042' },
    });
    const busy = mapRecord(
      { uniqueid: 'x', src: '201', dst: '+4930', disposition: 'NO ANSWER', answer: '' },
      'asterisk',
      's',
    );
    expect(busy).toMatchObject({ direction: 'outbound', disposition: 'no_answer', answerAt: '' });
  });

  it('reads a FreeSWITCH JSON CDR: variables, hangup causes, direction', () => {
    const call = mapRecord(
      {
        variables: {
          uuid: '4c1b…',
          direction: 'outbound',
          caller_id_number: '1000',
          destination_number: '+4930123456',
          start_stamp: '2026-12-05 13:39:54',
          answer_stamp: '',
          end_stamp: '2026-12-05 13:40:10',
          hangup_cause: 'USER_BUSY',
          sip_hangup_disposition: 'recv_bye',
        },
      },
      'freeswitch',
      'fs-1',
    );
    expect(call).toMatchObject({
      externalId: '4c1b…',
      direction: 'outbound',
      from: '1000',
      to: '+4930123456',
      disposition: 'busy',
      answerAt: '',
      fields: { sip_hangup_disposition: 'recv_bye' },
    });
  });

  it('takes the native layout as the REST body, the source from the agent unless given', () => {
    expect(mapRecord({ externalId: 'a', private: true }, 'native', 'pbx')).toMatchObject({
      source: 'pbx',
      externalId: 'a',
      private: true,
    });
    expect(() => mapRecord([1], 'native', 'pbx')).toThrow('not a JSON object');
    expect(() => mapRecord(null, 'asterisk', 'pbx')).toThrow('not a JSON object');
  });

  it('keeps ISO times with offsets as they are', () => {
    expect(isoTime('2026-12-05T13:39:54+01:00')).toBe('2026-12-05T13:39:54+01:00');
    expect(isoTime('2026-12-05 13:39:54.250')).toBe('2026-12-05T13:39:54.250Z');
    expect(isoTime(undefined)).toBe('');
  });
});
