/**
 * Relative links in the README and docs/ must resolve: the file exists, and a `#fragment`
 * names a heading of it (GitHub's slugs). External links (a scheme) are not checked.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings, outside code fences; repeats get `-1`, `-2`, …. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** `[text](target)` links of a Markdown text outside code fences and code spans, with their line. */
export function links(markdown: string): { line: number; target: string }[] {
  const result: { line: number; target: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const text = line.replace(/`[^`]*`/g, '``');
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      result.push({ line: index + 1, target: match[1] ?? '' });
    }
  });
  return result;
}

export function brokenLinks(files: readonly string[], root: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of files) {
    const markdown = readFileSync(file, 'utf8');
    for (const { line, target } of links(markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path = '', fragment] = target.split('#', 2);
      const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      const where = { file: relative(root, file), line, target };
      if (!existsSync(resolved)) {
        broken.push({ ...where, reason: 'no such file' });
        continue;
      }
      if (fragment !== undefined && fragment !== '') {
        if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
          broken.push({ ...where, reason: 'an anchor into a file that is not Markdown' });
        } else if (!anchors(readFileSync(resolved, 'utf8')).has(fragment)) {
          broken.push({ ...where, reason: `no heading with anchor #${fragment}` });
        }
      }
    }
  }
  return broken;
}

/** README.md, docs/**.md and deploy/README.md of a checkout. */
export function documentationFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk(join(root, 'docs'));
  const deploy = join(root, 'deploy', 'README.md');
  if (existsSync(deploy)) files.push(deploy);
  return files;
}
