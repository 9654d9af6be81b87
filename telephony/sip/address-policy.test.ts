import { AddressRefusedError, checkedHop, type AddressPolicy } from './address-policy';

const noLoopback: AddressPolicy = (address) =>
  address === '127.0.0.1' || address === '::1' ? `${address} is loopback` : undefined;

test('without a policy the hop is left as it is (no lookup)', async () => {
  await expect(checkedHop({ host: 'sip.invalid', port: 5060 }, undefined)).resolves.toEqual({
    host: 'sip.invalid',
    port: 5060,
  });
});

test('an allowed IP literal is used as it is; a refused one is refused with the reason', async () => {
  await expect(checkedHop({ host: '203.0.113.5', port: 5060 }, noLoopback)).resolves.toEqual({
    host: '203.0.113.5',
    port: 5060,
  });
  await expect(checkedHop({ host: '127.0.0.1', port: 5060 }, noLoopback)).rejects.toThrow(
    new AddressRefusedError('refused: 127.0.0.1 is loopback'),
  );
});

test('a name is checked on every address it resolves to, and named in the refusal', async () => {
  // localhost resolves to 127.0.0.1 (and ::1): both refused by this policy.
  await expect(checkedHop({ host: 'localhost', port: 5060 }, noLoopback)).rejects.toThrow(
    /^refused: localhost resolves to (127\.0\.0\.1|::1) is loopback$/,
  );
  const seen: string[] = [];
  const hop = await checkedHop({ host: 'localhost', port: 5070 }, (address, port) => {
    seen.push(`${address}:${port}`);
    return undefined;
  });
  expect(['127.0.0.1', '::1']).toContain(hop.host); // the transport gets the checked address, not the name
  expect(seen).toContain(`${hop.host}:5070`);
});

test('a name that does not resolve rejects with the resolver error', async () => {
  await expect(checkedHop({ host: 'no-such-host.invalid', port: 5060 }, noLoopback)).rejects.toThrow(/ENOTFOUND/);
});
