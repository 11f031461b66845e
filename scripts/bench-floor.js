// @ts-check
// The floor under a .reg plan: what the libraries and the file formats cost before regstate does anything of
// its own. In a fresh node process (median of 3): js-yaml's bare load of the config (its core schema, no
// position listener, no validation) and the .reg file read, decoded from UTF-16 and split into lines. With
// node's own start (printed on the machine line), the plan's wall time less these is regstate's own work:
// positions, the schema, declarations, the .reg model, the plan and its text.
import { execFileSync } from 'node:child_process';
import { median, repoRoot } from './bench-measure.js';

const SCRIPT = `
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
const [config, reg] = process.argv.slice(1);
let t = performance.now();
const text = readFileSync(config, 'utf8');
yaml.load(text, { schema: yaml.CORE_SCHEMA, maxTotalMergeKeys: Number.MAX_SAFE_INTEGER });
const yamlMs = performance.now() - t;
t = performance.now();
const lines = new TextDecoder('utf-16le').decode(readFileSync(reg)).split('\\r\\n');
const regMs = performance.now() - t;
process.stdout.write(JSON.stringify({ yamlMs, regMs, lines: lines.length }));
`;

/**
 * js-yaml's bare load of `config` and the decode and split of `reg`, each the median of 3 fresh processes (ms).
 * @param {string} config @param {string} reg @returns {{ yamlMs: number, regMs: number }}
 */
export function floorMs(config, reg) {
  const runs = Array.from({ length: 3 }, () =>
    JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT, config, reg], { cwd: repoRoot, encoding: 'utf8' })),
  );
  return { yamlMs: Math.round(median(runs.map((r) => r.yamlMs))), regMs: Math.round(median(runs.map((r) => r.regMs))) };
}
