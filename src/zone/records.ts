/**
 * @module Slim records: the only parts of Namespaces, Services, EndpointSlices, Pods and
 * StatefulSets that DNS
 * needs. They are produced once at ingest (project.ts) so the watch cache never holds whole API
 * objects. Slim records never carry `metadata`; full API objects always do (that is how
 * ClusterModel.apply tells them apart).
 */

export interface SlimNamespace {
  readonly kind: 'Namespace';
  readonly name: string;
}

export interface SlimServicePort {
  readonly name: string;      // '' when unnamed
  readonly protocol: string;  // TCP | UDP | SCTP
  readonly port: number;
  readonly targetPort: number | string; // number, or a container port name
}

export type ServiceType = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface SlimService {
  readonly kind: 'Service';
  readonly ns: string;
  readonly name: string;
  readonly type: ServiceType;
  readonly clusterIPs: readonly string[];
  readonly externalName: string;
  readonly ports: readonly SlimServicePort[];
  /** null (or empty) means selector-less: endpoints come only from user-written slices. */
  readonly selector: Readonly<Record<string, string>> | null;
  readonly publishNotReadyAddresses: boolean;
}

export interface SlimEndpointPort {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
}

export interface SlimEndpoint {
  readonly ips: readonly string[];
  readonly hostname: string;  // '' when none
  readonly ready: boolean;
  readonly targetRef: string; // pod name, '' when none
}

export interface SlimEndpointSlice {
  readonly kind: 'EndpointSlice';
  readonly ns: string;
  readonly name: string;
  /** Label kubernetes.io/service-name; '' when missing (then the slice serves no name). */
  readonly service: string;
  readonly endpoints: readonly SlimEndpoint[];
  readonly ports: readonly SlimEndpointPort[];
}

export interface SlimContainerPort {
  readonly name: string;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface SlimPod {
  readonly kind: 'Pod';
  readonly ns: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ips: readonly string[];
  /** Condition Ready is True. */
  readonly ready: boolean;
  /** metadata.deletionTimestamp is set. */
  readonly terminating: boolean;
  /** Phase Succeeded or Failed: such pods are never endpoints. */
  readonly terminal: boolean;
  readonly hostname: string;
  readonly subdomain: string;
  readonly containerPorts: readonly SlimContainerPort[];
}

/**
 * A StatefulSet, only for the names it will create: `<name>-<i>.<serviceName>.<ns>.svc.<zone>`
 * for i in start .. start + replicas - 1 (apps/v1 `spec.ordinals.start`, statefulset.md).
 */
export interface SlimStatefulSet {
  readonly kind: 'StatefulSet';
  readonly ns: string;
  readonly name: string;
  /** spec.serviceName, the governing Service; '' when unset. */
  readonly serviceName: string;
  /** spec.ordinals.start (default 0). */
  readonly start: number;
  /** spec.replicas (default 1). */
  readonly replicas: number;
}

export type SlimRecord = SlimNamespace | SlimService | SlimEndpointSlice | SlimPod | SlimStatefulSet;
export type SlimKind = SlimRecord['kind'];
