// @ts-check
import { els } from './dom.js';

/**
 * The API, with the gateway key when this gateway asks for one (deployed, auth on). The key is
 * kept for this tab only (sessionStorage), so it survives a reload but not the browser.
 */

const KEY_STORE = 'infe.gatewayKey';

/** @param {string} path @param {RequestInit} [init] */
export async function api(path, init = {}) {
  const key = sessionStorage.getItem(KEY_STORE);
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401 && !path.startsWith('/v1/logs')) askForKey();
  return res;
}

function askForKey() {
  els.keyForm.hidden = false;
  if (document.activeElement !== els.keyInput) els.keyInput.focus();
}

/** The key prompt: `onKey` runs once a key is stored, to load what the 401 refused. @param {() => void} onKey */
export function initKeyForm(onKey) {
  els.keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = els.keyInput.value.trim();
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else sessionStorage.removeItem(KEY_STORE);
    els.keyInput.value = '';
    els.keyForm.hidden = true;
    onKey();
  });
}

/** The OpenAI error shape's message, code and param, whatever the body holds. @param {Response} res */
export async function errorOf(res) {
  try {
    const body = await res.json();
    return {
      message: body?.error?.message ?? `HTTP ${res.status}`,
      code: body?.error?.code,
      param: body?.error?.param,
    };
  } catch {
    return { message: `HTTP ${res.status}`, code: undefined, param: undefined };
  }
}

/** A JSON POST's init. @param {unknown} body @returns {RequestInit} */
export const json = (body) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
