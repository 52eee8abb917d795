import type { GatewayError } from '../errors/gateway-error';
import type { Encoder } from './encoder';
import { feedOutput, ResponseEnding, type ResponseObject } from './responses-object';
import { createOutputBuilder, type WireEvent } from './responses-output';
import { createResponsesRelay, type ResponsesRelay } from './responses-relay';

/**
 * The encoder of a background response can also be ended by its owner: `cancel` closes it as
 * cancelled. Output after that still flows, so the relay's next write meets the cancelled reader
 * and aborts the upstream; nobody reads it.
 */
export interface ResponsesSseEncoder extends Encoder {
  cancel(): string;
}

/**
 * The Responses API stream: `response.created` and `response.in_progress` open it, output items
 * stream as added / delta / done, and one terminal event says how it ended (`completed`,
 * `incomplete` or `failed`, then `error` for a failure so SDKs raise it). Every event carries
 * its `sequence_number` and is framed as OpenAI frames it (`event:` line, then `data:`).
 */
export function createResponsesSseEncoder(
  shell: ResponseObject,
  ids: string,
  onFinal: (response: ResponseObject) => void,
): ResponsesSseEncoder {
  let sequence = 0;
  let out = '';
  const write = (event: WireEvent) => {
    const data = JSON.stringify({ ...event, sequence_number: sequence++ });
    out += `event: ${event.type}\ndata: ${data}\n\n`;
  };
  const builder = createOutputBuilder(ids, write);
  const ending = new ResponseEnding();
  /** Set when the upstream speaks the Responses API itself: its own events are relayed. */
  let relay: ResponsesRelay | undefined;
  let started = false;
  let ended = false;

  const start = () => {
    if (started) return;
    started = true;
    write({ type: 'response.created', response: shell });
    write({ type: 'response.in_progress', response: shell });
  };
  const take = () => {
    const text = out;
    out = '';
    return text;
  };
  const finish = (failure?: GatewayError) => {
    if (relay && !ended) {
      ended = true;
      onFinal(relay.end(ending, failure));
      return take();
    }
    start();
    if (ended) return take();
    ended = true;
    builder.close(failure ? 'incomplete' : ending.itemStatus());
    const response = ending.finalize(shell, builder.output, failure);
    const type = response.status === 'failed' ? 'response.failed' : `response.${response.status}`;
    write({ type, response });
    if (failure) write({ type: 'error', code: failure.code, message: failure.message, param: failure.param });
    onFinal(response);
    return take();
  };

  return {
    contentType: 'text/event-stream; charset=utf-8',
    event(event) {
      if (!started && event.type === 'upstream-extra' && event.dialect === 'responses') {
        started = true;
        relay = createResponsesRelay(shell, write);
      }
      ending.observe(event);
      if (relay) {
        relay.event(event);
        return take();
      }
      start();
      if (event.type === 'finish') builder.close(ending.itemStatus());
      else feedOutput(builder, event);
      return take();
    },
    error: (failure) => finish(failure),
    end: () => finish(),
    cancel() {
      if (relay && !ended) {
        ended = true;
        const response = relay.cancel(ending);
        write({ type: 'error', code: 'response_cancelled', message: 'The response was cancelled.', param: null });
        onFinal(response);
        return take();
      }
      start();
      if (ended) return take();
      ended = true;
      builder.close('incomplete');
      const response = { ...ending.finalize(shell, builder.output), status: 'cancelled', completed_at: null };
      write({ type: 'error', code: 'response_cancelled', message: 'The response was cancelled.', param: null });
      onFinal(response);
      return take();
    },
    probe: () => ': waiting for the provider\n\n',
  };
}
