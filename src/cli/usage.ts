/** @module The help text: every command and flag, with defaults. Kept beside config.ts's tables. */

export const USAGE = `Usage: ordinal <command> [flags]

Commands:
  serve      serve authoritative DNS for the cluster zone
  local      run an embedded Kubernetes-compatible cluster and serve it
  query      ask a DNS server one question and print the answer dig-style
  version    print the version
  help       print this help

ordinal serve [flags]
  --manifests <file|dir>         load objects from YAML/JSON files (repeatable)
  --zone <zone>                  forward zone, first is primary (repeatable; default cluster.local)
  --reverse-zone <zone>          reverse zone: in-addr.arpa, ip6.arpa or a subzone (repeatable)
  --dns-listen <addr:port>       UDP+TCP listen address (default 127.0.0.1:5353; [::1]:5353 for IPv6)
  --ttl <seconds>                record TTL, 0-3600 (default 5)
  --pods <mode>                  pod records: disabled | insecure | verified (default disabled)
  --expected-negative-ttl <s>    negative TTL of a peer about to appear, 0 to --ttl (default 0; --ttl: off)
  --endpoints-from <source>      pods | endpointslices (default pods)
  --log-level <level>            fatal|error|warn|info|debug|trace|silent (default info)
  --max-udp-size <bytes>         cap on the client's EDNS UDP size, 512-4096 (default 1232)
  --tcp-idle-timeout <duration>  close idle TCP connections after this (default 10s)
  --tcp-max-connections <n>      concurrent TCP connections (default 1000)
  --workers <n>                  DNS worker threads sharing the port with SO_REUSEPORT, 0-64;
                                 0 = one per available core (default 1)
  --main-thread-nice <n>         with DNS on worker threads (--workers 2+, or --transfer-to),
                                 run the main thread (watches, API server, controllers) this
                                 many nice steps below them, 0-19 (default 5)
  --dns-rt-priority <n>          run the DNS threads under SCHED_RR at this priority, 1-99, so
                                 a query never waits for a core behind other work; DNS then
                                 gets a thread of its own even with --workers 1. Linux, needs
                                 CAP_SYS_NICE; 0 = normal scheduling (default 0)
  --dns-deadline <reservation>   run each DNS thread under SCHED_DEADLINE with this CPU
                                 reservation, <runtime>/<period> such as 2ms/4ms: it preempts
                                 other work as with --dns-rt-priority, but never holds a core
                                 for more than its runtime in a period. Linux, needs
                                 CAP_SYS_NICE (default off)
  --udp-io <mode>                auto | batch | dgram: batch moves up to 64 datagrams per
                                 syscall (recvmmsg/sendmmsg addon, Linux); auto uses it where
                                 it loads, else dgram with a warning (default auto)
  --cache-size <n>               encoded answers kept per worker, 0 disables (default 10000)
  --kubeconfig <path>            kubeconfig file to watch a cluster with
  --context <name>               kubeconfig context
  --namespace <ns>               only expose these namespaces (repeatable)
  --label-selector <selector>    only watch objects matching this label selector
  --http-listen <addr:port>      health and metrics endpoint (default 127.0.0.1:8080)
  --controller                   also run the StatefulSet controller
  --transfer-to <cidr|addr[:port]>  allow AXFR/IXFR from it; an address also gets NOTIFY (port 53
                                 unless given); repeatable; everyone else is REFUSED
  --tsig-key <name:alg:file>     TSIG key (hmac-sha256|hmac-sha512), base64 secret in the file;
                                 repeatable; the first signs NOTIFYs
  --require-tsig                 transfers must be TSIG-signed

ordinal local [manifests...] [flags]   (every serve flag, plus)
  --api-listen <addr:port>       API server address (default 127.0.0.1:6443)
  --data-dir <dir>               state directory (default .ordinal)
  --nodes <n>                    simulated nodes, 1-100 (default 3)
  --ready-delay <duration>       how long a pod takes to become Ready (default 1s)
  --node-grace-period <duration> how long before an unresponsive node is NotReady (default 40s)
  --api-bind-any                 allow --api-listen on a non-loopback address
  --event-ttl <duration>         delete Events this long after their last write, 0 keeps them
                                 (default 1h, as kube-apiserver)
  --compaction-interval <duration>
                                 forget watch history older than this, at most twice
                                 this; 0 bounds it by size only (default 5m, as
                                 kube-apiserver's --etcd-compaction-interval)
  --memory-reduce-interval <duration>
                                 this often, if RSS grew, give the heap pages V8 keeps
                                 after a collection back to the system (a full collection
                                 on the API server's thread); 0 never (default 1m)

ordinal query <name> [type] [flags]
  --server <addr:port>           server to ask (default 127.0.0.1:5353)
  --tcp                          use TCP instead of UDP

Durations: 500ms, 1s, 40s, 2m, 1h, or bare seconds.
Global: --help, --version
`;
