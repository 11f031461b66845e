import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatErrorLines } from '../../src/cli/format-error-lines.js';
import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { RegstateError } from '../../src/errors.js';
import { LiveState } from '../../src/model/live-state.js';
import { planChanges, readRequestsFor } from '../../src/plan/plan-changes.js';
import type { Plan } from '../../src/plan/plan.js';
import { renderPlanMarkdown } from '../../src/plan/render-markdown.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import { at, key } from '../builders.js';
import { runs } from './arbitraries.js';

// What a terminal may act on: C0 except the line break, DEL, C1, bidi controls.
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const PARSERS = ['fast', 'reference'] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regstate-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function load(text: string, parser: (typeof PARSERS)[number]): Promise<{ plan: Plan } | { error: RegstateError }> {
  const file = join(dir, `c${fileCount++}.yaml`);
  await writeFile(file, text);
  try {
    const desired = await loadDesiredState([file], { parser });
    const live = new LiveState(await new MemoryBackend().read(readRequestsFor(desired)));
    return { plan: planChanges(desired, live) };
  } catch (error) {
    if (error instanceof RegstateError) return { error };
    throw error;
  }
}

// Characters a hostile document uses: controls of every class, bidi controls, and ordinary text.
const HOSTILE_CHARS = ['\u0000', '\u0001', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009b', '\u061c', '\u200f', '\u202e', '\u2066', 'a', 'Z', ' ', '\\', '"', '한', 'ü', '[', ';', '0'];
const hostileText = fc.array(fc.constantFrom(...HOSTILE_CHARS), { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));

/** A YAML double-quoted scalar writing every non-ASCII or control character as a \u escape. */
function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += ch === '"' || ch === '\\' ? `\\${ch}` : c >= 0x20 && c < 0x7f ? ch : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** An own property, even for `__proto__`. */
function withKey(target: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** Block-style YAML of plain data (mappings, lists, strings, numbers). */
function toBlock(value: unknown, indent = ''): string {
  if (Array.isArray(value)) return value.map((item) => `\n${indent}- ${toBlock(item, `${indent}  `).replace(/^\n\s*/, '')}`).join('');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).map(([k, v]) => `\n${indent}${k}:${typeof v === 'object' && v !== null ? toBlock(v, `${indent}  `) : ` ${toBlock(v)}`}`).join('');
  }
  return typeof value === 'string' ? quote(value) : String(value);
}

const baseDocument = () => ({
  version: 1,
  keys: [{ path: 'HKLM\\SOFTWARE\\P', values: [{ name: 'v', type: 'REG_SZ', data: 'x' }] }],
});

describe('hostile documents', () => {
  test('a prototype key at any mapping level, block or flow style, either parser, is a SCHEMA error and never deletes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('root', 'key', 'value'),
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
        fc.constantFrom<unknown>({ ensure: 'absent' }, { version: 1, keys: [] }, { type: 'REG_DWORD', data: 1 }, 'absent', null),
        fc.constantFrom('block', 'flow'),
        fc.constantFrom(...PARSERS),
        async (level, name, payload, style, parser) => {
          const doc = baseDocument();
          const target: Record<string, unknown> = level === 'root' ? doc : level === 'key' ? (doc.keys[0] as Record<string, unknown>) : (doc.keys[0]?.values[0] as Record<string, unknown>);
          withKey(target, name, payload);
          const text = style === 'flow' ? JSON.stringify(doc) : `${toBlock(doc).trimStart()}\n`;
          const result = await load(text, parser);
          expect('error' in result && result.error.diagnostics.map((d) => d.code)).toContain('SCHEMA');
          if ('error' in result) expect(result.error.diagnostics.every((d) => d.source !== undefined)).toBe(true);
        },
      ),
      { numRuns: runs(60) },
    );
  });

  test('control characters in key paths, value names and string data: refused with a code and a place, or planned; printed escaped', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText,
        fc.constantFrom('path', 'name', 'REG_SZ', 'REG_EXPAND_SZ', 'REG_MULTI_SZ'),
        fc.constantFrom(...PARSERS),
        async (text, where, parser) => {
          const path = where === 'path' ? `HKLM\\SOFTWARE\\${text}` : 'HKLM\\SOFTWARE\\P';
          const name = where === 'name' ? text : 'v';
          const type = where.startsWith('REG_') ? where : 'REG_SZ';
          const data = where.startsWith('REG_') ? text : 'x';
          const dataYaml = type === 'REG_MULTI_SZ' ? `[${quote(data)}]` : quote(data);
          const yaml = `version: 1\nkeys:\n  - path: ${quote(path)}\n    values:\n      - name: ${quote(name)}\n        type: ${type}\n        data: ${dataYaml}\n`;
          const result = await load(yaml, parser);
          if ('error' in result) {
            // a path with any control character, a name or string data with a NUL: nothing else is refused
            const expected = where === 'path' ? 'KEY_PATH' : text.includes('\0') ? (where === 'name' ? 'VALUE_NAME' : 'NUL_IN_STRING') : 'nothing';
            expect(result.error.diagnostics.map((d) => d.code)).toEqual([expected]);
            expect(result.error.diagnostics.every((d) => d.source?.line === (where === 'path' ? 3 : where === 'name' ? 5 : 7))).toBe(true);
            expect(formatErrorLines(result.error.diagnostics, { cwd: process.cwd(), color: false })).not.toMatch(UNSAFE);
          } else {
            // only what the registry can hold is planned: no NUL in names or data, no control character in a path
            expect(where === 'path' ? /[\u0000-\u001f\u007f]/.test(text) : text.includes('\0')).toBe(false);
            expect(renderPlanText(result.plan, { color: false })).not.toMatch(UNSAFE);
            expect(renderPlanMarkdown(result.plan)).not.toMatch(UNSAFE);
          }
        },
      ),
      { numRuns: runs(80) },
    );
  });

  test('huge numbers give a short VALUE_RANGE or SCHEMA error at the data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 21, max: 200_000 }),
        fc.constantFrom('REG_DWORD', 'REG_QWORD'),
        fc.constantFrom('bare', 'decimal string', 'hex string'),
        async (digits, type, form) => {
          const number = `1${'0'.repeat(digits - 1)}`;
          const data = form === 'bare' ? number : form === 'decimal string' ? `"${number}"` : `"0x${number}"`;
          const result = await load(`version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\P\n    values:\n      - name: v\n        type: ${type}\n        data: ${data}\n`, 'reference');
          expect('error' in result).toBe(true);
          if (!('error' in result)) return;
          expect(result.error.diagnostics).toHaveLength(1);
          expect(['VALUE_RANGE', 'SCHEMA']).toContain(result.error.code);
          expect(result.error.source).toMatchObject({ line: 7, column: 15 });
          expect(result.error.message.length).toBeLessThan(400);
        },
      ),
      { numRuns: runs(15) },
    );
  });
});

describe('hostile plans', () => {
  test('escape sequences in every printed field never reach the text or markdown output raw', () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, hostileText, (file, path, name, data) => {
        const k = key(`HKLM\\SOFTWARE\\${path}`);
        const plan: Plan = {
          unchanged: 0,
          changes: [
            { action: 'create-key', key: k, before: null, after: null, source: at(1, 1, file) },
            { action: 'create', key: k, name, before: null, after: { type: 'REG_SZ', data }, source: at(2, 1, file) },
            { action: 'update', key: k, name: data, before: { type: 'REG_MULTI_SZ', data: [name] }, after: { type: 'REG_EXPAND_SZ', data: path }, source: at(3, 1, file) },
            { action: 'delete-key', key: key(`HKCU\\${name}`), before: null, after: null, contents: { values: 1, subkeys: 0 }, subtree: [{ path: '', values: [{ name: data, value: { type: 'REG_SZ', data: name } }] }], source: at(4, 1, file) },
          ],
        };
        expect(renderPlanText(plan, { color: false })).not.toMatch(UNSAFE);
        expect(renderPlanMarkdown(plan)).not.toMatch(UNSAFE);
      }),
      { numRuns: runs(200) },
    );
  });
});
