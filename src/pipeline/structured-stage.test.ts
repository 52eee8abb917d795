import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../schema/chat-request';
import type { StreamEvent } from '../stream/events';
import type { StructuredStageOptions } from '../structured/structured-options';
import { StageControl } from './stage';
import { createStructuredStage } from './structured-stage';

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, temps: { type: 'array', items: { type: 'number' } } },
  required: ['city'],
  additionalProperties: false,
};
const jsonSchema: ChatRequest['response_format'] = { type: 'json_schema', json_schema: { name: 'weather', schema } };
const tools: ChatRequest['tools'] = [
  { type: 'function', function: { name: 'get_weather', parameters: schema } },
  { type: 'function', function: { name: 'now' } },
];

function options(overrides: Partial<StructuredStageOptions>): StructuredStageOptions {
  return { partialObjects: false, stopOnInvalid: false, ...overrides };
}

/** Runs the stage over `events` as the relay does (events, then onEnd); records what came out. */
function drive(stageOptions: StructuredStageOptions, events: StreamEvent[]) {
  const control = new StageControl();
  const stage = createStructuredStage(stageOptions)(control);
  const out: StreamEvent[] = [];
  const emit = (event: StreamEvent) => out.push(event);
  for (const event of events) stage.onEvent(event, emit);
  stage.onEnd?.(emit);
  return { out, control };
}

const texts = (...parts: string[]): StreamEvent[] => parts.map((text) => ({ type: 'text', text }));
const finish: StreamEvent = { type: 'finish', reason: 'stop' };
const ok = { type: 'structured-result', valid: true, errors: [], stoppedEarly: false };

describe('createStructuredStage', () => {
  it('passes everything through untouched when nothing asks for structure', () => {
    const events = [...texts('{"a":'), finish];
    expect(drive(options({ stopOnInvalid: true }), events).out).toEqual(events);
  });

  it('passes each event on at once and adds the verdict just before the finish', () => {
    const { out, control } = drive(options({ responseFormat: jsonSchema }), [
      { type: 'start' },
      ...texts('```json\n{"city": "Oslo",', ' "temps": [1.5, -2]}\n```'),
      finish,
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 9 } },
    ]);
    expect(out.map((event) => event.type)).toEqual(['start', 'text', 'text', 'structured-result', 'finish', 'usage']);
    expect(out[3]).toEqual(ok);
    expect(control.records.structured).toEqual([
      { valid: true, stoppedEarly: false, errors: [], checked: ['response_format'] },
    ]);
  });

  it('sends partial objects when asked, only when a member completed, ending with the whole value', () => {
    const { out } = drive(options({ responseFormat: { type: 'json_object' }, partialObjects: true }), [
      ...texts('{"city": "Os', 'lo", "te', 'mps": [1', '2, 3', ']}'),
      finish,
    ]);
    expect(out.filter((event) => event.type !== 'finish' && event.type !== 'structured-result')).toEqual([
      { type: 'text', text: '{"city": "Os' },
      { type: 'partial-object', value: {} },
      { type: 'text', text: 'lo", "te' },
      { type: 'partial-object', value: { city: 'Oslo' } },
      { type: 'text', text: 'mps": [1' },
      { type: 'partial-object', value: { city: 'Oslo', temps: [] } },
      { type: 'text', text: '2, 3' },
      { type: 'partial-object', value: { city: 'Oslo', temps: [12] } },
      { type: 'text', text: ']}' },
      { type: 'partial-object', value: { city: 'Oslo', temps: [12, 3] } },
    ]);
  });

  it('ends with the same value and verdict however the reply is split', () => {
    const reply = '{"city": "Zürich 😀 \\"old town\\"", "temps": [12.25, -3e2, 0]}';
    const run = (parts: string[]) => {
      const { out } = drive(options({ responseFormat: jsonSchema, partialObjects: true }), [
        ...texts(...parts),
        finish,
      ]);
      return [out.filter((event) => event.type === 'partial-object').at(-1), out.at(-2)];
    };
    const expected = [{ type: 'partial-object', value: JSON.parse(reply) }, ok];
    expect(run(reply.split(''))).toEqual(expected);
    for (let i = 1; i < reply.length; i++) expect(run([reply.slice(0, i), reply.slice(i)])).toEqual(expected);
  });

  it('stops a reply that can no longer be valid, and drops what the provider still sends', () => {
    const { out, control } = drive(options({ responseFormat: jsonSchema, stopOnInvalid: true }), [
      ...texts('{"city": "Oslo", "wind"', ': 3}'),
      finish,
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 9 } },
    ]);
    expect(out).toEqual([
      { type: 'text', text: '{"city": "Oslo", "wind"' },
      { type: 'structured-result', valid: false, errors: ['$.wind: is not allowed'], stoppedEarly: true },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 9 } },
    ]);
    expect(control.stopped).toBe(true);
    expect(control.records.structured).toHaveLength(1);
  });

  it('without stopOnInvalid lets the reply run and reports every error at the end', () => {
    const { out, control } = drive(options({ responseFormat: jsonSchema }), [
      ...texts('{"city": 5, "wind": 3}'),
      finish,
    ]);
    expect(out.at(-2)).toEqual({
      type: 'structured-result',
      valid: false,
      errors: ['$.city: type "number" is invalid. Expected "string"', '$.wind: is not allowed'],
      stoppedEarly: false,
    });
    expect(control.stopped).toBe(false);
  });

  it("checks each tool call's arguments against its tool, by call index", () => {
    const { out } = drive(options({ tools }), [
      { type: 'tool-call-start', index: 0, id: 'a', name: 'get_weather' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'now' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":' },
      { type: 'tool-call-delta', index: 0, arguments: ' 7}' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    expect(out.at(-2)).toEqual({
      type: 'structured-result',
      valid: false,
      errors: ['tool_calls[0] get_weather $.city: type "number" is invalid. Expected "string"'],
      stoppedEarly: false,
    });
  });

  it('stops at an unknown tool or at arguments that can no longer be valid', () => {
    const unknown = drive(options({ tools, stopOnInvalid: true }), [
      { type: 'tool-call-start', index: 0, id: 'a', name: 'launch' },
      { type: 'tool-call-delta', index: 0, arguments: '{}' },
    ]);
    expect(unknown.out.slice(1)).toEqual([
      {
        type: 'structured-result',
        valid: false,
        errors: ['tool_calls[0] launch $: unknown tool "launch"'],
        stoppedEarly: true,
      },
      { type: 'finish', reason: 'stop' },
    ]);
    const wrong = drive(options({ tools, stopOnInvalid: true }), [
      { type: 'tool-call-start', index: 0, id: 'a', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city": "Oslo", "temps": [1, "x"' },
    ]);
    expect(wrong.out.at(-2)).toMatchObject({
      errors: ['tool_calls[0] get_weather $.temps[1]: type "string" is invalid. Expected "number"'],
    });
    expect(wrong.control.stopped).toBe(true);
  });

  it('judges a reply that called tools by its calls, not by its missing JSON text', () => {
    const { out } = drive(options({ responseFormat: jsonSchema, tools }), [
      { type: 'tool-call-start', index: 0, id: 'a', name: 'now' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    expect(out.at(-2)).toEqual(ok);
  });

  it('reports a refusal as a refusal, not as invalid JSON, and records it', () => {
    const { out, control } = drive(options({ responseFormat: jsonSchema, stopOnInvalid: true }), [
      { type: 'refusal', text: "I can't help with that." },
      finish,
    ]);
    expect(out).toEqual([
      { type: 'refusal', text: "I can't help with that." },
      { type: 'structured-result', valid: false, errors: [], stoppedEarly: false, refusal: true },
      finish,
    ]);
    expect(control.records.structured?.[0]).toMatchObject({ valid: false, refusal: true, errors: [] });
  });

  it('gives the verdict at the end when the upstream stopped without a finish', () => {
    const { out } = drive(options({ responseFormat: jsonSchema }), texts('{"city": "Os'));
    expect(out.at(-1)).toEqual({
      type: 'structured-result',
      valid: false,
      errors: ['$: the JSON value is incomplete'],
      stoppedEarly: false,
    });
  });
});
