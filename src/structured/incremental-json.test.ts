import { describe, expect, it } from 'vitest';
import { IncrementalJson, type JsonKey, type JsonListener } from './incremental-json';

/** Whole, one UTF-16 unit at a time (cutting emoji between surrogates), and in two at every boundary. */
function* splits(text: string): Generator<string[]> {
  yield [text];
  yield Array.from(text);
  yield text.split('');
  for (let i = 1; i < text.length; i++) yield [text.slice(0, i), text.slice(i)];
}

/** Feeds the deltas; returns the snapshots taken after each delta that changed the value, as JSON. */
function run(deltas: string[]): { snapshots: string[]; json: IncrementalJson } {
  const json = new IncrementalJson();
  const snapshots: string[] = [];
  for (const delta of deltas) {
    json.write(delta);
    if (json.takeChanged()) snapshots.push(JSON.stringify(json.snapshot()));
  }
  json.end();
  if (json.takeChanged()) snapshots.push(JSON.stringify(json.snapshot()));
  return { snapshots, json };
}

function isSubsequence(part: string[], whole: string[]): boolean {
  let at = 0;
  for (const item of part) {
    at = whole.indexOf(item, at);
    if (at === -1) return false;
    at++;
  }
  return true;
}

const documents = {
  nested: '{"a":{"b":{"c":[1,2,{"d":null}]}},"e":true,"f":false,"g":{}}',
  arrays: '[[],[{}],[1,[2,[3]]],"x",-0.5e-3,[[[]]]]',
  escapes: String.raw`{"s":"quote \" backslash \\ slash \/ tab \t nl \n \u00e9 \uD83D\uDE00 \ud800 raw é 😀 中文","k😀":"v"}`,
  numbers: '{"n":[0,-1,12345678901,3.14159,-2.5E+10,1e-7,0.0,-0]}',
  pretty: '{\n  "title": "Report",\n  "items": [\n    { "id": 1, "ok": true },\n    { "id": 2, "ok": false }\n  ]\n}\n',
  proto: '{"__proto__":{"x":1},"constructor":[1],"y":{"__proto__":2}}',
  string: '"just a string 😀"',
  number: '-12.5e3',
  literal: 'true',
};

describe('IncrementalJson', () => {
  for (const [name, text] of Object.entries(documents)) {
    it(`parses ${name} the same however the text is split`, () => {
      const expected = JSON.stringify(JSON.parse(text));
      const byChar = run(text.split('')).snapshots;
      expect(byChar.at(-1)).toBe(expected);
      for (const deltas of splits(text)) {
        const { snapshots, json } = run(deltas);
        expect(json.error).toBeUndefined();
        expect(json.done).toBe(true);
        expect(snapshots.at(-1)).toBe(expected);
        // Any split shows a selection of the states one character at a time shows, in order.
        expect(isSubsequence(snapshots, byChar)).toBe(true);
      }
    });
  }

  it('never shows unfinished strings or numbers', () => {
    const { snapshots } = run('{"a":"hello","b":123,"c":[tru'.split(''));
    expect(snapshots).toEqual(['{}', '{"a":"hello"}', '{"a":"hello","b":123}', '{"a":"hello","b":123,"c":[]}']);
  });

  it('keeps earlier snapshots as they were', () => {
    const json = new IncrementalJson();
    json.write('{"list":[{"a":1}');
    const early = json.snapshot();
    const frozen = JSON.stringify(early);
    json.write(',{"b":2}],"more":{"x":[1]}}');
    expect(JSON.stringify(early)).toBe(frozen);
    expect(json.snapshot()).toEqual({ list: [{ a: 1 }, { b: 2 }], more: { x: [1] } });
  });

  it('tells the listener about opens, keys and completed values with their keys', () => {
    const seen: string[] = [];
    const listener: JsonListener = {
      open: (kind, key: JsonKey) => seen.push(`open ${kind} ${String(key)}`),
      key: (key) => seen.push(`key ${key}`),
      value: (value, key) => seen.push(`value ${JSON.stringify(value)} ${String(key)}`),
    };
    const json = new IncrementalJson(listener);
    for (const char of '{"a":[1,{"b":"x"}],"c":true}') json.write(char);
    expect(seen).toEqual([
      'open object undefined',
      'key a',
      'open array a',
      'value 1 0',
      'open object 1',
      'key b',
      'value "x" b',
      'value {"b":"x"} 1',
      'value [1,{"b":"x"}] a',
      'key c',
      'value true c',
      'value {"a":[1,{"b":"x"}],"c":true} undefined',
    ]);
  });

  const invalid = [
    '{"a" 1}',
    '[1 2]',
    '{"a":1}}',
    '{"a":1} x',
    '[01]',
    "{'a':1}",
    '{"a":tru}',
    '{"a":1,,"b":2}',
    '[1,]',
    '{"a":1,}',
    '{"a":-}',
    '{"a":1.}',
    '"\\x"',
    '{"a":"b"c}',
    '{a:1}',
    '[1}',
    '{"a":NaN}',
    '-Infinity',
    '["\u0001"]',
    '["\\u12G4"]',
    '[+1]',
    '[.5]',
    '[1e]',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)} the same however the text is split`, () => {
      expect(() => JSON.parse(text)).toThrow();
      const whole = run([text]).json.error;
      expect(whole).toBeDefined();
      for (const deltas of splits(text)) expect(run(deltas).json.error).toBe(whole);
    });
  }

  it('fails at the first character no document can continue with, not when the token ends', () => {
    const cases: Array<[string, string]> = [
      ['{"a":1 "', 'invalid JSON: unexpected string'],
      ['{"a" 1', 'invalid JSON: unexpected number'],
      ['[1 t', 'invalid JSON: unexpected true'],
      ['{"a":1}x', 'unexpected text after the JSON value'],
    ];
    for (const [text, error] of cases) {
      const json = new IncrementalJson();
      json.write(text);
      expect(json.error).toBe(error);
    }
  });

  it('accepts every prefix of a valid document', () => {
    const text = documents.escapes;
    for (let i = 1; i <= text.length; i++) {
      const json = new IncrementalJson();
      json.write(text.slice(0, i));
      expect(json.error).toBeUndefined();
    }
  });

  it('completes a top-level number only at the end, and calls an unfinished document incomplete', () => {
    const number = new IncrementalJson();
    number.write('42');
    expect(number.done).toBe(false);
    number.end();
    expect(number.snapshot()).toBe(42);
    const cut = new IncrementalJson();
    cut.write('{"a":[1,');
    cut.end();
    expect(cut.done).toBe(false);
  });
});
