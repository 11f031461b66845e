import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { FleetHost } from '../../src/fleet/fleet-model.js';
import { buildHostSpec, buildSshOptions, quoteSshPath } from '../../src/fleet/host-spec.js';
import { describeWithPwsh, repoRoot, tempDir } from '../registry/powershell/pwsh-helper.js';

const base = { groups: [], vars: new Map(), source: { file: 'inventory.yaml', line: 1, column: 1 } };
const host = (over: Partial<FleetHost> & Pick<FleetHost, 'name' | 'address' | 'transport'>): FleetHost => ({ ...base, ...over });

// WinRM cannot run here; what it would be given can: the driver's own function builds each host's
// connection (the parameters of New-PSSession -ComputerName / -HostName) from the spec, under real pwsh.
describeWithPwsh('fleet host specs become the connection New-PSSession would open', (pwsh) => {
  async function connectionInfo(hosts: FleetHost[]): Promise<unknown[]> {
    const specs = Buffer.from(JSON.stringify(hosts.map((h, i) => buildHostSpec(h, i))), 'utf8').toString('base64');
    const script = join(repoRoot, 'test', 'fleet', 'fixtures', 'connection-info.ps1');
    const result = await execa(pwsh(), ['-NoProfile', '-NonInteractive', '-File', script, '-Root', repoRoot, '-SpecsBase64', specs]);
    return JSON.parse(result.stdout) as unknown[];
  }

  test('WinRM: computer name, port (5985, or 5986 over TLS), the running identity or a saved credential; prompt is refused with the way out', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      // A PSCredential saved the way an admin would (Get-Credential | Export-Clixml), made by pwsh itself.
      const credFile = join(dir, 'cred.xml');
      const make = join(dir, 'make-cred.ps1');
      await writeFile(make, "param($Path)\n(New-Object System.Management.Automation.PSCredential ('CORP\\svc-regstate', (ConvertTo-SecureString 'x' -AsPlainText -Force))) | Export-Clixml -LiteralPath $Path\n");
      await execa(pwsh(), ['-NoProfile', '-NonInteractive', '-File', make, '-Path', credFile]);
      const info = await connectionInfo([
        host({ name: 'a', address: 'srv1.corp.example', transport: 'winrm' }),
        host({ name: 'b', address: 'srv2.corp.example', transport: 'winrm', port: 5986, credential: { kind: 'file', path: credFile } }),
        host({ name: 'c', address: 'srv3', transport: 'winrm', port: 8080, credential: { kind: 'current' } }),
        host({ name: 'd', address: 'srv4', transport: 'winrm', credential: { kind: 'prompt' } }),
        // Data, never source: a name that is not a host name is refused by WinRM's URI check, not run.
        host({ name: 'e', address: "srv5'; Remove-Item /; '", transport: 'winrm' }),
      ]);
      const shell = 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell';
      expect(info).toEqual([
        { kind: 'winrm', computerName: 'srv1.corp.example', port: 5985, scheme: 'http', appName: '/wsman', shellUri: shell, credentialUser: null, openTimeout: 30000 },
        { kind: 'winrm', computerName: 'srv2.corp.example', port: 5986, scheme: 'https', appName: '/wsman', shellUri: shell, credentialUser: 'CORP\\svc-regstate', openTimeout: 30000 },
        { kind: 'winrm', computerName: 'srv3', port: 8080, scheme: 'http', appName: '/wsman', shellUri: shell, credentialUser: null, openTimeout: 30000 },
        { error: 'HOST_AUTH_FAILED', message: expect.stringContaining('Export-Clixml') },
        { error: 'INTERNAL', message: expect.stringContaining('hostname could not be parsed') },
      ]);
    } finally {
      await cleanup();
    }
  }, 120_000);

  test('SSH: host name, port, user, key file, the powershell subsystem, and options that never prompt; host keys checked as OpenSSH does unless the inventory says', async () => {
    const info = await connectionInfo([
      host({ name: 'a', address: '10.0.0.5', transport: 'ssh', user: 'Administrator', keyFile: '/keys/id_ed25519' }),
      host({ name: 'b', address: 'linux-box', transport: 'ssh', port: 2222, user: 'ops', keyFile: '/keys/a b$(x)' }),
      host({ name: 'c', address: 'c', transport: 'ssh', user: 'u', hostKeyChecking: 'strict', knownHostsFile: "/etc/regstate/known hosts %h $(x) ';" }),
      host({ name: 'd', address: 'd', transport: 'ssh', user: 'u', hostKeyChecking: 'accept-new' }),
      host({ name: 'e', address: 'e', transport: 'ssh', user: 'u', hostKeyChecking: 'off' }),
      host({ name: 'f', address: 'f', transport: 'ssh', user: 'u', knownHostsFile: '/kh' }),
    ]);
    const never = { BatchMode: 'yes', LogLevel: 'ERROR' };
    const ssh = (computerName: string, options: Record<string, string>) => expect.objectContaining({ kind: 'ssh', computerName, options: { ...never, ...options } });
    expect(info).toEqual([
      { kind: 'ssh', computerName: '10.0.0.5', port: 22, userName: 'Administrator', keyFilePath: '/keys/id_ed25519', subsystem: 'powershell', connectingTimeout: 30000, options: never },
      { kind: 'ssh', computerName: 'linux-box', port: 2222, userName: 'ops', keyFilePath: '/keys/a b$(x)', subsystem: 'powershell', connectingTimeout: 30000, options: never },
      ssh('c', { StrictHostKeyChecking: 'yes', UserKnownHostsFile: `"/etc/regstate/known hosts %%h $(x) ';"` }),
      ssh('d', { StrictHostKeyChecking: 'accept-new' }),
      ssh('e', { StrictHostKeyChecking: 'no', UserKnownHostsFile: '/dev/null' }),
      ssh('f', { UserKnownHostsFile: '"/kh"' }),
    ]);
  }, 120_000);

  test('SSH: the driver refuses an option it does not set itself (a spec cannot smuggle ProxyCommand to ssh)', async () => {
    const spec = { ...buildHostSpec(host({ name: 'a', address: 'a', transport: 'ssh', user: 'u' }), 0), sshOptions: [{ name: 'ProxyCommand', value: Buffer.from('touch /tmp/x').toString('base64') }] };
    const script = join(repoRoot, 'test', 'fleet', 'fixtures', 'connection-info.ps1');
    const result = await execa(pwsh(), ['-NoProfile', '-NonInteractive', '-File', script, '-Root', repoRoot, '-SpecsBase64', Buffer.from(JSON.stringify([spec])).toString('base64')]);
    expect(JSON.parse(result.stdout)).toEqual([{ error: 'INTERNAL', message: 'ssh option ProxyCommand is not one the driver sets' }]);
  }, 120_000);
});

describe('host key options as ssh reads them', () => {
  test.each<[string, Pick<FleetHost, 'hostKeyChecking' | 'knownHostsFile'>, { name: string; value: string }[]]>([
    ['nothing set: OpenSSH decides (its config, ~/.ssh/known_hosts, unknown hosts refused)', {}, []],
    ['strict', { hostKeyChecking: 'strict' }, [{ name: 'StrictHostKeyChecking', value: 'yes' }]],
    ['accept-new with a file', { hostKeyChecking: 'accept-new', knownHostsFile: '/srv/kh' }, [{ name: 'StrictHostKeyChecking', value: 'accept-new' }, { name: 'UserKnownHostsFile', value: '"/srv/kh"' }]],
    ['off: any key, none recorded', { hostKeyChecking: 'off' }, [{ name: 'StrictHostKeyChecking', value: 'no' }, { name: 'UserKnownHostsFile', value: '/dev/null' }]],
    ['a file alone: checked as OpenSSH does, against that file', { knownHostsFile: '/srv/kh' }, [{ name: 'UserKnownHostsFile', value: '"/srv/kh"' }]],
  ])('%s', (_, settings, expected) => {
    expect(buildSshOptions(settings, 'linux')).toEqual(expected);
  });

  test('a Windows path takes forward slashes; % is doubled; a POSIX backslash is escaped', () => {
    expect(quoteSshPath('C:\\ProgramData\\regstate\\known hosts 100%', 'win32')).toBe('"C:/ProgramData/regstate/known hosts 100%%"');
    expect(quoteSshPath('/a\\b %u', 'linux')).toBe('"/a\\\\b %%u"');
  });

  // The real ssh client parses the option as it will in a fleet run: `ssh -G` prints the file it would read.
  test.each(['/tmp/known hosts/%h and %u', "/tmp/a\\b $(x) `y` ';|&", '/tmp/plain'])('ssh reads %j back as exactly that file', async (path) => {
    const [option] = buildSshOptions({ knownHostsFile: path }, 'linux');
    const result = await execa('ssh', ['-G', '-o', `${option?.name}=${option?.value}`, 'example.invalid'], { reject: false });
    expect(result.stdout).toMatch(/^userknownhostsfile /m);
    expect(result.stdout.split('\n').find((l) => l.startsWith('userknownhostsfile '))).toBe(`userknownhostsfile ${path}`);
  });
});
