import { readSchemaText } from '../../config/schema-file.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';

/** Prints the schema file as shipped, so editors get exactly what validation uses. */
export async function runSchema(io: Io): Promise<number> {
  io.stdout.write(readSchemaText());
  return EXIT.OK;
}
