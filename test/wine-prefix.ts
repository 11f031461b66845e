// Wine's reg.exe in a throwaway WINEPREFIX, shared by the tests that check .reg files against it.
// Wine quirks allowed for by the tests:
// - `reg import` reads a UTF-16LE file only with its BOM (our writers always write one), and a file
//   without a BOM as ANSI;
// - `reg query` prints non-ASCII text in the console code page (lossy) and REG_QWORD data and unknown
//   kinds as "(null)", so those are compared through `reg export` instead;
// - `reg export` writes CR and LF inside a REG_SZ as \r and \n escapes (regedit cannot; the parser accepts them);
// - `reg add KEY /f` without /v also sets the key's default value to "".
import { copyFile, mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { RegistryValue } from '../src/model/registry-value.js';
import { bytesToHex } from '../src/model/value-json.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
/** A booted prefix (Windows 10) that scripts/provision-test-tools.sh makes; each WinePrefix is a copy. */
export const WINE_PREFIX_TEMPLATE = join(repoRoot, '.tools', 'wine-prefix-template');
/** The Windows PowerShell 7 host under wine (scripts/provision-test-tools.sh builds it). */
export const WINDOWS_PWSH = join(repoRoot, '.tools', 'windows-pwsh', 'pwsh-wine');
export const PROVISION_HINT = 'run `bash scripts/provision-test-tools.sh` (npm test runs it), or set REGSTATE_SKIP_WINDOWS=1 to leave out the Windows suites';

/**
 * The one opt-out for contributors without Windows tooling: REGSTATE_SKIP_WINDOWS=1 skips the suites
 * that need wine (CI never sets it, and the provisioning script refuses it under CI). Otherwise they run,
 * and fail with PROVISION_HINT when a tool is missing.
 */
export const SKIP_WINDOWS = process.env['REGSTATE_SKIP_WINDOWS'] === '1' && !process.env['CI'];
export const describeWine = SKIP_WINDOWS ? describe.skip : describe;

// Every wine call has its own deadline, so no test harness can wait forever on a stuck wine.
const WINE_CALL_MS = 60_000;
// Files wine may rewrite in place: the copy gets its own, the rest are hard links to the template.
const OWN_FILES = ['system.reg', 'user.reg', 'userdef.reg', 'drive_c/windows/win.ini', 'drive_c/windows/system.ini'];

/** A fresh WINEPREFIX (a copy of the provisioned template, with a persistent wineserver) and a work directory. */
export class WinePrefix {
  private constructor(
    readonly prefix: string,
    readonly work: string,
  ) {}

  /** Copies the template and starts its wineserver and services (about 10 s); give beforeAll a long timeout. */
  static async create(): Promise<WinePrefix> {
    if (!existsSync(join(WINE_PREFIX_TEMPLATE, '.regstate-ready'))) throw new Error(`no wine prefix template in ${WINE_PREFIX_TEMPLATE}: ${PROVISION_HINT}`);
    const parent = await mkdtemp(join(tmpdir(), 'regstate-wineprefix-'));
    const wine = new WinePrefix(join(parent, 'prefix'), await mkdtemp(join(tmpdir(), 'regstate-wineprefix-work-')));
    await execa('cp', ['-al', WINE_PREFIX_TEMPLATE, wine.prefix], { timeout: WINE_CALL_MS });
    for (const file of OWN_FILES) {
      const from = join(WINE_PREFIX_TEMPLATE, file);
      if (!existsSync(from)) continue;
      await unlink(join(wine.prefix, file));
      await copyFile(from, join(wine.prefix, file));
    }
    // One persistent wineserver per prefix (a wine start takes 0.4 s instead of 3 s). Its service
    // processes inherit the stdio of the process that starts them, so a first process without any
    // starts them: no later call's output pipe is held open by them.
    await execa('wineserver', ['-p'], { env: wine.env(), stdio: 'ignore', timeout: WINE_CALL_MS });
    await execa('wine', ['cmd', '/c', 'exit'], { env: wine.env(), stdio: 'ignore', timeout: WINE_CALL_MS });
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
    // wine's reg.exe now and then exits 1 without a word while the prefix's other processes run (about one
    // run in ten of windows-profiles.test.ts); a real failure always says why, so only a silent one is tried again
    for (let attempt = 1; ; attempt++) {
      const r = await execa('wine', ['reg', ...args], { env: this.env(), reject: false, encoding: 'latin1', timeout: WINE_CALL_MS });
      const result = { exitCode: r.exitCode ?? -1, output: `${r.stdout}${r.stderr}` };
      if (result.exitCode === 0 || result.output.trim() !== '' || attempt === 3) return result;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
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

  /** The bytes `reg export KEY` writes (in the given registry view, else reg.exe's default). */
  async exportKey(key: string, view?: 32 | 64): Promise<Buffer> {
    const file = join(this.work, `export-${key.replace(/\W/g, '_')}.reg`);
    await this.reg('export', key, file, '/y', ...(view ? [`/reg:${view}`] : []));
    return readFile(file);
  }

  /** `reg export KEY`, or undefined when the key does not exist. */
  async tryExportKey(key: string, view?: 32 | 64): Promise<Buffer | undefined> {
    const file = join(this.work, `export-${key.replace(/\W/g, '_')}.reg`);
    const r = await this.tryReg('export', key, file, '/y', ...(view ? [`/reg:${view}`] : []));
    return r.exitCode === 0 ? readFile(file) : undefined;
  }

  async dispose(): Promise<void> {
    await execa('wineserver', ['-k'], { env: this.env(), reject: false, timeout: WINE_CALL_MS });
    await rm(join(this.prefix, '..'), { recursive: true, force: true });
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
