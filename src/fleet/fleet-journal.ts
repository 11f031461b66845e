import { mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RegstateError } from '../errors.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';
import { escapeControl, truncateEcho } from '../model/display-text.js';
import { parseJsonTree } from '../plan/plan-json-tree.js';
import { hostDirName } from './host-file-name.js';

export const FLEET_JOURNAL_KIND = 'regstate-fleet-journal';

/**
 * The record of one fleet apply, `journals/<time>-<pid>-fleet-apply.json`: which hosts it wrote and
 * where each host's own journal is (`journals/hosts/<name>-<hash>/...-apply.json`, a regstate journal
 * like any other). Rollback goes one host at a time: `rollback --host NAME`. It is saved before each
 * host's first write, naming that host (`status` started), and once more when the run ends (finished):
 * a run killed mid-fleet leaves a fleet journal naming every host it may have changed.
 */
export interface FleetJournal {
  kind: typeof FLEET_JOURNAL_KIND;
  formatVersion: 1;
  createdAt: string;
  /** Absent in a journal written only at the end of its run (by earlier versions): finished. */
  status?: 'started' | 'finished';
  hosts: { host: string; journal: string }[];
}

/** A host journal's name as executePlan writes it. */
const HOST_JOURNAL_NAME = /^[0-9TZ.-]+-\d+-apply\.json$/;

/** The host's journal path as the fleet journal records it: relative to `journals/`, always below `hosts/<dir>/`. */
function recordedPath(host: string, journalFile: string): string {
  return ['hosts', hostDirName(host), basename(journalFile)].join('/');
}

/**
 * Writes the fleet journal of one apply as it goes: nothing until a host is about to write, then the
 * whole journal again (atomically, in order) each time a host's own journal is durable, before that
 * host writes; finish() marks it finished.
 */
export class FleetJournalWriter {
  private readonly journal: FleetJournal;
  private saving: Promise<void> = Promise.resolve();
  /** The journal's path, once it has been saved. */
  file: string | undefined;

  /** `hosts`: the run's host names, in the order the journal lists them (the inventory's). */
  constructor(
    private readonly stateDir: string,
    createdAt: Date,
    private readonly hosts: string[] = [],
  ) {
    this.journal = { kind: FLEET_JOURNAL_KIND, formatVersion: 1, createdAt: createdAt.toISOString(), status: 'started', hosts: [] };
  }

  /** Records a host's journal (already on disk) and returns once the fleet journal naming it is durable. */
  addHost(host: string, journalFile: string): Promise<void> {
    this.journal.hosts.push({ host, journal: recordedPath(host, journalFile) });
    const place = (name: string) => this.hosts.indexOf(name);
    this.journal.hosts.sort((a, b) => place(a.host) - place(b.host));
    return this.save();
  }

  /** Marks the journal finished; its path, or undefined when no host wrote anything. */
  async finish(): Promise<string | undefined> {
    if (this.journal.hosts.length === 0) return undefined;
    this.journal.status = 'finished';
    await this.save();
    return this.file;
  }

  // One save at a time, each writing the journal as it is then; a failed save does not stop the next.
  private save(): Promise<void> {
    const next = this.saving.catch(() => undefined).then(() => this.write());
    this.saving = next;
    return next;
  }

  private async write(): Promise<void> {
    const dir = join(this.stateDir, 'journals');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.file ??= join(dir, `${this.journal.createdAt.replace(/:/g, '-')}-${process.pid}-fleet-apply.json`);
    await writeFileAtomic(this.file, `${JSON.stringify(this.journal, null, 2)}\n`, 0o600);
  }
}

export function looksLikeFleetJournal(text: string): boolean {
  return text.includes(`"${FLEET_JOURNAL_KIND}"`);
}

/**
 * Reads a fleet journal. Each host's journal path must be exactly the one its name leads to
 * (`hosts/<name>-<hash>/<time>-<pid>-apply.json`): a tampered path cannot point outside the state directory.
 */
const FLEET_JOURNAL_FIELDS = new Set(['kind', 'formatVersion', 'createdAt', 'status', 'hosts']);

export function parseFleetJournal(text: string, file: string): FleetJournal {
  const fail = (what: string): never => {
    throw new RegstateError('JOURNAL', `${file}: not a usable regstate fleet journal: ${what}`);
  };
  const tree = parseJsonTree(text, file);
  if (!tree.ok) return fail(tree.diagnostic.message);
  if (tree.problems[0]) fail(`${tree.problems[0].path.join('.')}: ${tree.problems[0].message}`);
  const json = tree.value as Partial<FleetJournal> | null;
  if (json?.kind !== FLEET_JOURNAL_KIND || json.formatVersion !== 1) fail('missing kind or format version 1');
  if (typeof json?.createdAt !== 'string' || !Array.isArray(json.hosts)) fail('missing createdAt or hosts');
  if (json?.status !== undefined && json.status !== 'started' && json.status !== 'finished') fail('status must be "started" or "finished"');
  // as strict as a host's journal (parse-journal.ts): nothing it does not know, no host twice
  for (const field of Object.keys(json ?? {})) if (!FLEET_JOURNAL_FIELDS.has(field)) fail(`${escapeControl(truncateEcho(field))} is not a field of a fleet journal`);
  const seen = new Set<string>();
  const hosts = (json?.hosts ?? []).map((h) => {
    if (typeof h !== 'object' || h === null || Array.isArray(h) || typeof h.host !== 'string' || typeof h.journal !== 'string') return fail('a host entry without host and journal');
    for (const field of Object.keys(h)) if (field !== 'host' && field !== 'journal') fail(`hosts: ${escapeControl(truncateEcho(field))} is not a field of a host entry`);
    if (seen.has(h.host.toLowerCase())) fail(`host ${escapeControl(truncateEcho(h.host))} is listed twice`);
    seen.add(h.host.toLowerCase());
    const [first, dir, name, ...rest] = h.journal.split('/');
    if (first !== 'hosts' || dir !== hostDirName(h.host) || name === undefined || !HOST_JOURNAL_NAME.test(name) || rest.length > 0) {
      fail(`the journal path of host ${escapeControl(truncateEcho(h.host))} is not that host's journal folder`);
    }
    return { host: h.host, journal: h.journal };
  });
  return { kind: FLEET_JOURNAL_KIND, formatVersion: 1, createdAt: json?.createdAt as string, ...(json?.status ? { status: json.status } : {}), hosts };
}

/** The host journal a fleet journal names, as a path in the state directory. */
export function hostJournalPath(stateDir: string, journal: FleetJournal, host: string, file: string): string {
  const entry = journal.hosts.find((h) => h.host === host) ?? journal.hosts.find((h) => h.host.toLowerCase() === host.toLowerCase());
  if (!entry) {
    throw new RegstateError('USAGE', `${file} has no journal for host ${escapeControl(truncateEcho(host))}; its hosts: ${journal.hosts.map((h) => escapeControl(h.host)).join(', ')}`);
  }
  return join(stateDir, 'journals', ...entry.journal.split('/'));
}

/** The newest apply journal of one host, from its folder in the state directory. */
export async function lastHostJournal(stateDir: string, host: string): Promise<string> {
  const dir = join(stateDir, 'journals', 'hosts', hostDirName(host));
  const last = (await readdir(dir).catch(() => [] as string[])).filter((n) => HOST_JOURNAL_NAME.test(n)).sort().pop();
  if (!last) throw new RegstateError('JOURNAL', `no apply journal of host ${escapeControl(truncateEcho(host))} in ${dir}: nothing to roll back`);
  return join(dir, last);
}

/** Reads a file that may be a fleet journal: the parsed fleet journal, or undefined for any other file. */
export async function readIfFleetJournal(file: string): Promise<FleetJournal | undefined> {
  const text = (await readRegularFile(file)).toString('utf8');
  return looksLikeFleetJournal(text) ? parseFleetJournal(text, file) : undefined;
}

/** Refuses to roll a whole fleet back at once, naming its hosts and the command for each. */
export function refuseFleetRollback(journal: FleetJournal, file: string): never {
  const names = journal.hosts.map((h) => escapeControl(h.host));
  throw new RegstateError('USAGE', `${file} is the journal of an apply on ${names.length} host${names.length === 1 ? '' : 's'} (${names.join(', ')}): roll back one host at a time with --host NAME`);
}
