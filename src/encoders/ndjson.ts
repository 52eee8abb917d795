import { errorBody } from '../errors/gateway-error';
import type { Encoder, ResponseMeta } from './encoder';

const DONE = '{"type":"done"}\n';

/**
 * One JSON object per line: the gateway's own event vocabulary (`text`, `reasoning`, `refusal`,
 * `tool-call-start`, `tool-call-delta`, `usage`, `finish` and the annotations), opened by a
 * `start` line with the response id and model, closed by `{"type":"done"}`, or by
 * `{"type":"error","error":{…}}` with the OpenAI error object when the stream fails. A stream
 * without either last line was cut.
 */
export function createNdjsonEncoder(meta: ResponseMeta): Encoder {
  const start = `${JSON.stringify({ type: 'start', id: meta.id, model: meta.model, created: meta.created })}\n`;
  let started = false;

  return {
    contentType: 'application/x-ndjson',
    event(event) {
      // The provider's own start (and its upstream id) is replaced by ours, sent once first. The
      // upstream's wire residue belongs to its own dialect's clients, not to this vocabulary.
      const line =
        event.type === 'start' || event.type === 'upstream-extra'
          ? ''
          : event.type === 'usage' && event.usage.native
            ? `${JSON.stringify({ type: 'usage', usage: { ...event.usage, native: undefined } })}\n`
            : `${JSON.stringify(event)}\n`;
      if (started) return line;
      started = true;
      return start + line;
    },
    error(error) {
      return `{"type":"error","error":${JSON.stringify(errorBody(error).error)}}\n`;
    },
    end() {
      const head = started ? '' : start;
      started = true;
      return head + DONE;
    },
    probe() {
      return '{"type":"ping"}\n';
    },
  };
}
