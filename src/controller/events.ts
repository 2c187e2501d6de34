/**
 * @module Event reasons and messages of the StatefulSet controller (upstream stateful_pod_control.go:
 * reason "Successful"/"Failed" + Title(verb), message with the lower-case verb).
 */
import type { Action } from './actions.ts';
import { tryAccept, type Bucket } from '../kube/ratelimit.ts';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

const VERB = { createPod: 'create', updatePod: 'update', deletePod: 'delete' } as const;
const title = (verb: string) => verb[0]?.toUpperCase() + verb.slice(1);

/** The event an executed action produces, or undefined (revisions, status, AlreadyExists on create). */
export function eventFor(action: Action, setName: string, err?: Error): EventSpec | undefined {
  if (action.kind === 'createClaim') {
    const claim = action.claim.metadata.name ?? '';
    return err
      ? { type: 'Warning', reason: 'FailedCreate', message: `create Claim ${claim} for Pod ${action.pod} in StatefulSet ${setName} failed error: ${err.message}` }
      : { type: 'Normal', reason: 'SuccessfulCreate', message: `create Claim ${claim} Pod ${action.pod} in StatefulSet ${setName} success` };
  }
  if (action.kind === 'createPod' || action.kind === 'updatePod' || action.kind === 'deletePod') {
    const verb = VERB[action.kind];
    return err
      ? { type: 'Warning', reason: `Failed${title(verb)}`, message: `${verb} Pod ${action.pod} in StatefulSet ${setName} failed error: ${err.message}` }
      : { type: 'Normal', reason: `Successful${title(verb)}`, message: `${verb} Pod ${action.pod} in StatefulSet ${setName} successful` };
  }
  if (action.kind === 'event') return { type: action.type, reason: action.reason, message: action.message };
  return undefined;
}

/**
 * client-go's event spam filter (tools/record/events_cache.go, EventSourceObjectSpamFilter):
 * events of one source about one object and of one type share a token bucket of 25 that
 * refills one token per 5 minutes; an event without a token is dropped, never written. A
 * 100-replica Parallel scale-up therefore writes 25 events, as upstream's controller does, not 200.
 */
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
/** Buckets kept (upstream's LRU cache size); the least recently used is forgotten first. */
export const SPAM_CACHE_SIZE = 4096;

export interface EventSource { component: string; host?: string }
export interface InvolvedObject { kind: string; apiVersion: string; namespace?: string; name?: string; uid?: string }

export function spamKey(source: EventSource, obj: InvolvedObject, type: string): string {
  return [source.component, source.host ?? '', obj.kind, obj.namespace ?? '', obj.name ?? '', obj.uid ?? '', obj.apiVersion, type].join('\u0000');
}

/** Whether an event with this spam key may be written at `now`; updates `buckets` (LRU order). */
export function admitEvent(buckets: Map<string, Bucket>, key: string, now: number): boolean {
  const prev = buckets.get(key) ?? { tokens: SPAM_BURST, at: now };
  const r = tryAccept(prev, now, SPAM_QPS, SPAM_BURST);
  buckets.delete(key);
  buckets.set(key, r.bucket);
  if (buckets.size > SPAM_CACHE_SIZE) buckets.delete(buckets.keys().next().value as string);
  return r.ok;
}
