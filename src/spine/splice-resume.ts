import { CHARS_PER_TOKEN } from '../config/chars-per-token';
import type { Settings } from '../config/settings';
import type { Connection } from '../pipeline/connection';
import type { Resume } from '../pipeline/splice';
import { expectedRepeat } from '../providers/continuation';
import type { ProviderRegistry } from '../providers/registry';
import { type AttemptRecord, type ConnectOptions, connect } from '../routing/connect';
import { resumeFor, type Target } from '../routing/resolve-targets';

function capable(registry: ProviderRegistry, target: Target): boolean {
  try {
    return registry.get(target.providerId).continuation !== undefined;
  } catch {
    return false;
  }
}

/**
 * Where a continuation may go, in order: the targets after the failed one in the request's own
 * order, then the failed one itself (a reset is often the connection's fault, not the model's),
 * then those before it; only continuation-capable ones.
 */
export function continuationTargets(
  targets: readonly Target[],
  failed: Connection,
  registry: ProviderRegistry,
): Target[] {
  const at = targets.findIndex((t) => t.providerId === failed.provider.id && t.model === failed.model);
  const rotated = at === -1 ? [...targets] : [...targets.slice(at + 1), ...targets.slice(0, at + 1)];
  return rotated.filter((target) => capable(registry, target));
}

/**
 * The pump's resume callback for a prepared request, or undefined when its route does not
 * splice. A continuation is connected like any request (retries, fallback over the capable
 * targets, first-byte timeout; no hedge), with the text already sent as the assistant's prefix.
 * Its attempts join the request's record marked with their splice, and the attempt that
 * failed mid-stream gets its error once a continuation connected.
 */
export function spliceResume(
  model: string,
  settings: Settings,
  options: Omit<ConnectOptions, 'clientSignal'>,
): Resume | undefined {
  const policy = resumeFor(model, settings);
  if (policy?.mode !== 'splice') return undefined;
  return async ({ delivered, failure, failed, splices, signal }) => {
    if (splices >= policy.max_splices) return undefined;
    const targets = continuationTargets(options.targets, failed, options.registry);
    if (targets.length === 0) return undefined;
    const streamed = options.attempts.findLast((attempt) => attempt.error === undefined);
    const attempts: AttemptRecord[] = [];
    try {
      const connection = await connect({
        ...options,
        targets,
        hedge: undefined,
        attempts,
        clientSignal: signal,
        continueFrom: delivered === '' ? undefined : delivered,
      });
      // Only now is it no longer the attempt that served: until a continuation took over, the
      // record names it and prices what it streamed.
      if (streamed) streamed.error = failure.code;
      const capability = connection.provider.continuation;
      return {
        connection,
        repeat: capability ? expectedRepeat(capability, delivered) : '',
        // Measured only when a splice happens: most requests never need it.
        promptTokens: Math.ceil((JSON.stringify(options.request.messages).length + delivered.length) / CHARS_PER_TOKEN),
      };
    } catch {
      return undefined;
    } finally {
      options.attempts.push(...attempts.map((attempt) => ({ ...attempt, splice: splices + 1 })));
    }
  };
}
