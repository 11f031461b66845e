import { foldName } from '../../model/fold-name.js';
import { type KeyRef, formatKey } from '../../model/key-ref.js';
import type { LiveKey, LiveValue } from '../../model/live-state.js';
import type { RegistryValue } from '../../model/registry-value.js';
import type { BackendStats, ReadRequest, RegistryBackend, Target, WriteOp, WriteOutcome } from '../backend.js';
import { physicalKeyPath } from '../physical-key.js';
import { cloneValue, snapshotTree } from '../snapshot-tree.js';
import { UnloadedProfiles, profilesInTree } from '../profile-list.js';
import { RegstateError } from '../../errors.js';
import type { UserProfile } from '../../model/user-profile.js';

interface Node {
  name: string;
  values: Map<string, LiveValue>;
  children: Map<string, Node>;
}

function newNode(name: string): Node {
  return { name, values: new Map(), children: new Map() };
}

/** An in-memory registry: the reference backend for unit tests. */
export class MemoryBackend implements RegistryBackend {
  readonly target: Target;
  private readonly roots = new Map<string, Node>();
  private roundTrips = 0;
  /** Keys (formatted `HKLM\...`, any case) whose writes fail with ACCESS_DENIED. */
  readonly readOnlyKeys = new Set<string>();

  constructor(private readonly name = 'memory') {
    this.target = { backend: 'memory', name };
  }

  private components(key: KeyRef): string[] {
    const { hive, path } = physicalKeyPath(key);
    return [hive, ...(path === '' ? [] : path.split('\\'))];
  }

  private find(key: KeyRef): Node | undefined {
    let node: Node | undefined;
    let level = this.roots;
    for (const part of this.components(key)) {
      node = level.get(foldName(part));
      if (!node) return undefined;
      level = node.children;
    }
    return node;
  }

  private ensure(key: KeyRef): Node {
    let node: Node | undefined;
    let level = this.roots;
    for (const part of this.components(key)) {
      const id = foldName(part);
      node = level.get(id);
      if (!node) {
        node = newNode(part);
        level.set(id, node);
      }
      level = node.children;
    }
    if (!node) throw new Error('empty key');
    return node;
  }

  async read(requests: ReadRequest[]): Promise<LiveKey[]> {
    this.roundTrips++;
    const problems = this.unloadedProfiles().readProblems(requests.map((r) => r.key));
    if (problems.length > 0) throw RegstateError.fromDiagnostics(problems);
    const out: LiveKey[] = [];
    for (const r of requests) snapshotTree(r.key, this.find(r.key), out, r.recursive === true);
    return out;
  }

  private isReadOnly(key: KeyRef): boolean {
    const wanted = foldName(formatKey(key));
    for (const k of this.readOnlyKeys) if (foldName(k) === wanted) return true;
    return false;
  }

  private apply(op: WriteOp): WriteOutcome {
    if (this.isReadOnly(op.key)) return { ok: false, code: 'ACCESS_DENIED', message: `access denied: ${formatKey(op.key)}` };
    switch (op.op) {
      case 'create-key':
        this.ensure(op.key);
        return { ok: true };
      case 'set-value': {
        // Overwriting a value keeps the case of its name, as Windows does.
        const values = this.ensure(op.key).values;
        const name = values.get(foldName(op.name))?.name ?? op.name;
        values.set(foldName(op.name), { name, value: cloneValue(op.value) });
        return { ok: true };
      }
      case 'delete-value':
        this.find(op.key)?.values.delete(foldName(op.name));
        return { ok: true };
      case 'delete-key': {
        const parts = this.components(op.key);
        const last = parts.pop();
        if (last === undefined || parts.length === 0) return { ok: false, code: 'WRITE_FAILED', message: 'cannot delete a hive root' };
        let level = this.roots;
        for (const part of parts) {
          const n = level.get(foldName(part));
          if (!n) return { ok: true };
          level = n.children;
        }
        level.delete(foldName(last));
        return { ok: true };
      }
    }
  }

  async write(ops: WriteOp[]): Promise<WriteOutcome[]> {
    this.roundTrips++;
    const unloaded = this.unloadedProfiles();
    return ops.map((op): WriteOutcome => {
      const reason = unloaded.reasonFor(op.key);
      return reason === undefined ? this.apply(op) : { ok: false, code: 'PROFILE_UNAVAILABLE', message: reason };
    });
  }

  /** The profiles seeded under ProfileList, as a .reg file's are found (see profilesInTree). */
  async listProfiles(): Promise<UserProfile[]> {
    this.roundTrips++;
    return profilesInTree((key) => this.find({ ...key, view: 64 }));
  }

  // A profile listed without its HKU\<sid> hive stands for one whose NTUSER.DAT cannot be loaded.
  private unloadedProfiles(): UnloadedProfiles {
    return new UnloadedProfiles(profilesInTree((key) => this.find({ ...key, view: 64 })), `the memory registry ${this.name}`);
  }

  stats(): BackendStats {
    return { processes: 0, roundTrips: this.roundTrips };
  }

  async close(): Promise<void> {}

  /** Test helper: sets a value directly, creating keys, without counting a round trip. */
  seed(key: KeyRef, name: string, value: RegistryValue): this {
    this.ensure(key).values.set(foldName(name), { name, value: cloneValue(value) });
    return this;
  }

  /** Test helper: creates an empty key. */
  seedKey(key: KeyRef): this {
    this.ensure(key);
    return this;
  }
}
