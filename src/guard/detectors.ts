import { ibanValid, ipv4Valid, ipv6Valid, luhnValid } from './checksums';
import { type DetectorSpec, longestGroupedPrefix, nextDetection } from './detector-spec';
import { apiKeyDetector } from './key-shapes';

export const DETECTOR_NAMES = ['email', 'phone', 'payment_card', 'iban', 'ip_address', 'api_key'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

export interface DetectorMatch {
  start: number;
  end: number;
  rule: DetectorName;
}

const LOCAL = 'A-Za-z0-9._%+\\-';

// 64 + @ + 162 + . + 24 characters is within RFC 5321's 254, and bounds the window.
const email: DetectorSpec = {
  find: new RegExp(
    `(?<![${LOCAL}])[${LOCAL}]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.\\-]{0,160}[A-Za-z0-9])?\\.[A-Za-z]{2,24}(?![A-Za-z0-9\\-]|\\.[A-Za-z0-9])`,
    'g',
  ),
  partial: new RegExp(`(?<![${LOCAL}])[${LOCAL}]{1,64}(?:@[A-Za-z0-9.\\-]{0,188})?$`, 'g'),
  reach: 254,
  accept: (candidate) => (candidate.includes('..') ? 0 : candidate.length),
};

/** NANP: area code and exchange never start with 0 or 1, which rules out most other 10-digit numbers. */
function phoneLength(candidate: string): number {
  const digits = candidate.replace(/\D/g, '');
  if (candidate.startsWith('+')) return digits.length >= 8 && digits.length <= 15 ? candidate.length : 0;
  const national = digits.length === 11 ? digits.slice(1) : digits;
  return national.charCodeAt(0) >= 50 && national.charCodeAt(3) >= 50 ? candidate.length : 0;
}

// International (+country, 8-15 digits) or North American; a lone small number never matches.
const phone: DetectorSpec = {
  find: /(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-]?)\d{3}[ .-]?\d{4})(?!\w|[.-]\d)/g,
  partial: /(?<![\w+])[+(\d][\d ().-]{0,37}$/g,
  reach: 38,
  accept: phoneLength,
};

const CARD_SEPARATORS = /[ -]/g;

// 13-19 digits, optionally in groups; not after a decimal point or inside a word.
const paymentCard: DetectorSpec = {
  find: /(?<![\w.,+-])\d(?:[ -]?\d){12,18}(?!\d)/g,
  partial: /(?<![\w.,+-])\d(?:[ -]?\d){0,18}[ -]?$/g,
  reach: 38,
  accept: (candidate) =>
    longestGroupedPrefix(candidate, CARD_SEPARATORS, (digits) => digits.length >= 13 && luhnValid(digits)),
};

// Country code, check digits, then up to 30 characters, usually in groups of four.
const iban: DetectorSpec = {
  find: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![A-Za-z0-9])/g,
  partial: /(?<![A-Za-z0-9])(?:[A-Z]{1,2}|[A-Z]{2}\d{1,2}[ A-Z0-9]{0,41})$/g,
  reach: 45,
  accept: (candidate) => longestGroupedPrefix(candidate, / /g, ibanValid),
};

// IPv4; or IPv6, which must show two colons early so that hex words and times are not candidates.
const ipAddress: DetectorSpec = {
  find: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)|(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?:\.\d{1,3}){0,3}(?![\w:]|\.\d)/g,
  partial:
    /(?<![\w.])\d{1,3}(?:\.\d{0,3}){0,4}$|(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{0,38}(?:\.\d{0,3}){0,4})$/g,
  reach: 53,
  accept: (candidate) =>
    (candidate.includes(':') ? ipv6Valid(candidate) : ipv4Valid(candidate)) ? candidate.length : 0,
};

export const DETECTORS: Readonly<Record<DetectorName, DetectorSpec>> = {
  email,
  phone,
  payment_card: paymentCard,
  iban,
  ip_address: ipAddress,
  api_key: apiKeyDetector,
};

/** Every match of one detector in a complete text, left to right, not overlapping. */
export function detect(name: DetectorName, text: string): DetectorMatch[] {
  const matches: DetectorMatch[] = [];
  for (let span = nextDetection(DETECTORS[name], text, 0); span; ) {
    matches.push({ ...span, rule: name });
    span = nextDetection(DETECTORS[name], text, span.end);
  }
  return matches;
}
