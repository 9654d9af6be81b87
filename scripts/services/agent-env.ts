/**
 * The environment `voicecast-agent` (dist/agent/main.js) runs with against a private stack:
 * its spool, the stack's gRPC port and token endpoint, and a machine client's credentials.
 * The agent test and `make bench-ingest` start it the same way; each adds its own timings.
 */
import type { PrivateStack } from './private-stack';

export interface AgentClient {
  readonly id: string;
  readonly secret: string;
}

/** The API the agent talks to: a private stack, or any API process with its gRPC port. */
export type AgentServer = Pick<PrivateStack, 'apiUrl'> & { readonly env: { readonly GRPC_PORT?: string } };

export function agentEnvironment(
  stack: AgentServer,
  options: { spool: string; client: AgentClient; source: string; extra?: Record<string, string> },
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AGENT_SPOOL_DIRS: options.spool,
    AGENT_GRPC_ADDRESS: `127.0.0.1:${stack.env.GRPC_PORT}`,
    AGENT_TOKEN_URL: `${stack.apiUrl}/oauth/token`,
    AGENT_CLIENT_ID: options.client.id,
    AGENT_CLIENT_SECRET: options.client.secret,
    AGENT_SOURCE: options.source,
    AGENT_METRICS_PORT: '0',
    ...options.extra,
  };
}
