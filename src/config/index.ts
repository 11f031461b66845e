export { loadDesiredState } from './load-desired-state.js';
export { SCHEMA_PATH, loadSchema } from './schema-file.js';
