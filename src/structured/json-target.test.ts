import { describe, expect, it } from 'vitest';
import { CompiledSchema } from './compiled-schema';
import { JsonTarget } from './json-target';

function* splits(text: string): Generator<string[]> {
  yield text.split('');
  for (let i = 1; i < text.length; i++) yield [text.slice(0, i), text.slice(i)];
}

function target(schema?: Record<string, unknown>, fenced = true): JsonTarget {
  return new JsonTarget(schema ? new CompiledSchema(schema) : undefined, { fenced });
}

/** The violation after writing `text` in one delta. */
function violationAfter(schema: Record<string, unknown> | undefined, text: string): string[] | undefined {
  const json = target(schema);
  json.write(text);
  return json.violation;
}

const person = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0 },
    unit: { enum: ['celsius', 'fahrenheit'] },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
    address: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
    meta: { type: 'object', patternProperties: { '^x-': { type: 'number' } }, additionalProperties: false },
    choice: { anyOf: [{ type: 'number' }, { type: 'boolean' }] },
  },
  required: ['name'],
  additionalProperties: false,
};

const tree = {
  $defs: {
    node: {
      type: 'object',
      properties: { value: { type: 'number' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
      required: ['value'],
      additionalProperties: false,
    },
  },
  $ref: '#/$defs/node',
};

describe('JsonTarget: a prefix that can never become valid', () => {
  // [schema, the shortest prefix that shows the problem, the violation]
  const positives: Array<[Record<string, unknown>, string, string]> = [
    [person, '[', '$: type "array" is invalid. Expected "object"'],
    [person, ' "', '$: type "string" is invalid. Expected "object"'],
    [person, '{"nickname"', '$.nickname: is not allowed'],
    [person, '{"name": 42,', '$.name: type "number" is invalid. Expected "string"'],
    [person, '{"name":"a","age": 1.5}', '$.age: type "number" is invalid. Expected "integer"'],
    [person, '{"name":"a","age": -3 ', '$.age: -3 is less than 0'],
    [person, '{"name":"a","unit":"kelvin"', '$.unit: does not match any of ["celsius","fahrenheit"]'],
    [person, '{"name":"a","tags":{', '$.tags: type "object" is invalid. Expected "array"'],
    [person, '{"name":"a","tags":["x", 3]', '$.tags[1]: type "number" is invalid. Expected "string"'],
    [person, '{"name":"a","address":{"town"', '$.address.town: is not allowed'],
    [person, '{"name":"a","address":{}', '$.address: does not have required property "city"'],
    [person, '{"name":"a","meta":{"x-a": 1, "y"', '$.meta.y: is not allowed'],
    [tree, '{"value":1,"children":[{"valu"', '$.children[0].valu: is not allowed'],
    [tree, '{"value":1,"children":[7,', '$.children[0]: type "number" is invalid. Expected "object"'],
    [
      tree,
      '{"value":1,"children":[{"value":2,"children":[{"value":"x"',
      '$.children[0].children[0].value: type "string" is invalid. Expected "number"',
    ],
  ];
  for (const [schema, prefix, message] of positives) {
    it(`stops ${prefix} at its last character`, () => {
      expect(violationAfter(schema, prefix.slice(0, -1))).toBeUndefined();
      expect(violationAfter(schema, prefix)).toEqual([message]);
    });
  }

  it('leaves the complete top-level value to the final check, which comes next anyway', () => {
    const json = target(person);
    json.write('{"age": 3}');
    expect(json.violation).toBeUndefined();
    expect(json.finish().errors).toEqual(['$: does not have required property "name"']);
  });

  it('flags syntax errors and prose around the value', () => {
    expect(violationAfter(undefined, 'Sure! {"a":1}')).toEqual(['$: invalid JSON: unexpected "S"']);
    expect(violationAfter(undefined, '```json\n{"a":1}\n```\nHope this helps')).toEqual([
      '$: unexpected text after the JSON value',
    ]);
  });
});

describe('JsonTarget: prefixes that could still become valid', () => {
  const valid: Array<[string, Record<string, unknown> | undefined, string]> = [
    [
      'a full person',
      person,
      '{"name":"Ann","age":10,"unit":"celsius","tags":["a","b"],"address":{"city":"Oslo"},"meta":{"x-1":2},"choice":true}',
    ],
    [
      'an integer written 1.0, numbers growing past a minimum',
      person,
      '{"age": 1.0, "name": "x", "tags": ["t"], "age": 15}',
    ],
    [
      'a fenced, pretty-printed reply',
      person,
      '```json\n{\n  "name": "Ann",\n  "address": { "city": "Oslo" }\n}\n```\n',
    ],
    [
      'a recursive tree through $ref',
      tree,
      '{"value":1,"children":[{"value":2,"children":[{"value":3,"children":[]}]}]}',
    ],
    ['any JSON without a schema', undefined, ' [1, {"a": "😀"}, null] '],
  ];
  for (const [name, schema, text] of valid) {
    it(`never stops ${name}, at any prefix`, () => {
      for (let i = 1; i <= text.length; i++) expect(violationAfter(schema, text.slice(0, i))).toBeUndefined();
      const json = target(schema);
      json.write(text);
      expect(json.finish()).toEqual({ valid: true, errors: [] });
    });
  }

  it('does not judge a member inside anyOf before the alternatives are decided', () => {
    const schema = {
      properties: {
        choice: {
          anyOf: [
            { properties: { a: { type: 'number' } }, required: ['a'] },
            { properties: { b: { type: 'string' } }, required: ['b'] },
          ],
        },
      },
    };
    const json = target(schema);
    // {"a":"x","b":"y"} would match the second alternative.
    json.write('{"choice": {"a": "x"');
    expect(json.violation).toBeUndefined();
    json.write('}');
    expect(json.violation).toEqual(['$.choice: does not match any subschemas']);
  });
});

describe('JsonTarget: the final verdict', () => {
  it('is the same however the text is split', () => {
    const cases: Array<[Record<string, unknown> | undefined, string]> = [
      [person, '```json\n{"name":"Ann","tags":["😀 \\u00e9"],"address":{"city":"Oslo"}}\n```'],
      [person, '{"name": 4, "age": "x", "nickname": true}'],
      [tree, '{"value":1,"children":[{"value":"2"}]}'],
      [undefined, '{"a": [1, 2'],
      [undefined, '{"a" 1}'],
    ];
    for (const [schema, text] of cases) {
      const whole = target(schema);
      whole.write(text);
      const expected = { violation: whole.violation, verdict: whole.finish() };
      for (const deltas of splits(text)) {
        const json = target(schema);
        for (const delta of deltas) json.write(delta);
        expect({ violation: json.violation, verdict: json.finish() }).toEqual(expected);
      }
    }
  });

  it('lists the errors of a complete but invalid value, path first', () => {
    const json = target(person);
    json.write('{"name": 4, "age": "x", "nickname": true}');
    expect(json.finish().errors).toEqual([
      '$.name: type "number" is invalid. Expected "string"',
      '$.age: type "string" is invalid. Expected "integer"',
      '$.nickname: is not allowed',
    ]);
  });

  it('calls a cut-off value incomplete and an empty reply missing', () => {
    const cut = target(person);
    cut.write('{"name": "An');
    expect(cut.finish()).toEqual({ valid: false, errors: ['$: the JSON value is incomplete'] });
    const empty = target(person);
    empty.write('```json\n  ');
    expect(empty.finish()).toEqual({ valid: false, errors: ['$: no JSON value'] });
  });

  it('takes a fence only around the reply, not around tool arguments', () => {
    const json = target(undefined, false);
    json.write('{"a":1}\n```');
    expect(json.violation).toEqual(['$: unexpected text after the JSON value']);
  });
});

describe('JsonTarget: schema drafts and references', () => {
  const siblings = (draft?: string) => ({
    ...(draft ? { $schema: draft } : {}),
    definitions: { num: { type: 'number' } },
    properties: { a: { $ref: '#/definitions/num', type: 'string' } },
  });

  it('ignores keywords beside $ref in draft-07, as the validator does', () => {
    const json = target(siblings('http://json-schema.org/draft-07/schema#'));
    json.write('{"a": 5}');
    expect(json.violation).toBeUndefined();
    expect(json.finish().valid).toBe(true);
  });

  it('applies keywords beside $ref from 2019-09 on (2020-12 when no $schema is named)', () => {
    const json = target(siblings());
    json.write('{"a": 5,');
    expect(json.violation).toEqual(['$.a: type "number" is invalid. Expected "string"']);
    expect(json.finish().valid).toBe(false);
  });

  it('checks $recursiveRef schemas only at the end', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      $recursiveAnchor: true,
      type: 'object',
      properties: { n: { type: 'number' }, kid: { $recursiveRef: '#' } },
    };
    const json = target(schema);
    json.write('{"kid": {"n": "x"}');
    expect(json.violation).toBeUndefined();
    json.write('}');
    expect(json.finish().errors).toEqual(['$.kid.n: type "string" is invalid. Expected "number"']);
  });

  it('never stops on a schema it cannot apply, and says so at the end', () => {
    const json = target({ properties: { a: { $ref: '#/$defs/missing' } } });
    json.write('{"a": 1}');
    expect(json.violation).toBeUndefined();
    expect(json.finish().errors[0]).toMatch(/^\$: the schema cannot be applied: Unresolved \$ref/);
  });
});
