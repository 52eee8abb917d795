import type { GatewayError } from '../errors/gateway-error';
import { conversationId, type ResponsesRequest } from '../schema/responses-request';
import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import { clientCost } from './client-usage';
import type { Collector } from './encoder';
import {
  createOutputBuilder,
  type ItemStatus,
  type OutputBuilder,
  type OutputItem,
  type ResponseObject,
} from './responses-output';
import { createResponsesRelay, type ResponsesRelay } from './responses-relay';

export type { ResponseObject } from './responses-output';

/** Counts some providers report beyond input and output; read when present, never invented. */
type DetailedUsage = Usage & { cachedInputTokens?: number; reasoningTokens?: number };

/** The request's settings as OpenAI echoes them, with OpenAI's defaults for what was not sent. */
export function responseShell(request: ResponsesRequest, id: string, createdAt: number): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: request.background ?? false,
    completed_at: null,
    conversation: request.conversation ? { id: conversationId(request) } : null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    model: request.model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    service_tier: request.service_tier ?? 'default',
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? 'disabled',
    usage: null,
    user: request.user ?? null,
  };
}

/** The details objects appear only with a count the provider reported: a missing count stays absent. */
export function responsesUsage(usage: DetailedUsage) {
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  return {
    input_tokens: input,
    ...(usage.cachedInputTokens !== undefined && {
      input_tokens_details: { cached_tokens: usage.cachedInputTokens },
    }),
    output_tokens: output,
    ...(usage.reasoningTokens !== undefined && {
      output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    }),
    total_tokens: input + output,
    ...(clientCost(usage) !== undefined && { cost: clientCost(usage) }),
  };
}

/** How the response ended, from the events that reached the client. */
export class ResponseEnding {
  finish: FinishReason | undefined;
  usage: Usage | undefined;
  /** A structured-output check that ended the generation early (its output is cut short). */
  stoppedInvalid = false;

  observe(event: StreamEvent): void {
    if (event.type === 'finish') this.finish = event.reason;
    else if (event.type === 'usage') this.usage = event.usage;
    else if (event.type === 'structured-result' && event.stoppedEarly && !event.valid) this.stoppedInvalid = true;
  }

  /** Items left open are cut short unless the provider finished cleanly. */
  itemStatus(): ItemStatus {
    return this.finish === 'stop' || this.finish === 'tool_calls' ? 'completed' : 'incomplete';
  }

  /**
   * The final object. A `length` finish is `incomplete` (max_output_tokens), a guard or provider
   * filter is `incomplete` (content_filter), a failure is `failed`: never `completed` for a
   * response that did not end on its own.
   */
  finalize(shell: ResponseObject, output: OutputItem[], failure?: GatewayError): ResponseObject {
    const usage = this.usage ? responsesUsage(this.usage) : null;
    const base = { ...shell, output, usage };
    if (failure || this.stoppedInvalid) {
      const error = failure
        ? { code: failure.status === 429 ? 'rate_limit_exceeded' : 'server_error', message: failure.message }
        : { code: 'server_error', message: "The output broke text.format's schema; the gateway ended it." };
      return { ...base, status: 'failed', error };
    }
    if (this.finish === 'length' || this.finish === 'content_filter') {
      const reason = this.finish === 'length' ? 'max_output_tokens' : 'content_filter';
      return { ...base, status: 'incomplete', incomplete_details: { reason } };
    }
    return { ...base, status: 'completed', completed_at: Math.floor(Date.now() / 1000) };
  }
}

/** Feeds one gateway event into the output builder; a refusal becomes the message's refusal part. */
export function feedOutput(builder: OutputBuilder, event: StreamEvent): void {
  switch (event.type) {
    case 'text':
      builder.text('output_text', event.text);
      return;
    case 'reasoning':
      builder.text('reasoning_text', event.text);
      return;
    case 'tool-call-start':
      builder.toolStart(event.index, event.id, event.name);
      return;
    case 'tool-call-delta':
      builder.toolDelta(event.index, event.arguments);
      return;
    case 'refusal':
      builder.text('refusal', event.text);
      return;
  }
}

/** The non-streaming reply: the same builder, run silently, then the final object. */
export function createResponsesCollector(
  shell: ResponseObject,
  ids: string,
  onFinal: (response: ResponseObject) => void,
): Collector {
  const builder = createOutputBuilder(ids, () => {});
  const ending = new ResponseEnding();
  /** A Responses upstream's own final object, with what the stages changed (see responses-relay.ts). */
  let relay: ResponsesRelay | undefined;
  let seen = false;
  return {
    event(event) {
      if (!seen && event.type === 'upstream-extra' && event.dialect === 'responses') {
        relay = createResponsesRelay(shell, () => {});
      }
      seen = true;
      ending.observe(event);
      if (relay) relay.event(event);
      else feedOutput(builder, event);
    },
    result() {
      if (relay) {
        const response = relay.end(ending);
        onFinal(response);
        return response;
      }
      builder.close(ending.itemStatus());
      const response = ending.finalize(shell, builder.output);
      onFinal(response);
      return response;
    },
  };
}
