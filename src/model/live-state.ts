import { foldName } from './fold-name.js';
import { type KeyRef, keyId } from './key-ref.js';
import type { RegistryValue } from './registry-value.js';

export interface LiveValue {
  name: string;
  value: RegistryValue;
}

/**
 * A value that exists but that the backend cannot hand out as a RegistryValue (on Windows a kind
 * .NET cannot read, such as REG_LINK or REG_RESOURCE_LIST). It is reported, never compared, and
 * never written unless a plan says so; nothing can restore it, so rollback must refuse to.
 */
export interface UnreadableValue {
  name: string;
  /** Why it cannot be read, e.g. UNSUPPORTED_KIND. */
  code: string;
  message: string;
}

/** What a backend found at one key. A missing key has exists false and no values. */
export interface LiveKey {
  key: KeyRef;
  exists: boolean;
  values: LiveValue[];
  /** Names of the direct subkeys (present when the key exists). */
  subkeys: string[];
  /** Values present but unreadable (absent or empty when every value could be read). */
  unreadable?: UnreadableValue[];
}

const NO_VALUES: ReadonlyMap<string, LiveValue> = new Map();

// Indexes a backend already holds for the LiveKeys it hands out (see withValueIndex).
const prebuiltIndexes = new WeakMap<LiveKey, ReadonlyMap<string, LiveValue>>();

/**
 * Hands LiveState the index of `live`'s values a backend already holds, so it builds none of its own:
 * `index` must be exactly what LiveState would build, each of `live.values` under its folded name
 * (foldName) in the same order, and neither may change afterwards. A parsed .reg file's key tree holds
 * one per key (RegTree), and a read of 100,000 values built it twice.
 */
export function withValueIndex(live: LiveKey, index: ReadonlyMap<string, LiveValue>): LiveKey {
  prebuiltIndexes.set(live, index);
  return live;
}

/** Live keys by identity, with case-insensitive value lookup. */
export class LiveState {
  private readonly keys = new Map<string, LiveKey>();
  private readonly valueIndex = new Map<string, ReadonlyMap<string, LiveValue>>();

  // value names folded once each (keys repeat their value names): one string per name, not one per value
  private readonly folded = new Map<string, string>();

  constructor(keys: Iterable<LiveKey> = []) {
    for (const k of keys) this.add(k);
  }

  add(live: LiveKey): void {
    const id = keyId(live.key);
    this.keys.set(id, live);
    const prebuilt = prebuiltIndexes.get(live);
    if (prebuilt !== undefined) {
      this.valueIndex.set(id, prebuilt);
      return;
    }
    const index = new Map<string, LiveValue>();
    for (const v of live.values) {
      let name = this.folded.get(v.name);
      if (name === undefined) this.folded.set(v.name, (name = foldName(v.name)));
      index.set(name, v);
    }
    this.valueIndex.set(id, index);
  }

  /**
   * The key as read and its values by folded name, found with one identity (a plan asks for both of
   * every declared key). Throws if the key was never read, as `exists` does.
   */
  lookup(key: KeyRef): { live: LiveKey; values: ReadonlyMap<string, LiveValue> } {
    const id = keyId(key);
    const live = this.keys.get(id);
    if (!live) throw new Error(`key not read: ${id}`);
    return { live, values: this.valueIndex.get(id) ?? NO_VALUES };
  }

  /** The key as read, or undefined when it was not part of the read. */
  get(key: KeyRef): LiveKey | undefined {
    return this.keys.get(keyId(key));
  }

  /** Whether the key exists. Throws if the key was never read: a plan must not guess. */
  exists(key: KeyRef): boolean {
    const live = this.keys.get(keyId(key));
    if (!live) throw new Error(`key not read: ${keyId(key)}`);
    return live.exists;
  }

  /**
   * The key's values by folded name (empty when it was not read or holds none): one lookup of the
   * key for many of its values (`values(key).get(foldName(name))` is `value(key, name)`).
   */
  values(key: KeyRef): ReadonlyMap<string, LiveValue> {
    return this.valueIndex.get(keyId(key)) ?? NO_VALUES;
  }

  value(key: KeyRef, name: string): LiveValue | undefined {
    return this.valueIndex.get(keyId(key))?.get(foldName(name));
  }

  /** The value of that name when it exists but could not be read. */
  unreadable(key: KeyRef, name: string): UnreadableValue | undefined {
    const folded = foldName(name);
    return this.keys.get(keyId(key))?.unreadable?.find((u) => foldName(u.name) === folded);
  }

  all(): LiveKey[] {
    return [...this.keys.values()];
  }
}
