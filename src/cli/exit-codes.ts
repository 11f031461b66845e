/** The documented exit codes (README, "Exit codes"). */
export const EXIT = {
  /** validate: valid; plan: in desired state (or changes without --detailed-exitcode); apply: converged. */
  OK: 0,
  /** Any error before a write: bad input, no registry, stale plan, refused approval, lock timeout. */
  ERROR: 1,
  /** plan --detailed-exitcode: changes pending. */
  CHANGES: 2,
  /** apply/rollback: some writes failed or did not verify; the output says which. */
  PARTIAL: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
