/**
 * @module Server-side printing: the meta.k8s.io/v1 Table that kube-apiserver returns when a
 * client asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (every `kubectl get`).
 * Columns and cell values follow the upstream printers (pkg/printers/internalversion); like
 * the real server, rows always carry the `-o wide` cells and kubectl hides priority-1 columns.
 * Each row carries `object` per the `includeObject` query parameter (TableOptions); the
 * default is `Metadata` (a PartialObjectMetadata). Observed with kubectl 1.32 and 1.36: `get`,
 * `get -o wide`, `get -w`, `-L` and `--show-labels` send no includeObject (kubectl reads labels
 * from the metadata), `get --sort-by` sends `includeObject=Object`.
 */
import { PRINTERS, defaultPrinter, type Column } from './table-printers.ts';

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface TableOptions {
  includeObject?: IncludeObject;
  /** The list's metadata (resourceVersion, continue), copied to the Table. */
  listMeta?: Record<string, unknown>;
  /** Leave columnDefinitions empty, as the server does for watch events after the first. */
  noHeaders?: boolean;
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: Record<string, unknown>;
  columnDefinitions: TableColumnDefinition[];
  rows: { cells: unknown[]; object?: unknown; conditions?: unknown[] }[];
}

/** Column definitions of a resource (plural, optionally `plural.group`). */
export function columnsOf(resource: string): TableColumnDefinition[] {
  return printerOf(resource).columns.map(toDefinition);
}

/** Build the Table for `objs` of `resource` as of `now`. */
export function toTable(resource: string, objs: object[], now: Date, opts: TableOptions = {}): Table {
  const printer = printerOf(resource);
  const include = opts.includeObject ?? 'Metadata';
  const rows = objs.map((o) => {
    const obj = o as Record<string, unknown>;
    const row: Table['rows'][number] = { cells: printer.cells(obj, now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (include === 'Object') row.object = obj;
    else if (include === 'Metadata') row.object = partialMetadata(obj);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...(opts.listMeta ?? {}) },
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map(toDefinition),
    rows,
  };
}

/** Parse the `includeObject` query parameter; undefined means the default, bad values throw. */
export function parseIncludeObject(value: string | null | undefined): IncludeObject | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (value === 'None' || value === 'Object' || value === 'Metadata') return value;
  throw new Error(`invalid includeObject "${value}": must be None, Object or Metadata`);
}

function printerOf(resource: string): (typeof PRINTERS)[string] {
  const plural = resource.split('.')[0] ?? resource;
  return PRINTERS[resource] ?? PRINTERS[plural] ?? defaultPrinter;
}

function toDefinition(c: Column): TableColumnDefinition {
  return { name: c.name, type: c.type ?? 'string', format: c.format ?? '', description: c.description, priority: c.priority ?? 0 };
}

function partialMetadata(obj: Record<string, unknown>): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}
