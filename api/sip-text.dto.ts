// Text fields that end up in SIP headers (From display names, digest user names, realms).
// sip.js writes them between quotes and escapes nothing, so CR, LF, NUL and the other
// control characters (header injection) and `"` / `\` (which end or escape the quoted
// string) are refused here with a 422 naming the field. The telephony engine refuses or
// escapes them again where the message is built (telephony/sip/sip-text.ts), for values
// that did not come through this API.

/**
 * A display name presented with the caller ID: printable text in any script, no control
 * characters, no `"` or `\`.
 * @minLength 1
 * @maxLength 100
 * @pattern ^[^\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]+$ must be printable text without control characters (CR, LF, NUL, tab …), `"` or `\`
 */
export type SipDisplayName = string;

/**
 * A SIP or digest user name: printable text, no control characters, no `"` or `\`.
 * @minLength 1
 * @maxLength 128
 * @pattern ^[^\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]+$ must be printable text without control characters (CR, LF, NUL, tab …), `"` or `\`
 */
export type SipUserName = string;

/**
 * A digest realm: printable text, no control characters, no `"` or `\`.
 * @minLength 1
 * @maxLength 253
 * @pattern ^[^\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]+$ must be printable text without control characters (CR, LF, NUL, tab …), `"` or `\`
 */
export type SipRealm = string;
