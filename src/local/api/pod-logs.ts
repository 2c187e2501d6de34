/**
 * @module `GET pods/{name}/log`: PodLogOptions parsed and validated as kube-apiserver does
 * (pkg/apis/core/validation ValidatePodLogOptions, pod/strategy.go LogLocation), the kubelet's
 * own checks on the container's state (kubelet_pods.go validateContainerLogStatus, relayed as
 * 400), then the log itself, streamed and flushed line by line with `follow`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './errors.ts';
import type { ContainerLog, LogLine } from './pod-backend.ts';
import type { KObject } from './store.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface LogOptions {
  container: string | undefined;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceMs?: number;
  limitBytes?: number;
}

function bool(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  return v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't';
}

function int(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${k}: ${JSON.stringify(v)}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

interface FieldError {
  field: string;
  message: string;
  reason: string;
}

/** ValidatePodLogOptions, as field errors. Pure. */
export function logOptionErrors(tailLines?: number, sinceSeconds?: number, limitBytes?: number, sinceTime?: string): FieldError[] {
  const errs: FieldError[] = [];
  const invalid = (field: string, v: number, why: string): void => { errs.push({ field, message: `Invalid value: ${v}: ${why}`, reason: 'FieldValueInvalid' }); };
  if (tailLines !== undefined && tailLines < 0) invalid('tailLines', tailLines, 'must be greater than or equal to 0');
  if (limitBytes !== undefined && limitBytes < 1) invalid('limitBytes', limitBytes, 'must be greater than 0');
  if (sinceSeconds !== undefined && sinceTime !== undefined) errs.push({ field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified', reason: 'FieldValueForbidden' });
  else if (sinceSeconds !== undefined && sinceSeconds < 1) invalid('sinceSeconds', sinceSeconds, 'must be greater than 0');
  return errs;
}

function invalidOptions(podName: string, errs: FieldError[]): ApiError {
  const list = errs.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  return new ApiError(422, 'Invalid', `PodLogOptions "${podName}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, {
    name: podName, kind: 'PodLogOptions', causes: errs.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
  });
}

function sinceOf(now: number, sinceSeconds: number | undefined, sinceTime: string | undefined): number | undefined {
  if (sinceSeconds !== undefined) return now - sinceSeconds * 1000;
  if (sinceTime === undefined) return undefined;
  const ms = Date.parse(sinceTime);
  if (Number.isNaN(ms)) throw badRequest(`invalid value for sinceTime: parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
  return ms;
}

/** The query as PodLogOptions; 422 Invalid for the values validation refuses. */
export function parseLogOptions(q: URLSearchParams, podName: string, now: number): LogOptions {
  const tailLines = int(q, 'tailLines');
  const sinceSeconds = int(q, 'sinceSeconds');
  const limitBytes = int(q, 'limitBytes');
  const sinceTime = q.get('sinceTime') || undefined;
  const errs = logOptionErrors(tailLines, sinceSeconds, limitBytes, sinceTime);
  if (errs.length) throw invalidOptions(podName, errs);
  const sinceMs = sinceOf(now, sinceSeconds, sinceTime);
  const opts: LogOptions = { container: q.get('container') || undefined, follow: bool(q, 'follow'), previous: bool(q, 'previous'), timestamps: bool(q, 'timestamps') };
  if (tailLines !== undefined) opts.tailLines = tailLines;
  if (sinceMs !== undefined) opts.sinceMs = sinceMs;
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  return opts;
}

const names = (cs: Any[] | undefined): string[] => (cs ?? []).map((c) => String(c.name));

/** The container the request means (LogLocation); 400 when it is ambiguous or unknown. */
export function logContainer(pod: KObject, container: string | undefined): string {
  const p = pod as Any;
  const name = pod.metadata.name ?? '';
  const containers = names(p.spec?.containers);
  const inits = names(p.spec?.initContainers);
  if (!container) {
    if (containers.length === 1) return containers[0]!;
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    // kube-apiserver 1.36 lists every container in VisitContainers order: init, regular, ephemeral.
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${[...inits, ...containers, ...names(p.spec?.ephemeralContainers)].join(' ')}]`);
  }
  const all = [...containers, ...inits, ...names(p.spec?.ephemeralContainers)];
  if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

function statusOf(pod: KObject, container: string): Any | undefined {
  const st = (pod as Any).status ?? {};
  const all: Any[] = [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? []), ...(st.ephemeralContainerStatuses ?? [])];
  return all.find((s) => s.name === container);
}

const WAITING: Record<string, string> = { ErrImagePull: ": image can't be pulled", ImagePullBackOff: ': trying and failing to pull image' };

/** The kubelet's refusal for this container's state, if any (validateContainerLogStatus). */
export function kubeletLogError(pod: KObject, container: string, previous: boolean): string | undefined {
  const st = statusOf(pod, container);
  const c = `container "${container}" in pod "${pod.metadata.name ?? ''}"`;
  if (!st) return `${c} is waiting to start: ContainerCreating`;
  const last = st.lastState?.terminated;
  if (previous) return last ? undefined : `previous terminated ${c} not found`;
  if (st.state?.running || st.state?.terminated || last) return undefined;
  const waiting = st.state?.waiting;
  if (!waiting) return `${c} is waiting to start - no logs yet`;
  return `${c} is waiting to start${WAITING[String(waiting.reason)] ?? `: ${waiting.reason ?? ''}`}`;
}

function rfc3339Nano(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000000Z`;
}

/** Write the log (and with follow, what comes after) honouring timestamps and limitBytes. */
export function streamLog(log: ContainerLog | undefined, o: LogOptions, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  let budget = o.limitBytes ?? Infinity;
  const write = (l: LogLine): boolean => {
    const buf = o.timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(l.time)} `), l.data]) : l.data;
    const part = buf.length > budget ? buf.subarray(0, budget) : buf;
    budget -= part.length;
    res.write(part);
    return budget > 0;
  };
  if (!log) return void res.end();
  const q: { tailLines?: number; sinceMs?: number } = {};
  if (o.tailLines !== undefined) q.tailLines = o.tailLines;
  if (o.sinceMs !== undefined) q.sinceMs = o.sinceMs;
  for (const l of log.read(q)) if (!write(l)) return void res.end();
  if (!o.follow) return void res.end();
  // follow() may report the end at once (the container already stopped), before it returns.
  let done = false;
  let stop: () => void = () => undefined;
  const finish = (): void => {
    if (done) return;
    done = true;
    stop();
    res.end();
  };
  stop = log.follow((l) => {
    if (!l || !write(l)) finish();
  });
  if (done) stop();
  req.socket.setTimeout(0);
  res.once('close', () => stop());
}
