import type { Change } from '../plan/plan.js';
import type { WriteOp } from '../registry/backend.js';

/** The write op that carries out one change; ops and changes stay index-aligned. */
export function changeToOp(change: Change): WriteOp {
  switch (change.action) {
    case 'create-key':
      return { op: 'create-key', key: change.key };
    case 'delete-key':
      return { op: 'delete-key', key: change.key };
    case 'create':
    case 'update':
      return { op: 'set-value', key: change.key, name: change.name, value: change.after };
    case 'delete':
      return { op: 'delete-value', key: change.key, name: change.name };
  }
}
