/** DTMF carried in SIP INFO bodies (the older alternative to RFC 4733 that many gateways still use). */

/** SIP INFO DTMF: `application/dtmf-relay` (`Signal=5`) or `application/dtmf` (`5`). */
export function parseInfoDtmf(contentType: string, body: string): string | undefined {
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  const value =
    type === 'application/dtmf-relay'
      ? /^\s*signal\s*=\s*(\S+)/im.exec(body)?.[1]
      : type === 'application/dtmf'
        ? body.trim()
        : undefined;
  if (!value) return undefined;
  const digit = value === '10' ? '*' : value === '11' ? '#' : value.toUpperCase();
  return /^[0-9*#A-D]$/.test(digit) ? digit : undefined;
}
