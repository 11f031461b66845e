import type { Journal } from './journal.js';

// The members of an object's JSON without its braces, led by a comma ('' when it has none).
function members(value: object): string {
  const json = JSON.stringify(value);
  return json === '{}' ? '' : `,${json.slice(1, -1)}`;
}

/**
 * The bytes of one apply's journal file, every time it is saved (started, written, finished).
 * The prior state, which a run never changes once the journal is first saved (megabytes at
 * 100,000 values), is turned into JSON once and reused; only the small fields around it are
 * serialized again. The text is the journal's JSON (compact), as `JSON.stringify(journal)` gives
 * it up to the order of members. `prior` must not change once saved (a new array is serialized again).
 */
export class JournalBytes {
  private prior: { of: Journal['prior']; bytes: Buffer } | undefined;

  /** The file's bytes as pieces, in order (the prior state is the same buffer every time). */
  of(journal: Journal): Buffer[] {
    const { prior, ...rest } = journal;
    if (this.prior?.of !== prior) this.prior = { of: prior, bytes: Buffer.from(JSON.stringify(prior)) };
    // the small members first (format, kind, status, image: what a reader looks for), then the prior state
    const head = members(rest);
    return [Buffer.from(`{${head.slice(1)}${head ? ',' : ''}"prior":`), this.prior.bytes, Buffer.from('}\n')];
  }
}
