import { join } from 'node:path';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { PowerShellSession } from '../../../src/registry/powershell/powershell-session.js';
import { describeBackendContract } from '../backend-contract.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

// One pwsh process serves the whole file: each test gets a fresh hive file over the shared session,
// and "reopen" is a new backend on that file (the agent reads the file anew on every call).
describeWithPwsh('PowerShell backend (simulated hive, real pwsh)', (pwsh) => {
  let session: PowerShellSession;
  let n = 0;
  beforeAll(() => {
    session = new PowerShellSession({ executable: pwsh() });
  });
  afterAll(async () => {
    await session?.close();
  });

  describeBackendContract('powershell', async () => {
    const { dir, cleanup } = await tempDir();
    const simulatedHive = join(dir, `contract-${n++}.json`);
    const open = () => createPowerShellBackend({ simulatedHive, session, platform: 'linux' });
    return { backend: await open(), reopen: open, cleanup };
  });

  test('the shared session started exactly one process for the whole contract', () => {
    expect(session.stats().processes).toBe(1);
  });
});
