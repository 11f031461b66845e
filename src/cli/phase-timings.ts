import type { RegistryBackend } from '../registry/backend.js';
import type { Io } from './io.js';

/** The phases of a run, in the order they usually come; `other` is whatever lies between them. */
export type Phase = 'start' | 'load config' | 'read registry' | 'plan' | 'render' | 'write' | 'verify' | 'other';

// One run at a time per process: the CLI runs one command; in-process tests run one after another.
let totals = new Map<Phase, number>();
let current: Phase = 'other';
let since = 0;

/** Starts timing a run: `start` is the time from the process's start to the first phase (node start-up and imports). */
export function startTimings(): void {
  since = performance.now();
  totals = new Map([['start', since]]);
  current = 'start';
}

/** Marks that the run has entered `phase`; the time since the last mark goes to the phase it closes. */
export function markPhase(phase: Phase): void {
  const now = performance.now();
  totals.set(current, (totals.get(current) ?? 0) + now - since);
  current = phase;
  since = now;
}

/** Marks a backend's reads and writes: a read after a write is the verify read-back. */
export function markBackendPhases(backend: RegistryBackend): RegistryBackend {
  let wrote = false;
  const { read, write } = backend;
  backend.read = async (requests) => {
    // after a read the run goes back to the phase it was in (a plan reads, then plans)
    const back = current === 'read registry' ? 'other' : current;
    markPhase(wrote ? 'verify' : 'read registry');
    try {
      return await read.call(backend, requests);
    } finally {
      markPhase(back);
    }
  };
  backend.write = async (ops) => {
    wrote = true;
    markPhase('write');
    try {
      return await write.call(backend, ops);
    } finally {
      markPhase('other');
    }
  };
  return backend;
}

/** With REGSTATE_TIMINGS=1, writes the milliseconds spent per phase to stderr as one JSON line. */
export function reportTimings(io: Io): void {
  if (io.env.REGSTATE_TIMINGS !== '1') return;
  markPhase('other');
  const ms = Object.fromEntries([...totals].filter(([, t]) => t > 0).map(([p, t]) => [p, Math.round(t * 10) / 10]));
  io.stderr.write(`${JSON.stringify({ 'regstate-timings-ms': ms })}\n`);
}
