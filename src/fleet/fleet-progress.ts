import picocolors from 'picocolors';
import { escapeControl, truncateEcho } from '../model/display-text.js';
import { hasFailed } from './host-run.js';
import type { HostStatus } from './host-run.js';
import type { ProgressSink } from './run-fleet.js';

export interface ProgressOutput {
  write(text: string): unknown;
}

/**
 * Fleet progress on stderr. On a terminal one line rewritten in place: hosts done/total, failures,
 * and the host that has been running longest with its phase. Elsewhere one plain line per finished
 * host, for logs. `now` is injectable for tests.
 */
export class FleetProgress implements ProgressSink {
  private readonly running = new Map<string, { phase: string; since: number }>();
  private done_ = 0;
  private failed = 0;
  private shown = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly total: number,
    private readonly options: { live: boolean; color: boolean; now?: () => number },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  phase(host: string, phase: 'connecting' | 'reading' | 'writing'): void {
    const since = this.running.get(host)?.since ?? this.now();
    this.running.set(host, { phase, since });
    if (this.options.live) this.draw();
  }

  done(host: string, status: HostStatus): void {
    this.running.delete(host);
    this.done_++;
    if (hasFailed(status)) this.failed++;
    if (this.options.live) this.draw();
    else this.out.write(`regstate: ${this.done_}/${this.total} ${escapeControl(host)}: ${status}\n`);
  }

  /** The current line's text (without the terminal codes). */
  describe(): string {
    let text = `${this.done_}/${this.total} hosts done, ${this.failed} failed`;
    let slowest: [string, { phase: string; since: number }] | undefined;
    for (const entry of this.running) if (!slowest || entry[1].since < slowest[1].since) slowest = entry;
    if (slowest) text += `; slowest: ${escapeControl(truncateEcho(slowest[0], 40))} (${slowest[1].phase}, ${((this.now() - slowest[1].since) / 1000).toFixed(1)} s)`;
    return text;
  }

  private draw(): void {
    const c = picocolors.createColors(this.options.color);
    // \r back to the start of the line, \x1b[K clears what a longer line left.
    this.out.write(`\r${c.dim('regstate:')} ${this.describe()}\x1b[K`);
    this.shown = true;
  }

  /** Clears the live line, so the output that follows starts on a clean line. */
  end(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
