/**
 * Local service starters shared by `make run` (scripts/stack.ts) and the test harness
 * (test/support). Node built-ins only, so they load under ts-jest and from dist/ alike.
 */
export { describeExit, startProcess, tailFile, ManagedProcess } from './managed-process';
export type { ExitInfo, LogOptions, ProcessSpec } from './managed-process';
export { startMinio } from './minio';
export type { MinioOptions, MinioServer } from './minio';
export { startNodeApp } from './node-app';
export type { NodeApp, NodeAppOptions } from './node-app';
export { isProcessAlive, killPid, processStartTime } from './pids';
export { freePort, freePorts, isPortFree } from './ports';
export { postgresOsUser } from './os-user';
export { startPostgres } from './postgres';
export type { PostgresOptions, PostgresServer } from './postgres';
export { allProbes, httpProbe, postmasterReadyProbe, sleep, tcpProbe } from './probes';
export type { Probe, ProbeResult } from './probes';
export { postgresNativeDir, repoRoot, toolPaths } from './paths';
export { Supervisor } from './supervisor';
export type { RunningService, UnexpectedExit } from './supervisor';
export { SEARCH_ATTRIBUTES, startTemporal, taskQueuePollerProbe } from './temporal';
export type { TemporalOptions, TemporalServer } from './temporal';
export { startPrivateStack } from './private-stack';
export type { PrivateStack, PrivateStackOptions } from './private-stack';
export { STACK_SERVICES, stackControl } from './stack-control';
export type { StackControl, StackService } from './stack-control';
export { uploadFile } from './multipart-upload';
export type { FileUpload } from './multipart-upload';
export { agentEnvironment } from './agent-env';
export type { AgentClient } from './agent-env';
