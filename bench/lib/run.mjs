// What both benchmarks share about a run: its deadline, the long-reply blocks, and the facts that
// head its result (revision, runtime versions, machine, whether it was cut short).
import os from 'node:os';
import * as procs from './procs.mjs';

/**
 * One deadline for the whole run (and Ctrl-C): a hung stream or a wedged workerd ends the
 * benchmark, not the machine's afternoon. Returns the AbortController every block watches and
 * its timer, to clear once the run is over.
 */
export function runBudget(seconds) {
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new Error(`budget of ${seconds}s exhausted`)), seconds * 1000);
  timer.unref();
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => budget.abort(new Error(`interrupted by ${sig}`)));
  return { budget, timer };
}

/** Long replies at zero delay: throughput and CPU per event, at 1 and 10 concurrent streams. */
export const longReplyBlocks = (quick) =>
  quick
    ? [
        { concurrency: 1, streams: 2 },
        { concurrency: 10, streams: 10 },
      ]
    : [
        { concurrency: 1, streams: 4 },
        { concurrency: 10, streams: 20 },
      ];

/** Why the run ended early, or null when it did not. */
export const incompleteReason = (signal) => (signal.aborted ? String(signal.reason?.message ?? signal.reason) : null);

/** The head of a run's result: when, on what code and runtime, on what machine and under what load. */
export function runFacts({ startedAt, loadBefore, settings }) {
  return {
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    revision: procs.gitRevision(),
    node: process.version,
    workerd: procs.workerdVersion(),
    compatibility: { date: settings.compatibilityDate, flags: settings.compatibilityFlags },
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      loadavgBefore: loadBefore,
      loadavgAfter: os.loadavg(),
    },
  };
}
