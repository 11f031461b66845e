import { basename, resolve } from 'node:path';
import { type Diagnostic, formatDiagnostic } from '../../errors.js';
import { readRegularFile } from '../../fs/read-regular-file.js';
import { importRegFile } from '../../interop/reg/import-reg-file.js';
import { renderDesiredStateYaml } from '../../interop/yaml/render-desired-state-yaml.js';
import { parseRegFile } from '../../registry/reg-file/parse-reg-file.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { checkOutputFile, writeOutputFile } from '../write-output-file.js';
import { escapeControl } from '../../model/display-text.js';

export interface ImportOptions {
  key?: string[];
  out?: string;
  force?: boolean;
}

// The modeline names a schema beside the config (`regstate schema > regstate.schema.json`), as the
// shipped configs do: a path into this installation's package would not hold on another machine.
const SCHEMA_MODELINE = './regstate.schema.json';


function byLine(a: Diagnostic, b: Diagnostic): number {
  return (a.source?.line ?? 0) - (b.source?.line ?? 0) || (a.source?.column ?? 0) - (b.source?.column ?? 0);
}

/** `regstate import FILE.reg`: the desired state the export describes, as YAML on stdout or in `--out`. */
export async function runImport(file: string, opts: ImportOptions, io: Io): Promise<number> {
  if (opts.out) await checkOutputFile(opts.out, io, { overwrite: opts.force === true });
  const reg = parseRegFile(await readRegularFile(resolve(io.cwd, file), file), file);
  const imported = importRegFile(reg, { file, ...(opts.key ? { keys: opts.key } : {}) });
  const date = new Date().toISOString().slice(0, 10);
  const { yaml, warnings } = renderDesiredStateYaml(imported.keys, { description: `imported from ${basename(file)} on ${date}`, schemaPath: SCHEMA_MODELINE });
  for (const w of [...imported.warnings, ...warnings].sort(byLine)) io.stderr.write(`regstate: warning: ${formatDiagnostic(w)}\n`);
  if (!opts.out) {
    io.stdout.write(yaml);
    return EXIT.OK;
  }
  await writeOutputFile(opts.out, yaml, io, { overwrite: opts.force === true });
  const values = imported.keys.reduce((n, k) => n + k.values.length, 0);
  io.stdout.write(`Wrote ${escapeControl(opts.out)} (${imported.keys.length} key${imported.keys.length === 1 ? '' : 's'}, ${values} value${values === 1 ? '' : 's'}). Check it with: regstate plan ${escapeControl(opts.out)}\n`);
  return EXIT.OK;
}
