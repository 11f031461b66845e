import { dirname, resolve } from 'node:path';
import { type Diagnostic, RegstateError } from '../errors.js';
import { parseConfigText } from '../config/parse-config-text.js';
import { readConfigFile } from '../config/read-config-file.js';
import { INVENTORY_SCHEMA, getSchemaValidator } from '../config/schema-file.js';
import { validateSchema } from '../config/validate-schema.js';
import { collectHosts } from './collect-hosts.js';
import type { Inventory } from './fleet-model.js';

export interface LoadInventoryOptions {
  /** Directory a relative inventory path is read from (default: the process's). */
  cwd?: string;
  /** The home folder `~/` in key and credential file paths stands for (default: the user's). */
  home?: string;
}

function fail(diagnostics: Diagnostic[]): never {
  const ordered = diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.source?.line ?? 0) - (b.d.source?.line ?? 0) || (a.d.source?.column ?? 0) - (b.d.source?.column ?? 0) || a.i - b.i)
    .map((x) => x.d);
  throw RegstateError.fromDiagnostics(ordered);
}

/**
 * Reads an inventory: the YAML file is checked against configs/regstate-inventory.schema.json and
 * for what a schema cannot say (unique host names, known groups, settings that fit the transport).
 * Throws one RegstateError listing every problem, each at its FILE:LINE:COLUMN (file as given).
 * Key and credential files are made absolute, relative to the inventory's folder.
 */
export async function loadInventory(path: string, options: LoadInventoryOptions = {}): Promise<Inventory> {
  const at = options.cwd === undefined ? resolve(path) : resolve(options.cwd, path);
  const read = await readConfigFile(path, at);
  if (!read.ok) fail([read.diagnostic]);
  const parsed = parseConfigText(path, read.text, 'an inventory');
  if (!parsed.ok) fail(parsed.diagnostics);
  const diagnostics = validateSchema(parsed.source, parsed.plain, getSchemaValidator(INVENTORY_SCHEMA));
  const collected = collectHosts(parsed.source, parsed.plain, parsed.exact, dirname(at), options.home);
  for (const d of collected.diagnostics) diagnostics.push(d);
  if (diagnostics.length > 0) fail(diagnostics);
  return { path, hosts: collected.hosts, groups: collected.groups };
}
