// @ts-check

/**
 * Keeps the newest text in view while it streams: the conversation sticks to its bottom unless
 * the user has scrolled up, and then a "jump to latest" button brings it back. Any change to
 * the conversation or to its size (a new token, a verdict, a phone keyboard) re-applies it.
 */

/** Closer to the bottom than this counts as at the bottom (px). */
const SLACK = 24;

let following = true;
/** Where following last put the scroll position: anything above it was the user's doing. */
let placedAt = 0;
/** @type {HTMLElement} */
let list;
/** @type {HTMLButtonElement} */
let jump;

const below = () => list.scrollHeight - list.clientHeight - list.scrollTop;

function keepInView() {
  // Above where following put it and off the bottom: the reader moved it. (Shorter content only
  // clamps the position, which leaves it at the bottom.)
  if (following && list.scrollTop < placedAt - 2 && below() > SLACK) following = false;
  if (following) {
    list.scrollTop = list.scrollHeight;
    placedAt = list.scrollTop;
  }
  jump.hidden = following || below() <= SLACK;
}

/** Back to the newest text, and follow it again (sending a message does this too). */
export function followLatest() {
  following = true;
  placedAt = 0;
  keepInView();
}

/** @param {HTMLElement} scroller @param {HTMLButtonElement} button */
export function initScrollFollow(scroller, button) {
  list = scroller;
  jump = button;
  list.addEventListener('scroll', () => {
    if (below() <= SLACK) {
      following = true;
      placedAt = list.scrollTop;
    } else if (list.scrollTop < placedAt - 2) following = false;
    jump.hidden = following || below() <= SLACK;
  });
  // Scrolling up by wheel says so before the position moves: stop following at once.
  list.addEventListener('wheel', (event) => {
    if (event.deltaY < 0 && list.scrollTop > 0) following = false;
  });
  new MutationObserver(keepInView).observe(list, { childList: true, subtree: true, characterData: true });
  new ResizeObserver(keepInView).observe(list);
  jump.addEventListener('click', followLatest);
}
