import { JournalBytes } from '../../src/apply/journal-bytes.js';
import type { Journal } from '../../src/apply/journal.js';
import { parseJournal } from '../../src/apply/parse-journal.js';
import { at, key } from '../builders.js';

const app = key('HKLM\\SOFTWARE\\App');

const journal = (): Journal => ({
  formatVersion: 3,
  kind: 'regstate-journal',
  command: 'apply',
  createdAt: '2026-12-02T00:00:00.000Z',
  target: { backend: 'regfile', file: '/x "quoted" \\ \u2028.reg' },
  configs: [{ path: 'c.yaml', sha256: 'b'.repeat(64) }],
  status: 'started',
  prior: [
    { kind: 'value', key: app, name: 'Port "\n"', before: null, after: { type: 'REG_DWORD', data: 1 }, source: at(2) },
    { kind: 'key', key: key('HKLM\\SOFTWARE\\Gone'), existed: true, subtree: [{ key: key('HKLM\\SOFTWARE\\Gone'), values: [{ name: 'é', value: { type: 'REG_SZ', data: '\u{1f600}' } }] }], source: at(3) },
  ],
  image: { before: { file: '2026-12-02T00-00-00.000Z-1-apply.image', sha256: 'a'.repeat(64) } },
});

// The text of a save: its pieces in order.
const text = (pieces: Buffer[]): string => Buffer.concat(pieces).toString('utf8');

// What JSON.stringify makes of the journal, as a reader sees it.
const asJson = (j: Journal): unknown => JSON.parse(JSON.stringify(j));

describe('JournalBytes', () => {
  test('each save is the journal as JSON, also after its small fields change; a reader takes it', () => {
    const j = journal();
    const bytes = new JournalBytes();
    const saves: Buffer[][] = [bytes.of(j)];
    j.status = 'written';
    j.outcomes = [{ ok: true }, { ok: false, code: 'WRITE_FAILED', message: 'no "way"' }];
    (j.image as NonNullable<Journal['image']>).afterSha256 = 'c'.repeat(64);
    saves.push(bytes.of(j));
    j.status = 'finished';
    saves.push(bytes.of(j));
    expect(saves.map((b) => JSON.parse(text(b)))).toEqual([
      asJson({ ...journal() }),
      asJson({ ...j, status: 'written' }),
      asJson(j),
    ]);
    // the prior state is serialized once: every save writes the same buffer
    expect(saves[0]?.[1]).toBe(saves[2]?.[1]);
    expect(saves[0]?.[1]?.toString()).toBe(JSON.stringify(j.prior));
    const last = text(saves[2] as Buffer[]);
    expect(last.endsWith('}\n')).toBe(true);
    expect(last.startsWith('{"formatVersion":3,"kind":"regstate-journal"')).toBe(true);
    expect(parseJournal(last, 'j.json')).toEqual(asJson(j));
  });

  test('a missing file (null image), a null sha256 after, and no image at all', () => {
    const bytes = new JournalBytes();
    const missing: Journal = { ...journal(), image: { before: { file: null, sha256: null }, afterSha256: null } };
    expect(JSON.parse(text(bytes.of(missing)))).toEqual(asJson(missing));
    const { image: _image, ...noImage } = journal();
    expect(JSON.parse(text(new JournalBytes().of(noImage)))).toEqual(asJson(noImage));
  });

  test('a new prior state or image is serialized again, not taken from the last save', () => {
    const j = journal();
    const bytes = new JournalBytes();
    bytes.of(j);
    j.prior = j.prior.slice(1);
    j.image = { before: { file: 'other.image', sha256: 'd'.repeat(64) } };
    expect(JSON.parse(text(bytes.of(j)))).toEqual(asJson(j));
    // a format 2 journal read back and saved again keeps its inline data, escaped as JSON
    j.image = { before: { data: 'not "base64" \\ é \u2028', sha256: 'd'.repeat(64) } };
    expect(JSON.parse(text(bytes.of(j)))).toEqual(asJson(j));
  });
});
