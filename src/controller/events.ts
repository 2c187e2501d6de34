/**
 * @module Event reasons and messages of the StatefulSet controller (upstream stateful_pod_control.go:
 * reason "Successful"/"Failed" + Title(verb), message with the lower-case verb).
 */
import type { Action } from './actions.ts';

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
