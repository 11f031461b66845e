import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { formatDataPath } from '../config/data-path.js';
import { asRecord } from '../config/declared-value.js';
import { suggestName } from '../config/did-you-mean.js';
import { readVarBlock } from '../config/read-var-block.js';
import { type FoundNode, type YamlSource, childNode, findNode, nodePos } from '../config/yaml-nodes.js';
import { formatSourcePos } from '../model/source-pos.js';
import type { FleetHost, HostKeyChecking, VarTable } from './fleet-model.js';

interface Group {
  name: string;
  vars: VarTable;
  found: FoundNode;
  /** hostKeyChecking and knownHostsFile as the group gives them (the schema has checked them). */
  ssh: Settings;
}

interface Walk {
  source: YamlSource;
  diagnostics: Diagnostic[];
  /** The inventory's folder: relative key and credential files are read from there. */
  dir: string;
  home: string;
}

const fold = (name: string) => name.toLowerCase();

/** A path on this machine as an inventory gives it: `~/` is the home folder, relative is from the inventory's folder. */
function localPath(walk: Walk, text: string): string {
  if (text === '~' || text.startsWith('~/') || text.startsWith('~\\')) return resolve(walk.home, text.slice(2));
  return isAbsolute(text) ? text : resolve(walk.dir, text);
}

function collectGroups(walk: Walk, exact: unknown): Map<string, Group> {
  const groups = new Map<string, Group>();
  const block = asRecord(exact);
  const groupsNode = findNode(walk.source, ['groups']);
  if (!block) return groups;
  for (const [name, value] of Object.entries(block)) {
    const found = childNode(walk.source, groupsNode.node, name) ?? groupsNode;
    const earlier = groups.get(fold(name));
    if (earlier) {
      const where = found.keyNode ? nodePos(walk.source, { node: found.keyNode }) : nodePos(walk.source, found);
      const message = `groups: group name "${name}" is already used by "${earlier.name}" at ${formatSourcePos(nodePos(walk.source, { node: earlier.found.keyNode ?? earlier.found.node }))} (names compare ignoring case)`;
      walk.diagnostics.push({ code: 'DUPLICATE', message, source: where });
      continue;
    }
    const varsAt = childNode(walk.source, found.node, 'vars');
    const varsExact = asRecord(value)?.vars;
    let vars: VarTable = new Map();
    if (varsAt && varsExact !== undefined) {
      const block = readVarBlock(walk.source, varsAt, varsExact, { path: ['groups', name, 'vars'], origin: (source) => ({ kind: 'group', group: name, source }), schemaChecked: true });
      vars = block.vars;
      for (const d of block.diagnostics) walk.diagnostics.push(d);
    }
    const settings = asRecord(value) ?? {};
    groups.set(fold(name), { name, vars, found, ssh: { hostKeyChecking: settings.hostKeyChecking, knownHostsFile: settings.knownHostsFile } });
  }
  return groups;
}

type Settings = Record<string, unknown>;

/** The credential of a winrm host, from its own setting or the defaults (checked by the schema). */
function credentialOf(walk: Walk, setting: unknown): FleetHost['credential'] {
  if (setting === 'prompt') return { kind: 'prompt' };
  const file = asRecord(setting)?.file;
  if (typeof file === 'string') return { kind: 'file', path: localPath(walk, file) };
  return { kind: 'current' };
}

/** A setting the host gives that its transport has no use for: an error at the setting. */
function misplaced(walk: Walk, hostNode: FoundNode, path: string[], setting: string, message: string): void {
  const at = childNode(walk.source, hostNode.node, setting);
  const where = at?.keyNode ? nodePos(walk.source, { node: at.keyNode }) : nodePos(walk.source, hostNode);
  walk.diagnostics.push({ code: 'SCHEMA', message: `${formatDataPath([...path, setting])}: ${message}`, source: where });
}

function hostGroups(walk: Walk, host: Settings, hostNode: FoundNode, path: string[], groups: Map<string, Group>): Group[] {
  const listed = Array.isArray(host.groups) ? (host.groups as unknown[]) : [];
  const listNode = childNode(walk.source, hostNode.node, 'groups');
  const out: Group[] = [];
  listed.forEach((name, i) => {
    if (typeof name !== 'string') return;
    const group = groups.get(fold(name));
    if (group) {
      out.push(group);
      return;
    }
    const known = [...groups.values()].map((g) => g.name);
    const guess = suggestName(name, known);
    const mean = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
    const defined = known.length === 0 ? 'the inventory defines no groups (under groups:)' : `groups defined: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}`;
    const at = (listNode && childNode(walk.source, listNode.node, String(i))) ?? listNode ?? hostNode;
    walk.diagnostics.push({ code: 'UNKNOWN_GROUP', message: `${formatDataPath([...path, 'groups', String(i)])}: unknown group "${name}"${mean}; ${defined}`, source: nodePos(walk.source, at) });
  });
  return out;
}

/** A host-key setting: the host's own, else the last of its groups that gives one, else the defaults'. */
function sshSetting(name: string, host: Settings, groups: Group[], defaults: Settings): unknown {
  if (host[name] !== undefined) return host[name];
  for (let i = groups.length - 1; i >= 0; i--) if ((groups[i] as Group).ssh[name] !== undefined) return (groups[i] as Group).ssh[name];
  return defaults[name];
}

function collectHostKeyChecking(walk: Walk, out: FleetHost, host: Settings, hostNode: FoundNode, path: string[], groups: Group[], defaults: Settings): void {
  const checking = sshSetting('hostKeyChecking', host, groups, defaults);
  const file = sshSetting('knownHostsFile', host, groups, defaults);
  if (checking === 'strict' || checking === 'accept-new' || checking === 'off') out.hostKeyChecking = checking satisfies HostKeyChecking;
  if (typeof file === 'string') out.knownHostsFile = localPath(walk, file);
  if (checking === 'off' && typeof file === 'string') {
    const message = `${formatDataPath(path)}: hostKeyChecking is off, which checks no key, yet knownHostsFile is set (by the host, one of its groups or defaults); remove one of them`;
    walk.diagnostics.push({ code: 'CONFLICT', message, source: nodePos(walk.source, hostNode) });
  }
}

/** One host entry as a FleetHost, or undefined when the schema found it malformed (already reported). */
function collectHost(walk: Walk, plain: unknown, exact: unknown, hostNode: FoundNode, index: number, defaults: Settings, groups: Map<string, Group>): FleetHost | undefined {
  const host = asRecord(plain);
  const name = host?.name;
  if (!host || typeof name !== 'string') return undefined;
  const path = ['hosts', String(index)];
  const transport = host.transport ?? defaults.transport ?? 'winrm';
  if (transport !== 'winrm' && transport !== 'ssh') return undefined;
  if (transport === 'winrm' && host.keyFile !== undefined) misplaced(walk, hostNode, path, 'keyFile', 'keyFile is for ssh hosts; a winrm host signs in with credential (current, prompt or { file: ... })');
  for (const setting of ['hostKeyChecking', 'knownHostsFile']) {
    if (transport === 'winrm' && host[setting] !== undefined) misplaced(walk, hostNode, path, setting, `${setting} is for ssh hosts; WinRM checks the host by Kerberos or its TLS certificate`);
  }
  if (transport === 'ssh' && host.credential !== undefined) misplaced(walk, hostNode, path, 'credential', 'credential is for winrm hosts; an ssh host signs in with keyFile');
  const inGroups = hostGroups(walk, host, hostNode, path, groups);
  const vars: VarTable = new Map();
  // group vars in the order the host lists its groups (a later group wins), then the host's own
  for (const group of inGroups) for (const [k, v] of group.vars) vars.set(k, v);
  const varsAt = childNode(walk.source, hostNode.node, 'vars');
  const varsExact = asRecord(exact)?.vars;
  if (varsAt && varsExact !== undefined) {
    const block = readVarBlock(walk.source, varsAt, varsExact, { path: [...path, 'vars'], origin: (source) => ({ kind: 'host', host: name, source }), schemaChecked: true });
    for (const [k, v] of block.vars) vars.set(k, v);
    for (const d of block.diagnostics) walk.diagnostics.push(d);
  }
  const out: FleetHost = {
    name,
    address: typeof host.address === 'string' ? host.address : name,
    transport,
    groups: inGroups.map((g) => g.name),
    vars,
    source: nodePos(walk.source, hostNode),
  };
  const port = host.port ?? defaults.port;
  if (typeof port === 'number') out.port = port;
  const user = host.user ?? defaults.user;
  if (typeof user === 'string') out.user = user;
  if (transport === 'ssh') {
    const keyFile = host.keyFile ?? defaults.keyFile;
    if (typeof keyFile === 'string') out.keyFile = localPath(walk, keyFile);
    collectHostKeyChecking(walk, out, host, hostNode, path, inGroups, defaults);
  } else {
    out.credential = credentialOf(walk, host.credential ?? defaults.credential);
  }
  if (typeof host.simulatedHive === 'string') out.simulatedHive = host.simulatedHive;
  return out;
}

/**
 * The hosts of a loaded inventory, with what the schema cannot check: unique host names, known
 * groups, no group named like a host, settings that fit the transport. Paths on this machine are
 * made absolute from `dir`. Tolerates a document that failed the schema, so one run reports every problem.
 */
export function collectHosts(source: YamlSource, plain: unknown, exact: unknown, dir: string, home: string = homedir()): { hosts: FleetHost[]; groups: string[]; diagnostics: Diagnostic[] } {
  const walk: Walk = { source, diagnostics: [], dir, home };
  const doc = asRecord(plain);
  const groups = collectGroups(walk, asRecord(exact)?.groups);
  const defaults = asRecord(doc?.defaults) ?? {};
  const hosts: FleetHost[] = [];
  const list = doc?.hosts;
  const exactList = asRecord(exact)?.hosts;
  const byName = new Map<string, FleetHost>();
  if (Array.isArray(list) && Array.isArray(exactList)) {
    const listNode = findNode(source, ['hosts']);
    for (let i = 0; i < list.length; i++) {
      const hostNode = childNode(source, listNode.node, String(i)) ?? listNode;
      const host = collectHost(walk, list[i], exactList[i], hostNode, i, defaults, groups);
      if (!host) continue;
      const nameAt = nodePos(source, childNode(source, hostNode.node, 'name') ?? hostNode);
      const earlier = byName.get(fold(host.name));
      if (earlier) {
        const message = `hosts[${i}].name: host name "${host.name}" is already used by the host at ${formatSourcePos(earlier.source)} (names compare ignoring case)`;
        walk.diagnostics.push({ code: 'DUPLICATE', message, source: nameAt });
        continue;
      }
      byName.set(fold(host.name), host);
      hosts.push(host);
    }
  }
  for (const group of groups.values()) {
    const host = byName.get(fold(group.name));
    if (!host) continue;
    const where = nodePos(source, group.found.keyNode ? { node: group.found.keyNode } : group.found);
    const message = `groups: group "${group.name}" has the name of the host at ${formatSourcePos(host.source)}; --limit could not tell them apart`;
    walk.diagnostics.push({ code: 'DUPLICATE', message, source: where });
  }
  return { hosts, groups: [...groups.values()].map((g) => g.name), diagnostics: walk.diagnostics };
}
