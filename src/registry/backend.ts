import type { KeyRef } from '../model/key-ref.js';
import type { LiveKey } from '../model/live-state.js';
import type { RegistryValue } from '../model/registry-value.js';
import type { UserProfile } from '../model/user-profile.js';
import type { ErrorCode } from '../errors.js';

/** A key to read. With `recursive`, every key below it is returned too, each as its own LiveKey. */
export interface ReadRequest {
  key: KeyRef;
  recursive?: boolean;
  /**
   * Only these of the key's values are needed (a verify's read-back), by name; [] for none (the key's
   * existence and subkeys only). A hint: a backend may return every value. Absent: all values.
   */
  values?: string[];
}

/** One write. set-value creates missing keys on the way; delete-key removes the whole subtree. */
export type WriteOp =
  | { op: 'create-key'; key: KeyRef }
  | { op: 'set-value'; key: KeyRef; name: string; value: RegistryValue }
  | { op: 'delete-value'; key: KeyRef; name: string }
  | { op: 'delete-key'; key: KeyRef };

/** The outcome of one write op, in the order the ops were given. */
export type WriteOutcome = { ok: true } | { ok: false; code: ErrorCode; message: string };

/** Where a backend reads and writes; recorded in saved plans so they apply only to the same target. */
export type Target =
  | { backend: 'regfile'; file: string }
  | { backend: 'powershell'; host: string; simulatedHive?: string }
  | { backend: 'memory'; name: string };

/**
 * The whole content of a target, for an exact undo: a .reg file's bytes (null when the file does
 * not exist) and their sha256 (null likewise).
 */
export interface TargetImage {
  bytes: Uint8Array | null;
  sha256: string | null;
}

/** How much process and round-trip work a backend did (for --verbose and the JSON output). */
export interface BackendStats {
  processes: number;
  roundTrips: number;
}

/**
 * A registry that regstate can read and write. Reads and writes are batches: a backend
 * does one round trip per call, never one per value.
 */
export interface RegistryBackend {
  readonly target: Target;
  /** Reads every requested key in one batch. Missing keys come back with exists false. */
  read(requests: ReadRequest[]): Promise<LiveKey[]>;
  /**
   * Executes the ops in order in one batch. A failing op does not stop the ones after it;
   * each op's outcome is returned. Throws only when the batch as a whole could not run.
   */
  write(ops: WriteOp[]): Promise<WriteOutcome[]>;
  stats(): BackendStats;
  /**
   * Optional, for targets that are a file (the .reg backend): the whole target as it is now.
   * An apply journals it, so its rollback can give back the exact bytes, formatting included.
   */
  captureImage?(): Promise<TargetImage>;
  /**
   * Optional, with captureImage: puts `image` back, but only while the target is still exactly
   * the content whose sha256 is `expectedSha256` (null: missing). Returns false, writing nothing, otherwise.
   */
  restoreImage?(image: TargetImage, expectedSha256: string | null): Promise<boolean>;
  /** Optional, with captureImage: the sha256 its image would have now, without making the image. */
  imageSha256?(): Promise<string | null>;
  /**
   * Optional: the user profiles of the target (ProfileList, plus the default profile), for keys that
   * apply to every user. A backend without it cannot serve per-user keys.
   */
  listProfiles?(): Promise<UserProfile[]>;
  /** Releases the backend (ends a PowerShell process, for instance). Safe to call twice. */
  close(): Promise<void>;
}
