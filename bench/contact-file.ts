/**
 * A generated contact file for `make bench-import`: `name,phone,city` rows with numbers of
 * five countries written the ways people write them (national with the default country DE,
 * `+`, `00`, spaces, dashes, slashes, parentheses, `(0)`), about 5 % junk and 3 % repeats
 * of an earlier row's number in another form. Deterministic (seeded), so runs compare.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** mulberry32: a small, fast, seedable generator; plenty for test data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PhoneNumber {
  /** Country calling code. */
  readonly cc: string;
  /** National significant number. */
  readonly nsn: string;
}

const JUNK = ['n/a', '', 'unknown', '12345', 'call back', '+999 123 4567', '0', 'x@y.z', '030', '+49 30'];
const CITIES = ['Berlin', 'Hamburg', 'Paris', 'London', 'New York', 'München', 'Köln'];
const DE_MOBILE = ['151', '152', '160', '162', '170', '171', '172', '175', '176', '177', '178', '179'];

/** The k-th distinct number: the counter is spread over the digits, so numbers never repeat by chance. */
function distinctNumber(k: number): PhoneNumber {
  const digits = (width: number) => String(k).padStart(width, '0');
  switch (k % 6) {
    case 0:
    case 1:
      return { cc: '49', nsn: `${DE_MOBILE[k % DE_MOBILE.length]}${digits(8)}` };
    case 2:
      return { cc: '49', nsn: `30${digits(8)}` };
    case 3:
      return { cc: '33', nsn: `6${digits(8)}` };
    case 4:
      return { cc: '44', nsn: `79${digits(8)}` };
    default:
      return { cc: '1', nsn: `212${2 + (k % 8)}${digits(6)}` };
  }
}

/** One way of writing `n`; national forms only for Germany (the import's default country). */
function written(n: PhoneNumber, style: number): string {
  const { cc, nsn } = n;
  const head = nsn.slice(0, 3);
  const rest = nsn.slice(3);
  switch (style % 6) {
    case 0:
      return `+${cc}${nsn}`;
    case 1:
      return `+${cc} ${head} ${rest}`;
    case 2:
      return `00${cc} ${head}-${rest}`;
    case 3:
      return cc === '49' ? `0${head} ${rest}` : `+${cc}-${head}-${rest}`;
    case 4:
      return cc === '49' ? `(0${head}) ${rest.slice(0, 3)}-${rest.slice(3)}` : `00${cc}${nsn}`;
    default:
      return cc === '49' ? `+49 (0)${head}/${rest}` : `+${cc} (${head}) ${rest}`;
  }
}

export interface GeneratedFile {
  readonly rows: number;
  readonly bytes: number;
}

/** Writes `rows` data rows (plus a header) to `path`. */
export async function writeContactFile(path: string, rows: number, seed = 42): Promise<GeneratedFile> {
  const next = random(seed);
  const out = createWriteStream(path);
  const numbers: PhoneNumber[] = [];
  let bytes = 0;
  let chunk = 'name,phone,city\n';
  for (let i = 0; i < rows; i += 1) {
    const r = next();
    let phone: string;
    if (r < 0.05) phone = JUNK[i % JUNK.length]!;
    else if (r < 0.08 && numbers.length > 0) phone = written(numbers[Math.floor(next() * numbers.length)], i + 1);
    else {
      const n = distinctNumber(numbers.length);
      numbers.push(n);
      phone = written(n, i);
    }
    chunk += `Contact ${i},"${phone}",${CITIES[i % CITIES.length]}\n`;
    if (chunk.length > 256 * 1024) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await once(out, 'finish');
  return { rows, bytes };
}
