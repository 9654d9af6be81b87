/**
 * The call journal's gRPC server, run by the API process on a port of its own (GRPC_HOST,
 * GRPC_PORT): the Journal service, the standard health service (`grpc.health.v1.Health`,
 * SERVING for '' and the Journal while the process runs, NOT_SERVING once it shuts down) and
 * server reflection (grpcurl and friends list and call the service without the .proto).
 * TLS with GRPC_TLS_CERT/KEY, else plaintext: keep that on loopback or a private network.
 */
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Config } from '../../lib/config.js';
import { journalHandlers, type JournalHandlerDeps } from './journal-handlers.js';
import { JOURNAL_SERVICE, loadJournalDefinition } from './journal-proto.js';

/** Messages of up to 4 MiB: recordings travel in chunks (the agent sends 256 KiB). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface RunningGrpcServer {
  /** The port bound (the configured one). */
  readonly port: number;
  /** Health to NOT_SERVING, then a graceful shutdown (forced after `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

export async function startGrpcServer(
  config: Config['api']['grpc'] & { port: number },
  deps: JournalHandlerDeps,
): Promise<RunningGrpcServer> {
  const definition = loadJournalDefinition();
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(definition[JOURNAL_SERVICE] as ServiceDefinition, journalHandlers(deps));
  const health = new HealthImplementation({ '': 'SERVING', [JOURNAL_SERVICE]: 'SERVING' });
  health.addToServer(server);
  new ReflectionService(definition).addToServer(server);
  const credentials = config.tls
    ? ServerCredentials.createSsl(null, [
        { cert_chain: readFileSync(config.tls.certFile), private_key: readFileSync(config.tls.keyFile) },
      ])
    : ServerCredentials.createInsecure();
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${config.port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    port,
    stop: (graceMs) =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        health.setStatus(JOURNAL_SERVICE, 'NOT_SERVING');
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
