// What an input file looks like when it is not what a command takes: a hint for its error message.

// A desired-state file's `version: 1` and `keys:`, each at the start of a line.
const DESIRED_STATE_VERSION = /^\uFEFF?version[ \t]*:[ \t]*1\b/m;
const DESIRED_STATE_KEYS = /^keys[ \t]*:/m;

/** Whether `text` reads like a desired-state file (a config), by its `version: 1` and `keys:` lines. */
export function looksLikeDesiredState(text: string): boolean {
  return DESIRED_STATE_VERSION.test(text) && DESIRED_STATE_KEYS.test(text);
}
