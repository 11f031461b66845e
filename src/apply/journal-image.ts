import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { RegstateError } from '../errors.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';
import type { TargetImage } from '../registry/backend.js';
import type { Journal, JournalImageData, JournalImageFile } from './journal.js';

/** The image a rollback may put back, read from a journal and checked against its sha256. */
export interface RollbackImage {
  before: TargetImage;
  /** The target's sha256 right after the apply's write batch; absent when the run died before it. */
  afterSha256?: string | null;
}

/** The name of a journal's image file: the journal's own name, `.image` for `.json`. */
export function imageFileName(journalFile: string): string {
  return `${basename(journalFile).replace(/\.json$/, '')}.image`;
}

/**
 * Writes the target's content beside the journal, once, as its raw bytes (owner-only, atomic), and
 * returns what the journal records of it. A target that did not exist has no file.
 */
export async function writeJournalImage(journalFile: string, image: TargetImage): Promise<JournalImageFile> {
  if (image.bytes === null) return { file: null, sha256: null };
  const file = imageFileName(journalFile);
  await writeFileAtomic(join(dirname(journalFile), file), image.bytes, 0o600);
  return { file, sha256: image.sha256 };
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function refuse(journalFile: string, what: string): never {
  throw new RegstateError('JOURNAL', `${journalFile}: ${what}: refusing to roll back (nothing was written)`);
}

/**
 * The image a journal holds, checked: format 3 reads its file beside the journal, format 2 decodes
 * its base64. A missing image file, or content whose sha256 is not the recorded one, is refused
 * (JOURNAL): a rollback never writes back bytes the journal cannot vouch for.
 */
export async function readJournalImage(journal: Journal, journalFile: string): Promise<RollbackImage | undefined> {
  const image = journal.image;
  if (!image) return undefined;
  const rest = image.afterSha256 === undefined ? {} : { afterSha256: image.afterSha256 };
  const before = 'file' in image.before ? await readImageFile(image.before, journalFile) : decodeImageData(image.before);
  if (before.bytes !== null && sha256Hex(before.bytes) !== before.sha256) {
    refuse(journalFile, 'the image of the target it recorded was altered since the apply (its sha256 is not the one the journal recorded)');
  }
  return { before, ...rest };
}

async function readImageFile(ref: JournalImageFile, journalFile: string): Promise<TargetImage> {
  if (ref.file === null) return { bytes: null, sha256: null };
  const path = join(dirname(journalFile), ref.file);
  try {
    return { bytes: await readRegularFile(path), sha256: ref.sha256 };
  } catch (error) {
    if (error instanceof RegstateError && error.code === 'FILE_NOT_FOUND') refuse(journalFile, `its image file ${path} (the target's content before the apply) is missing`);
    if (error instanceof RegstateError) refuse(journalFile, `its image file cannot be read: ${error.message}`);
    throw error;
  }
}

function decodeImageData(data: JournalImageData): TargetImage {
  return { bytes: data.data === null ? null : Buffer.from(data.data, 'base64'), sha256: data.sha256 };
}
