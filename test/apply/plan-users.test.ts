import { planDesiredState, recheckSavedPlan } from '../../src/apply/prepare-plan.js';
import { executePlan } from '../../src/apply/execute-plan.js';
import { RegstateError } from '../../src/errors.js';
import type { DesiredKey } from '../../src/model/desired-state.js';
import type { KeyRef } from '../../src/model/key-ref.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import type { RegistryBackend } from '../../src/registry/backend.js';
import { PROFILE_LIST_PATH } from '../../src/registry/profile-list.js';
import { at, dword, present, presentKey, sz } from '../builders.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ALICE = 'S-1-5-21-1-1001';
const BOB = 'S-1-5-21-1-1002';
const CAROL = 'S-1-5-21-1-1003';
const hklm = (path: string): KeyRef => ({ hive: 'HKLM', path, view: 64 });
const hku = (path: string): KeyRef => ({ hive: 'HKU', path, view: 64 });

/** alice and bob logged on (their hives in the registry), carol listed without a hive. */
function machine(): MemoryBackend {
  const backend = new MemoryBackend('users');
  for (const sid of [ALICE, BOB, CAROL]) backend.seed(hklm(`${PROFILE_LIST_PATH}\\${sid}`), 'ProfileImagePath', sz(`C:\\Users\\${sid}`));
  backend.seed(hku(`${ALICE}\\Software\\Contoso`), 'Mode', dword(0));
  backend.seedKey(hku(`${BOB}\\Software`));
  return backend;
}

const perUser = (): DesiredKey => ({ ...presentKey('HKCU\\Software\\Contoso', [present('Mode', dword(1), at(6))], at(3)), users: { exclude: [], defaultProfile: false, source: at(4, 12) } });

describe('planning per-user keys against a backend', () => {
  test('each reachable user is planned; a user whose hive cannot be read is recorded with the reason and not planned', async () => {
    const backend = machine();
    const { plan } = await planDesiredState({ files: [], keys: [perUser()] }, backend);
    expect(plan.changes.map((c) => `${c.action} ${c.key.path}${'name' in c ? `:${c.name}` : ''}`)).toEqual([
      `update ${ALICE}\\Software\\Contoso:Mode`,
      `create-key ${BOB}\\Software\\Contoso`,
      `create ${BOB}\\Software\\Contoso:Mode`,
    ]);
    expect(plan.users?.map((u) => [u.sid, u.loaded, u.unavailable?.code])).toEqual([
      [ALICE, true, undefined],
      [BOB, true, undefined],
      [CAROL, false, 'PROFILE_UNAVAILABLE'],
    ]);
    expect(plan.users?.[2]?.unavailable?.message).toContain(`cannot read HKU\\${CAROL}\\Software\\Contoso`);
  });

  test('the plan applies and converges for the reachable users: a second plan has no changes', async () => {
    const backend = machine();
    const { plan, live } = await planDesiredState({ files: [], keys: [perUser()] }, backend);
    const execution = await executePlan(plan, live, backend, { command: 'apply', journalDir: join(await mkdtemp(join(tmpdir(), 'regstate-users-')), 'journals'), configs: [] });
    expect(execution.result?.converged).toBe(true);
    const again = await planDesiredState({ files: [], keys: [perUser()] }, backend);
    expect(again.plan.changes).toEqual([]);
    expect(again.plan.users?.filter((u) => u.unavailable).map((u) => u.sid)).toEqual([CAROL]);
  });

  test('a config without per-user keys never asks for profiles and records no users', async () => {
    const backend = machine();
    let listed = 0;
    backend.listProfiles = async () => {
      listed++;
      return [];
    };
    const { plan } = await planDesiredState({ files: [], keys: [presentKey('HKLM\\SOFTWARE\\X')] }, backend);
    expect(listed).toBe(0);
    expect(plan.users).toBeUndefined();
  });

  test('per-user keys selecting nobody record an empty list of users', async () => {
    const key = { ...perUser(), users: { include: ['NOBODY\\*'], exclude: [], defaultProfile: false, source: at(4, 12) } };
    const { plan } = await planDesiredState({ files: [], keys: [key] }, machine());
    expect(plan).toMatchObject({ changes: [], users: [] });
  });

  test('a backend that cannot list profiles refuses per-user keys: USAGE at users, nothing read', async () => {
    const memory = machine();
    const backend: RegistryBackend = { target: memory.target, read: (r) => memory.read(r), write: (o) => memory.write(o), stats: () => memory.stats(), close: () => memory.close() };
    const error = await planDesiredState({ files: [], keys: [perUser()] }, backend).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegstateError);
    expect(error).toMatchObject({ code: 'USAGE', source: at(4, 12) });
    expect((error as Error).message).toMatch(/key HKCU\\Software\\Contoso applies to every user \(users at test\.yaml:4:12\), but the memory backend cannot list the user profiles/);
    expect(memory.stats().roundTrips).toBe(0);
  });

  test('another read failure is not taken for an unavailable profile', async () => {
    const backend = machine();
    backend.read = async () => {
      throw new RegstateError('ACCESS_DENIED', `cannot read HKU\\${ALICE}\\Software\\Contoso: access denied`);
    };
    await expect(planDesiredState({ files: [], keys: [perUser()] }, backend)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  test('an unavailable profile is the user of the key the read names, not of a SID its message happens to hold', async () => {
    const backend = machine();
    const read = backend.read.bind(backend);
    let first = true;
    // the failure names Carol's key; its message mentions Alice's SID (a path that holds it as text)
    backend.read = async (requests) => {
      if (first) {
        first = false;
        throw RegstateError.fromDiagnostics([{ code: 'PROFILE_UNAVAILABLE', message: `cannot read HKU\\${ALICE}\\x: no hive`, key: hku(`${CAROL}\\Software\\Contoso`) }]);
      }
      return read(requests);
    };
    const { plan } = await planDesiredState({ files: [], keys: [perUser()] }, backend);
    expect(plan.users?.filter((u) => u.unavailable).map((u) => u.sid)).toEqual([CAROL]);
    // without the key, the message alone marks nobody: the failure is thrown as it is
    backend.read = async () => {
      throw new RegstateError('PROFILE_UNAVAILABLE', `cannot read HKU\\${CAROL}\\Software\\Contoso: no hive`);
    };
    await expect(planDesiredState({ files: [], keys: [perUser()] }, backend)).rejects.toMatchObject({ code: 'PROFILE_UNAVAILABLE' });
  });

  test('a saved plan whose user cannot be read any more applies for the others: that user is marked and its changes left out', async () => {
    const backend = machine();
    const { plan: saved } = await planDesiredState({ files: [], keys: [perUser()] }, backend);
    // bob logs off: his hive is no longer there, and (as in a .reg file) cannot be loaded
    expect(await backend.write([{ op: 'delete-key', key: hku(BOB) }])).toEqual([{ ok: true }]);
    const { plan, live } = await recheckSavedPlan(saved, backend, 'plan.json');
    expect(plan.changes.map((c) => c.key.path.split('\\')[0])).toEqual([ALICE]);
    expect(plan.users?.map((u) => [u.sid, u.unavailable?.code])).toEqual([
      [ALICE, undefined],
      [BOB, 'PROFILE_UNAVAILABLE'],
      [CAROL, 'PROFILE_UNAVAILABLE'],
    ]);
    expect(saved.changes).toHaveLength(3);
    const execution = await executePlan(plan, live, backend, { command: 'apply', journalDir: join(await mkdtemp(join(tmpdir(), 'regstate-users-')), 'journals'), configs: [] });
    expect(execution.result?.converged).toBe(true);
    const [alice] = await backend.read([{ key: hku(`${ALICE}\\Software\\Contoso`) }]);
    expect(alice?.values).toEqual([{ name: 'Mode', value: dword(1) }]);
  });
});
