import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { describeBackendContract } from '../backend-contract.js';

describeBackendContract('regfile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-contract-'));
  const file = join(dir, 'registry.reg');
  return {
    backend: await openRegFile(file, { create: true }),
    reopen: () => openRegFile(file, { create: true }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
