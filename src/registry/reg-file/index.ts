export { decodeRegBytes, encodeRegText } from './decode-reg-bytes.js';
export { escapeRegString, formatHexBytes, formatRegValue, formatValueName, isPlainRegString, renderDeleteValueEntry, renderValueEntry } from './format-reg-value.js';
export { HEADER_4, HEADER_5, parseRegFile } from './parse-reg-file.js';
export { valueFromHex } from './parse-reg-value.js';
export { RegFileBackend, openRegFile } from './reg-file-backend.js';
export type { RegEntry, RegFile, RegFileFormat, RegSection, RegTriviaEntry, RegValueEntry } from './reg-file-model.js';
export { RegTree } from './reg-tree.js';
export { detectNewline, formatRegKey, renderDeleteKeyLine, renderHeader, renderKeyLine, renderKeySection, renderRegFile } from './render-reg-file.js';
