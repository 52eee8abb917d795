// Pipelines the benchmark can run the gateway with (`--pipeline NAME`), as GATEWAY_CONFIG JSON.
const DETECTORS = ['email', 'phone', 'payment_card', 'iban', 'ip_address', 'api_key'];
const PHRASES = Array.from({ length: 20 }, (_, i) => `blocked phrase number ${i}`);

const guard = {
  rules: [
    ...DETECTORS.map((detector) => ({ id: detector, kind: 'detector', detector, action: 'redact' })),
    { id: 'phrases', kind: 'phrase', phrases: PHRASES, action: 'redact' },
  ],
};

export const PIPELINES = {
  /** No inline stage but observation: the relay's own cost. */
  passthrough: undefined,
  /** A realistic output guard: every PII/secret detector and 20 phrases, redacting. */
  guard: { pipeline: { guard } },
  /**
   * Everything a route can run inline: the guard above, and the structured stage for requests
   * that ask for JSON (its switches at their defaults); observe and encode always run.
   */
  full: { pipeline: { guard, structured: { partialObjects: false, stopOnInvalid: false } } },
};
