import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RegstateError } from '../../errors.js';
import type { LiveKey } from '../../model/live-state.js';
import type { BackendStats, ReadRequest, RegistryBackend, Target, TargetImage, WriteOp, WriteOutcome } from '../backend.js';
import { physicalKeyPath } from '../physical-key.js';
import { encodeRegText } from './decode-reg-bytes.js';
import { type RegFileOp, RegFileEditor } from './edit-reg-file.js';
import { renderDeleteValueEntry as deleteValueEntryText, renderValueEntry as valueEntryText } from './format-reg-value.js';
import { HEADER_5, parseRegFile } from './parse-reg-file.js';
import type { RegFile } from './reg-file-model.js';
import { detectNewline, renderRegFile } from './render-reg-file.js';
import { RegTree } from './reg-tree.js';
import { snapshotTree } from '../snapshot-tree.js';

function emptyRegFile(): RegFile {
  return { format: { version: '5.00', encoding: 'utf16le', bom: true }, header: `${HEADER_5}\r\n`, preamble: [{ type: 'trivia', raw: '\r\n', line: 2 }], sections: [] };
}

/** Rewrites a REGEDIT4 file's value entries for version 5.00, where hex(1)/(2)/(7) text is UTF-16LE. */
function upgradeToVersion5(reg: RegFile, newline: string): void {
  if (reg.format.version === '4') {
    reg.header = `${HEADER_5}${newline}`;
    for (const s of reg.sections) {
      for (const e of s.entries) {
        if (e.type !== 'value') continue;
        e.raw = e.value === null ? deleteValueEntryText(e.name, newline) : valueEntryText(e.name, e.value, newline);
        if (e.original) e.original = { ...e.original, raw: e.original.value === null ? e.original.raw : valueEntryText(e.name, e.original.value, newline) };
      }
    }
  }
  reg.format = { version: '5.00', encoding: 'utf16le', bom: true };
}

/**
 * A .reg file used as an offline registry. Reads are answered from the file as if it were imported
 * into an empty registry (`[-KEY]` and `"name"=-` mean the key or value does not exist). A write
 * batch changes only the entries its ops touch and rewrites the file once, atomically (a temporary
 * file in the same directory, then a rename); a batch that changes nothing leaves the file alone.
 * A written file is always version 5.00 in UTF-16LE with a BOM, as regedit writes it.
 */
export class RegFileBackend implements RegistryBackend {
  readonly target: Target;
  private reg: RegFile | undefined;
  private loadedBytes: Buffer | undefined;
  // What reads answer from: a parse of the bytes on disk, never the edited entries of a write.
  private readView: { bytes: Buffer; reg: RegFile } | undefined;
  private roundTrips = 0;

  private constructor(readonly file: string) {
    this.target = { backend: 'regfile', file };
  }

  /** Opens a .reg file; a missing file is an empty registry, created by the first write that changes something. */
  static async open(path: string): Promise<RegFileBackend> {
    const backend = new RegFileBackend(resolve(path));
    await backend.load();
    return backend;
  }

  /** Rereads the file when its bytes changed since the last read or write (so an edit made elsewhere is seen). */
  private async load(): Promise<RegFile | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
        this.reg = undefined;
        this.loadedBytes = undefined;
        return undefined;
      }
      throw new RegstateError('FILE_UNREADABLE', `cannot read ${this.file}: ${(cause as Error).message}`, { cause });
    }
    if (this.loadedBytes && this.reg && bytes.equals(this.loadedBytes)) return this.reg;
    this.reg = parseRegFile(bytes, this.file);
    this.loadedBytes = bytes;
    this.readView = { bytes, reg: this.reg };
    return this.reg;
  }

  /** The file as the bytes on disk say it is, parsed again whenever they changed (a write's read-back included). */
  private async loadForRead(): Promise<RegFile | undefined> {
    const bytes = await readBytes(this.file);
    if (!bytes) return undefined;
    if (!this.readView || !this.readView.bytes.equals(bytes)) this.readView = { bytes, reg: parseRegFile(bytes, this.file) };
    return this.readView.reg;
  }

  async read(requests: ReadRequest[]): Promise<LiveKey[]> {
    this.roundTrips++;
    const reg = await this.loadForRead();
    const tree = reg ? RegTree.fromRegFile(reg) : new RegTree();
    const out: LiveKey[] = [];
    for (const r of requests) snapshotTree(r.key, tree.find(physicalKeyPath(r.key)), out, r.recursive === true);
    return out;
  }

  async write(ops: WriteOp[]): Promise<WriteOutcome[]> {
    this.roundTrips++;
    const reg = (await this.load()) ?? emptyRegFile();
    // the edits below change these entries, so reads must no longer answer from them
    if (this.readView?.reg === reg) this.readView = undefined;
    const before = renderRegFile(reg);
    const newline = detectNewline(reg);
    const editor = new RegFileEditor(reg, newline);
    const outcomes = ops.map((op) => editor.apply(toPhysical(op)));
    editor.settle();
    if (renderRegFile(reg) === before) return outcomes;
    if (reg.format.version !== '5.00' || reg.format.encoding !== 'utf16le' || !reg.format.bom) upgradeToVersion5(reg, newline);
    const bytes = encodeRegText(renderRegFile(reg), reg.format);
    await writeAtomically(this.file, bytes);
    this.reg = reg;
    this.loadedBytes = bytes;
    return outcomes;
  }

  stats(): BackendStats {
    return { processes: 0, roundTrips: this.roundTrips };
  }

  // Why images: re-rendering touched entries cannot put a value or key that was deleted and is
  // recreated by a later process back in its old place (README, "Writing"). The file's own bytes
  // can, so an apply journals them and its rollback restores them while the file is still exactly
  // what the apply left; otherwise rollback goes value by value, keeping other people's edits.
  async captureImage(): Promise<TargetImage> {
    const bytes = await readBytes(this.file);
    return bytes ? { data: bytes.toString('base64'), sha256: sha256Hex(bytes) } : { data: null, sha256: null };
  }

  async restoreImage(image: TargetImage, expectedSha256: string | null): Promise<boolean> {
    this.roundTrips++;
    const bytes = await readBytes(this.file);
    if ((bytes ? sha256Hex(bytes) : null) !== expectedSha256) return false;
    if (image.data === null) {
      await rm(this.file, { force: true });
    } else {
      const restored = Buffer.from(image.data, 'base64');
      if (image.sha256 !== null && sha256Hex(restored) !== image.sha256) throw new RegstateError('JOURNAL', `the journaled image of ${this.file} is damaged (sha256 mismatch)`);
      await writeAtomically(this.file, restored);
    }
    this.reg = undefined;
    this.loadedBytes = undefined;
    this.readView = undefined;
    return true;
  }

  async close(): Promise<void> {}
}

/** Opens a .reg file as a registry backend (see RegFileBackend). */
export function openRegFile(path: string): Promise<RegFileBackend> {
  return RegFileBackend.open(path);
}

function toPhysical(op: WriteOp): RegFileOp {
  return { ...op, key: physicalKeyPath(op.key) } as RegFileOp;
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readBytes(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegstateError('FILE_UNREADABLE', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new RegstateError('WRITE_FAILED', `cannot write ${file}: ${(cause as Error).message}`, { cause });
  }
}
