import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listInstanceAddresses } from '../../src/address/state-instances.js';
import { TempehError } from '../../src/errors.js';
import { listAddresses, listAddressesText } from '../../src/inspect/list-addresses.js';
import { generateLargeState } from '../../src/testing/large-state.js';
import { parseState } from '../../src/state/parse-state.js';
import { REPO_ROOT, chunked, fixtureStates, codeOfRejection } from './fixture-states.js';

const states = await fixtureStates();


/** What the engine must print: the state model's answer, or the code of its error. */
function reference(bytes: Uint8Array): { lines: string[] } | { code: string } {
  try {
    return { lines: listInstanceAddresses(parseState(bytes)) };
  } catch (error) {
    // The reference refusing a state is an expected outcome: the engine must refuse it with the same code.
    if (error instanceof TempehError) return { code: error.code };
    throw error;
  }
}

/** listAddressesText's chunks as one string. */
async function textOf(pending: Promise<AsyncIterable<Uint8Array>>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await pending) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('listAddresses', () => {
  it('finds the fixtures', () => {
    expect(states.length).toBeGreaterThan(15);
    expect(states).toContain('fixtures/odd-keys/handmade/number-keys/terraform.tfstate');
  });

  describe.each([
    { path: 'in-process', options: {} },
    { path: 'pool', options: { inProcessBelowBytes: 0, threads: 2 } },
  ])('$path', ({ options }) => {
    it.each(states)('equals listInstanceAddresses(parseState(bytes)) on %s', async (state) => {
      const bytes = await readFile(path.join(REPO_ROOT, state));
      const expected = reference(bytes);
      const run = listAddresses(chunked(bytes), { ...options, size: options.inProcessBelowBytes === 0 ? bytes.byteLength : undefined });
      if ('code' in expected) expect(await codeOfRejection(run)).toBe(expected.code);
      else expect(await run).toEqual(expected.lines);
    });
  });


  it.each(states)('listAddressesText prints the same lines as listAddresses on %s', async (state) => {
    const bytes = await readFile(path.join(REPO_ROOT, state));
    const expected = reference(bytes);
    if ('code' in expected) return expect(await codeOfRejection(listAddressesText(chunked(bytes)))).toBe(expected.code);
    expect(await textOf(listAddressesText(chunked(bytes)))).toBe(expected.lines.map((line) => `${line}\n`).join(''));
    // Through a temporary file from the first byte: the same text, and the file is gone afterwards.
    const tempDir = await mkdtemp(path.join(tmpdir(), 'list-spill-'));
    try {
      const text = await listAddressesText(chunked(bytes), { spillAboveBytes: 0, tempDir });
      expect(text.spilled).toBe(expected.lines.length > 0);
      expect(await textOf(Promise.resolve(text))).toBe(expected.lines.map((line) => `${line}\n`).join(''));
      expect(await readdir(tempDir)).toEqual([]);
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
  });

  it('refuses the non-integer index keys of number-keys with TEMPEH_E_INVALID_STATE on both paths', async () => {
    const bytes = await readFile(path.join(REPO_ROOT, 'fixtures/odd-keys/handmade/number-keys/terraform.tfstate'));
    expect(await codeOfRejection(listAddresses(chunked(bytes)))).toBe('TEMPEH_E_INVALID_STATE');
    expect(await codeOfRejection(listAddresses(chunked(bytes), { inProcessBelowBytes: 0, threads: 1 }))).toBe('TEMPEH_E_INVALID_STATE');
  });

  it.each([
    ['1.0', 'a number key written with a fraction'],
    ['3e0', 'a number key written with an exponent'],
    ['-0', 'minus zero'],
    ['1.5', 'a fractional key'],
    ['"caf\\u00e9"', 'an escaped string key'],
    ['12', 'a plain integer key'],
  ])('reads index_key %s (%s) as parseState does, on both paths', async (raw) => {
    const text = `{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"00000000-0000-0000-0000-000000000000","outputs":{},"resources":[
{"mode":"managed","type":"terraform_data","name":"a","provider":"provider[\\"terraform.io/builtin/terraform\\"]","instances":[{"index_key": ${raw},"schema_version":0,"attributes":{}}]}]}`;
    const bytes = Buffer.from(text);
    const expected = reference(bytes);
    for (const options of [{}, { inProcessBelowBytes: 0, threads: 1 }]) {
      const run = listAddresses(chunked(bytes), options);
      if ('code' in expected) expect(await codeOfRejection(run)).toBe(expected.code);
      else expect(await run).toEqual(expected.lines);
    }
  });

  it('refuses bytes that are not UTF-8 inside a resource as parseState does', async () => {
    const head = Buffer.from('{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"00000000-0000-0000-0000-000000000000","outputs":{},"resources":[{"mode":"managed","type":"terraform_data","name":"');
    const tail = Buffer.from('","provider":"provider[\\"terraform.io/builtin/terraform\\"]","instances":[{"schema_version":0,"attributes":{}}]}]}');
    const bytes = Buffer.concat([head, Buffer.from([0xff, 0xfe]), tail]);
    const expected = reference(bytes);
    expect(expected).toHaveProperty('code');
    if ('code' in expected) expect(await codeOfRejection(listAddresses(chunked(bytes)))).toBe(expected.code);
  });

  it('sorts resources into the global order even when the file lists them out of order, in any layout', async () => {
    const bytes = await readFile(path.join(REPO_ROOT, 'fixtures/terraform/terraform.tfstate'));
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || !('resources' in parsed) || !Array.isArray(parsed.resources)) throw new Error('bad fixture');
    parsed.resources.reverse();
    const expected = listInstanceAddresses(parseState(bytes));
    // Indented, and compacted as `jq -c` writes it (no layout for the splitter's fast path).
    for (const shuffled of [Buffer.from(JSON.stringify(parsed, null, 2)), Buffer.from(JSON.stringify(parsed))]) {
      expect(await listAddresses(chunked(shuffled))).toEqual(expected);
      expect(await textOf(listAddressesText(chunked(shuffled), { spillAboveBytes: 0 }))).toBe(expected.map((line) => `${line}\n`).join(''));
      expect(await textOf(listAddressesText(chunked(shuffled)))).toBe(expected.map((line) => `${line}\n`).join(''));
      expect(await listAddresses(chunked(shuffled), { inProcessBelowBytes: 0, threads: 2 })).toEqual(expected);
    }
  });

  it.each([
    ['lineage', 42],
    ['serial', 'one'],
    ['outputs', []],
    ['terraform_version', null],
  ])('refuses a top-level %s that parseState refuses (%j), on both paths', async (key, value) => {
    const bytes = await readFile(path.join(REPO_ROOT, 'fixtures/terraform/terraform.tfstate'));
    const broken: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof broken !== 'object' || broken === null) throw new Error('bad fixture');
    Reflect.set(broken, key, value);
    const text = Buffer.from(JSON.stringify(broken, null, 2));
    expect(reference(text)).toEqual({ code: 'TEMPEH_E_INVALID_STATE' });
    expect(await codeOfRejection(listAddresses(chunked(text)))).toBe('TEMPEH_E_INVALID_STATE');
    expect(await codeOfRejection(listAddresses(chunked(text), { inProcessBelowBytes: 0, threads: 1 }))).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('a generated state with nested modules (out of file order) lists the same through memory and a temporary file', async () => {
    const chunks = [...generateLargeState({ targetBytes: 12 * 1024 * 1024, seed: 7 }).chunks()];
    const bytes = Buffer.concat(chunks);
    const expected = `${(await listAddresses(chunked(bytes))).join('\n')}\n`;
    expect(expected.length).toBeGreaterThan(4 * 64 * 1024); // several 64 KiB chunks of text
    expect(await textOf(listAddressesText(chunked(bytes)))).toBe(expected);
    expect(await textOf(listAddressesText(chunked(bytes), { spillAboveBytes: 64 * 1024 }))).toBe(expected);
  });

  it('merges entries that share a resource address, as Terraform does', async () => {
    const state = (resources: unknown[]): Buffer => Buffer.from(JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: '00000000-0000-0000-0000-000000000000', outputs: {}, resources }, null, 2));
    const entry = (name: string, keys: (string | number)[]): unknown => ({
      mode: 'managed', type: 'terraform_data', name, provider: 'provider["terraform.io/builtin/terraform"]',
      instances: keys.map((index_key) => ({ index_key, schema_version: 0, attributes: {} })),
    });
    const bytes = state([entry('a', [2, 0]), entry('b', []), entry('a', [1, 3])]);
    const expected = listInstanceAddresses(parseState(bytes));
    expect(expected).toEqual(['terraform_data.a[0]', 'terraform_data.a[1]', 'terraform_data.a[2]', 'terraform_data.a[3]']);
    expect(await listAddresses(chunked(bytes))).toEqual(expected);
    expect(await textOf(listAddressesText(chunked(bytes)))).toBe(expected.map((line) => `${line}\n`).join(''));
    expect(await textOf(listAddressesText(chunked(bytes), { spillAboveBytes: 0 }))).toBe(expected.map((line) => `${line}\n`).join(''));
  });
});

describe('listAddresses filters', () => {
  const main = path.join(REPO_ROOT, 'fixtures/terraform/terraform.tfstate');
  const all = async (): Promise<string[]> => listInstanceAddresses(parseState(await readFile(main)));
  const list = async (filter: Parameters<typeof listAddresses>[1]): Promise<string[]> => listAddresses(chunked(await readFile(main)), filter);

  it('--type keeps exact types only, any of several', async () => {
    const everything = await all();
    const dataOnly = everything.filter((a) => /(^|\.)terraform_data\./.test(a));
    const remote = everything.filter((a) => a.includes('data.terraform_remote_state.'));
    expect(dataOnly.length).toBeGreaterThan(0);
    expect(remote.length).toBeGreaterThan(0);
    expect(await list({ type: ['terraform_data'] })).toEqual(dataOnly);
    expect(await list({ type: ['terraform_remote_state'] })).toEqual(remote);
    expect(await list({ type: ['terraform_data', 'terraform_remote_state'] })).toEqual(everything.filter((a) => dataOnly.includes(a) || remote.includes(a)));
    expect(await list({ type: ['terraform'] })).toEqual([]);
  });

  it('--module keeps a module and its children; a step without a key matches every key; root keeps the root module', async () => {
    const everything = await all();
    const modules = [...new Set(everything.filter((a) => a.startsWith('module.')).map((a) => a.split('.').slice(0, 2).join('.')))];
    expect(modules.length).toBeGreaterThan(0);
    for (const module of modules) {
      expect(await list({ module })).toEqual(everything.filter((a) => a.startsWith(`${module}.`)));
      const call = module.replace(/\[.*$/, '');
      expect(await list({ module: call })).toEqual(everything.filter((a) => a.startsWith(`${call}.`) || a.startsWith(`${call}[`)));
    }
    expect(await list({ module: 'root' })).toEqual(everything.filter((a) => !a.startsWith('module.')));
    expect(await list({ module: '' })).toEqual(everything.filter((a) => !a.startsWith('module.')));
  });

  it('--module that does not parse is TEMPEH_E_INVALID_ADDRESS', async () => {
    expect(await codeOfRejection(list({ module: 'module.' }))).toBe('TEMPEH_E_INVALID_ADDRESS');
  });

  it('--provider matches the provider string, its source address or its short name', async () => {
    const everything = await all();
    const builtin = await list({ provider: ['terraform'] });
    expect(builtin.length).toBeGreaterThan(0);
    expect(await list({ provider: ['terraform.io/builtin/terraform'] })).toEqual(builtin);
    expect(await list({ provider: ['provider["terraform.io/builtin/terraform"]'] })).toEqual(builtin);
    expect(await list({ provider: ['builtin/terraform'] })).toEqual(builtin);
    expect(await list({ provider: ['erraform'] })).toEqual([]);
    expect(builtin.length).toBeLessThanOrEqual(everything.length);
  });
});
