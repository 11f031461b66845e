import { FleetProgress } from '../../src/fleet/fleet-progress.js';

function capture() {
  const out: string[] = [];
  return { out, write: (s: string) => out.push(s) };
}

describe('fleet progress on stderr', () => {
  test('on a terminal one line rewritten in place: done/total, failures, the slowest host still running', () => {
    let now = 1000;
    const sink = capture();
    const p = new FleetProgress(sink, 3, { live: true, color: false, now: () => now });
    p.phase('web01', 'connecting');
    p.phase('web02', 'connecting');
    now = 1500;
    p.phase('web\u001b]0;x', 'connecting');
    p.phase('web01', 'reading');
    now = 4200;
    p.done('web02', 'unreachable');
    expect(p.describe()).toBe('1/3 hosts done, 1 failed; slowest: web01 (reading, 3.2 s)');
    expect(sink.out.at(-1)).toBe('\rregstate: 1/3 hosts done, 1 failed; slowest: web01 (reading, 3.2 s)\x1b[K');
    p.done('web01', 'drift');
    expect(p.describe()).toBe('2/3 hosts done, 1 failed; slowest: web\\u001b]0;x (connecting, 2.7 s)');
    p.done('web\u001b]0;x', 'in-sync');
    expect(p.describe()).toBe('3/3 hosts done, 1 failed');
    p.end();
    expect(sink.out.at(-1)).toBe('\r\x1b[K');
    expect(sink.out.every((s) => s.startsWith('\r'))).toBe(true);
  });

  test('elsewhere one plain line per finished host, no terminal codes', () => {
    const sink = capture();
    const p = new FleetProgress(sink, 2, { live: false, color: false });
    p.phase('web01', 'connecting');
    p.done('web01', 'converged');
    p.done('evil\u001b[2J', 'partial');
    p.end();
    expect(sink.out).toEqual(['regstate: 1/2 web01: converged\n', 'regstate: 2/2 evil\\u001b[2J: partial\n']);
  });
});
