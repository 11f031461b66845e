// Wine's reg.exe in a throwaway WINEPREFIX, shared by the tests that check .reg files against it.
// Wine quirks allowed for by the tests:
// - `reg import` reads a UTF-16LE file only with its BOM (our writers always write one), and a file
//   without a BOM as ANSI;
// - `reg query` prints non-ASCII text in the console code page (lossy) and REG_QWORD data and unknown
//   kinds as "(null)", so those are compared through `reg export` instead;
// - `reg export` writes CR and LF inside a REG_SZ as \r and \n escapes (regedit cannot; the parser accepts them);
// - `reg add KEY /f` without /v also sets the key's default value to "".
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { RegistryValue } from '../src/model/registry-value.js';
import { bytesToHex } from '../src/model/value-json.js';

export const HAS_WINE = await execa('wine', ['--version'], { reject: false }).then((r) => r.exitCode === 0, () => false);
// Without wine the tests are skipped locally, but run (and fail) in CI, where wine must be present.
export const describeWine = HAS_WINE || process.env['CI'] ? describe : describe.skip;

/** A fresh WINEPREFIX and a work directory, with reg.exe calls into it. */
export class WinePrefix {
  private constructor(
    readonly prefix: string,
    readonly work: string,
  ) {}

  /** Creates the prefix (the first wine start takes 10-20 s); give the caller's beforeAll a long timeout. */
  static async create(): Promise<WinePrefix> {
    const wine = new WinePrefix(await mkdtemp(join(tmpdir(), 'regstate-wine-')), await mkdtemp(join(tmpdir(), 'regstate-wine-work-')));
    // A persistent wineserver would make calls faster, but wine's service processes then hold the output pipes open.
    await wine.reg('query', 'HKCU\\Software');
    return wine;
  }

  env(): Record<string, string> {
    return { WINEPREFIX: this.prefix, WINEDEBUG: '-all' };
  }

  /** `wine reg ARGS`; throws with its output when it fails. */
  async reg(...args: string[]): Promise<string> {
    const r = await this.tryReg(...args);
    if (r.exitCode !== 0) throw new Error(`wine reg ${args.join(' ')} failed (${r.exitCode}): ${r.output}`);
    return r.output;
  }

  async tryReg(...args: string[]): Promise<{ exitCode: number; output: string }> {
    const r = await execa('wine', ['reg', ...args], { env: this.env(), reject: false, encoding: 'latin1' });
    return { exitCode: r.exitCode ?? -1, output: `${r.stdout}${r.stderr}` };
  }

  /** `reg query KEY` as name -> [type, data] ('' for the default value). */
  async query(key: string): Promise<Map<string, [string, string]>> {
    const out = new Map<string, [string, string]>();
    for (const line of (await this.reg('query', key)).split(/\r?\n/)) {
      const m = /^ {4}(.*?) {4}(REG_\w+|\(null\)) {4}(.*)$/.exec(line.replace(/\r$/, ''));
      if (m) out.set(m[1] === '(Default)' ? '' : (m[1] as string), [m[2] as string, m[3] as string]);
    }
    return out;
  }

  /** The bytes `reg export KEY` writes. */
  async exportKey(key: string): Promise<Buffer> {
    const file = join(this.work, `export-${key.replace(/\W/g, '_')}.reg`);
    await this.reg('export', key, file, '/y');
    return readFile(file);
  }

  async dispose(): Promise<void> {
    await execa('wineserver', ['-k'], { env: this.env(), reject: false });
    await rm(this.prefix, { recursive: true, force: true });
    await rm(this.work, { recursive: true, force: true });
  }
}

/** What `reg query` prints as a value's data, for the values it prints faithfully (ASCII, one line, known kind). */
export function queryText(value: RegistryValue): string | undefined {
  switch (value.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return /^[\x20-\x7e]*$/.test(value.data) ? value.data : undefined;
    case 'REG_MULTI_SZ':
      return value.data.every((s) => /^[\x20-\x7e]*$/.test(s)) ? value.data.join('\\0') : undefined;
    case 'REG_DWORD':
      return `0x${value.data.toString(16)}`;
    case 'REG_BINARY':
    case 'REG_NONE':
      return bytesToHex(value.data).toUpperCase();
    default:
      return undefined;
  }
}
