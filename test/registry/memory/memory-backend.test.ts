import { MemoryBackend } from '../../../src/registry/memory/memory-backend.js';
import { describeBackendContract } from '../backend-contract.js';

describeBackendContract('memory', async () => ({ backend: new MemoryBackend(), cleanup: async () => {} }));
