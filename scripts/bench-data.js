// @ts-check
// Generates a desired-state YAML file and the matching registry (.reg file and simulated hive JSON)
// for the benchmark: N values over N/10 keys, every kind, about 10% drift (changed data, retyped,
// missing values, extra values and keys that the config deletes).
import { writeFile } from 'node:fs/promises';
import { encodeRegText, renderHeader, renderKeySection } from '../dist/registry/reg-file/index.js';

const VALUES_PER_KEY = 10;
const KINDS = ['REG_SZ', 'REG_EXPAND_SZ', 'REG_MULTI_SZ', 'REG_DWORD', 'REG_QWORD', 'REG_BINARY', 'REG_NONE'];

/** @typedef {import('../dist/model/registry-value.js').RegistryValue} RegistryValue */

/** @param {number} i @param {string} type @param {number} salt @returns {RegistryValue} */
function valueOf(i, type, salt) {
  const n = (i * 2654435761 + salt) >>> 0;
  switch (type) {
    case 'REG_SZ':
      return { type, data: `value ${i} ${salt}` };
    case 'REG_EXPAND_SZ':
      return { type, data: `%SystemRoot%\\bench\\${i}\\${salt}` };
    case 'REG_MULTI_SZ':
      return { type, data: [`a${i}`, `b${salt}`] };
    case 'REG_DWORD':
      return { type, data: n };
    case 'REG_QWORD':
      return { type, data: 2n ** 53n + BigInt(n) };
    case 'REG_BINARY':
      return { type, data: Uint8Array.from([i & 255, (i >> 8) & 255, salt & 255, 0xff]) };
    default:
      return { type: 'REG_NONE', data: Uint8Array.from([salt & 255, i & 255]) };
  }
}

const hex = (/** @type {Uint8Array} */ b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** @param {RegistryValue} v */
function yamlData(v) {
  switch (v.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return JSON.stringify(v.data);
    case 'REG_MULTI_SZ':
      return `[${v.data.map((s) => JSON.stringify(s)).join(', ')}]`;
    case 'REG_DWORD':
    case 'REG_QWORD':
      return String(v.data);
    case 'REG_BINARY':
    case 'REG_NONE':
      return JSON.stringify(hex(v.data));
    default:
      throw new Error('not generated');
  }
}

/** The simulated hive's stored form: data as .NET holds it. @param {string} name @param {RegistryValue} v */
function simValue(name, v) {
  switch (v.type) {
    case 'REG_SZ':
      return { name, kind: 'String', data: v.data };
    case 'REG_EXPAND_SZ':
      return { name, kind: 'ExpandString', data: v.data };
    case 'REG_MULTI_SZ':
      return { name, kind: 'MultiString', data: v.data };
    case 'REG_DWORD':
      return { name, kind: 'DWord', data: v.data | 0 };
    case 'REG_QWORD':
      return { name, kind: 'QWord', data: BigInt.asIntN(64, v.data).toString() };
    case 'REG_BINARY':
      return { name, kind: 'Binary', data: Buffer.from(v.data).toString('hex') };
    case 'REG_NONE':
      return { name, kind: 'None', data: Buffer.from(v.data).toString('hex') };
    default:
      throw new Error('not generated');
  }
}

/** The YAML styles the config is written in: the same desired state each time. */
export const YAML_STYLES = ['block', 'flow-mappings', 'flow-sequences', 'anchors-merge-comments'];

/**
 * One value's YAML lines (indented for a key's `values:` list) in `style`. With anchors, the first
 * three values of a key are anchored and the last three merge the type from the one seven before.
 * @param {string} style @param {number} k @param {number} j @param {string} name @param {RegistryValue} v
 */
function yamlValue(style, k, j, name, v) {
  const data = yamlData(v);
  if (style === 'flow-mappings' || style === 'flow-sequences') return [`      - { name: ${name}, type: ${v.type}, data: ${data} }`];
  if (style === 'anchors-merge-comments') {
    if (j >= 7) return [`      - <<: *v${k}_${j - 7}  # the type of value ${j - 7}`, `        name: ${name}`, `        data: ${data}`];
    const anchor = j < 3 ? ` &v${k}_${j}` : '';
    return [`      -${anchor}`, `        name: ${name}  # value ${j}`, `        type: ${v.type}`, `        data: ${data}`];
  }
  return [`      - name: ${name}`, `        type: ${v.type}`, `        data: ${data}`];
}

/**
 * Writes `config.yaml`, `registry.reg` and `hive.json` for `count` values into `dir`, the config in
 * one of YAML_STYLES (block by default).
 * @param {string} dir @param {number} count @param {string} [style]
 * @returns {Promise<{config: string, reg: string, hive: string, drift: number}>}
 */
export async function generateBenchData(dir, count, style = 'block') {
  const yaml = ['version: 1', `description: benchmark, ${count} values`, 'keys:'];
  /** @type {string[]} */
  const reg = [renderHeader()];
  /** @type {{path: string, values: object[]}[]} */
  const hiveKeys = [];
  let drift = 0;
  const keyCount = Math.ceil(count / VALUES_PER_KEY);
  for (let k = 0; k < keyCount; k++) {
    const path = `SOFTWARE\\RegstateBench\\Group${Math.floor(k / 100)}\\Key${k}`;
    if (style === 'anchors-merge-comments') yaml.push(`  # key ${k}`);
    yaml.push(`  - path: HKLM\\${path}`);
    if (style !== 'flow-sequences') yaml.push('    values:');
    /** @type {string[]} */
    const valueLines = [];
    /** @type {{name: string, value: RegistryValue | null}[]} */
    const live = [];
    for (let j = 0; j < VALUES_PER_KEY && k * VALUES_PER_KEY + j < count; j++) {
      const i = k * VALUES_PER_KEY + j;
      const type = KINDS[i % KINDS.length] ?? 'REG_SZ';
      const name = `Value${j}`;
      const want = valueOf(i, type, 0);
      valueLines.push(...yamlValue(style, k, j, name, want));
      // About 10% drift, in four flavours: changed data, retyped, missing, and (below) extras to delete.
      const d = i % 40;
      if (d === 7) live.push({ name, value: valueOf(i, type, 1) });
      else if (d === 17) live.push({ name, value: valueOf(i, type === 'REG_SZ' ? 'REG_DWORD' : 'REG_SZ', 0) });
      else if (d === 27) {
        /* missing */
      } else live.push({ name, value: want });
      if (d === 7 || d === 17 || d === 27) drift++;
    }
    // One extra value in every fortieth key, declared absent in the config.
    if (k % 40 === 37) {
      live.push({ name: 'Stale', value: { type: 'REG_SZ', data: 'to delete' } });
      valueLines.push(style === 'block' ? '      - name: Stale' : '      - { name: Stale, ensure: absent }');
      if (style === 'block') valueLines.push('        ensure: absent');
      drift++;
    }
    // a flow sequence of flow mappings: the key's values on one line
    if (style === 'flow-sequences') yaml.push(`    values: [${valueLines.map((l) => l.replace(/^ {6}- /, '')).join(', ')}]`);
    else yaml.push(...valueLines);
    reg.push(renderKeySection('HKLM', path, live));
    hiveKeys.push({ path: `HKLM\\${path}`, values: live.map((v) => simValue(v.name, /** @type {RegistryValue} */ (v.value))) });
  }
  // Extra keys the config declares absent: the plan deletes them with their contents.
  for (let x = 0; x < Math.max(1, Math.floor(keyCount / 100)); x++) {
    const path = `SOFTWARE\\RegstateBench\\Retired${x}`;
    yaml.push(`  - path: HKLM\\${path}`, '    ensure: absent');
    const live = [{ name: 'Old', value: /** @type {RegistryValue} */ ({ type: 'REG_DWORD', data: x }) }];
    reg.push(renderKeySection('HKLM', path, live));
    hiveKeys.push({ path: `HKLM\\${path}`, values: live.map((v) => simValue(v.name, v.value)) });
    drift++;
  }
  const files = { config: `${dir}/config-${count}-${style}.yaml`, reg: `${dir}/registry-${count}.reg`, hive: `${dir}/hive-${count}.json` };
  await writeFile(files.config, `${yaml.join('\n')}\n`);
  await writeFile(files.reg, encodeRegText(reg.join(''), { encoding: 'utf16le', bom: true }));
  await writeFile(files.hive, JSON.stringify({ format: 'regstate-simulated-hive', version: 1, keys: hiveKeys }));
  return { ...files, drift };
}
