import type { RequestLogRecord } from './request-log';

/**
 * A Queue message holds at most 128 KB; this leaves room for the message's own envelope. A
 * record over it (a long prompt or completion with LOG_PAYLOADS, thousands of guard matches)
 * would be refused by `send` and lost.
 */
export const MAX_RECORD_BYTES = 120_000;

const encoder = new TextEncoder();
const bytesOf = (record: RequestLogRecord) => encoder.encode(JSON.stringify(record)).length;

/** Drops `over` bytes or more from the end of `text`: each UTF-16 unit cut is at least one byte. */
const cut = (text: string | undefined, over: number) =>
  text === undefined ? undefined : text.slice(0, Math.max(0, text.length - over));

/**
 * The record, small enough for the Queue: first the completion and the prompt are cut short,
 * then, if the rest is still too large, only the fields every record has are kept. Either way
 * it says so (`recordTruncated`), and the request is never left without a record.
 */
export function fitRecord(record: RequestLogRecord): RequestLogRecord {
  const size = bytesOf(record);
  if (size <= MAX_RECORD_BYTES) return record;
  const over = size - MAX_RECORD_BYTES + 64;
  const completion = cut(record.completion, over);
  const left = over - ((record.completion?.length ?? 0) - (completion?.length ?? 0));
  const trimmed: RequestLogRecord = {
    ...record,
    completion,
    prompt: left > 0 ? cut(record.prompt, left) : record.prompt,
    recordTruncated: true,
  };
  if (bytesOf(trimmed) <= MAX_RECORD_BYTES) return trimmed;
  const { requestId, clientRequestId, ts, keyId, route, model, provider, providerModel, stream } = record;
  const { status, outcome, retries, fallbacks, tokens, finishReason, error, durationMs } = record;
  return {
    ...{ requestId, clientRequestId, ts, keyId, route, model, provider, providerModel, stream, status, outcome },
    ...{ attempts: [], retries, fallbacks, tokens, finishReason, error, durationMs, recordTruncated: true },
  };
}
