/**
 * Values that go into SIP headers, made safe where the message is built. sip.js writes a
 * display name as `'"' + name + '"'` and a digest user name as `'username="' + name + '"'`
 * and joins header lines with CRLF, escaping nothing: a CR or LF in either starts a header
 * line of the value's choosing (header injection), a `"` ends the quoted string early.
 *
 * The API refuses such values (422), but the engine does not rely on that: a row written
 * before the check, another caller or a future field all pass through here. Control
 * characters are refused outright (no escaping makes a CR/LF/NUL harmless in a header);
 * display names are written as RFC 3261 quoted-string content (`"` and `\` as quoted-pairs);
 * a digest user name cannot be escaped (the hash is over the raw name), so `"` and `\` are
 * refused there.
 */
import type { TrunkConfig } from '../call-types.js';
import { TelephonyError } from '../telephony-error.js';

/** A value that cannot be put into a SIP message. The message names the field, never the value. */
export class SipTextError extends TelephonyError {
  readonly code = 'sip-text-refused';

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field} ${reason}: refused, it would be written into a SIP header`);
    this.name = 'SipTextError';
  }
}

// C0 controls (CR, LF, NUL, TAB …), DEL and the C1 controls (U+0085 is a line break to some parsers).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const QUOTE_OR_BACKSLASH = /["\\]/;

/** `value`, or a {@link SipTextError} when it holds a control character. */
export function plainSipText(value: string, field: string): string {
  if (CONTROL.test(value)) throw new SipTextError(field, 'contains a control character (CR, LF, NUL or another)');
  return value;
}

/** A value written inside a quoted string that cannot be escaped (the digest `username`). */
export function unquotableSipText(value: string, field: string): string {
  plainSipText(value, field);
  if (QUOTE_OR_BACKSLASH.test(value)) throw new SipTextError(field, 'contains `"` or `\\`');
  return value;
}

/**
 * A display name as the content of an RFC 3261 quoted-string (sip.js adds the surrounding
 * quotes): `"` and `\` become quoted-pairs, control characters are refused.
 */
export function displayNameContent(value: string, field = 'display name'): string {
  return plainSipText(value, field).replace(/["\\]/g, (c) => `\\${c}`);
}

/** A host as written into URIs: no control characters and no white space. */
function sipHostText(value: string, field: string): string {
  if (/\s/.test(plainSipText(value, field))) throw new SipTextError(field, 'contains white space');
  return value;
}

/**
 * Throws a {@link SipTextError} for the first field of `trunk` that cannot go into a SIP
 * message. The display name is allowed `"` and `\` (it is escaped when used, with
 * {@link displayNameContent}); the digest user name (`authUsername`, else `username`, else
 * the caller ID number) is not.
 */
export function checkTrunkText(trunk: TrunkConfig): void {
  sipHostText(trunk.host, 'trunk host');
  if (trunk.outboundProxy) sipHostText(trunk.outboundProxy.host, 'outbound proxy host');
  if (trunk.username !== undefined) unquotableSipText(trunk.username, 'trunk username');
  if (trunk.authUsername !== undefined) unquotableSipText(trunk.authUsername, 'trunk authUsername');
  if (trunk.realm !== undefined) unquotableSipText(trunk.realm, 'trunk realm');
  checkCallerIdText(trunk.callerId);
}

/** As {@link checkTrunkText} for a caller ID (the trunk's or a campaign's). */
export function checkCallerIdText(callerId: TrunkConfig['callerId'], field = 'caller ID'): void {
  unquotableSipText(callerId.number, `${field} number`);
  if (callerId.displayName !== undefined) plainSipText(callerId.displayName, `${field} name`);
}
