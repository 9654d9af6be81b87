/**
 * Worker thread of a contact import: answers each {@link PieceJob} with its
 * {@link PieceResult}, handing the key arrays over instead of copying them.
 */
import { parentPort } from 'node:worker_threads';
import { processPiece, type PieceJob } from './piece.js';

parentPort?.on('message', (job: PieceJob) => {
  const result = processPiece(job);
  parentPort?.postMessage(result, [result.keys.buffer, result.ends.buffer]);
});
