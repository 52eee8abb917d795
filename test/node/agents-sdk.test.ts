import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { scenario, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, fakeUrl, uniqueId } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

let gateway: RunningGateway;
beforeAll(async () => {
  // No traces leave the machine: every call in this test stays on loopback.
  setTracingDisabled(true);
  gateway = await startGateway({ LOCAL_BASE_URL: `${fakeUrl()}/v1`, UPSTREAM_MAX_RETRIES: '0' });
});
afterAll(() => gateway?.dispose());

describe('the OpenAI Agents SDK against /v1/responses', () => {
  it('runs an agent with one function tool: the model calls it, then answers from its output', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'not-needed-locally', maxRetries: 0 });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }) });
    const calls: unknown[] = [];
    const weather = tool({
      name: TOOL_NAME,
      description: 'The weather in a city.',
      parameters: z.object({ city: z.string() }),
      execute: async (input) => {
        calls.push(input);
        return `sunny in ${input.city}`;
      },
    });
    const id = uniqueId('agents');
    const agent = new Agent({
      name: 'Weather',
      instructions: 'Answer with the tool.',
      model: `local/${scenario({ id, tool_then_answer: 1 })}`,
      tools: [weather],
    });
    const result = await runner.run(agent, 'Weather in Paris?');
    expect(calls).toEqual([{ city: 'Paris' }]);
    expect(result.finalOutput).toBe('The tool said: sunny in Paris');
    expect((await fakeLog(id)).requests).toBe(2);
  });
});
