/**
 * Telephony failures as types. Every error the telephony layer makes on purpose is a
 * {@link TelephonyError} with a stable `code` to branch on (`instanceof` the class, or
 * `code` where the error crossed a thread as plain data); the message is for people and
 * says what the far end answered. Errors of Node or sip.js (a DNS failure, a socket error)
 * pass through as they are.
 *
 * | code                  | class                 | thrown by                                   |
 * |-----------------------|-----------------------|---------------------------------------------|
 * | `sip-text-refused`    | `SipTextError`        | sip/sip-text.ts: a value a header cannot take |
 * | `address-refused`     | `AddressRefusedError` | sip/address-policy.ts, the SDP answer's media address |
 * | `sdp-unusable`        | `SdpError`            | sip/sdp.ts: malformed SDP, no common codec  |
 * | `rtp-ports-exhausted` | `PortsExhaustedError` | rtp/port-pool.ts, rtp/media-threads.ts      |
 * | `register-refused`    | `SipError`            | user-agents.ts: a final non-2xx to REGISTER (`status`, `reason`) |
 * | `register-unbound`    | `SipError`            | user-agents.ts: a 2xx without our Contact   |
 * | `register-timeout`    | `SipError`            | user-agents.ts: no answer from the registrar |
 */
export type TelephonyErrorCode =
  | 'sip-text-refused'
  | 'address-refused'
  | 'sdp-unusable'
  | 'rtp-ports-exhausted'
  | 'register-refused'
  | 'register-unbound'
  | 'register-timeout';

/** The base of the telephony layer's own errors. */
export abstract class TelephonyError extends Error {
  abstract readonly code: TelephonyErrorCode;
}

/** What a REGISTER came to when it did not bind us (drachtio-srf's `SipError`: the status and reason of the answer). */
export class SipError extends TelephonyError {
  override readonly name = 'SipError';

  constructor(
    readonly code: 'register-refused' | 'register-unbound' | 'register-timeout',
    message: string,
    /** The final response's status code (`register-refused` only). */
    readonly status?: number,
    /** Its reason phrase (`register-refused` only). */
    readonly reason?: string,
  ) {
    super(message);
  }
}
