import { PortsExhaustedError } from './rtp/port-pool.js';
import { serializeError } from './rtp/media-protocol.js';
import { AddressRefusedError, checkedHop } from './sip/address-policy.js';
import { parseAnswer, SdpError } from './sip/sdp.js';
import { checkCallerIdText, SipTextError } from './sip/sip-text.js';
import { SipError, TelephonyError } from './telephony-error.js';

/** What `fn` threw (or the rejection of what it returned). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('nothing was thrown');
}

describe(TelephonyError.name, () => {
  test('each failure the telephony layer makes is a TelephonyError with its code; the message stays as it was', async () => {
    const text = await thrown(() => checkCallerIdText({ number: '100\r\nVia: x' }));
    expect(text).toBeInstanceOf(SipTextError);
    expect(text).toMatchObject({
      code: 'sip-text-refused',
      field: 'caller ID number',
      message:
        'caller ID number contains a control character (CR, LF, NUL or another): refused, it would be written into a SIP header',
    });

    const address = await thrown(() => checkedHop({ host: '127.0.0.1', port: 5060 }, () => 'loopback'));
    expect(address).toBeInstanceOf(AddressRefusedError);
    expect(address).toMatchObject({ code: 'address-refused', message: 'refused: loopback' });

    const sdp = await thrown(() => parseAnswer('v=0\r\n', { codecs: ['PCMU'], telephoneEventPayloadType: 101 }));
    expect(sdp).toBeInstanceOf(SdpError);
    expect(sdp).toMatchObject({ code: 'sdp-unusable', name: 'SdpError' });

    for (const err of [text, address, sdp]) expect(err).toBeInstanceOf(TelephonyError);
  });

  test('a refused REGISTER keeps the status and reason of the answer', () => {
    const err = new SipError('register-refused', 'REGISTER refused: 403 Forbidden', 403, 'Forbidden');
    expect(err).toBeInstanceOf(TelephonyError);
    expect(err).toMatchObject({ name: 'SipError', code: 'register-refused', status: 403, reason: 'Forbidden' });
    expect(new SipError('register-timeout', 'REGISTER timed out').status).toBeUndefined();
  });

  test('the code crosses to the main thread with the error (media threads revive PortsExhaustedError by it)', () => {
    const err = new PortsExhaustedError('no free RTP port in 40000–40001 (1 in use)');
    expect(err).toBeInstanceOf(TelephonyError);
    expect(serializeError(err)).toMatchObject({
      name: 'PortsExhaustedError',
      code: 'rtp-ports-exhausted',
      message: 'no free RTP port in 40000–40001 (1 in use)',
    });
  });
});
