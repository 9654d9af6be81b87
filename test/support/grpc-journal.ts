/**
 * A client of the stack's `voicecast.journal.v1.Journal` (GRPC_PORT of the test stack's API),
 * with the calls as promises, and the health and reflection services beside it.
 */
import { join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type Client,
  type ClientReadableStream,
  type ClientWritableStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { journalClientConstructor, LOADER_OPTIONS } from '../../api/grpc/journal-proto';
import { readStack, repoRoot } from './stack';

export const grpcAddress = (): string => `127.0.0.1:${readStack().env.GRPC_PORT}`;

export const bearer = (token: string): Metadata => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
};

type Callback = (err: ServiceError | null, value: Record<string, unknown>) => void;
type Unary = (request: unknown, metadata: Metadata, callback: Callback) => void;
type Upload = (metadata: Metadata, callback: Callback) => ClientWritableStream<unknown>;
type ServerStream = (request: unknown, metadata: Metadata) => ClientReadableStream<Record<string, unknown>>;

export type JournalClient = Client & Record<string, Unary & Upload & ServerStream>;

/** Plaintext, or TLS trusting `tlsCa` (PEM) when given. */
export function journalClient(address = grpcAddress(), tlsCa?: Buffer): JournalClient {
  const Journal = journalClientConstructor();
  const creds = tlsCa ? credentials.createSsl(tlsCa) : credentials.createInsecure();
  return new Journal(address, creds) as unknown as JournalClient;
}

export function unary(
  client: JournalClient,
  rpc: string,
  request: unknown,
  token: string,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    client[rpc](request, bearer(token), (err, value) => (err ? reject(err) : resolve(value)));
  });
}

/** Every message of a server stream. */
export async function collect(
  client: JournalClient,
  rpc: string,
  request: unknown,
  token: string,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const message of client[rpc](request, bearer(token))) out.push(message as Record<string, unknown>);
  return out;
}

/** UploadRecording: the call id first, then `data` in chunks of `chunkBytes`. */
export function uploadRecording(
  client: JournalClient,
  callId: string,
  data: Buffer,
  token: string,
  chunkBytes = 64 * 1024,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const stream = client.UploadRecording(bearer(token), (err, value) => (err ? reject(err) : resolve(value)));
    stream.on('error', () => undefined); // the callback has the status
    stream.write({ callId });
    for (let at = 0; at < data.length; at += chunkBytes) stream.write({ data: data.subarray(at, at + chunkBytes) });
    stream.end();
  });
}

function serviceClient(protoFile: string, path: string[]): ServiceClientConstructor {
  let node = loadPackageDefinition(loadSync(protoFile, LOADER_OPTIONS)) as unknown as Record<string, unknown>;
  for (const part of path) node = node[part] as Record<string, unknown>;
  return node as unknown as ServiceClientConstructor;
}

/** `grpc.health.v1.Health/Check` of `service` ('' for the server). */
export function healthStatus(service: string, address = grpcAddress()): Promise<string> {
  const Health = serviceClient(join(repoRoot(), 'node_modules/grpc-health-check/proto/health/v1/health.proto'), [
    'grpc',
    'health',
    'v1',
    'Health',
  ]);
  const client = new Health(address, credentials.createInsecure()) as unknown as JournalClient;
  return new Promise((resolve, reject) => {
    client.check({ service }, new Metadata(), (err, value) => {
      client.close();
      if (err) reject(err);
      else resolve(String(value.status));
    });
  });
}

/** The services server reflection lists (v1). */
export function reflectedServices(address = grpcAddress()): Promise<string[]> {
  const Reflection = serviceClient(
    join(repoRoot(), 'node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'),
    ['grpc', 'reflection', 'v1', 'ServerReflection'],
  );
  const client = new Reflection(address, credentials.createInsecure()) as unknown as Record<
    string,
    () => NodeJS.ReadWriteStream & { end(): void; write(m: unknown): boolean }
  > &
    Client;
  return new Promise((resolve, reject) => {
    const stream = client.serverReflectionInfo();
    stream.on('data', (answer: { listServicesResponse?: { service: { name: string }[] } }) => {
      resolve((answer.listServicesResponse?.service ?? []).map((s) => s.name).sort());
      stream.end();
      client.close();
    });
    stream.on('error', reject);
    stream.write({ listServices: '' });
  });
}
