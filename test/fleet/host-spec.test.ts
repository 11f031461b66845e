import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { FleetHost } from '../../src/fleet/fleet-model.js';
import { buildHostSpec } from '../../src/fleet/host-spec.js';
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

  test('SSH: host name, port, user, key file, the powershell subsystem, and options that never prompt', async () => {
    const info = await connectionInfo([
      host({ name: 'a', address: '10.0.0.5', transport: 'ssh', user: 'Administrator', keyFile: '/keys/id_ed25519' }),
      host({ name: 'b', address: 'linux-box', transport: 'ssh', port: 2222, user: 'ops', keyFile: '/keys/a b$(x)' }),
    ]);
    const options = { BatchMode: 'yes', StrictHostKeyChecking: 'no', UserKnownHostsFile: '/dev/null', LogLevel: 'ERROR' };
    expect(info).toEqual([
      { kind: 'ssh', computerName: '10.0.0.5', port: 22, userName: 'Administrator', keyFilePath: '/keys/id_ed25519', subsystem: 'powershell', connectingTimeout: 30000, options },
      { kind: 'ssh', computerName: 'linux-box', port: 2222, userName: 'ops', keyFilePath: '/keys/a b$(x)', subsystem: 'powershell', connectingTimeout: 30000, options },
    ]);
  }, 120_000);
});
