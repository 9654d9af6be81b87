import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, WorkerReport } from '../activities/index.js';

const { describeWorker } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

export interface WorkerCheckResult extends WorkerReport {
  workflowId: string;
  taskQueue: string;
}

/** Runs one activity on whichever worker picks it up and reports what that worker sees. */
export async function checkWorker(): Promise<WorkerCheckResult> {
  const report = await describeWorker();
  const info = workflowInfo();
  return { ...report, workflowId: info.workflowId, taskQueue: info.taskQueue };
}
