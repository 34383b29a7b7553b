import { describe, expect, it } from 'vitest';
import { Hash64Table } from '../src/rules/hash-table.js';
import { checkResource } from '../src/rules/resource-rules.js';

// The per-resource rules take shortcuts (JSON.parse with a key count instead
// of the lossless parser, hashed addresses); these cases sit where a
// shortcut could go wrong.

const resource = (attributes: string): Uint8Array =>
  Buffer.from(
    `{\n      "mode": "managed",\n      "type": "aws_iam_policy",\n      "name": "p",\n      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",\n      "instances": [\n        {\n          "schema_version": 0,\n          "attributes": ${attributes}\n        }\n      ]\n    }`,
  );

const duplicateFindings = (bytes: Uint8Array) => checkResource(bytes, 0).findings.filter((finding) => finding.rule === 'TV019');

describe('duplicate keys (TV019) next to the key-count shortcut', () => {
  it('finds none in JSON held in a string value, which is full of escaped `\\":`', () => {
    const policy = JSON.stringify(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] }));
    const check = checkResource(resource(`{ "id": "p", "policy": ${policy} }`), 0);
    expect(check.findings).toEqual([]);
    expect(check.record.address).toBe('aws_iam_policy.p');
  });

  it('finds a duplicate beside such a string', () => {
    const policy = JSON.stringify(JSON.stringify({ Version: '2012-10-17' }));
    expect(duplicateFindings(resource(`{ "id": "p", "policy": ${policy}, "id": "q" }`))).toHaveLength(1);
  });

  it('finds a duplicate key that ends in an escaped backslash', () => {
    expect(duplicateFindings(resource('{ "a\\\\": 1, "a\\\\": 2 }'))).toHaveLength(1);
  });

  it('finds a duplicate key spaced from its colon', () => {
    expect(duplicateFindings(resource('{ "a" : 1, "a"\n: 2 }'))).toHaveLength(1);
  });

  it('finds none where a string holds a spaced colon but no key repeats', () => {
    expect(checkResource(resource('{ "note": "a : b", "id": "x" }'), 0).findings).toEqual([]);
  });
});

describe('Hash64Table', () => {
  it('keeps every key of a large set apart, with the first value of each', () => {
    const table = new Hash64Table(true, 16);
    let added = 0;
    for (let i = 0; i < 200_000; i++) if (table.add(`module.m["${i}"].aws_instance.web`, i)) added++;
    expect(added).toBe(200_000);
    expect(table.size).toBe(200_000);
    expect(table.add('module.m["7"].aws_instance.web', 99)).toBe(false);
    expect(table.get('module.m["7"].aws_instance.web')).toBe(7);
    expect(table.get('module.m["200000"].aws_instance.web')).toBeUndefined();
    expect(table.has('module.m["199999"].aws_instance.web')).toBe(true);
  });

  it('as a set: has, add, and the empty string', () => {
    const set = new Hash64Table(false);
    expect(set.has('')).toBe(false);
    expect(set.add('')).toBe(true);
    expect(set.has('')).toBe(true);
    expect(set.get('')).toBeUndefined();
  });
});
