/**
 * Where the engine may send SIP and RTP, decided by its host (the API and the worker inject
 * the trunk network policy, lib/trunk-networks.ts; the engine knows nothing of it). A trunk's
 * next hop is resolved here, every address checked, and the transport then talks to the
 * checked address, so a name that resolves elsewhere a moment later gains nothing.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TelephonyError } from '../telephony-error.js';
import type { HostPort } from './addressing.js';

/** Why SIP or RTP must not go to `address` (an IP literal) port `port`; undefined when it may. */
export type AddressPolicy = (address: string, port: number) => string | undefined;

/** A destination the policy refuses; the message says why (and how to allow it). */
export class AddressRefusedError extends TelephonyError {
  readonly code = 'address-refused';

  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/**
 * `hop` with its host resolved to an address every one of whose siblings the policy allows
 * (the first, as a send would pick it); `hop` unchanged without a policy. Rejects with an
 * {@link AddressRefusedError} naming the refused address, or with the resolver's error.
 */
export async function checkedHop(hop: HostPort, policy: AddressPolicy | undefined): Promise<HostPort> {
  if (!policy) return hop;
  const addresses = isIP(hop.host) ? [hop.host] : (await lookup(hop.host, { all: true })).map((a) => a.address);
  for (const address of addresses) {
    const refusal = policy(address, hop.port);
    if (refusal) {
      throw new AddressRefusedError(
        address === hop.host ? `refused: ${refusal}` : `refused: ${hop.host} resolves to ${refusal}`,
      );
    }
  }
  const [first] = addresses;
  if (first === undefined) throw new Error(`${hop.host} has no address`);
  return { host: first, port: hop.port };
}
