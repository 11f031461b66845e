import { attributeSshLines, attributeUnnamedLines, describeDroppedHost, describeOpenFailure } from '../../src/fleet/host-failure.js';

const TRANSPORT = 'The SSH client session has ended with error message: The SSH transport process has abruptly terminated causing this remote session to break. / The SSH transport process has abruptly terminated causing this remote session to break.';

describe('attributeSshLines: each line ssh printed goes to the host it names', () => {
  const hosts = [
    { id: 0, address: '127.0.0.1', port: 22 },
    { id: 1, address: '127.0.0.10', port: 22 },
    { id: 2, address: 'db.corp', port: 2222 },
    { id: 3, address: 'db.corp', port: 2223 },
    { id: 4, address: 'db', port: 22 },
  ];

  test.each([
    ['ssh: connect to host 127.0.0.10 port 22: Connection refused', [1]],
    ['root@127.0.0.1: Permission denied (publickey,password).', [0]],
    ['Connection to 127.0.0.1 closed by remote host.', [0]],
    ['ssh: connect to host db.corp port 2223: Connection timed out', [3]],
    ['Connection closed by db.corp port 2222', [2]],
    ["Warning: Permanently added '[db.corp]:2222' (ED25519) to the list of known hosts.", [2]],
    ['ops@db.corp: Permission denied (publickey).', [2, 3]],
    ['ssh: Could not resolve hostname db: Name or service not known', [4]],
    ['kex_exchange_identification: read: Connection reset by peer', []],
  ])('%s', (line, ids) => {
    const byHost = attributeSshLines([line], hosts);
    expect([...byHost.keys()].sort()).toEqual(ids);
    for (const id of ids) expect(byHost.get(id)).toEqual([line]);
  });
});

describe('attributeUnnamedLines: lines that name no host go to the one host that failed without a line of its own', () => {
  const hosts = [
    { id: 0, address: '10.0.0.1', port: 22 },
    { id: 1, address: '10.0.0.2', port: 22 },
    { id: 2, address: '10.0.0.3', port: 22 },
  ];
  const strict = 'No ED25519 host key is known for [10.0.0.1]:22 and you have requested strict checking.';
  const unnamed = 'Host key verification failed.';

  test('one silent failed host: it gets them (ssh asked nothing, so it said only that)', () => {
    // host 0 failed with its own line (and ssh's closing line after it), host 2 with no named line at all
    const lines = [strict, unnamed, unnamed, unnamed];
    const byHost = attributeUnnamedLines(lines, attributeSshLines(lines, hosts), [0, 2]);
    expect(byHost.get(0)).toEqual([strict]);
    expect(byHost.get(2)).toEqual([unnamed, unnamed, unnamed]);
    expect(byHost.has(1)).toBe(false);
    expect(describeOpenFailure(TRANSPORT, byHost.get(2) ?? [])).toEqual({ code: 'HOST_AUTH_FAILED', reason: unnamed });
  });

  test('two silent failed hosts: whose they were cannot be told, so nobody gets them', () => {
    const lines = [unnamed, unnamed];
    const byHost = attributeUnnamedLines(lines, attributeSshLines(lines, hosts), [1, 2]);
    expect([...byHost.keys()]).toEqual([]);
  });

  test('no failed host, or none silent: the answer is the named lines alone', () => {
    const lines = [strict, unnamed];
    expect(attributeUnnamedLines(lines, attributeSshLines(lines, hosts), [])).toEqual(new Map([[0, [strict]]]));
    expect(attributeUnnamedLines(lines, attributeSshLines(lines, hosts), [0])).toEqual(new Map([[0, [strict]]]));
  });
});

describe('the reason a host failed, in ssh\'s words, and its code', () => {
  test.each([
    [TRANSPORT, ['ssh: connect to host 10.0.0.9 port 22: Connection refused'], undefined, { code: 'HOST_UNREACHABLE', reason: 'ssh: connect to host 10.0.0.9 port 22: Connection refused' }],
    [TRANSPORT, ['root@10.0.0.9: Permission denied (publickey).', 'root@10.0.0.9: Permission denied (publickey).'], undefined, { code: 'HOST_AUTH_FAILED', reason: 'root@10.0.0.9: Permission denied (publickey).' }],
    [TRANSPORT, ['Host key verification failed.'], undefined, { code: 'HOST_AUTH_FAILED', reason: 'Host key verification failed.' }],
    [TRANSPORT, ['No ED25519 host key is known for [10.0.0.9]:22 and you have requested strict checking.'], undefined, { code: 'HOST_AUTH_FAILED', reason: 'No ED25519 host key is known for [10.0.0.9]:22 and you have requested strict checking.' }],
    [TRANSPORT, ['Host key for 10.0.0.9 has changed and you have requested strict checking.'], undefined, { code: 'HOST_AUTH_FAILED', reason: 'Host key for 10.0.0.9 has changed and you have requested strict checking.' }],
    [TRANSPORT, [], undefined, { code: 'HOST_UNREACHABLE', reason: TRANSPORT }],
    ['no session after 60000 ms', [], undefined, { code: 'HOST_UNREACHABLE', reason: 'no session after 60000 ms' }],
    ['Connecting to remote server srv1 failed: Access is denied.', [], undefined, { code: 'HOST_AUTH_FAILED', reason: 'Connecting to remote server srv1 failed: Access is denied.' }],
    ['WinRM cannot complete the operation. Verify that the specified computer name is valid', [], undefined, { code: 'HOST_UNREACHABLE', reason: 'WinRM cannot complete the operation. Verify that the specified computer name is valid' }],
    ['the credential kind prompt needs a terminal', [], 'HOST_AUTH_FAILED', { code: 'HOST_AUTH_FAILED', reason: 'the credential kind prompt needs a terminal' }],
  ])('open failed: %s / %j', (reason, lines, code, expected) => {
    expect(describeOpenFailure(reason, lines, code)).toEqual(expected);
  });

  test('a host that drops mid-run is HOST_DROPPED, with what ssh said and what PowerShell said beyond its stock message', () => {
    expect(describeDroppedHost(`${TRANSPORT}`, ['Connection to 10.0.0.9 closed by remote host.'])).toEqual({ code: 'HOST_DROPPED', reason: 'Connection to 10.0.0.9 closed by remote host.' });
    expect(describeDroppedHost('Exception calling "EndInvoke" with "1" argument(s): "" / ' + TRANSPORT, ['Connection to 10.0.0.9 closed by remote host.'])).toEqual({
      code: 'HOST_DROPPED',
      reason: 'Connection to 10.0.0.9 closed by remote host.',
    });
    expect(describeDroppedHost('no answer within 600000 ms', [])).toEqual({ code: 'HOST_DROPPED', reason: 'no answer within 600000 ms' });
    expect(describeDroppedHost('', [])).toEqual({ code: 'HOST_DROPPED', reason: 'the session ended without a reason' });
  });
});
