import type { Emit, StreamEvent } from '../stream/events';
import { CompiledSchema } from '../structured/compiled-schema';
import { MAX_ERRORS } from '../structured/format-errors';
import { JsonTarget } from '../structured/json-target';
import type { StructuredStageOptions } from '../structured/structured-options';
import type { Stage, StageContext, StageFactory } from './stage';

interface ToolCall {
  label: string;
  target: JsonTarget;
  /** Set when the call can never be valid whatever its arguments (an unknown tool). */
  problem: string | undefined;
}

type StructuredResult = Extract<StreamEvent, { type: 'structured-result' }>;

const passThrough: Stage = { name: 'structured', onEvent: (event, emit) => emit(event) };

/**
 * Follows JSON output as it streams: the reply under a `json_object` / `json_schema`
 * response_format, and every tool call's arguments against that tool's parameters. Every event
 * passes through at once; the stage only adds annotations (`partial-object` when the value grew,
 * `structured-result` just before the finish) and, with `stopOnInvalid`, ends a generation whose
 * output can no longer become valid. Schemas are compiled here, once per request.
 */
export function createStructuredStage(options: StructuredStageOptions): StageFactory {
  const format = options.responseFormat;
  const checksText = format?.type === 'json_object' || format?.type === 'json_schema';
  const textSchema =
    format?.type === 'json_schema' && format.json_schema.schema
      ? new CompiledSchema(format.json_schema.schema)
      : undefined;
  const toolSchemas = new Map<string, CompiledSchema | undefined>();
  for (const tool of options.tools ?? []) {
    const parameters = tool.function.parameters;
    toolSchemas.set(tool.function.name, parameters ? new CompiledSchema(parameters) : undefined);
  }
  if (!checksText && toolSchemas.size === 0) return () => passThrough;

  return (context: StageContext): Stage => {
    const text = checksText ? new JsonTarget(textSchema, { fenced: true }) : undefined;
    const calls = new Map<number, ToolCall>();
    let over = false;
    let stopped = false;
    let refused = false;

    const conclude = (result: StructuredResult, emit: Emit) => {
      over = true;
      emit(result);
      context.record('structured', {
        valid: result.valid,
        ...(result.refusal && { refusal: true }),
        stoppedEarly: result.stoppedEarly,
        errors: result.errors,
        checked: [...(text ? ['response_format'] : []), ...[...calls.values()].map((call) => call.label)],
      });
    };

    const stopIfInvalid = (errors: string[] | undefined, emit: Emit) => {
      if (!errors || !options.stopOnInvalid) return;
      conclude({ type: 'structured-result', valid: false, errors, stoppedEarly: true }, emit);
      // The provider's own vocabulary: the generation did stop, and stoppedEarly says why.
      emit({ type: 'finish', reason: 'stop' });
      stopped = true;
      context.stop();
    };

    const callAt = (index: number, name: string | undefined): ToolCall => {
      let call = calls.get(index);
      if (!call) {
        const known = name !== undefined && toolSchemas.has(name);
        call = {
          label: `tool_calls[${index}]${name ? ` ${name}` : ''}`,
          target: new JsonTarget(known ? toolSchemas.get(name) : undefined, { fenced: false }),
          problem: name !== undefined && !known ? `$: unknown tool "${name}"` : undefined,
        };
        calls.set(index, call);
      }
      return call;
    };

    const verdict = (): StructuredResult => {
      // A refusal is the model declining, not output that failed its schema: said as such.
      if (refused) return { type: 'structured-result', valid: false, errors: [], stoppedEarly: false, refusal: true };
      const errors: string[] = [];
      // A reply that called tools instead of writing JSON has no text to judge.
      if (text && (text.started || calls.size === 0)) errors.push(...text.finish().errors);
      for (const call of calls.values()) {
        // Some providers send no argument text for a call without parameters.
        if (!call.target.started) call.target.write('{}');
        const found = call.problem ? [call.problem] : call.target.finish().errors;
        errors.push(...found.map((error) => `${call.label} ${error}`));
      }
      return {
        type: 'structured-result',
        valid: errors.length === 0,
        errors: errors.slice(0, MAX_ERRORS),
        stoppedEarly: false,
      };
    };

    return {
      name: 'structured',
      onEvent(event, emit) {
        if (stopped) {
          // Usage still counts what the provider generated before the stop.
          if (event.type === 'usage') emit(event);
          return;
        }
        if (event.type === 'finish' && !over) conclude(verdict(), emit);
        emit(event);
        if (over) return;
        if (event.type === 'refusal') refused = true;
        else if (event.type === 'text' && text) {
          text.write(event.text);
          if (options.partialObjects && text.takeChanged()) emit({ type: 'partial-object', value: text.snapshot() });
          stopIfInvalid(text.violation, emit);
        } else if (event.type === 'tool-call-start' || event.type === 'tool-call-delta') {
          if (toolSchemas.size === 0) return;
          const call = callAt(event.index, event.type === 'tool-call-start' ? event.name : undefined);
          if (event.type === 'tool-call-delta') call.target.write(event.arguments);
          const problems = call.problem ? [call.problem] : call.target.violation;
          stopIfInvalid(
            problems?.map((problem) => `${call.label} ${problem}`),
            emit,
          );
        }
      },
      onEnd(emit) {
        // No finish arrived (a truncated upstream, or an error): the verdict still closes the stream.
        if (!over) conclude(verdict(), emit);
      },
    };
  };
}
