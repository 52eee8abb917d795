import { GuardScanner, type GuardSink } from '../guard/guard-scanner';
import type { GuardPolicy, GuardRule } from '../guard/policy';
import type { Emit } from '../stream/events';
import type { Stage, StageContext } from './stage';

export interface GuardStage extends Stage {
  /** The policy's window: the stage always holds back fewer characters than this. */
  readonly window: number;
  /** Characters taken in and not released yet. */
  readonly held: number;
}

export type GuardStageFactory = ((context: StageContext) => GuardStage) & { readonly window: number };

/**
 * Redacts, blocks and flags output text (answer, reasoning and refusal) as it streams. Text that cannot
 * be part of a match goes out in the same call it arrives in; only a tail that could still start
 * one waits. Text between two other events is one text: held text is released before any other
 * event, so events keep their order and nothing is matched across a tool call.
 */
export function createGuardStage(policy: GuardPolicy): GuardStageFactory {
  const factory = (context: StageContext): GuardStage => {
    const scanner = new GuardScanner(policy);
    let channel: 'text' | 'reasoning' | 'refusal' = 'text';
    let emit: Emit = () => {};
    let out = '';
    let blocked = false;

    const flushText = () => {
      if (out === '') return;
      emit({ type: channel, text: out });
      out = '';
    };

    const sink: GuardSink = {
      text(text) {
        out += text;
      },
      action(rule: GuardRule) {
        flushText();
        emit({ type: 'guard', action: rule.action, rule: rule.id });
        context.record('guard', { rule: rule.id, action: rule.action });
        if (rule.action !== 'block') return;
        emit({ type: 'finish', reason: 'content_filter' });
        blocked = true;
        context.stop();
      },
    };

    return {
      name: 'guard',
      window: policy.window,
      get held() {
        return scanner.held;
      },
      onEvent(event, downstream) {
        if (blocked) return;
        emit = downstream;
        // The upstream's own extras (logprobs, signatures, citations) go on at once and are no
        // boundary: the held tail may still be the start of a match with the next text. One that
        // opens or closes a block of its own (a server-tool block, a Responses part or item) is,
        // or the tail would land after it.
        if (event.type === 'upstream-extra' && !(event.dialect !== 'openai' && event.boundary)) {
          downstream(event);
          return;
        }
        if (event.type === 'text' || event.type === 'reasoning' || event.type === 'refusal') {
          if (event.type !== channel) {
            scanner.end(sink);
            flushText();
            channel = event.type;
          }
          scanner.push(event.text, sink);
          flushText();
          return;
        }
        scanner.end(sink);
        flushText();
        if (!blocked) downstream(event);
      },
      onEnd(downstream) {
        emit = downstream;
        scanner.end(sink);
        flushText();
      },
    };
  };
  return Object.assign(factory, { window: policy.window });
}
