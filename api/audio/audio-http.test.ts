import { ValidationError } from '../../lib/errors.js';
import { attachmentDisposition, decodeCursor, encodeCursor, isUuid } from './audio-http.js';

describe('list cursors', () => {
  it('round-trip the creation time and id', () => {
    const row = { createdAt: new Date('2026-12-01T14:01:00.123Z'), id: '0b6a3f1e-5d2c-4c8e-9a1b-2f3e4d5c6b7a' };
    expect(decodeCursor(encodeCursor(row))).toEqual(row);
  });

  it.each(['', 'garbage', Buffer.from('2026-12-01T14:01:00Z|not-a-uuid').toString('base64url')])(
    'refuse %j as a 422 naming `after`',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(ValidationError);
    },
  );
});

describe('attachmentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    expect(attachmentDisposition('Grüße (8 kHz).wav')).toBe(
      `attachment; filename="Gr__e (8 kHz).wav"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%288%20kHz%29.wav`,
    );
  });

  it('keeps quotes, backslashes and line breaks out of the header', () => {
    const header = attachmentDisposition('a"b\\c\r\nSet-Cookie: x.wav');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toMatch(
      /^attachment; filename="a_b_c__Set-Cookie: x.wav"; filename\*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x\.wav$/,
    );
  });
});

describe('isUuid', () => {
  it('accepts UUIDs only', () => {
    expect(isUuid('0b6a3f1e-5d2c-4c8e-9a1b-2f3e4d5c6b7a')).toBe(true);
    expect(isUuid("1' or '1'='1")).toBe(false);
  });
});
