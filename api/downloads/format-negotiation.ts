/**
 * Which form of a recording or audio message to send: `?format=` when given (it wins over
 * `Accept`), else the `Accept` header's preference between WAV and MP3 (RFC 9110 §12.5.1:
 * q-values, the most specific matching range decides, `q=0` refuses), WAV on a tie or
 * without `Accept`. `undefined` means neither is acceptable (406). Pure.
 */

/** The forms a download can take. */
export type DownloadFormat = 'wav' | 'mp3';

export const FORMAT_MEDIA_TYPES: Readonly<Record<DownloadFormat, string>> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
};

/** Names clients use for each form, besides its registered one. */
const ALIASES: Readonly<Record<DownloadFormat, readonly string[]>> = {
  wav: ['audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave'],
  mp3: ['audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mpeg-3'],
};

/** At most this many ranges are read: a header of ten thousand ranges costs no more than this. */
const MAX_RANGES = 64;

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',', MAX_RANGES)) {
    const [mediaType = '', ...params] = part.split(';');
    const [type, subtype, extra] = mediaType.trim().toLowerCase().split('/');
    if (!type || !subtype || extra !== undefined) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim().toLowerCase());
      if (name === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value ?? '') ? Number(value) : NaN;
    }
    if (!Number.isNaN(q)) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The q of `format` under `ranges`: that of the most specific range matching it, 0 if none does. */
function quality(format: DownloadFormat, ranges: readonly MediaRange[]): number {
  let best = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const full = `${range.type}/${range.subtype}`;
    const specificity = ALIASES[format].includes(full)
      ? 2
      : range.type === 'audio' && range.subtype === '*'
        ? 1
        : full === '*/*'
          ? 0
          : -1;
    if (specificity > best.specificity || (specificity === best.specificity && range.q > best.q)) {
      best = specificity < 0 ? best : { specificity, q: range.q };
    }
  }
  return best.q;
}

export function chooseFormat(
  format: DownloadFormat | undefined,
  accept: string | undefined,
): DownloadFormat | undefined {
  if (format) return format;
  if (accept === undefined || accept.trim() === '') return 'wav';
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return 'wav'; // nothing readable in it: as if absent (RFC 9110 allows either)
  const wav = quality('wav', ranges);
  const mp3 = quality('mp3', ranges);
  if (wav === 0 && mp3 === 0) return undefined;
  return mp3 > wav ? 'mp3' : 'wav';
}
