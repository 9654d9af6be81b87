import { join } from 'node:path';
import type { PieceJob, PieceResult } from './piece.js';
import { WorkerPool } from './worker-pool.js';

/**
 * The worker threads of contact imports, shared by all of them. `size` is usually the
 * number of cores: phone number parsing is most of an import's work.
 */
export function createImportWorkers(size: number): WorkerPool<PieceJob, PieceResult> {
  return new WorkerPool({
    size,
    script: join(__dirname, 'import-worker.js'),
    // A piece needs a few MB. Without caps each worker's heap grew past 200 MB before
    // collecting (1M rows: 500 MB RSS in all; 320 MB with these). A young generation
    // smaller than 32 MB cost CPU instead: a piece's rows outlived the scavenges (8 MB:
    // +25 % CPU).
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 32 },
  });
}
