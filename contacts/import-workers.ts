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
    // A piece needs a few MB; without caps each worker's heap grew past 200 MB before
    // collecting (1M-row import: 580 MB RSS in all, 280 MB with these caps, same speed).
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 },
  });
}
