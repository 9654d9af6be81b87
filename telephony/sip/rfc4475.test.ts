import { rfc4475Messages, RFC4475_EXPECTED } from './rfc4475-fixtures';
import { requestDefect, requestMethod, stampVia, statelessAnswer } from './request-guard';

const messages = rfc4475Messages();

test('every fixture has an expectation, and every expectation a fixture', () => {
  expect([...messages.keys()].sort()).toEqual(Object.keys(RFC4475_EXPECTED).sort());
});

describe.each([...messages])('RFC 4475 %s', (name, message) => {
  const expected = RFC4475_EXPECTED[name];
  const method = requestMethod(message)!;

  it(expected === 'valid' ? 'is taken as valid' : `is refused with ${expected}`, () => {
    expect(method).toBeDefined();
    const defect = requestDefect(message, method);
    if (expected === 'valid') {
      expect(defect).toBeUndefined();
      expect(stampVia(message, { host: '192.0.2.9', port: 5062 })).toMatch(/;received=192\.0\.2\.9;rport=5062/);
    } else {
      expect(defect?.[0]).toBe(expected);
      const stamped = stampVia(message, { host: '192.0.2.9', port: 5062 });
      if (name === 'badvers') {
        expect(stamped).toBeUndefined(); // no SIP/2.0 Via to answer along: dropped
        return;
      }
      const answer = statelessAnswer(stamped!, method, ['x'], defect);
      expect(answer).toMatch(new RegExp(`^SIP/2\\.0 ${expected} `));
      expect(answer!.length).toBeLessThan(1000); // the answer does not echo the huge header
    }
  });
});
