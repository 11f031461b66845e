import { INVENTORY_SCHEMA, readSchemaText } from '../../config/schema-file.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';

/** Prints the schema file as shipped (desired-state files, or with --inventory inventories), so editors get exactly what validation uses. */
export async function runSchema(io: Io, opts: { inventory?: boolean } = {}): Promise<number> {
  io.stdout.write(opts.inventory ? readSchemaText(INVENTORY_SCHEMA) : readSchemaText());
  return EXIT.OK;
}
