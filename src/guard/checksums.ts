/**
 * Validity checks the detectors run on a candidate after its shape matched: the shape alone
 * would flag every long number or hex word, the check digits are what tell a card or an IBAN.
 */

/** The Luhn check of a digit string (every payment card number passes it). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/** ISO 13616: country code and check digits moved to the end, letters as 10..35, mod 97 = 1. */
export function ibanValid(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    // Digits feed one decimal place, letters (A = 10) two: the remainder stays far below 2^53.
    remainder = code <= 57 ? (remainder * 10 + code - 48) % 97 : (remainder * 100 + code - 55) % 97;
  }
  return remainder === 1;
}

export function ipv4Valid(text: string): boolean {
  const octets = text.split('.');
  return octets.length === 4 && octets.every((octet) => octet.length > 0 && Number(octet) <= 255);
}

/** RFC 4291 text forms: eight groups, or fewer around one `::`, optionally ending in dotted IPv4. */
export function ipv6Valid(text: string): boolean {
  let groups = text;
  let embedded = 0;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    if (!ipv4Valid(text.slice(lastColon + 1))) return false;
    groups = `${text.slice(0, lastColon + 1)}0`;
    embedded = 1;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const count = (half: string | undefined) => {
    if (!half) return 0;
    const parts = half.split(':');
    return parts.every((part) => part.length >= 1 && part.length <= 4) ? parts.length : Number.NaN;
  };
  const total = count(halves[0]) + count(halves[1]) + embedded;
  // A bare `::` is valid but is far more often C++ or prose than an address.
  return halves.length === 2 ? total >= 1 && total <= 7 : total === 8;
}
