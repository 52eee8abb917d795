import { describe, expect, it } from 'vitest';
import { ibanValid, ipv6Valid, luhnValid } from './checksums';
import { type DetectorName, detect } from './detectors';

const found = (name: DetectorName, text: string) => detect(name, text).map((m) => text.slice(m.start, m.end));

describe('checksums', () => {
  it('Luhn accepts test card numbers and rejects a changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('5555555555554444')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  it('IBAN mod 97 accepts published examples and rejects a changed digit', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('FR1420041010050500013M02606')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('DE89')).toBe(false);
  });

  it('IPv6 text forms', () => {
    for (const ok of ['::1', '2001:db8::1', '1:2:3:4:5:6:7:8', '::ffff:192.168.1.1', 'fe80::'])
      expect(ipv6Valid(ok), ok).toBe(true);
    for (const bad of ['::', '1:2:3', '12:30:45', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::1', '::ffff:300.1.1.1'])
      expect(ipv6Valid(bad), bad).toBe(false);
  });
});

describe('detect', () => {
  // [test, detector, a text with every form it finds marked «so», a text of near misses it passes over]
  const cases: Array<[string, DetectorName, string, string]> = [
    [
      'email',
      'email',
      'write to «john.doe+news@mail.example.co.uk», or «a@b.io».',
      'not user@localhost, not @handle, not a..b@x.com, not x@y.c, not me@example.com-x',
    ],
    [
      'phone',
      'phone',
      'call «+44 20 7946 0958», «(415) 555-2671», «415.555.2671», «1-800-555-0199» or «+1 (415) 555 2671».',
      'I have 3 apples and 12 pears, in 2024-01-15 at 10:30, id 123-456-7890, +12 34, v1.2.3, 4155552671x',
    ],
    [
      'payment_card: grouped or not, Luhn-checked, not cut out of a longer number',
      'payment_card',
      'cards «4111 1111 1111 1111», «5555-5555-5555-4444» and «378282246310005»; «4111111111111111» 12/27',
      'not 4111 1111 1111 1112, not 41111111111111110000, not 3.4111111111111111, not x4111111111111111',
    ],
    [
      'iban',
      'iban',
      'pay «DE89 3704 0044 0532 0130 00» EUR or «GB82WEST12345698765432».',
      'not DE89 3704 0044 0532 0130 01, not AB12 CDEF, not xDE89370400440532013000',
    ],
    [
      'ip_address: IPv4 and IPv6',
      'ip_address',
      'hosts «192.168.1.1», «10.0.0.1». [«2001:db8::8a2e:370:7334»]:443, «::1», «fe80::1»%eth0, «::ffff:10.1.2.3»',
      'not 256.1.1.1, not 1.2.3, not 1.2.3.4.5, at 12:30:45, std::cout, MAC 00:1A:2B:3C:4D:5E, cafe',
    ],
  ];
  for (const [title, name, marked, misses] of cases) {
    it(title, () => {
      const matches = [...marked.matchAll(/«([^»]*)»/g)].map((match) => match[1]);
      expect(found(name, marked.replace(/[«»]/g, ''))).toEqual(matches);
      expect(found(name, misses)).toEqual([]);
    });
  }

  it('api_key: provider key and token shapes', () => {
    const keys = [
      'sk-proj-Abc123def456GHI789jkl012',
      'sk-ant-api03-Abc123def456GHI789jkl012-_x',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstu',
      'AKIAIOSFODNN7EXAMPLE',
      'xoxb-123456789012-abcdefABCDEF',
      'AIzaSyA1234567890abcdefghijklmnopqrstuv',
      'sk_live_abcdefghijklmnopqrstuvwx',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'Bearer 0123456789abcdefghijKLMNOP',
    ];
    expect(found('api_key', keys.map((key) => `use ${key} now`).join('; '))).toEqual(keys);
    expect(
      found(
        'api_key',
        'not sk-short, not task-abcdefghijklmnopqrstuvwxyz, not ghp_short, not AKIA123, not Bearer token',
      ),
    ).toEqual([]);
  });

  it('cuts a key longer than the window after 200 characters of its body', () => {
    const text = `sk-${'a'.repeat(250)}`;
    expect(found('api_key', text)).toEqual([text.slice(0, 203)]);
  });
});
