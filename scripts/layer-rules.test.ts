/**
 * The layer rules of eslint.config.mjs hold for the whole tree, and they do fire: `make test`
 * checks them even where `make lint` is not run. Only `no-restricted-imports` runs here (no
 * type information needed), with the project's own configuration.
 */
import { resolve } from 'node:path';
import type { ESLint as ESLintClass } from 'eslint';

const repo = resolve(__dirname, '..');

async function layerLinter(): Promise<ESLintClass> {
  const { ESLint } = await import('eslint');
  return new ESLint({
    cwd: repo,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  });
}

function messages(results: ESLintClass.LintResult[]): string[] {
  return results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(repo.length + 1)}:${m.line} ${m.message}`));
}

describe('layer rules (eslint no-restricted-imports)', () => {
  it('hold for every source file', async () => {
    const eslint = await layerLinter();
    const results = await eslint.lintFiles([
      'workflows',
      'telephony',
      'audio',
      'contacts',
      'campaign',
      'activities',
      'db',
      'lib',
      'auth',
      'worker.ts',
    ]);
    expect(results.length).toBeGreaterThan(100);
    expect(messages(results)).toEqual([]);
  }, 120_000);

  it('refuse Temporal, HTTP and database imports in a pure layer, api/ from below, activities in workflows, all but itself in campaign/', async () => {
    const eslint = await layerLinter();
    const lint = async (filePath: string, code: string): Promise<string[]> =>
      messages(await eslint.lintText(code, { filePath: resolve(repo, filePath) }));
    const pure = await lint(
      'telephony/sip/zz-layer.ts',
      [
        "import { Client } from '@temporalio/client';",
        "import express from 'express';",
        "import { Pool } from 'pg';",
        "import type { Storage } from '../../lib/storage.js';",
        "import { createApp } from '../../api/app.js';",
        "import { createLogger } from '../../lib/logger.js';",
        'export const all = [Client, express, Pool, createApp, createLogger] as unknown as Storage;',
      ].join('\n'),
    );
    expect(pure.map((m) => m.split(' ')[0])).toEqual([
      'telephony/sip/zz-layer.ts:1',
      'telephony/sip/zz-layer.ts:2',
      'telephony/sip/zz-layer.ts:3',
      'telephony/sip/zz-layer.ts:4',
      'telephony/sip/zz-layer.ts:5',
    ]);
    expect(
      await lint('activities/zz-layer.ts', "import { createApp } from '../api/app.js';\nexport const a = createApp;\n"),
    ).toHaveLength(1);
    expect(
      await lint(
        'workflows/zz-layer.ts',
        [
          "import type { Activities } from '../activities/index.js';",
          "import { createActivities } from '../activities/index.js';",
          "import { readFileSync } from 'node:fs';",
          'export const w: [Activities?, unknown?, unknown?] = [undefined, createActivities, readFileSync];',
        ].join('\n'),
      ),
    ).toHaveLength(2);
    // The campaign vocabulary is bundled into workflows and imported by every layer: no Node
    // built-ins, no infrastructure, and no project folder but its own.
    const vocabulary = await lint(
      'campaign/zz-layer.ts',
      [
        "import { readFileSync } from 'node:fs';",
        "import { defineSignal } from '@temporalio/workflow';",
        "import { outcomeForCancelled } from '../telephony/sip/outcome.js';",
        "import { progressQuery } from '../workflows/definitions.js';",
        "import { loadConfig } from '../lib/config.js';",
        "import { KNOWN_OUTCOMES } from './outcomes.js';",
        'export const v = [readFileSync, defineSignal, outcomeForCancelled, progressQuery, loadConfig, KNOWN_OUTCOMES];',
      ].join('\n'),
    );
    expect(vocabulary.map((m) => m.split(' ')[0])).toEqual([
      'campaign/zz-layer.ts:1',
      'campaign/zz-layer.ts:2',
      'campaign/zz-layer.ts:3',
      'campaign/zz-layer.ts:4',
      'campaign/zz-layer.ts:5',
    ]);
  }, 60_000);
});
