/**
 * @module A zone built once from manifest objects (`serve --manifests`): the objects go into
 * the zone's ClusterModel, the model is marked synced and snapshotted.
 */
import { parseHostPort } from '../dns/address.ts';
import { ClusterModel } from '../zone/model.ts';
import { staticSource } from '../zone/source.ts';
import type { ZoneConfig, ZoneSource } from '../zone/types.ts';
import type { ServeConfig } from './config.ts';
import { describeObject, ManifestError, manifestSource } from './manifests.ts';

/** Kinds the DNS zone is made of (StatefulSets only announce expected names); anything else is not its business. */
const ZONE_KINDS = new Set(['Namespace', 'Service', 'EndpointSlice', 'Pod', 'StatefulSet']);

export function zoneConfig(cfg: ServeConfig): ZoneConfig {
  const { host } = parseHostPort(cfg.dnsListen);
  // Glue for ns.dns.<zone> is the address we answer on, unless that is a wildcard.
  const wildcard = host === '0.0.0.0' || host === '::';
  return {
    zones: cfg.zones, reverseZones: cfg.reverseZones, ttl: cfg.ttl, endpointsFrom: cfg.endpointsFrom, nsAddresses: wildcard ? [] : [host],
    pods: cfg.pods,
    ...(expectedRule(cfg) ? { expectedNegativeTtl: cfg.expectedNegativeTtl } : {}),
  };
}

/** The expected-name rule is on when it shortens something: --expected-negative-ttl below --ttl. */
export function expectedRule(cfg: ServeConfig): boolean {
  return cfg.expectedNegativeTtl < cfg.ttl;
}

export function buildStaticZone(cfg: ServeConfig, objects: readonly object[]): { source: ZoneSource; applied: number; skipped: number } {
  const model = new ClusterModel(zoneConfig(cfg));
  let applied = 0;
  for (const obj of objects) {
    const kind = (obj as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !ZONE_KINDS.has(kind)) continue;
    try {
      model.apply(obj);
      applied++;
    } catch (err) {
      throw new ManifestError(`${manifestSource(obj) ?? 'manifest'}: ${describeObject(obj)}: ${(err as Error).message}`);
    }
  }
  model.markSynced();
  return { source: staticSource(model.snapshot()), applied, skipped: objects.length - applied };
}
