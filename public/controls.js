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
  // Only a session redirects its running reply; JSON mode and Responses start another request.
  const redirects = busy && !els.json.checked && els.api.value === 'sessions';
  els.send.textContent = redirects ? 'Redirect' : 'Send';
  els.send.title = redirects ? 'Sending now interrupts the reply and continues with your new message' : '';
  document.body.classList.toggle('busy', busy);
}
