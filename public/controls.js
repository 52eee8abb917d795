// @ts-check
import { els } from './dom.js';
import { live } from './turns.js';

/** The status line under the composer. @param {string} text */
export function status(text) {
  els.status.textContent = text;
}

/** Stop and Send follow whether a reply is running (sending then redirects it). */
export function refreshControls() {
  const busy = live.size > 0;
  els.stop.disabled = !busy;
  els.send.textContent = busy && !els.json.checked ? 'Redirect' : 'Send';
  els.send.title = busy ? 'Sending now interrupts the reply and continues with your new message' : '';
  document.body.classList.toggle('busy', busy);
}
