/**
 * Every activity the worker registers, built by a factory that receives its dependencies.
 * Workflows import only the *type* of this module.
 */
import { createSystemActivities, type SystemActivityDeps } from './system.activities.js';

export type { WorkerReport } from './system.activities.js';

export type ActivityDeps = SystemActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return { ...createSystemActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
