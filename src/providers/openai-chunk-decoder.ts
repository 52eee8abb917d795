import type { FinishReason, StreamEvent } from '../stream/events';
import { createJsonSseDecoder } from './json-sse-decoder';
import { usageFromOpenAI } from './native-usage';
import { createOpenAIResidue, type OpenAIExtra } from './openai-residue';
import type { EventDecoder } from './provider';

/** The slice of an OpenAI `chat.completion.chunk` we read; everything is optional on the wire. */
interface ChunkJson {
  choices?: Array<{
    index?: number;
    delta?: {
      content?: string | null;
      refusal?: string | null;
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
  usage?: Record<string, unknown> | null;
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
  return createJsonSseDecoder<ChunkJson>((emit) => {
    let started = false;
    let finished = false;
    /** `choice:index` of each tool call already announced. */
    const toolIds = new Set<string>();
    const residueOf = createOpenAIResidue();
    /** This chunk's residue, emitted just before its first typed event so the encoder can merge the two. */
    let residue: OpenAIExtra | undefined;
    let reasoningNamed = false;

    const typed = (event: StreamEvent) => {
      if (residue) {
        emit(residue);
        residue = undefined;
      }
      emit(event);
    };

    // Choice 0 is the only one for n = 1: its events stay as small as they were.
    const put = (event: StreamEvent, at: number) => typed(at === 0 ? event : ({ ...event, choice: at } as StreamEvent));

    const begin = () => {
      if (!started) {
        started = true;
        emit({ type: 'start' });
      }
    };

    const onChoice = (choice: NonNullable<ChunkJson['choices']>[number]) => {
      const at = choice.index ?? 0;
      const delta = choice.delta;
      if (delta) {
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning && !reasoningNamed && !delta.reasoning_content) {
          // Said once: the encoder then names reasoning deltas as this upstream does.
          reasoningNamed = true;
          residue = { ...(residue ?? { type: 'upstream-extra', dialect: 'openai' }), reasoningField: 'reasoning' };
        }
        if (reasoning) put({ type: 'reasoning', text: reasoning }, at);
        if (delta.content) put({ type: 'text', text: delta.content }, at);
        if (delta.refusal) put({ type: 'refusal', text: delta.refusal }, at);
        for (const call of delta.tool_calls ?? []) {
          const index = call.index ?? 0;
          const key = `${at}:${index}`;
          if (!toolIds.has(key) && (call.id || call.function?.name)) {
            toolIds.add(key);
            const id = call.id ?? `call_${index}`;
            put({ type: 'tool-call-start', index, id, name: call.function?.name ?? '' }, at);
          }
          if (call.function?.arguments) {
            put({ type: 'tool-call-delta', index, arguments: call.function.arguments }, at);
          }
        }
      }
      if (choice.finish_reason) {
        finished = true;
        put({ type: 'finish', reason: mapFinishReason(choice.finish_reason) }, at);
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
      // Workers AI's native chunks are not the OpenAI dialect: nothing in them is owed to a client.
      residue = chunk.response === undefined ? residueOf(chunk as Record<string, unknown>) : undefined;
      for (const choice of chunk.choices ?? []) onChoice(choice);
      if (chunk.response) typed({ type: 'text', text: chunk.response });
      if (chunk.usage && typeof chunk.usage === 'object') typed({ type: 'usage', usage: usageFromOpenAI(chunk.usage) });
      if (residue) {
        emit({ ...residue, alone: true });
        residue = undefined;
      }
    };

    return {
      sentinel(data) {
        if (data !== '[DONE]') return false;
        // Workers AI's native format has no finish reason: [DONE] is its only proof of completion.
        if (!finished && started) {
          finished = true;
          emit({ type: 'finish', reason: 'stop' });
        }
        return true;
      },
      json: onChunk,
    };
  });
}
