import { errorBody } from '../errors/gateway-error';
import type { StreamEvent, Usage } from '../stream/events';
import type { Encoder, ResponseMeta } from './encoder';

export function openAIUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens ?? 0,
    completion_tokens: usage.outputTokens ?? 0,
    total_tokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
  };
}

/**
 * OpenAI `chat.completion.chunk` SSE, as the official SDKs parse it. The constant head of
 * every chunk is serialised once per stream; per event only the delta is stringified.
 * Gateway annotations go out only when `annotations` is on, as chunks with no choices and an
 * `infe` field, which SDK clients iterate past safely.
 */
export function createOpenAISseEncoder(meta: ResponseMeta, includeUsage: boolean, annotations = false): Encoder {
  const chunkHead = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},`;
  const head = `${chunkHead}"choices":[{"index":0,"delta":`;
  const open = `${head}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  const delta = (d: object, finish: string | null = null) =>
    `${head}${JSON.stringify(d)},"logprobs":null,"finish_reason":${finish ? `"${finish}"` : 'null'}}]}\n\n`;
  let started = false;
  let usage: Usage | undefined;

  const encode = (event: StreamEvent): string => {
    switch (event.type) {
      case 'start':
        return '';
      case 'text':
        return delta({ content: event.text });
      case 'reasoning':
        return delta({ reasoning_content: event.text });
      case 'tool-call-start':
        return delta({
          tool_calls: [
            { index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } },
          ],
        });
      case 'tool-call-delta':
        return delta({ tool_calls: [{ index: event.index, function: { arguments: event.arguments } }] });
      case 'finish':
        return delta({}, event.reason);
      case 'usage':
        usage = event.usage;
        return '';
      case 'error':
        return '';
      default:
        return annotations ? `${chunkHead}"choices":[],"infe":${JSON.stringify(event)}}\n\n` : '';
    }
  };

  return {
    contentType: 'text/event-stream; charset=utf-8',
    event(event) {
      // The role chunk opens every OpenAI stream, whatever the provider sent first.
      if (!started) {
        started = true;
        return open + encode(event);
      }
      return encode(event);
    },
    error(error) {
      return `data: ${JSON.stringify(errorBody(error))}\n\n`;
    },
    end() {
      const tail =
        includeUsage && usage
          ? `data: ${JSON.stringify({ id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage: openAIUsage(usage) })}\n\n`
          : '';
      return `${tail}data: [DONE]\n\n`;
    },
    probe() {
      return ': waiting for the provider\n\n';
    },
  };
}
