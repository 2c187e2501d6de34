/*
 * loadgen: a batched UDP DNS load generator, for saturating one server from one core.
 *
 * dnsperf tops out near 120k queries/s on one core of the bench box (issue 13): past that it
 * measures itself. This one sends and receives with sendmmsg/recvmmsg, BATCH datagrams per
 * syscall, over a few sockets with a fixed window of queries in flight each (closed loop).
 *
 * Server CPU comes from /proc/PID/task/(each thread)/schedstat, whose first field is the run
 * time in nanoseconds: this kernel samples utime/stime by tick, too coarse per query.
 *
 * Build (no Node headers needed):  cc -O2 -o bench/out/loadgen bench/dns/loadgen.c
 * Run:  loadgen -s 127.0.0.1 -p 25355 -d bench/out/q/pods.txt [-e] [-l 10] [-c 4] [-w 512] [-Q QPS] [-P SERVER_PID]
 * Without -Q it keeps the window full (max mode); with -Q it sends at that fixed rate (open
 * loop, still batched), for latency and CPU at a given load.
 *
 * -T: DNS over TCP (RFC 7766), -c connections with queries pipelined on each. Every query that
 * is due goes out in one write per connection, as a forwarder that pipelines does; -i US makes
 * the generator wake at most every US microseconds (default 0: as soon as a query is due), so
 * the writes carry that many microseconds of queries. Latency is timed from the write.
 * The query file is dnsperf's: one "name TYPE" per line.
 * Output: one line of key=value pairs (qps, lost, p50/p99/p999 in µs, server µs CPU/query).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXQ 512
#define MAXSOCK 64
#define TIMEOUT_NS 1000000000ull
/* Latency histogram: 1 µs buckets up to 100 ms; slower replies go in the last bucket. */
#define HBUCKETS 100000

typedef struct { uint8_t wire[MAXQ]; int len; } query_t;

typedef struct {
  int fd;
  uint64_t sent_at[65536]; /* 0 = free */
  uint16_t next_id;
  int inflight;
  /* TCP: bytes of a partly read reply stream, and queries written in part (kernel buffer full). */
  uint8_t *rbuf;
  size_t rlen;
  uint8_t wbuf[BATCH * (MAXQ + 2)];
  size_t wlen, woff;
} sock_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int qtype_of(const char *t) {
  static const struct { const char *n; int v; } types[] = {
    {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12}, {"MX", 15}, {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}, {"ANY", 255},
  };
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) if (strcasecmp(t, types[i].n) == 0) return types[i].v;
  return atoi(t);
}

/* Encode "name TYPE" as a query with RD=1 and, with edns, an OPT record of size 4096 (as dnsperf -e). */
static int encode(const char *name, int qtype, int edns, query_t *q) {
  uint8_t *p = q->wire;
  memset(p, 0, 12);
  p[2] = 0x01;
  p[5] = 1;
  p[11] = edns ? 1 : 0;
  int n = 12;
  const char *s = name;
  while (*s && *s != '.') {
    const char *dot = strchr(s, '.');
    int l = dot ? (int)(dot - s) : (int)strlen(s);
    if (l == 0 || l > 63 || n + l + 1 > MAXQ - 20) return -1;
    p[n++] = (uint8_t)l;
    memcpy(p + n, s, (size_t)l);
    n += l;
    s += l;
    if (*s == '.') s++;
  }
  p[n++] = 0;
  p[n++] = (uint8_t)(qtype >> 8);
  p[n++] = (uint8_t)qtype;
  p[n++] = 0;
  p[n++] = 1;
  if (edns) {
    static const uint8_t opt[11] = {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0};
    memcpy(p + n, opt, sizeof opt);
    n += (int)sizeof opt;
  }
  q->len = n;
  return 0;
}

static query_t *load_queries(const char *path, int edns, int *count) {
  FILE *f = fopen(path, "r");
  if (!f) { perror(path); exit(2); }
  int cap = 1024, n = 0;
  query_t *qs = malloc(sizeof *qs * (size_t)cap);
  char line[600], name[512], type[32];
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%511s %31s", name, type) != 2) continue;
    if (n == cap) qs = realloc(qs, sizeof *qs * (size_t)(cap *= 2));
    if (encode(name, qtype_of(type), edns, &qs[n]) == 0) n++;
  }
  fclose(f);
  if (n == 0) { fprintf(stderr, "%s: no queries\n", path); exit(2); }
  *count = n;
  return qs;
}

/* Sum of the first schedstat field (ns on CPU) over every thread of pid; 0 if unreadable. */
static uint64_t schedstat_ns(int pid) {
  char dir[64], path[400];
  snprintf(dir, sizeof dir, "/proc/%d/task", pid);
  DIR *d = opendir(dir);
  if (!d) return 0;
  uint64_t total = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s/schedstat", dir, e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    unsigned long long ns = 0;
    if (fscanf(f, "%llu", &ns) == 1) total += ns;
    fclose(f);
  }
  closedir(d);
  return total;
}

static uint64_t hist[HBUCKETS];
static uint64_t received, sent, lost, truncated, rcodes[16];

static uint64_t percentile(double p) {
  uint64_t want = (uint64_t)((double)received * p), acc = 0;
  for (int i = 0; i < HBUCKETS; i++) if ((acc += hist[i]) > want) return (uint64_t)i;
  return HBUCKETS;
}

static void send_batch(sock_t *s, const query_t *qs, int nq, size_t *cursor, int window, const struct sockaddr_in *to, uint64_t budget) {
  static uint8_t bufs[BATCH][MAXQ];
  static struct mmsghdr msgs[BATCH];
  static struct iovec iov[BATCH];
  int n = 0;
  uint64_t t = now_ns();
  while (n < BATCH && s->inflight + n < window && (uint64_t)n < budget) {
    uint16_t id = s->next_id++;
    if (s->sent_at[id] != 0) break; /* still waiting on this ID */
    const query_t *q = &qs[(*cursor)++ % (size_t)nq];
    memcpy(bufs[n], q->wire, (size_t)q->len);
    bufs[n][0] = (uint8_t)(id >> 8);
    bufs[n][1] = (uint8_t)id;
    iov[n].iov_base = bufs[n];
    iov[n].iov_len = (size_t)q->len;
    memset(&msgs[n], 0, sizeof msgs[n]);
    msgs[n].msg_hdr.msg_iov = &iov[n];
    msgs[n].msg_hdr.msg_iovlen = 1;
    msgs[n].msg_hdr.msg_name = (void *)to;
    msgs[n].msg_hdr.msg_namelen = sizeof *to;
    s->sent_at[id] = t;
    n++;
  }
  int done = n > 0 ? sendmmsg(s->fd, msgs, (unsigned)n, MSG_DONTWAIT) : 0;
  if (done < 0) done = 0;
  for (int i = done; i < n; i++) s->sent_at[(uint16_t)(bufs[i][0] << 8 | bufs[i][1])] = 0; /* not sent */
  if (done < n) s->next_id = (uint16_t)(s->next_id - (n - done));
  s->inflight += done;
  sent += (uint64_t)done;
}

static void recv_batch(sock_t *s) {
  static uint8_t bufs[BATCH][4096];
  static struct mmsghdr msgs[BATCH];
  static struct iovec iov[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = sizeof bufs[i];
    memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n = recvmmsg(s->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
  if (n <= 0) return;
  uint64_t t = now_ns();
  for (int i = 0; i < n; i++) {
    if (msgs[i].msg_len < 12) continue;
    uint16_t id = (uint16_t)(bufs[i][0] << 8 | bufs[i][1]);
    if (s->sent_at[id] == 0) continue; /* late reply to a query already counted lost */
    uint64_t us = (t - s->sent_at[id]) / 1000;
    hist[us < HBUCKETS ? us : HBUCKETS - 1]++;
    s->sent_at[id] = 0;
    s->inflight--;
    received++;
    rcodes[bufs[i][3] & 0x0f]++;
    if (bufs[i][2] & 0x02) truncated++;
  }
}

#define RBUF (1 << 20)

/* TCP: flush what an earlier write left; 0 when the connection is clear for new queries. */
static int tcp_flush(sock_t *s) {
  while (s->woff < s->wlen) {
    ssize_t w = write(s->fd, s->wbuf + s->woff, s->wlen - s->woff);
    if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
    s->woff += (size_t)w;
  }
  s->wlen = s->woff = 0;
  return 0;
}

/* TCP: every due query (up to BATCH) behind its 2-byte length (RFC 7766 §8), in one write. */
static void tcp_send_batch(sock_t *s, const query_t *qs, int nq, size_t *cursor, int window, uint64_t budget) {
  if (tcp_flush(s) != 0) return;
  int n = 0;
  uint64_t t = now_ns();
  while (n < BATCH && s->inflight + n < window && (uint64_t)n < budget) {
    uint16_t id = s->next_id;
    if (s->sent_at[id] != 0) break;
    s->next_id++;
    const query_t *q = &qs[(*cursor)++ % (size_t)nq];
    uint8_t *p = s->wbuf + s->wlen;
    p[0] = (uint8_t)(q->len >> 8);
    p[1] = (uint8_t)q->len;
    memcpy(p + 2, q->wire, (size_t)q->len);
    p[2] = (uint8_t)(id >> 8);
    p[3] = (uint8_t)id;
    s->wlen += (size_t)q->len + 2;
    s->sent_at[id] = t;
    n++;
  }
  if (n == 0) return;
  s->inflight += n;
  sent += (uint64_t)n;
  if (tcp_flush(s) < 0) { perror("write"); exit(1); }
}

static void tcp_recv(sock_t *s) {
  for (;;) {
    ssize_t r = read(s->fd, s->rbuf + s->rlen, RBUF - s->rlen);
    if (r == 0) { fprintf(stderr, "server closed a connection\n"); exit(1); }
    if (r < 0) { if (errno == EAGAIN || errno == EWOULDBLOCK) return; perror("read"); exit(1); }
    s->rlen += (size_t)r;
    uint64_t t = now_ns();
    size_t off = 0;
    while (s->rlen - off >= 2) {
      size_t len = (size_t)(s->rbuf[off] << 8 | s->rbuf[off + 1]);
      if (s->rlen - off - 2 < len) break;
      const uint8_t *m = s->rbuf + off + 2;
      off += len + 2;
      if (len < 12) continue;
      uint16_t id = (uint16_t)(m[0] << 8 | m[1]);
      if (s->sent_at[id] == 0) continue;
      uint64_t us = (t - s->sent_at[id]) / 1000;
      hist[us < HBUCKETS ? us : HBUCKETS - 1]++;
      s->sent_at[id] = 0;
      s->inflight--;
      received++;
      rcodes[m[3] & 0x0f]++;
      if (m[2] & 0x02) truncated++;
    }
    memmove(s->rbuf, s->rbuf + off, s->rlen - off);
    s->rlen -= off;
  }
}

static void expire(sock_t *s, uint64_t t) {
  for (int id = 0; id < 65536; id++) {
    /* A query sent after `t` was read is younger than zero, not 2^64 ns old. */
    if (s->sent_at[id] != 0 && t > s->sent_at[id] && t - s->sent_at[id] > TIMEOUT_NS) {
      s->sent_at[id] = 0;
      s->inflight--;
      lost++;
    }
  }
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *file = NULL;
  int port = 53, seconds = 10, nsock = 4, window = 512, edns = 0, pid = 0, tcp = 0, opt;
  double rate = 0;
  uint64_t tick_ns = 0;
  while ((opt = getopt(argc, argv, "s:p:d:l:c:w:eP:Q:Ti:")) != -1) {
    switch (opt) {
      case 's': host = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'd': file = optarg; break;
      case 'l': seconds = atoi(optarg); break;
      case 'c': nsock = atoi(optarg); break;
      case 'w': window = atoi(optarg); break;
      case 'e': edns = 1; break;
      case 'P': pid = atoi(optarg); break;
      case 'Q': rate = atof(optarg); break;
      case 'T': tcp = 1; break;
      case 'i': tick_ns = (uint64_t)atoll(optarg) * 1000ull; break;
      default: fprintf(stderr, "usage: %s -d queries.txt [-s host] [-p port] [-l seconds] [-c sockets] [-w window] [-e] [-Q qps] [-T [-i us]] [-P server-pid]\n", argv[0]); return 2;
    }
  }
  if (!file || nsock < 1 || nsock > MAXSOCK || window < 1 || window > 60000 || seconds < 1) {
    fprintf(stderr, "need -d FILE; 1 <= -c <= %d; 1 <= -w <= 60000; -l >= 1\n", MAXSOCK);
    return 2;
  }
  int nq = 0;
  query_t *qs = load_queries(file, edns, &nq);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) { fprintf(stderr, "-s wants an IPv4 address\n"); return 2; }
  sock_t *socks = calloc((size_t)nsock, sizeof *socks);
  struct pollfd pfd[MAXSOCK];
  for (int i = 0; i < nsock; i++) {
    socks[i].fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int big = 4 << 20;
    setsockopt(socks[i].fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(socks[i].fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (tcp) {
      int one = 1;
      setsockopt(socks[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (connect(socks[i].fd, (const struct sockaddr *)&to, sizeof to) != 0) { perror("connect"); return 1; }
      fcntl(socks[i].fd, F_SETFL, fcntl(socks[i].fd, F_GETFL) | O_NONBLOCK);
      socks[i].rbuf = malloc(RBUF);
    }
    socks[i].next_id = (uint16_t)(i * 7919);
    pfd[i].fd = socks[i].fd;
    pfd[i].events = POLLIN;
  }
  size_t cursor = 0;
  uint64_t cpu0 = pid ? schedstat_ns(pid) : 0, t0 = now_ns(), end = t0 + (uint64_t)seconds * 1000000000ull, last_expire = t0;
  uint64_t last_send = 0;
  for (uint64_t t = t0; t < end; t = now_ns()) {
    /* With a tick, replies that wake the loop in between do not send: a write carries a tick's queries. */
    int may_send = !(rate > 0 && tick_ns && t < last_send + tick_ns);
    if (may_send) last_send = t;
    for (int i = 0; i < nsock && may_send; i++) {
      /* Fixed rate: what the clock allows so far, minus what went out. */
      uint64_t allowed = rate > 0 ? (uint64_t)(rate * (double)(t - t0) / 1e9) : UINT64_MAX;
      /* Open loop over TCP: this connection's share of what is due (the rest go on the others). */
      uint64_t budget = allowed > sent ? allowed - sent : 0;
      if (tcp && rate > 0) budget = (budget + (uint64_t)(nsock - i) - 1) / (uint64_t)(nsock - i);
      if (tcp) tcp_send_batch(&socks[i], qs, nq, &cursor, window, budget);
      else send_batch(&socks[i], qs, nq, &cursor, window, &to, budget);
    }
    if (rate > 0) {
      /* Sleep until the next query is due (and at least a tick after this wake), or a reply arrives (ppoll: µs resolution). */
      uint64_t due = t0 + (uint64_t)((double)(sent + 1) * 1e9 / rate), now = now_ns();
      if (tick_ns && due < last_send + tick_ns) due = last_send + tick_ns;
      uint64_t wait = due > now ? due - now : 0;
      struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000ull), .tv_nsec = (long)(wait % 1000000000ull)};
      ppoll(pfd, (nfds_t)nsock, &ts, NULL);
    } else {
      poll(pfd, (nfds_t)nsock, 1);
    }
    for (int i = 0; i < nsock; i++) if (pfd[i].revents & POLLIN) { if (tcp) tcp_recv(&socks[i]); else recv_batch(&socks[i]); }
    if (t - last_expire > 100000000ull) {
      for (int i = 0; i < nsock; i++) expire(&socks[i], t);
      last_expire = t;
    }
  }
  uint64_t t1 = now_ns(), cpu1 = pid ? schedstat_ns(pid) : 0;
  /* Drain what is still in flight for up to the timeout; it is not counted in qps. */
  for (uint64_t stop = now_ns() + TIMEOUT_NS; now_ns() < stop;) {
    int any = 0;
    for (int i = 0; i < nsock; i++) any |= socks[i].inflight > 0;
    if (!any) break;
    poll(pfd, (nfds_t)nsock, 10);
    for (int i = 0; i < nsock; i++) if (pfd[i].revents & POLLIN) { if (tcp) tcp_recv(&socks[i]); else recv_batch(&socks[i]); }
  }
  for (int i = 0; i < nsock; i++) lost += (uint64_t)socks[i].inflight;
  double secs = (double)(t1 - t0) / 1e9;
  printf("sent=%llu received=%llu lost=%llu qps=%.0f p50_us=%llu p99_us=%llu p999_us=%llu noerror=%llu nxdomain=%llu tc=%llu",
         (unsigned long long)sent, (unsigned long long)received, (unsigned long long)lost, (double)received / secs,
         (unsigned long long)percentile(0.5), (unsigned long long)percentile(0.99), (unsigned long long)percentile(0.999),
         (unsigned long long)rcodes[0], (unsigned long long)rcodes[3], (unsigned long long)truncated);
  if (pid) printf(" server_cpu_s=%.3f server_us_per_query=%.2f", (double)(cpu1 - cpu0) / 1e9, received ? (double)(cpu1 - cpu0) / 1e3 / (double)received : 0.0);
  printf("\n");
  return 0;
}
