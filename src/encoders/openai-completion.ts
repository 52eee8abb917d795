import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import { openAIUsage } from './client-usage';
import type { Collector, ResponseMeta } from './encoder';
import { mergeExtra } from './merge-extra';

type Json = Record<string, unknown>;

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface Choice {
  content: string;
  reasoning: string;
  refusal: string;
  finish: FinishReason;
  toolCalls: ToolCall[];
  /** The upstream's own choice fields (`logprobs`, …) and delta fields (`annotations`, `audio`, …). */
  fields: Json;
  message: Json;
}

const newChoice = (): Choice => ({
  content: '',
  reasoning: '',
  refusal: '',
  finish: 'stop',
  toolCalls: [],
  fields: {},
  message: {},
});

function render(choice: Choice, index: number, reasoningField: string) {
  const calls = choice.toolCalls.filter(Boolean);
  const { logprobs = null, ...fields } = choice.fields;
  return {
    index,
    message: {
      role: 'assistant',
      content: (calls.length > 0 || choice.refusal) && choice.content === '' ? null : choice.content,
      refusal: choice.refusal || null,
      ...(choice.reasoning && { [reasoningField]: choice.reasoning }),
      ...(calls.length > 0 && { tool_calls: calls }),
      ...choice.message,
    },
    logprobs,
    finish_reason: choice.finish,
    ...fields,
  };
}

/** Assembles the events of a non-streaming request into one `chat.completion` object, one message per choice. */
export function createCompletionAccumulator(meta: ResponseMeta): Collector {
  const choices: Choice[] = [];
  /** Top-level fields of an OpenAI-dialect upstream (`system_fingerprint`, `service_tier`, `x_groq`, …). */
  const top: Json = {};
  let usage: Usage | undefined;
  let reasoningField = 'reasoning_content';
  const at = (index = 0): Choice => {
    let choice = choices[index];
    if (!choice) {
      choice = newChoice();
      choices[index] = choice;
    }
    return choice;
  };

  return {
    event(event: StreamEvent): void {
      switch (event.type) {
        case 'text':
          at(event.choice).content += event.text;
          break;
        case 'reasoning':
          at(event.choice).reasoning += event.text;
          break;
        case 'refusal':
          at(event.choice).refusal += event.text;
          break;
        case 'tool-call-start':
          at(event.choice).toolCalls[event.index] = {
            id: event.id,
            type: 'function',
            function: { name: event.name, arguments: '' },
          };
          break;
        case 'tool-call-delta': {
          const call = at(event.choice).toolCalls[event.index];
          if (call) call.function.arguments += event.arguments;
          break;
        }
        case 'finish':
          at(event.choice).finish = event.reason;
          break;
        case 'usage':
          usage = event.usage;
          break;
        case 'upstream-extra':
          if (event.dialect !== 'openai') break;
          if (event.reasoningField) reasoningField = event.reasoningField;
          if (event.constants) Object.assign(top, event.constants);
          if (event.fields) mergeExtra(top, event.fields);
          for (const extra of event.choices ?? []) {
            const choice = at(extra.index);
            if (extra.fields) mergeExtra(choice.fields, extra.fields);
            if (extra.delta) mergeExtra(choice.message, extra.delta);
          }
          break;
      }
    },
    result() {
      if (choices.length === 0) at(0);
      return {
        id: meta.id,
        object: 'chat.completion',
        created: meta.created,
        model: meta.model,
        ...top,
        choices: Array.from(choices, (choice, index) => render(choice ?? newChoice(), index, reasoningField)),
        ...(usage && { usage: openAIUsage(usage) }),
      };
    },
  };
}
