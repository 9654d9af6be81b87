/**
 * The committed `journal.proto`, loaded with @grpc/proto-loader. The build copies it beside
 * the compiled code (dist/api/grpc/), so the API image needs nothing from the sources.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';

export const JOURNAL_SERVICE = 'voicecast.journal.v1.Journal';

/** Field names in camelCase, enums as strings, 64-bit integers as numbers, defaults filled in. */
export const LOADER_OPTIONS = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true } as const;

export function journalProtoPath(): string {
  // dist/api/grpc/journal.proto after a build; api/grpc/journal.proto when run from the sources.
  const beside = join(__dirname, 'journal.proto');
  return existsSync(beside) ? beside : join(__dirname, '..', '..', '..', 'api', 'grpc', 'journal.proto');
}

export function loadJournalDefinition(): PackageDefinition {
  return loadSync(journalProtoPath(), LOADER_OPTIONS);
}

/** The generated client constructor of the Journal service (for the agent and the tests). */
export function journalClientConstructor(definition = loadJournalDefinition()): ServiceClientConstructor {
  const root = loadPackageDefinition(definition) as unknown as {
    voicecast: { journal: { v1: GrpcObject & { Journal: ServiceClientConstructor } } };
  };
  return root.voicecast.journal.v1.Journal;
}
