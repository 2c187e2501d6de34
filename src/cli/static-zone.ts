/**
 * @module A zone built once from manifest objects (`serve --manifests`): the objects go into
 * the zone's ClusterModel, the model is marked synced and snapshotted.
 */
import { ClusterModel } from '../zone/model.ts';
import { toSlim } from '../zone/project.ts';
import type { SlimRecord } from '../zone/records.ts';
import { createSealer, staticSource } from '../zone/source.ts';
import type { ZoneSource } from '../zone/types.ts';
import type { ServeConfig } from './config.ts';
import { describeObject, ManifestError, manifestSource } from './manifests.ts';
import { zoneConfig } from './zone-config.ts';

/** Kinds the DNS zone is made of (StatefulSets only announce expected names); anything else is not its business. */
const ZONE_KINDS = new Set(['Namespace', 'Service', 'EndpointSlice', 'Pod', 'StatefulSet']);

/** The zone's inputs among `objects`, slimmed; a bad one is a ManifestError naming it. */
export function zoneRecords(objects: readonly object[]): SlimRecord[] {
  const out: SlimRecord[] = [];
  for (const obj of objects) {
    const kind = (obj as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !ZONE_KINDS.has(kind)) continue;
    try {
      out.push(toSlim(obj));
    } catch (err) {
      throw new ManifestError(`${manifestSource(obj) ?? 'manifest'}: ${describeObject(obj)}: ${(err as Error).message}`);
    }
  }
  return out;
}

export function buildStaticZone(cfg: ServeConfig, objects: readonly object[]): { source: ZoneSource; applied: number; skipped: number } {
  const model = new ClusterModel(zoneConfig(cfg));
  const records = zoneRecords(objects);
  for (const r of records) model.apply(r);
  model.markSynced();
  const source = staticSource(model.snapshot());
  // The zone gets its serial at the next second boundary, after this process started (zone/serial.ts).
  createSealer(model, source).schedule();
  return { source, applied: records.length, skipped: objects.length - records.length };
}
