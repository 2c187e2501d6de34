/**
 * @module The simulated parts of the embedded local cluster: kubelets for named nodes (with
 * the scheduler stand-in), the node-lifecycle controller, the EndpointSlice controller and the
 * PV binder. Each acts only through the Kubernetes API, so each also runs against a real
 * kube-apiserver; each `start*` resolves once its caches are synced and returns `stop()`.
 */
export { startSimNodes, type SimNodesOptions, type Stoppable } from './kubelet.ts';
export { startNodeLifecycle, type NodeLifecycleOptions } from './lifecycle.ts';
export { startEndpointSliceController, type EndpointSliceOptions } from './endpointslice-controller.ts';
export { startPvBinder, type PvBinderOptions } from './pv-binder.ts';
export { READY_ANNOTATION } from './pod-status.ts';
export { LOST_ANNOTATION } from './node.ts';
export { PROVISIONER } from './volumes.ts';
