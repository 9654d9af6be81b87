/**
 * libphonenumber-js tests every metadata pattern through `helpers/matchesEntirely`, which
 * builds `new RegExp('^(?:' + pattern + ')$')` on each call: about a third of the
 * parse-and-validate time (profiled: 15 µs → 5 µs a number with this cache). The patterns
 * come from the metadata, a fixed set, so a compiled expression per pattern is enough.
 *
 * The helper is reached by its path inside the package (not exported) and replaced on its
 * CommonJS exports object, which every caller reads at call time. When the package no longer
 * has that layout, nothing is patched and parsing is only slower: see `installed`.
 */
import { dirname, join } from 'node:path';

interface MatchesEntirelyModule {
  default: (text: string | undefined, pattern: string) => boolean;
}

let installed = false;
const compiled = new Map<string, RegExp>();

/** Installs the cache once per thread; returns whether libphonenumber-js now uses it. */
export function installPatternCache(): boolean {
  if (installed) return true;
  const file = join(dirname(require.resolve('libphonenumber-js/max')), '..', 'build', 'helpers', 'matchesEntirely.js');
  let helper: MatchesEntirelyModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal CommonJS module, by path
    helper = require(file) as MatchesEntirelyModule;
  } catch {
    return false;
  }
  if (typeof helper.default !== 'function') return false;
  helper.default = (text, pattern) => {
    let regexp = compiled.get(pattern);
    if (regexp === undefined) {
      regexp = new RegExp(`^(?:${pattern})$`);
      compiled.set(pattern, regexp);
    }
    return regexp.test(text ?? '');
  };
  installed = true;
  return true;
}

/** How many patterns have been compiled so far (tests check that the cache is really used). */
export function cachedPatternCount(): number {
  return compiled.size;
}
