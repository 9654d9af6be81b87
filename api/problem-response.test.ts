import { innerFieldErrors, valueFreeMessage } from './problem-response';

/** What tsoa 6.6 writes for a value that matches no member of a union (templateHelpers.js). */
const union = (field: string, errors: { message: string; value: unknown }[]) =>
  `Could not match the union against any of the items. Issues: ${JSON.stringify(errors.map((e) => ({ [field]: e })))}`;

describe('valueFreeMessage', () => {
  test('keeps ordinary messages', () => {
    expect(valueFreeMessage('maxLength 256')).toBe('maxLength 256');
    expect(valueFreeMessage('"extra" is an excess property and therefore is not allowed')).toBe(
      '"extra" is an excess property and therefore is not allowed',
    );
  });

  test('drops the submitted value from a union message, keeping what each member wanted', () => {
    const secret = 'hunter2-but-longer';
    const message = union('body.password', [
      { message: 'maxLength 256', value: secret },
      { message: 'should be one of the following; [null]', value: secret },
    ]);
    expect(message).toContain(secret);
    const safe = valueFreeMessage(message);
    expect(safe).not.toContain(secret);
    expect(safe).toBe('maxLength 256 or should be one of the following; [null]');
  });

  test('merges enum members into one list', () => {
    const message = union('body.transport', [
      { message: "should be one of the following; ['udp']", value: 'tls' },
      { message: "should be one of the following; ['tcp']", value: 'tls' },
    ]);
    expect(valueFreeMessage(message)).toBe("should be one of the following; ['udp', 'tcp']");
  });

  test('cleans nested unions and intersections; unparsable issues become a generic message', () => {
    const nested = union('body.a', [
      { message: union('body.a', [{ message: 'min 1', value: 's3cret' }]), value: 's3cret' },
    ]);
    expect(valueFreeMessage(nested)).toBe('min 1');
    const intersection = `Could not match the intersection against every type. Issues: ${JSON.stringify([
      { 'body.b': { message: 'invalid string value', value: 's3cret' } },
    ])}`;
    expect(valueFreeMessage(intersection)).toBe('invalid string value');
    expect(valueFreeMessage('Could not match the union against any of the items. Issues: [s3cret')).toBe(
      'invalid value',
    );
  });
});

describe('innerFieldErrors', () => {
  test('a nullable object wrong inside names its inner fields, without the value', () => {
    const message = `Could not match the union against any of the items. Issues: ${JSON.stringify([
      {
        'body.callingWindow.timezoneFrom': {
          message: union('body.callingWindow.timezoneFrom', [
            { message: "should be one of the following; ['campaign']", value: 'callee' },
            { message: "should be one of the following; ['number']", value: 'callee' },
          ]),
          value: 'callee',
        },
      },
      {
        'body.callingWindow': { message: 'should be one of the following; [null]', value: { timezoneFrom: 'callee' } },
      },
    ])}`;
    expect(innerFieldErrors('body.callingWindow', message)).toEqual([
      { field: 'body.callingWindow.timezoneFrom', message: "should be one of the following; ['campaign', 'number']" },
    ]);
  });

  test('a union of plain values stays at its field', () => {
    const message = union('body.password', [
      { message: 'maxLength 256', value: 'x' },
      { message: 'should be one of the following; [null]', value: 'x' },
    ]);
    expect(innerFieldErrors('body.password', message)).toBeUndefined();
    expect(innerFieldErrors('body.password', 'maxLength 256')).toBeUndefined();
  });
});
