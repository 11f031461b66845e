import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// src/cli and dist/cli both sit two levels below the package root.
const root = fileURLToPath(new URL('../../', import.meta.url));

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  return pkg.version;
}
