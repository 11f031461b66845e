// @ts-check
// A fleet of "hosts" on this machine for the fleet tests and the bench: Debian's sshd, started in a
// private mount namespace (its /run/sshd on a tmpfs, the system untouched), listening on loopback
// addresses 127.X.Y.n (Linux routes all of 127.0.0.0/8 to lo), with PowerShell's SSH subsystem
// pointing at .tools/pwsh, a key pair made per run, everything in one temp dir. One sshd serves at
// most 16 addresses ("Too many listen sockets"); an address may get an sshd of its own, so a test can
// make that one host die (dropHost). Needs root (unshare, mount) and openssh-server
// (scripts/provision-test-tools.sh installs it). close() always tears everything down.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const SSHD = '/usr/sbin/sshd';
const PER_SSHD = 16;
const START_TIMEOUT_MS = 20_000;

/** Every process id below `pid` (children first listed last), from /proc. @param {number} pid */
export function descendants(pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name (2nd field) may hold spaces and parentheses: fields start after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  /** @type {number[]} */
  const found = [];
  const stack = [pid];
  while (stack.length > 0) {
    const next = /** @type {number} */ (stack.pop());
    for (const child of children.get(next) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

/** @param {number} pid @param {NodeJS.Signals} signal */
function signal(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts one sshd on `addresses`, resolving once it listens on every one of them.
 * @param {string} dir @param {string} name @param {string[]} addresses @param {number} port @param {string} pwsh
 */
async function startSshd(dir, name, addresses, port, pwsh) {
  const config = join(dir, `${name}.conf`);
  writeFileSync(
    config,
    [
      ...addresses.map((a) => `ListenAddress ${a}:${port}`),
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, `${name}.pid`)}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      // The default (10:30:100) drops connections at random when a fleet opens at once.
      'MaxStartups 200',
      'MaxSessions 200',
      `Subsystem powershell ${pwsh} -sshs -NoLogo -NoProfile`,
      '',
    ].join('\n'),
  );
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs tmpfs /run && mkdir -m 755 /run/sshd && exec ${SSHD} -f "$0" -D -e`, config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const listening = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`sshd ${name} did not listen on ${addresses.join(', ')} within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    /** @param {Error} [error] */
    function done(error) {
      clearTimeout(timer);
      child.stderr?.removeListener('data', onData);
      child.removeListener('exit', onExit);
      if (error) {
        signal(child.pid ?? -1, 'SIGKILL');
        reject(error);
      } else resolve(undefined);
    }
    /** @param {Buffer} chunk */
    function onData(chunk) {
      stderr += chunk.toString();
      for (const m of stderr.matchAll(/Server listening on (\S+) port (\d+)/g)) listening.add(m[1]);
      if (addresses.every((a) => listening.has(a))) done();
    }
    function onExit() {
      done(new Error(`sshd ${name} exited: ${stderr}`));
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
  // Keep reading its log, so a full pipe never blocks it.
  child.stderr?.on('data', () => undefined);
  return { name, addresses, child };
}

/**
 * @typedef {object} SshFleetOptions
 * @property {number} hosts addresses served (each a host)
 * @property {number[]} [isolated] indices of hosts that get an sshd of their own (to be dropped alone)
 */

/** @param {SshFleetOptions} options */
export async function startSshFleet(options) {
  if (process.getuid?.() !== 0) throw new Error('the ssh fleet needs root (unshare -m, mount): run the tests as root');
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: run \`bash scripts/provision-test-tools.sh\` as root (it runs apt-get install -y openssh-server)`);
  const pwsh = join(repoRoot, '.tools', 'pwsh');
  if (!existsSync(pwsh)) throw new Error('.tools/pwsh is missing: run `bash scripts/provision-test-tools.sh`');
  const dir = mkdtempSync(join(tmpdir(), 'regstate-ssh-'));
  // A random 127.X.Y.0/24 and port per run, so runs side by side never meet.
  const net = `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const addresses = Array.from({ length: options.hosts }, (_, i) => `${net}.${i + 1}`);
  /** @type {{ name: string; addresses: string[]; child: import('node:child_process').ChildProcess }[]} */
  const daemons = [];
  const fleet = {
    dir,
    port,
    pwsh,
    addresses,
    /** An address on the same network where nothing listens. */
    unservedAddress: `${net}.254`,
    keyFile: join(dir, 'client_key'),
    /** A known_hosts file listing the host key of every address (and the unserved one) at the fleet's port. */
    knownHostsFile: join(dir, 'known_hosts'),
    /** The known_hosts line of one address: `[address]:port <key type> <key>`. @param {string} address */
    knownHostsLine(address) {
      const [type, key] = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/);
      return `[${address}]:${port} ${type} ${key}`;
    },
    /** A key the sshd does not accept. */
    wrongKeyFile: join(dir, 'wrong_key'),
    /** Kills the sshd serving `address` (it must be isolated) and every connection it serves: that host dies. @param {string} address */
    dropHost(address) {
      const daemon = daemons.find((d) => d.addresses.includes(address));
      if (!daemon || daemon.addresses.length !== 1) throw new Error(`${address} has no sshd of its own`);
      const pid = daemon.child.pid ?? -1;
      for (const p of descendants(pid)) signal(p, 'SIGKILL');
      signal(pid, 'SIGKILL');
    },
    /** Pids of the per-connection processes an address's sshd runs (sshd children and the remote pwsh). @param {string} address */
    connectionPids(address) {
      const daemon = daemons.find((d) => d.addresses.includes(address));
      return daemon ? descendants(daemon.child.pid ?? -1) : [];
    },
    async close() {
      const exits = daemons.map((d) => (d.child.exitCode !== null || d.child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => d.child.once('exit', resolve))));
      for (const d of daemons) {
        for (const p of descendants(d.child.pid ?? -1)) signal(p, 'SIGKILL');
        signal(d.child.pid ?? -1, 'SIGKILL');
      }
      await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', fleet.keyFile]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', fleet.wrongKeyFile]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${fleet.keyFile}.pub`));
    writeFileSync(fleet.knownHostsFile, [...addresses, fleet.unservedAddress].map((a) => `${fleet.knownHostsLine(a)}\n`).join(''));
    const isolated = new Set(options.isolated ?? []);
    const shared = addresses.filter((_, i) => !isolated.has(i));
    /** @type {string[][]} */
    const groups = [...[...isolated].map((i) => [/** @type {string} */ (addresses[i])])];
    for (let at = 0; at < shared.length; at += PER_SSHD) groups.push(shared.slice(at, at + PER_SSHD));
    for (const [i, group] of groups.entries()) daemons.push(await startSshd(dir, `sshd${i}`, group, port, pwsh));
  } catch (error) {
    await fleet.close();
    throw error;
  }
  return fleet;
}
