import type { AttemptRecord } from '../pipeline/connect';

/**
 * One record per request. Written as a single structured console line today; the Queue → D1
 * sink builds on the same record. It never holds prompts, completions or credentials.
 */
export interface RequestLogRecord {
  requestId: string;
  route: string;
  model: string;
  stream: boolean;
  status: number;
  outcome: string;
  attempts: AttemptRecord[];
  /** Upstream TTFT: request received → first content event from the provider. */
  ttftMs?: number;
  durationMs: number;
  contentEvents?: number;
  error?: string;
}

export function writeRequestLog(record: RequestLogRecord): void {
  console.log(JSON.stringify({ type: 'request', ...record }));
}
