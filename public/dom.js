// @ts-check
/** The page's elements, looked up once, and a small element builder. */

/** @template {HTMLElement} T @param {string} id @returns {T} */
const byId = (id) => /** @type {T} */ (document.getElementById(id));

export const els = {
  model: /** @type {HTMLSelectElement} */ (byId('model')),
  messages: byId('messages'),
  hint: byId('empty-hint'),
  form: /** @type {HTMLFormElement} */ (byId('composer')),
  input: /** @type {HTMLTextAreaElement} */ (byId('input')),
  json: /** @type {HTMLInputElement} */ (byId('json-mode')),
  api: /** @type {HTMLSelectElement} */ (byId('api-mode')),
  send: /** @type {HTMLButtonElement} */ (byId('send')),
  stop: /** @type {HTMLButtonElement} */ (byId('stop')),
  jump: /** @type {HTMLButtonElement} */ (byId('jump')),
  status: byId('status'),
  newChat: /** @type {HTMLButtonElement} */ (byId('new-chat')),
  lastTtft: byId('last-ttft'),
  chart: /** @type {SVGSVGElement} */ (/** @type {unknown} */ (document.getElementById('ttft-chart'))),
  logs: /** @type {HTMLTableElement} */ (byId('logs')),
  logsNote: byId('logs-note'),
  logsRefresh: /** @type {HTMLButtonElement} */ (byId('logs-refresh')),
  keyForm: /** @type {HTMLFormElement} */ (byId('key-form')),
  keyInput: /** @type {HTMLInputElement} */ (byId('key')),
};

/**
 * @param {string} tag @param {string} [className] @param {string} [text]
 * @returns {HTMLElement}
 */
export function h(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
