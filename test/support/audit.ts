/**
 * The audit log as the integration tests read it: through `GET /api/v1/audit`, every page.
 */
import { call } from './api';
import { json } from './campaigns';

export interface AuditBody {
  id: string;
  createdAt: string;
  action: string;
  route: string;
  targetType: string;
  targetId: string | null;
  actor: { userId: string; username: string; clientId: string | null; role: string };
  ip: string | null;
  requestId: string | null;
  status: number;
  outcome: 'success' | 'denied' | 'rejected' | 'error';
  changes: Record<string, unknown> | null;
}

export interface AuditPage {
  items: AuditBody[];
  nextCursor?: string;
}

/** One page of the audit log; `query` as URL parameters. */
export async function auditPage(token: string, query: Record<string, string> = {}): Promise<AuditPage> {
  return json<AuditPage>(await call('GET', `/api/v1/audit?${new URLSearchParams(query).toString()}`, { token }), 200);
}

/** Every entry matching `query`, newest first, through the pages (of `limit`, default 50). */
export async function auditEntries(token: string, query: Record<string, string> = {}): Promise<AuditBody[]> {
  const out: AuditBody[] = [];
  let after: string | undefined;
  do {
    const page = await auditPage(token, { ...query, ...(after ? { after } : {}) });
    out.push(...page.items);
    after = page.nextCursor;
  } while (after);
  return out;
}
