/**
 * The text/event-stream wire format (WHATWG HTML, "Server-sent events"). Every value is JSON
 * on one `data:` line: JSON escapes CR and LF, so nothing a far end or a tenant wrote (a SIP
 * reason, a campaign name) can end a line and forge a field or an event. Pure.
 */

/** One event; `id` becomes the client's `Last-Event-ID` when it reconnects. */
export function sseEvent(event: string, data: unknown, id?: string): string {
  const fields = [`event: ${oneLine(event)}`];
  if (id !== undefined) fields.push(`id: ${oneLine(id)}`);
  fields.push(`data: ${JSON.stringify(data)}`);
  return `${fields.join('\n')}\n\n`;
}

/** A comment line: ignored by clients, it keeps an idle connection open through proxies. */
export function sseComment(text: string): string {
  return `: ${oneLine(text)}\n\n`;
}

/** How long a client waits before it reconnects after the stream ends or breaks. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.trunc(ms))}\n\n`;
}

function oneLine(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error('an event field must be one line');
  return value;
}
