import { createHash } from 'node:crypto';
import { type Diagnostic, RegstateError } from '../errors.js';
import { readRegularFile } from '../fs/read-regular-file.js';

export type ReadConfigResult = { ok: true; text: string; sha256: string } | { ok: false; diagnostic: Diagnostic };

const startOf = (file: string) => ({ file, line: 1, column: 1 });

function readFailure(file: string, error: unknown): Diagnostic {
  // readRegularFile has already put the reason into words (a FIFO, a device, a directory...).
  if (error instanceof RegstateError) return { code: error.code, message: error.message.replace(`cannot read ${file}: `, ''), source: startOf(file) };
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { code: 'FILE_NOT_FOUND', message: 'file not found', source: startOf(file) };
  if (code === 'EISDIR') return { code: 'FILE_UNREADABLE', message: 'is a directory, not a file', source: startOf(file) };
  if (code === 'EACCES' || code === 'EPERM') return { code: 'FILE_UNREADABLE', message: 'permission denied', source: startOf(file) };
  const reason = error instanceof Error ? error.message : String(error);
  return { code: 'FILE_UNREADABLE', message: `cannot read the file: ${reason}`, source: startOf(file) };
}

/** Line and column (1-based, in characters) of the first byte that is not valid UTF-8. */
function locateInvalidUtf8(bytes: Uint8Array): { line: number; column: number } {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  let byteOffset = 0;
  let charIndex = 0;
  for (let at = text.indexOf('\uFFFD'); at >= 0; at = text.indexOf('\uFFFD', charIndex)) {
    byteOffset += Buffer.byteLength(text.slice(charIndex, at));
    // a U+FFFD written in the file itself is valid UTF-8 (EF BF BD); only a replaced byte is an error
    if (bytes[byteOffset] === 0xef && bytes[byteOffset + 1] === 0xbf && bytes[byteOffset + 2] === 0xbd) {
      byteOffset += 3;
      charIndex = at + 1;
      continue;
    }
    charIndex = at;
    break;
  }
  const before = text.slice(text.startsWith('\uFEFF') ? 1 : 0, charIndex);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: before.length - lineStart + 1 };
}

function decode(file: string, bytes: Uint8Array): { text: string } | { diagnostic: Diagnostic } {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  const utf32 = bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff;
  if (utf16 || utf32) {
    const which = utf32 ? 'UTF-32' : 'UTF-16';
    return { diagnostic: { code: 'FILE_ENCODING', message: `file is ${which} encoded (it starts with a ${which} byte order mark); save it as UTF-8`, source: startOf(file) } };
  }
  try {
    // the decoder drops a leading UTF-8 byte order mark
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const { line, column } = locateInvalidUtf8(bytes);
    return { diagnostic: { code: 'FILE_ENCODING', message: 'file is not valid UTF-8; save it as UTF-8', source: { file, line, column } } };
  }
}

/** Reads a config file as UTF-8 text, with the sha256 of its bytes; `file` is the path as the user gave it, `at` where to read it. */
export async function readConfigFile(file: string, at: string = file): Promise<ReadConfigResult> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(at, file);
  } catch (error) {
    return { ok: false, diagnostic: readFailure(file, error) };
  }
  const decoded = decode(file, bytes);
  if ('diagnostic' in decoded) return { ok: false, diagnostic: decoded.diagnostic };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { ok: true, text: decoded.text, sha256 };
}
