/**
 * glibc's allocator settings the Voicecast processes run with (issue 23).
 *
 * glibc serves a large allocation (an ArrayBuffer's store: a call's recording track, 517 kB
 * for a 30 s message; its WAV; an upload's file) from its own mmap, and returns it to the
 * system when freed, but only up to a threshold that grows, by default, to the size of each
 * large block freed (up to 32 MB). After the first few recordings are freed, later ones come
 * from malloc's heaps instead: calloc has to zero them, so every page is resident at once,
 * and freed blocks stay in the heaps. At 1,000 recorded calls in flight the worker's RSS
 * reached 1.4 GB, 900–1,130 MB of it outside every V8 heap; with the threshold fixed at
 * 128 kB (`MALLOC_MMAP_THRESHOLD_`, which also turns the growth off) it peaked at 686 MB
 * (`make bench-scale`, docs/campaigns.md). Fixed, large blocks are always mapped: zeroed pages
 * cost nothing until written, and a freed block leaves the process.
 *
 * glibc reads these when the process starts, before any JavaScript runs, so they cannot be
 * set from inside: the launchers set them (`make run`, the test and bench stacks, the
 * Docker image, hence compose and Kubernetes), and the worker logs a warning when it was
 * started without them (`missingMallocSettings`). musl (Alpine) ignores them.
 */
export const MALLOC_SETTINGS: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** `env` with the allocator settings it does not set itself. */
export function withMallocSettings<T extends Record<string, string | undefined>>(env: T): T {
  const added = Object.fromEntries(Object.entries(MALLOC_SETTINGS).filter(([name]) => env[name] === undefined));
  return { ...env, ...added };
}

/** The settings `env` lacks (none off Linux, where glibc's variables mean nothing). */
export function missingMallocSettings(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
): string[] {
  if (platform !== 'linux') return [];
  return Object.keys(MALLOC_SETTINGS).filter((name) => env[name] === undefined);
}
