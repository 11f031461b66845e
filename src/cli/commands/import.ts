import { RegstateError } from '../../errors.js';

// Replaced by the interop branch.
export async function runImport(..._args: unknown[]): Promise<number> {
  throw new RegstateError('USAGE', 'import is not available yet');
}
