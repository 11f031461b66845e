import { createHash } from 'node:crypto';
import { realpath, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RegstateError } from '../../errors.js';
import { fileHasContent, readRegularFile } from '../../fs/read-regular-file.js';
import { resolveWriteTarget, writeFileAtomic } from '../../fs/write-file-atomic.js';
import type { LiveKey } from '../../model/live-state.js';
import type { BackendStats, ReadRequest, RegistryBackend, Target, TargetImage, WriteOp, WriteOutcome } from '../backend.js';
import { physicalKeyPath } from '../physical-key.js';
import { encodeRegParts } from './decode-reg-bytes.js';
import { type RegFileOp, RegFileEditor } from './edit-reg-file.js';
import { renderDeleteValueEntry as deleteValueEntryText, renderValueEntry as valueEntryText } from './format-reg-value.js';
import { HEADER_5, type RegReadSelection, parseRegFile, selectionKeyId } from './parse-reg-file.js';
import { foldName } from '../../model/fold-name.js';
import type { RegFile } from './reg-file-model.js';
import { detectNewline, renderRegFileParts, sameRenderedText } from './render-reg-file.js';
import { RegTree } from './reg-tree.js';
import { snapshotTree } from '../snapshot-tree.js';
import { PROFILE_LIST_PATH, UnloadedProfiles, profilesInTree } from '../profile-list.js';
import type { UserProfile } from '../../model/user-profile.js';

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
 * batch changes only the entries its ops touch and rewrites the file once, atomically and durably
 * (writeFileAtomic: through a link, keeping mode and owner); a batch that changes nothing leaves the
 * file alone. A write first checks that the file is still byte for byte what was last read
 * (compare-and-swap) and refuses with TARGET_CHANGED otherwise. A written file is always version 5.00
 * in UTF-16LE with a BOM, as regedit writes it.
 */
export class RegFileBackend implements RegistryBackend {
  readonly target: Target;
  private reg: RegFile | undefined;
  private loadedBytes: Buffer | undefined;
  // What the file was when last read or written: bytes, null (missing), undefined (not read yet).
  private seen: Buffer | null | undefined;
  // What reads answer from: a parse of the bytes on disk, never the entries a write has edited.
  private readView: { bytes: Buffer; reg: RegFile } | undefined;
  private roundTrips = 0;

  private constructor(readonly file: string, private readonly create: boolean) {
    this.target = { backend: 'regfile', file };
  }

  /**
   * Opens a .reg file. A missing file is FILE_NOT_FOUND, unless `create` is set: then it is an empty
   * registry, created by the first write that changes something (its folder must exist).
   */
  static async open(path: string, options: { create?: boolean } = {}): Promise<RegFileBackend> {
    const backend = new RegFileBackend(resolve(path), options.create === true);
    if ((await backend.load()) === undefined) await resolveWriteTarget(backend.file);
    return backend;
  }

  /** Rereads the file when its bytes changed since the last read or write (so an edit made elsewhere is seen). */
  private async load(): Promise<RegFile | undefined> {
    const bytes = await this.readCurrentBytes();
    if (bytes === undefined) return undefined;
    if (this.loadedBytes && this.reg && bytes.equals(this.loadedBytes)) return this.reg;
    this.reg = parseRegFile(bytes, this.file);
    this.loadedBytes = bytes;
    this.readView = { bytes, reg: this.reg };
    return this.reg;
  }

  /** The file's bytes now (undefined: missing, allowed with `create`), remembered for the compare-and-swap. */
  private async readCurrentBytes(): Promise<Buffer | undefined> {
    // Most often the file is still what was last read or written: checked piece by piece, those bytes are it.
    if (this.seen && (await fileHasContent(this.file, this.seen)) === true) return this.seen;
    const read = await readBytes(this.file);
    // Bytes equal to ones already held are held once (a 100,000-value file is 12.7 MB).
    const bytes = read && ([this.loadedBytes, this.readView?.bytes].find((held) => held?.equals(read)) ?? read);
    this.seen = bytes ?? null;
    if (bytes === undefined) {
      if (!this.create) {
        throw new RegstateError('FILE_NOT_FOUND', `the registry file ${this.file} does not exist (to start a new .reg file, ask for it: --create-registry)`);
      }
      this.reg = undefined;
      this.loadedBytes = undefined;
      this.readView = undefined;
    }
    return bytes;
  }

  /**
   * The file as the bytes on disk say it is, parsed again whenever they changed (a write's read-back
   * included). A new parse for keys read on their own (no recursive request) decodes only those keys'
   * values, and of them only the ones asked for: such a parse serves that read alone.
   */
  private async loadForRead(requests: ReadRequest[]): Promise<RegFile | undefined> {
    const bytes = await this.readCurrentBytes();
    if (bytes === undefined) return undefined;
    if (this.readView && !this.readView.reg.partial && this.readView.bytes.equals(bytes)) return this.readView.reg;
    const reg = parseRegFile(bytes, this.file, readSelection(requests));
    this.readView = { bytes, reg };
    // A later write may start from a whole parse (it then stops being the read view), never from a partial one.
    if (!this.reg || !this.loadedBytes?.equals(bytes)) {
      this.reg = reg.partial ? undefined : reg;
      this.loadedBytes = reg.partial ? undefined : bytes;
    }
    return reg;
  }

  async read(requests: ReadRequest[]): Promise<LiveKey[]> {
    this.roundTrips++;
    const reg = await this.loadForRead(requests);
    const tree = reg ? RegTree.fromRegFile(reg) : new RegTree();
    if (requests.some((r) => r.key.hive === 'HKU')) {
      const problems = this.unloadedProfiles(tree).readProblems(requests.map((r) => r.key));
      if (problems.length > 0) throw RegstateError.fromDiagnostics(problems);
    }
    const out: LiveKey[] = [];
    // The tree is this read's alone, and no value of a parse is ever changed in place (the editor replaces an
    // entry's value, RegFileEditor.rewrite): the LiveKeys can hold the tree's values without a copy of each,
    // and its maps of them by folded name as their LiveState index.
    for (const r of requests) snapshotTree(r.key, tree.find(physicalKeyPath(r.key)), out, r.recursive === true, true, true);
    return out;
  }

  async write(ops: WriteOp[]): Promise<WriteOutcome[]> {
    this.roundTrips++;
    if (this.seen === undefined) await this.load();
    await this.checkUnchanged();
    if (this.seen && !this.reg) {
      this.reg = parseRegFile(this.seen, this.file);
      this.loadedBytes = this.seen;
    }
    const reg = this.reg ?? emptyRegFile();
    // The edits below change the parsed file in place: until the write succeeds, it is not what the disk has,
    // and reads never answer from it again.
    this.reg = undefined;
    if (this.readView?.reg === reg) this.readView = undefined;
    // The text before and after as pieces: comparing them costs no copy of the file's text.
    const before = renderRegFileParts(reg);
    const newline = detectNewline(reg);
    const editor = new RegFileEditor(reg, newline);
    // A user hive the file does not hold is not written into it (an import could not create HKU\<sid>).
    const unloaded = ops.some((op) => op.key.hive === 'HKU') ? this.unloadedProfiles(RegTree.fromRegFile(reg)) : undefined;
    const outcomes = ops.map((op): WriteOutcome => {
      const reason = unloaded?.reasonFor(op.key);
      return reason === undefined ? editor.apply(toPhysical(op)) : { ok: false, code: 'PROFILE_UNAVAILABLE', message: reason };
    });
    editor.settle();
    const after = renderRegFileParts(reg);
    if (sameRenderedText(after, before)) {
      if (this.seen) this.reg = reg;
      return outcomes;
    }
    const upgrade = reg.format.version !== '5.00' || reg.format.encoding !== 'utf16le' || !reg.format.bom;
    if (upgrade) upgradeToVersion5(reg, newline);
    const bytes = encodeRegParts(upgrade ? renderRegFileParts(reg) : after, reg.format);
    await writeFileAtomic(this.file, bytes);
    // Later writes go on from these entries (they keep deleted keys' places); reads parse the bytes on disk.
    this.reg = reg;
    this.loadedBytes = bytes;
    this.seen = bytes;
    return outcomes;
  }

  /** Compare-and-swap: refuses when the file is no longer what this backend last read or wrote. */
  private async checkUnchanged(): Promise<void> {
    // compared piece by piece: no copy of the file
    const same = this.seen ? (await fileHasContent(this.file, this.seen)) === true : (await readBytes(this.file)) === undefined;
    if (!same) {
      throw new RegstateError('TARGET_CHANGED', `${this.file} changed since regstate read it (another program wrote it): nothing was written to it; plan again`);
    }
  }

  stats(): BackendStats {
    return { processes: 0, roundTrips: this.roundTrips };
  }

  /**
   * The profiles of the file's ProfileList (HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList),
   * each loaded when the file holds its HKU\<sid>, and the default profile when it holds HKU\<Default>
   * (see profilesInTree). A profile whose hive the file does not hold cannot be read or written (PROFILE_UNAVAILABLE).
   */
  async listProfiles(): Promise<UserProfile[]> {
    this.roundTrips++;
    // A recursive request: the whole file is parsed (ProfileImagePath and the HKU keys are needed).
    const reg = await this.loadForRead([{ key: { hive: 'HKLM', path: PROFILE_LIST_PATH, view: 64 }, recursive: true }]);
    const tree = reg ? RegTree.fromRegFile(reg) : new RegTree();
    return profilesInTree((key) => tree.find(key));
  }

  private unloadedProfiles(tree: RegTree): UnloadedProfiles {
    return new UnloadedProfiles(profilesInTree((key) => tree.find(key)), 'the .reg file');
  }

  // Why images: re-rendering touched entries cannot put a value or key that was deleted and is
  // recreated by a later process back in its old place (README, "Writing"). The file's own bytes
  // can, so an apply journals them and its rollback restores them while the file is still exactly
  // what the apply left; otherwise rollback goes value by value, keeping other people's edits.
  async captureImage(): Promise<TargetImage> {
    const bytes = await this.imageBytes();
    return bytes ? { bytes, sha256: sha256Hex(bytes) } : { bytes: null, sha256: null };
  }

  async imageSha256(): Promise<string | null> {
    const bytes = await this.imageBytes();
    return bytes ? sha256Hex(bytes) : null;
  }

  // Taken right before a write (for the journal) and right after it: a file changed since this backend read or
  // wrote it is refused (TARGET_CHANGED). The file is read once: checked to be those bytes, they are its image.
  private async imageBytes(): Promise<Buffer | null> {
    if (this.seen === undefined) return (await readBytes(this.file)) ?? null;
    await this.checkUnchanged();
    return this.seen;
  }

  async restoreImage(image: TargetImage, expectedSha256: string | null): Promise<boolean> {
    this.roundTrips++;
    const bytes = await readBytes(this.file);
    if ((bytes ? sha256Hex(bytes) : null) !== expectedSha256) return false;
    if (image.bytes === null) {
      // Removes the file a link points to, never the link.
      await rm(await realpath(this.file).catch(() => this.file), { force: true });
      this.seen = null;
    } else {
      const restored = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength);
      if (image.sha256 !== null && sha256Hex(restored) !== image.sha256) throw new RegstateError('JOURNAL', `the journaled image of ${this.file} is damaged (sha256 mismatch)`);
      await writeFileAtomic(this.file, restored);
      this.seen = restored;
    }
    this.reg = undefined;
    this.loadedBytes = undefined;
    this.readView = undefined;
    return true;
  }

  async close(): Promise<void> {}
}

/** Opens a .reg file as a registry backend (see RegFileBackend); `create` lets a missing file be an empty registry. */
export function openRegFile(path: string, options: { create?: boolean } = {}): Promise<RegFileBackend> {
  return RegFileBackend.open(path, options);
}

/** What a read of these requests needs decoded: undefined (everything) when one of them is recursive. */
function readSelection(requests: ReadRequest[]): RegReadSelection | undefined {
  if (requests.some((r) => r.recursive === true)) return undefined;
  const selection = new Map<string, Set<string> | undefined>();
  for (const r of requests) {
    const { hive, path } = physicalKeyPath(r.key);
    const id = selectionKeyId(hive, path);
    const names = selection.has(id) ? selection.get(id) : new Set<string>();
    if (names === undefined || r.values === undefined) selection.set(id, undefined);
    else {
      for (const name of r.values) names.add(foldName(name));
      selection.set(id, names);
    }
  }
  return selection;
}

function toPhysical(op: WriteOp): RegFileOp {
  return { ...op, key: physicalKeyPath(op.key) } as RegFileOp;
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// A missing file is undefined; a FIFO, device or directory is refused (FILE_UNREADABLE) without blocking.
async function readBytes(file: string): Promise<Buffer | undefined> {
  try {
    return await readRegularFile(file);
  } catch (error) {
    if (error instanceof RegstateError && error.code === 'FILE_NOT_FOUND') return undefined;
    throw error;
  }
}
