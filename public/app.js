// @ts-check
import { initKeyForm } from './api.js';
import { refreshControls, status } from './controls.js';
import { els } from './dom.js';
import { sendJson, stopJson } from './json-mode.js';
import { loadModels } from './model-picker.js';
import { loadLogs } from './request-log.js';
import { apiMode, forgetResponses, sendResponse, setApiMode, stopResponse } from './responses-chat.js';
import { initScrollFollow } from './scroll-follow.js';
import { interruptSession, restore, sendToSession, watch } from './session-chat.js';
import { joinStoredSession, persist, STORE_KEY, saved } from './store.js';
import { showTtfts } from './ttft-panel.js';
import { live, turns } from './turns.js';
import { rearmWarmup, warmUpSoon } from './warmup.js';

/**
 * The playground's wiring: the model picker, the composer's keys and buttons, and the first load.
 * Chat runs through the session API (session-chat.js) or the Responses API (responses-chat.js),
 * JSON mode through chat completions (json-mode.js); all render into the same turn views (turn-view.js).
 */

function stop() {
  for (const turn of live) if (turn.kind === 'json') stopJson();
  for (const turn of live) if (turn.kind === 'responses') stopResponse();
  void interruptSession();
}

/** A tab opened before any conversation joins the first one another tab starts; not after New chat. */
let mayJoin = !saved.sessionId;

function newChat() {
  mayJoin = false;
  if (live.size > 0) stop();
  forgetResponses();
  delete saved.sessionId;
  delete saved.partial;
  saved.model = els.model.value;
  persist();
  rearmWarmup();
  turns.clear();
  live.clear();
  els.messages.replaceChildren(els.hint);
  els.hint.hidden = false;
  refreshControls();
  status('');
  els.input.focus();
}

initScrollFollow(els.messages, els.jump);
initKeyForm(() => void loadModels().then(() => (turns.size === 0 ? restore() : undefined)));

els.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const content = els.input.value.trim();
  if (!content) return;
  els.input.value = '';
  if (els.json.checked) void sendJson(content);
  else if (apiMode() === 'responses') void sendResponse(content);
  else void sendToSession(content);
});

els.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    els.form.requestSubmit();
  }
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && live.size > 0) {
    event.preventDefault();
    stop();
  }
});

els.input.addEventListener('input', warmUpSoon);
els.stop.addEventListener('click', stop);
els.newChat.addEventListener('click', newChat);
els.json.addEventListener('change', refreshControls);
els.api.addEventListener('change', () => {
  // A conversation stays on one API: the other one starts a new one.
  setApiMode(apiMode());
  if (turns.size > 0 || saved.sessionId) newChat();
  refreshControls();
});
els.logsRefresh.addEventListener('click', () => void loadLogs());
els.model.addEventListener('change', () => {
  // A session keeps its model: another model starts a new conversation.
  if (saved.sessionId && saved.model !== els.model.value) newChat();
  else {
    saved.model = els.model.value;
    persist();
  }
});

// Another tab on this session writes the shared storage at every step of its replies: follow
// its turns live. Back in view, catch up on what was sent meanwhile (an API call, say).
addEventListener('storage', (event) => {
  // A page on the Responses API has no session to follow.
  if (event.key !== STORE_KEY || apiMode() !== 'sessions') return;
  if (mayJoin && !saved.sessionId && turns.size === 0 && joinStoredSession()) void restore().then(watch);
  else void watch();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && apiMode() === 'sessions') void watch();
});

els.api.value = saved.api ?? 'sessions';
refreshControls();
showTtfts();
await loadModels();
void loadLogs();
// A session's history comes back after a reload; a Responses chain is not shown again.
if (apiMode() === 'sessions') await restore();
if (els.keyForm.hidden) els.input.focus();
// For the browser test and the curious: milliseconds from navigation to a usable page.
document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
document.documentElement.dataset.ready = '1';
