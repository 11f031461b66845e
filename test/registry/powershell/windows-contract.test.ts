import { jest } from '@jest/globals';
import type { RegistryBackend } from '../../../src/registry/backend.js';
import { CONTRACT_ROOTS, describeBackendContract } from '../backend-contract.js';
import { type WindowsHost, WINDOWS_TIMEOUT_MS, describeWine, openLiveBackend, useWindowsHost, withExportOracle } from '../../windows-host.js';

jest.setTimeout(WINDOWS_TIMEOUT_MS);

// The agent's Windows layer (Microsoft.Win32.RegistryKey) in a Windows PowerShell 7 under wine: the
// same contract as every backend, and after every write `wine reg export` of each root (both views)
// must equal what the backend reads back.
describeWine('PowerShell backend on the Windows registry (Windows pwsh under wine)', () => {
  let host: WindowsHost;
  useWindowsHost((started) => (host = started));

  const open = async (): Promise<RegistryBackend> => withExportOracle(await openLiveBackend(host), host.wine, CONTRACT_ROOTS);

  describeBackendContract('powershell on Windows (wine)', async () => {
    const backend = await openLiveBackend(host);
    // The live registry persists between tests: each starts from empty roots.
    const outcomes = await backend.write(CONTRACT_ROOTS.map((key) => ({ op: 'delete-key' as const, key })));
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    return { backend: await open(), reopen: open, cleanup: async () => undefined };
  });

  test('one PowerShell process served the whole contract, and it runs on Windows', async () => {
    expect(host.session.stats().processes).toBe(1);
    expect(await host.session.hello()).toMatchObject({ os: 'Win32NT' });
  });
});
