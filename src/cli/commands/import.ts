import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { type Diagnostic, RegstateError, formatDiagnostic } from '../../errors.js';
import { importRegFile } from '../../interop/reg/import-reg-file.js';
import { renderDesiredStateYaml } from '../../interop/yaml/render-desired-state-yaml.js';
import { parseRegFile } from '../../registry/reg-file/parse-reg-file.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { writeOutputFile } from '../write-output-file.js';
import { escapeControl } from '../../model/display-text.js';

export interface ImportOptions {
  key?: string[];
  out?: string;
}

// The modeline names a schema beside the config (`regstate schema > regstate.schema.json`), as the
// shipped configs do: a path into this installation's package would not hold on another machine.
const SCHEMA_MODELINE = './regstate.schema.json';

async function readRegBytes(file: string, io: Io): Promise<Buffer> {
  try {
    return await readFile(resolve(io.cwd, file));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RegstateError('FILE_NOT_FOUND', `${file}: no such file`, { cause });
    throw new RegstateError('FILE_UNREADABLE', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

function byLine(a: Diagnostic, b: Diagnostic): number {
  return (a.source?.line ?? 0) - (b.source?.line ?? 0) || (a.source?.column ?? 0) - (b.source?.column ?? 0);
}

/** `regstate import FILE.reg`: the desired state the export describes, as YAML on stdout or in `--out`. */
export async function runImport(file: string, opts: ImportOptions, io: Io): Promise<number> {
  const reg = parseRegFile(await readRegBytes(file, io), file);
  const imported = importRegFile(reg, { file, ...(opts.key ? { keys: opts.key } : {}) });
  const date = new Date().toISOString().slice(0, 10);
  const { yaml, warnings } = renderDesiredStateYaml(imported.keys, { description: `imported from ${basename(file)} on ${date}`, schemaPath: SCHEMA_MODELINE });
  for (const w of [...imported.warnings, ...warnings].sort(byLine)) io.stderr.write(`regstate: warning: ${formatDiagnostic(w)}\n`);
  if (!opts.out) {
    io.stdout.write(yaml);
    return EXIT.OK;
  }
  await writeOutputFile(opts.out, yaml, io);
  const values = imported.keys.reduce((n, k) => n + k.values.length, 0);
  io.stdout.write(`Wrote ${escapeControl(opts.out)} (${imported.keys.length} key${imported.keys.length === 1 ? '' : 's'}, ${values} value${values === 1 ? '' : 's'}). Check it with: regstate plan ${escapeControl(opts.out)}\n`);
  return EXIT.OK;
}
