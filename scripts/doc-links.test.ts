import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { anchors, brokenLinks, documentationFiles, links, slug } from './doc-links';

const repo = resolve(__dirname, '..');

describe('documentation links', () => {
  it('every relative link in README.md and docs/ resolves, anchors included', () => {
    const files = documentationFiles(repo);
    expect(files.length).toBeGreaterThan(5);
    expect(brokenLinks(files, repo)).toEqual([]);
  });

  it('README.md stays a front door of at most 250 lines', () => {
    expect(readFileSync(join(repo, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('finds a missing file, a missing anchor and an anchor into a non-Markdown file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-links-'));
    try {
      mkdirSync(join(dir, 'docs'));
      writeFileSync(join(dir, 'docs', 'a.md'), '# A\n\n## SIP trunks (`/api/v1/trunks`)\n\n## Same\n\n## Same\n');
      writeFileSync(join(dir, 'x.ts'), '');
      writeFileSync(
        join(dir, 'README.md'),
        [
          '[ok](docs/a.md#sip-trunks-apiv1trunks) [ok2](docs/a.md#same-1) [ext](https://example.com/x)',
          '[gone](docs/b.md) [bad](docs/a.md#nope) [ts](x.ts#L3) [self](#a-heading)',
          '`[in code](nothing.md)`',
          '```',
          '[fenced](nothing.md)',
          '```',
        ].join('\n'),
      );
      const broken = brokenLinks(documentationFiles(dir), dir);
      expect(broken.map((b) => [b.line, b.target])).toEqual([
        [2, 'docs/b.md'],
        [2, 'docs/a.md#nope'],
        [2, 'x.ts#L3'],
        [2, '#a-heading'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('slugs headings the way GitHub does', () => {
    expect(slug('Policies (`/api/v1/policies`, `/api/v1/users/{id}/limits`)')).toBe(
      'policies-apiv1policies-apiv1usersidlimits',
    );
    expect(slug('Recordings: spooled, then stored')).toBe('recordings-spooled-then-stored');
    expect([...anchors('# T\n```\n# not a heading\n```\n## T\n')]).toEqual(['t', 't-1']);
    expect(links('see [a](b.md "title") and `[c](d.md)`')).toEqual([{ line: 1, target: 'b.md' }]);
  });
});
