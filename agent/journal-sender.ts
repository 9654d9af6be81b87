/**
 * The agent's side of `voicecast.journal.v1`: AddCall then UploadRecording for one pair,
 * with a machine client's `client_credentials` token fetched, cached and renewed before it
 * expires (or after UNAUTHENTICATED). Failures are sorted for the spool loop: `retry` (the
 * server or the network is away: wait and send the same pair again, which idempotency makes
 * safe) or `reject` (the server refused the data itself: the pair goes to rejected/).
 */
import { readFile } from 'node:fs/promises';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { journalClientConstructor } from '../api/grpc/journal-proto.js';
import type { AddCallMessage } from './field-mapping.js';

export interface SenderOptions {
  readonly address: string;
  /** TLS, checked against the system's CAs, or `ca` (PEM) alone when given; false: plaintext. */
  readonly tls: false | { readonly ca?: Buffer };
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Bytes per UploadRecording message. */
  readonly chunkBytes?: number;
}

/** Why a send failed, and what to do about it. */
export class SendError extends Error {
  constructor(
    readonly action: 'retry' | 'reject',
    message: string,
  ) {
    super(message);
  }
}

/** Codes that say the data is wrong: resending the same pair cannot help. */
const REJECTED = new Set<number>([
  status.INVALID_ARGUMENT,
  status.ALREADY_EXISTS,
  status.FAILED_PRECONDITION,
  status.RESOURCE_EXHAUSTED,
  status.NOT_FOUND,
]);

type Callback = (err: ServiceError | null, value: Record<string, unknown>) => void;
interface Client {
  AddCall(request: unknown, metadata: Metadata, options: { deadline: Date }, callback: Callback): void;
  UploadRecording(
    metadata: Metadata,
    options: { deadline: Date },
    callback: Callback,
  ): { write(m: unknown): boolean; end(): void; on(e: string, f: () => void): void };
  close(): void;
}

const DEADLINE_MS = 60_000;

export class JournalSender {
  private readonly client: Client;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(private readonly options: SenderOptions) {
    const Journal = journalClientConstructor();
    const creds = options.tls ? credentials.createSsl(options.tls.ca ?? null) : credentials.createInsecure();
    this.client = new Journal(options.address, creds) as unknown as Client;
  }

  /** Sends the call and its recording; resolves once the server confirmed both. */
  async send(call: AddCallMessage, wavPath: string): Promise<{ callId: string; created: boolean }> {
    const metadata = await this.metadata();
    const added = await this.rpc<{ call: { id: string }; created: boolean }>((cb) =>
      this.client.AddCall(call, metadata, { deadline: deadline() }, cb),
    );
    const wav = await readFile(wavPath);
    const chunk = this.options.chunkBytes ?? 256 * 1024;
    await this.rpc((cb) => {
      const stream = this.client.UploadRecording(metadata, { deadline: deadline() }, cb);
      stream.on('error', () => undefined); // the callback has the status
      stream.write({ callId: added.call.id });
      for (let at = 0; at < wav.length; at += chunk) stream.write({ data: wav.subarray(at, at + chunk) });
      stream.end();
    });
    return { callId: added.call.id, created: added.created };
  }

  close(): void {
    this.client.close();
  }

  private rpc<T>(start: (callback: Callback) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      start((err, value) => {
        if (!err) return resolve(value as T);
        if (err.code === status.UNAUTHENTICATED) this.token = undefined;
        const action = REJECTED.has(err.code) ? 'reject' : 'retry';
        reject(new SendError(action, `${status[err.code] ?? err.code}: ${err.details}`));
      });
    });
  }

  private async metadata(): Promise<Metadata> {
    if (!this.token || Date.now() > this.token.expiresAt) this.token = await this.fetchToken();
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.token.value}`);
    return metadata;
  }

  private async fetchToken(): Promise<{ value: string; expiresAt: number }> {
    const { tokenUrl, clientId, clientSecret } = this.options;
    let res: Response;
    try {
      res = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials&scope=api',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new SendError('retry', `token endpoint unreachable: ${String(err)}`);
    }
    if (res.status !== 200) throw new SendError('retry', `token endpoint answered ${res.status}`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    // Renewed 30 s early, so a token never runs out in the middle of a pair.
    return { value: body.access_token, expiresAt: Date.now() + Math.max(10, body.expires_in - 30) * 1000 };
  }
}

const deadline = () => new Date(Date.now() + DEADLINE_MS);
