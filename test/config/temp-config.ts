import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { type Diagnostic, RegstateError } from '../../src/errors.js';

/** Writes files into a fresh temp dir; returns their paths in the order given. */
export async function writeConfigs(files: Record<string, string | Uint8Array>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-config-'));
  const paths: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, content);
    paths.push(path);
  }
  return paths;
}

/** Loads files that must fail; returns the diagnostics of the one error thrown. */
export async function loadFailure(paths: string[]): Promise<Diagnostic[]> {
  try {
    await loadDesiredState(paths);
  } catch (error) {
    if (error instanceof RegstateError) return error.diagnostics;
    throw error;
  }
  throw new Error('expected loadDesiredState to fail');
}

/** `code@line:column` for each diagnostic: what the tests compare. */
export function placed(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.source?.line}:${d.source?.column}`);
}

/** A file with one key, HKLM\SOFTWARE\X (path at 3:11), whose values start on line 5. */
export function withValues(values: string): string {
  return `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n${values}`;
}

/** One value named v; its `data` scalar starts at line 7, column 15 inside withValues. */
export function value(type: string, data: string): string {
  return `      - name: v\n        type: ${type}\n        data: ${data}\n`;
}
