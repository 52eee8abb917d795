import { describe, expect, it } from 'vitest';
import type { CacheEntry } from './cache-entry';
import { CommitGate } from './commit-gate';

const entry: CacheEntry = {
  meta: { provider: 'p', model: 'm', upstreamMs: 1, createdAt: 0, expiresAt: 1 },
  lines: '{"type":"text","text":"a"}\n',
  offsets: [0],
};

function gate() {
  const log: string[] = [];
  const commit = new CommitGate(() => log.push('write'));
  return { commit, log };
}

describe('CommitGate', () => {
  it('stores once the upstream finished and a reader ended cleanly, in either order', () => {
    const a = gate();
    a.commit.finished(entry);
    expect(a.log).toEqual([]);
    a.commit.report('finished');
    expect(a.log).toEqual(['write']);
    const b = gate();
    b.commit.report('finished');
    b.commit.finished(entry);
    b.commit.report('finished');
    expect(b.log).toEqual(['write']);
  });

  it('a stop, cancel or failure before the write keeps it out', () => {
    for (const outcome of ['stopped', 'client_cancelled', 'timeout', 'gateway_error'] as const) {
      const { commit, log } = gate();
      commit.report(outcome);
      commit.finished(entry);
      commit.report('finished');
      expect(log).toEqual([]);
    }
  });

  it('a stop or cancel after the write changes nothing: the entry stays', () => {
    const { commit, log } = gate();
    commit.finished(entry);
    commit.report('finished');
    commit.report('client_cancelled');
    commit.report('stopped');
    expect(log).toEqual(['write']);
  });

  it('tells once that it decided, on the write or on the veto, and is undecided before', () => {
    for (const last of ['finished', 'stopped'] as const) {
      let decided = 0;
      const commit = new CommitGate(
        () => {},
        () => decided++,
      );
      commit.finished(entry);
      expect([commit.undecided, decided]).toEqual([true, 0]);
      commit.report(last);
      commit.report('client_cancelled');
      expect([commit.undecided, decided]).toEqual([false, 1]);
    }
  });
});
