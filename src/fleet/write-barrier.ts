/**
 * Holds each host's first write until every host that is to write has its journal durable, or has
 * dropped out. The writes then reach the local PowerShell together and go to the hosts in one fan-out:
 * without it, a host whose journal came a moment later waited behind the whole of an earlier fan-out,
 * so one slow host held back the writes of others (a fleet of many hosts wrote in several rounds).
 */
export class WriteBarrier {
  private readonly waiting: Set<string>;
  private release: () => void = () => undefined;
  private readonly opened: Promise<void>;

  constructor(hosts: Iterable<string>) {
    this.waiting = new Set(hosts);
    this.opened = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    this.check();
  }

  /** The host is ready to write: resolves once no host is still on its way here. */
  async arrive(host: string): Promise<void> {
    this.leave(host);
    await this.opened;
  }

  /** The host will not write (it failed, or it has arrived): the others no longer wait for it. Safe to call twice. */
  leave(host: string): void {
    this.waiting.delete(host);
    this.check();
  }

  private check(): void {
    if (this.waiting.size === 0) this.release();
  }
}
