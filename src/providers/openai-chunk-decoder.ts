import type { Emit, FinishReason } from '../stream/events';
import { createSseDecoder } from '../stream/sse-decoder';
import type { EventDecoder } from './provider';

/** The slice of an OpenAI `chat.completion.chunk` we read; everything is optional on the wire. */
interface ChunkJson {
  choices?: Array<{
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: Array<{
        index?: number;
        id?: string;
        function?: { name?: string; arguments?: string };
      }> | null;
    };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; code?: string | number | null; type?: string };
  /** Workers AI's native stream shape. */
  response?: string | null;
}

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
  eos: 'stop',
  model_length: 'length',
};

export function mapFinishReason(reason: string): FinishReason {
  return FINISH[reason] ?? 'stop';
}

/**
 * Decodes the OpenAI streaming dialect: `data: {chunk}` lines ending in `data: [DONE]`.
 * Also reads Workers AI's `{"response": "..."}` chunks, which share the framing, so that one
 * decoder serves every provider that speaks this family of formats.
 */
export function createOpenAIChunkDecoder(): EventDecoder {
  let emit: Emit = () => {};
  let started = false;
  let finished = false;
  const toolIds = new Set<number>();

  const begin = () => {
    if (!started) {
      started = true;
      emit({ type: 'start' });
    }
  };

  const onChunk = (chunk: ChunkJson) => {
    if (chunk.error) {
      const code = chunk.error.code ?? chunk.error.type;
      emit({
        type: 'error',
        error: { code: `upstream_${code ?? 'stream_error'}`, message: 'The provider reported an error.' },
      });
      return;
    }
    begin();
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta;
      if (delta) {
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) emit({ type: 'reasoning', text: reasoning });
        if (delta.content) emit({ type: 'text', text: delta.content });
        for (const call of delta.tool_calls ?? []) {
          const index = call.index ?? 0;
          if (!toolIds.has(index) && (call.id || call.function?.name)) {
            toolIds.add(index);
            emit({ type: 'tool-call-start', index, id: call.id ?? `call_${index}`, name: call.function?.name ?? '' });
          }
          if (call.function?.arguments) emit({ type: 'tool-call-delta', index, arguments: call.function.arguments });
        }
      }
      if (choice.finish_reason) {
        finished = true;
        emit({ type: 'finish', reason: mapFinishReason(choice.finish_reason) });
      }
    }
    if (chunk.response) emit({ type: 'text', text: chunk.response });
    if (chunk.usage) {
      emit({
        type: 'usage',
        usage: { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens },
      });
    }
  };

  const sse = createSseDecoder({
    message({ data }) {
      if (data === '[DONE]') {
        // Workers AI's native format has no finish reason: [DONE] is its only proof of completion.
        if (!finished && started) {
          finished = true;
          emit({ type: 'finish', reason: 'stop' });
        }
        return;
      }
      let chunk: ChunkJson;
      try {
        chunk = JSON.parse(data) as ChunkJson;
      } catch {
        emit({
          type: 'error',
          error: { code: 'upstream_malformed_event', message: 'The provider sent a malformed event.' },
        });
        return;
      }
      if (chunk !== null && typeof chunk === 'object') onChunk(chunk);
    },
    comment() {},
    tooLarge() {
      emit({
        type: 'error',
        error: { code: 'upstream_event_too_large', message: 'The provider sent an oversized event.' },
      });
    },
  });

  return {
    push(bytes, target) {
      emit = target;
      sse.push(bytes);
    },
    end(target) {
      emit = target;
      sse.end();
    },
  };
}
