/** Headers for every SSE response the gateway sends (relay and session streams alike). */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Proxies that buffer (nginx) would hold tokens back: ask them not to.
  'x-accel-buffering': 'no',
};
