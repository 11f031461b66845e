import { createHash } from 'node:crypto';
import { RegstateError } from '../errors.js';
import { escapeControl, truncateEcho } from '../model/display-text.js';

// A name that is one plain path component on every system: no separators, no `.`/`..`, no device
// names' punctuation, not starting with a dot or dash.
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
// Windows opens a device, not a file, for these names (with any extension).
const DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * A host's folder name in the state directory: its name's plain characters, then a hash of the exact
 * name, so two hosts never share a folder (`Web01`, `web01` and `web/01` differ) and no name can
 * climb out of the folder it is joined to.
 */
export function hostDirName(host: string): string {
  const plain = host.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 40) || 'host';
  const hash = createHash('sha256').update(host, 'utf8').digest('hex').slice(0, 12);
  return `${plain}-${hash}`;
}

/**
 * The file of a host in a `--registry-dir` folder: `NAME.reg`. A host whose name is not a plain file
 * name is refused rather than renamed, so the admin always knows which file is which host.
 */
export function hostRegFileName(host: string): string {
  if (!PLAIN.test(host) || DEVICE.test(host)) {
    throw new RegstateError('USAGE', `host ${escapeControl(truncateEcho(JSON.stringify(host)))} cannot name a file in --registry-dir: its registry file would be NAME.reg, and a name there may hold only letters, digits, '.', '_' and '-' (not first), and not be a Windows device name`);
  }
  return `${host}.reg`;
}
