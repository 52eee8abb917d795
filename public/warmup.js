// @ts-check
import { api, json } from './api.js';
import { els } from './dom.js';
import { persist, saved } from './store.js';
import { live } from './turns.js';

/** Whether this turn's warm-up has gone out: one per turn, however much the user types. */
let warmedUp = false;

/** A new turn (or a new chat): the next bit of typing may warm the session up again. */
export function rearmWarmup() {
  warmedUp = false;
}

/**
 * When the user starts typing the next message, the session sends its context to the provider
 * ahead of it (README, *Warm-up*), so the reply's first token comes sooner. Not while a reply
 * streams (the session would skip it, and this turn's one chance would be spent).
 */
export function warmUpSoon() {
  const sessionId = saved.sessionId;
  if (warmedUp || !sessionId || !saved.warmup || els.json.checked || live.size > 0) return;
  if (els.input.value.trim() === '') return;
  warmedUp = true;
  void api(`/v1/sessions/${sessionId}/warmup`, json({}))
    .then((res) => {
      // Turned off by the gateway (SESSION_WARMUP_PER_MINUTE=0): stop asking in this session.
      if (res.status === 400) {
        saved.warmup = false;
        persist();
      }
    })
    .catch(() => {});
}
