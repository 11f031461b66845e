import { RegstateError } from '../../errors.js';

// Replaced by the interop branch.
export async function runExport(..._args: unknown[]): Promise<number> {
  throw new RegstateError('USAGE', 'export is not available yet');
}
