import { RegstateError } from '../../errors.js';
import type { RegFileFormat } from './reg-file-model.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ANSI = new TextDecoder('windows-1252');

/**
 * The text of a .reg file and how it was stored: UTF-16LE (regedit 5.00, with a BOM; also accepted
 * without one), UTF-8 with or without a BOM, or the ANSI code page (windows-1252) when the bytes are
 * not valid UTF-8. The header's version is filled in by the parser.
 */
export function decodeRegBytes(bytes: Uint8Array, file: string): { text: string; format: Omit<RegFileFormat, 'version'> } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: buf.subarray(2).toString('utf16le'), format: { encoding: 'utf16le', bom: true } };
  if (buf[0] === 0xfe && buf[1] === 0xff) {
    throw new RegstateError('FILE_ENCODING', `${file}: UTF-16 big-endian .reg files are not supported; save it as UTF-16LE`, { source: { file, line: 1, column: 1 } });
  }
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: decodeUtf8(buf.subarray(3), file), format: { encoding: 'utf8', bom: true } };
  // UTF-16LE without a BOM: the header's first letter is followed by a zero byte.
  if (buf.length >= 2 && buf[0] !== 0 && buf[1] === 0) return { text: buf.toString('utf16le'), format: { encoding: 'utf16le', bom: false } };
  try {
    return { text: UTF8.decode(buf), format: { encoding: 'utf8', bom: false } };
  } catch {
    return { text: ANSI.decode(buf), format: { encoding: 'ansi', bom: false } };
  }
}

function decodeUtf8(buf: Buffer, file: string): string {
  try {
    return UTF8.decode(buf);
  } catch (cause) {
    throw new RegstateError('FILE_ENCODING', `${file}: starts with a UTF-8 byte-order mark but is not valid UTF-8`, { source: { file, line: 1, column: 1 }, cause });
  }
}

/** Decodes single-byte ANSI (windows-1252) bytes, as REGEDIT4 stores hex(1)/hex(2)/hex(7) strings. */
export function decodeAnsi(bytes: Uint8Array): string {
  return ANSI.decode(bytes);
}

/** The bytes to write for a file's text in a format (only UTF-16LE and UTF-8 are ever written). */
export function encodeRegText(text: string, format: Pick<RegFileFormat, 'encoding' | 'bom'>): Buffer {
  if (format.encoding === 'utf16le') {
    // encoded straight after the byte-order mark: no second copy of a file of many megabytes
    const bom = format.bom ? 2 : 0;
    const bytes = Buffer.allocUnsafe(bom + 2 * text.length);
    if (format.bom) bytes.set([0xff, 0xfe]);
    bytes.write(text, bom, 'utf16le');
    return bytes;
  }
  if (format.encoding === 'utf8') return Buffer.concat([Buffer.from(format.bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text, 'utf8')]);
  throw new Error('ANSI .reg files are never written');
}

/**
 * encodeRegText of the pieces' text, without joining them into one string first (a rewritten
 * 100,000-value file is 6.3 million characters): UTF-16LE pieces are encoded one after another
 * straight into the file's bytes; other encodings join them.
 */
export function encodeRegParts(pieces: readonly string[], format: Pick<RegFileFormat, 'encoding' | 'bom'>): Buffer {
  if (format.encoding !== 'utf16le') return encodeRegText(pieces.join(''), format);
  let length = format.bom ? 2 : 0;
  for (const piece of pieces) length += 2 * piece.length;
  const bytes = Buffer.allocUnsafe(length);
  let at = 0;
  if (format.bom) {
    bytes[0] = 0xff;
    bytes[1] = 0xfe;
    at = 2;
  }
  for (const piece of pieces) at += bytes.write(piece, at, 'utf16le');
  return bytes;
}
