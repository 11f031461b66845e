import type { Journal } from './journal.js';

// The members of an object's JSON without its braces, led by a comma ('' when it has none).
function members(value: object): string {
  const json = JSON.stringify(value);
  return json === '{}' ? '' : `,${json.slice(1, -1)}`;
}

const BASE64 = /^[A-Za-z0-9+/=]*$/;

// The image's data as JSON: base64 needs no escape, so its text is its bytes (JSON.stringify and a
// UTF-8 encode of 17 MB cost seconds on a busy machine; this costs one copy).
function imageJson(data: string | null): Buffer {
  if (data === null || !BASE64.test(data)) return Buffer.from(JSON.stringify(data));
  const bytes = Buffer.allocUnsafe(data.length + 2);
  bytes[0] = 0x22;
  bytes.write(data, 1, 'latin1');
  bytes[data.length + 1] = 0x22;
  return bytes;
}

/**
 * The bytes of one apply's journal file, every time it is saved (started, written, finished).
 * What a run never changes once the journal is first saved — the prior state and the target's
 * image (a .reg file's whole content in base64: 17 MB at 100,000 values) — is turned into JSON
 * once and reused; only the small fields around it are serialized again. The text is the
 * journal's JSON (compact), as `JSON.stringify(journal)` gives it up to the order of members.
 * `prior` and `image.before` must not change once saved (a new array or image is serialized again).
 */
export class JournalBytes {
  private prior: { of: Journal['prior']; bytes: Buffer } | undefined;
  private image: { of: NonNullable<Journal['image']>['before']; bytes: Buffer } | undefined;

  /** The file's bytes as pieces, in order (the large ones are the same buffers every time). */
  of(journal: Journal): Buffer[] {
    const { prior, image, ...rest } = journal;
    if (this.prior?.of !== prior) this.prior = { of: prior, bytes: Buffer.from(JSON.stringify(prior)) };
    // the small members first (format, kind, status: what a reader looks for), then the prior state and the image
    const head = members(rest);
    const parts = [Buffer.from(`{${head.slice(1)}${head ? ',' : ''}"prior":`), this.prior.bytes];
    if (image !== undefined) {
      const { before, ...imageRest } = image;
      if (this.image?.of !== before) this.image = { of: before, bytes: imageJson(before.data) };
      const { data: _data, ...beforeRest } = before;
      parts.push(Buffer.from(`,"image":{"before":{"data":`), this.image.bytes, Buffer.from(`${members(beforeRest)}}${members(imageRest)}}`));
    }
    parts.push(Buffer.from('}\n'));
    return parts;
  }
}
