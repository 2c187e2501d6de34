/**
 * @module Discovery documents (meta/v1 APIVersions, APIGroupList, APIGroup, APIResourceList and
 * the aggregated apidiscovery.k8s.io/v2 APIGroupDiscoveryList), built from the registry so
 * discovery and routing cannot disagree. Pure.
 */
import { API_GROUPS, RESOURCES, resourcesOf, type ResourceInfo } from './resources.ts';

type Any = Record<string, unknown>;

export const SERVER_VERSION = {
  major: '1',
  minor: '36',
  emulationMajor: '1',
  emulationMinor: '36',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '35',
  gitVersion: 'v1.36.3-ordinal',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.26.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function groupVersionsOf(group: string): string[] {
  return [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))];
}

export function apiVersions(serverAddress: string): Any {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string): Any {
  const versions = groupVersionsOf(group).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): Any {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: API_GROUPS.map(apiGroup) };
}

export function apiGroupDoc(group: string): Any | undefined {
  if (!API_GROUPS.includes(group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

/** kube-apiserver lists a resource's subresources by name. */
function sortedSubs(r: ResourceInfo): Array<[string, ResourceInfo['subresources'][string]]> {
  return Object.entries(r.subresources).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function resourceEntries(r: ResourceInfo): Any[] {
  const main: Any = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
  if (r.shortNames.length) main.shortNames = r.shortNames;
  if (r.categories.length) main.categories = r.categories;
  const subs = sortedSubs(r).map(([name, s]) => {
    const e: Any = { name: `${r.plural}/${name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs };
    if (s.group !== r.group || s.version !== r.version) { e.group = s.group; e.version = s.version; }
    return e;
  });
  return [main, ...subs];
}

export function apiResourceList(group: string, version: string): Any | undefined {
  const rs = resourcesOf(group, version);
  if (!rs.length) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: rs.flatMap(resourceEntries) };
}

function discoveryResource(r: ResourceInfo): Any {
  const e: Any = {
    resource: r.plural, responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.singular, verbs: r.verbs,
  };
  if (r.shortNames.length) e.shortNames = r.shortNames;
  if (r.categories.length) e.categories = r.categories;
  const subs = sortedSubs(r).map(([name, s]) => ({
    subresource: name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs,
  }));
  if (subs.length) e.subresources = subs;
  return e;
}

/** Aggregated discovery (KEP-3352): one document for /api (core) or /apis (named groups). */
export function aggregatedDiscovery(legacy: boolean, apiVersion: 'v2' | 'v2beta1'): Any {
  const groups = legacy ? [''] : API_GROUPS;
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g ? { name: g } : {},
      versions: groupVersionsOf(g).map((v) => ({ version: v, resources: resourcesOf(g, v).map(discoveryResource), freshness: 'Current' })),
    })),
  };
}
