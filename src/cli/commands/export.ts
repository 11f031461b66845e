import { randomUUID } from 'node:crypto';
import { formatDiagnostic } from '../../errors.js';
import { renderGppRegistryXml } from '../../interop/gpp/render-gpp-registry-xml.js';
import { describeUnexported } from '../../interop/describe-unexported.js';
import { renderDesiredStateReg } from '../../interop/reg/render-desired-state-reg.js';
import { encodeRegText } from '../../registry/reg-file/decode-reg-bytes.js';
import { EXIT } from '../exit-codes.js';
import { loadConfigs } from '../load-configs.js';
import type { Io } from '../io.js';
import { checkOutputFile, writeOutputFile } from '../write-output-file.js';
import { escapeControl } from '../../model/display-text.js';
import { type VarOptions, readLocalVars } from '../var-options.js';

export interface ExportOptions extends VarOptions {
  format: 'reg' | 'gpp';
  out?: string;
  force?: boolean;
}

/**
 * `regstate export CONFIG... --format reg|gpp`. With `--out`, a .reg file is written as regedit writes
 * one (UTF-16LE with a BOM, what `reg import` reads); on stdout the same text goes out as UTF-8, which
 * `reg import` would read as ANSI, so a warning says so when the text is not plain ASCII.
 */
export async function runExport(configs: string[], opts: ExportOptions, io: Io): Promise<number> {
  if (opts.out) await checkOutputFile(opts.out, io, { overwrite: opts.force === true });
  const desired = await loadConfigs(configs, io, await readLocalVars(opts, io.cwd));
  for (const w of describeUnexported(desired, opts.format)) io.stderr.write(`regstate: warning: ${formatDiagnostic(w)}\n`);
  let output: string | Uint8Array;
  let text: string;
  if (opts.format === 'reg') {
    text = renderDesiredStateReg(desired);
    output = encodeRegText(text, { encoding: 'utf16le', bom: true });
  } else {
    const rendered = renderGppRegistryXml(desired, { now: new Date(), newUid: () => `{${randomUUID().toUpperCase()}}` });
    for (const w of rendered.warnings) io.stderr.write(`regstate: warning: ${formatDiagnostic(w)}\n`);
    text = rendered.xml.endsWith('\n') ? rendered.xml : `${rendered.xml}\n`;
    output = text;
  }
  if (!opts.out) {
    if (opts.format === 'reg' && /[^\x00-\x7f]/.test(text)) {
      io.stderr.write('regstate: warning: the .reg text on stdout is UTF-8, which reg import reads as ANSI and garbles non-ASCII text; use -o FILE.reg for a UTF-16LE file\n');
    }
    io.stdout.write(text);
    return EXIT.OK;
  }
  await writeOutputFile(opts.out, output, io, { overwrite: opts.force === true });
  const next = opts.format === 'reg' ? `Import it with: reg import ${opts.out}` : 'Put it in a GPO as Machine\\Preferences\\Registry\\Registry.xml (or User\\... for HKCU)';
  io.stdout.write(`${escapeControl(`Wrote ${opts.out}. ${next}`)}\n`);
  return EXIT.OK;
}
