import { WriteBarrier } from '../../src/fleet/write-barrier.js';

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

test('every host that arrives waits until each of the others has arrived or left; leaving twice is harmless', async () => {
  const barrier = new WriteBarrier(['a', 'b', 'c']);
  const a = barrier.arrive('a');
  expect(await settled(a)).toBe(false);
  barrier.leave('b');
  barrier.leave('b');
  expect(await settled(a)).toBe(false);
  const c = barrier.arrive('c');
  expect(await settled(a)).toBe(true);
  expect(await settled(c)).toBe(true);
  // after it has opened, it stays open
  expect(await settled(barrier.arrive('a'))).toBe(true);
});

test('no host to wait for: open at once', async () => {
  expect(await settled(new WriteBarrier([]).arrive('x'))).toBe(true);
});
