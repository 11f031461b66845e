import { readAsset } from '../assets.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readAsset('package.json')) as { version: string };
  return pkg.version;
}

// node:sea exists from Node 20.12, getBuiltinModule from 20.16; an older Node cannot be the single executable.
function isSingleExecutable(): boolean {
  const sea = process.getBuiltinModule?.('node:sea') as { isSea?: () => boolean } | undefined;
  return sea?.isSea?.() === true;
}

/** What `--version` prints: the version, how regstate runs, and on which platform. */
export function describeVersion(): string {
  const runtime = isSingleExecutable() ? `single executable, Node.js ${process.versions.node}` : `Node.js ${process.versions.node}`;
  return `regstate ${packageVersion()} (${runtime}, ${process.platform}-${process.arch})`;
}
