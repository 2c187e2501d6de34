/*
 * ordinal_udp: a UDP socket that moves datagrams in batches (recvmmsg(2)/sendmmsg(2), up to
 * BATCH per call), driven by libuv's poll on the socket, for src/dns/udp-batch.ts.
 *
 * Why: with node:dgram every query costs one recvmsg, one sendmsg and one Buffer; under load
 * that is most of the server's CPU (issue 13). Here one readable event reads up to BATCH
 * datagrams into one shared buffer, crosses into JS once with the count, and sends every reply
 * JS wrote into the shared output buffer with one sendmmsg.
 *
 * Shared memory (ArrayBuffers created here, owned by V8, referenced while the socket lives):
 *   in    BATCH slots of IN_SLOT bytes: datagram i at i * IN_SLOT
 *   out   BATCH slots of OUT_SLOT bytes: the reply to datagram i at i * OUT_SLOT
 *   lens  int32[2 * BATCH]: [i] = length of datagram i, [BATCH + i] = reply length, -1 = none
 *   stats float64[STAT_COUNT]: counters, read by JS without a call
 *
 * Faults: a send that fails with EAGAIN/ENOBUFS drops the rest of that batch's replies (the
 * socket buffer is full; waiting would stall every other client) and counts them; any other
 * send error drops that one reply and counts it. Nothing here blocks: the socket is O_NONBLOCK.
 * A full send buffer cannot be made on loopback (the kernel frees a datagram's buffer as it hands
 * it over), so injectSendFailures(socket, n, code) makes the next n sendmmsg calls fail with that
 * errno instead of sending, for the tests of this path.
 *
 * Node 24 crashes without a stack trace when napi_async_init gets a NULL resource or when
 * napi_make_callback gets an undefined receiver, so both get the socket's JS object.
 *
 * Besides the socket, trimHeap() for src/cli/memory.ts: the one other thing JS cannot reach is
 * the C allocator, and this addon is already built and loaded where ordinal runs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define BATCH 64
/* The largest UDP payload over IPv4 is 65,507 bytes: a slot holds any datagram whole. */
#define IN_SLOT 65536
/* UDP replies are capped at --max-udp-size (at most 4096, RFC 6891 §6.2.5). */
#define OUT_SLOT 4096
/* At most this many full batches per readable event, so timers and TCP get their turn. */
#define ROUNDS 8

enum { ST_RECEIVED, ST_SENT, ST_DROPPED, ST_SEND_ERRORS, ST_RECV_ERRORS, ST_BATCHES, ST_CALLBACK_ERRORS, STAT_COUNT };
enum { BUF_IN, BUF_OUT, BUF_LENS, BUF_STATS, BUF_COUNT };

typedef struct {
  napi_env env;
  int fd;
  uv_poll_t poll;
  int started, closing, closed, finalized, teardown;
  napi_ref self, cb, bufs[BUF_COUNT];
  napi_async_context actx;
  napi_async_cleanup_hook_handle hook;
  uint8_t *in, *out;
  int32_t *lens;
  double *stats;
  int inject_fails, inject_errno;
  struct mmsghdr rmsgs[BATCH], smsgs[BATCH];
  struct iovec riov[BATCH], siov[BATCH];
  struct sockaddr_storage addrs[BATCH];
} sock_t;

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error((env), NULL, "ordinal_udp: " #call " failed");     \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char msg[128];
  const char *code = uv_err_name(uv_translate_sys_error(err));
  snprintf(msg, sizeof msg, "%s %s: %s", syscall, code, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

static void maybe_free(sock_t *s) {
  if (s->finalized && (s->closed || !s->started)) free(s);
}

static void on_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  close(s->fd);
  s->fd = -1;
  s->closed = 1;
  if (!s->teardown) {
    napi_async_destroy(s->env, s->actx);
    napi_delete_reference(s->env, s->cb);
    for (int i = 0; i < BUF_COUNT; i++) napi_delete_reference(s->env, s->bufs[i]);
    /* The JS object may now be collected; its finalizer frees s. */
    napi_delete_reference(s->env, s->self);
  }
  if (s->hook != NULL) {
    napi_async_cleanup_hook_handle hook = s->hook;
    s->hook = NULL;
    napi_remove_async_cleanup_hook(hook);
  }
  maybe_free(s);
}

static void begin_close(sock_t *s) {
  if (s->closing) return;
  s->closing = 1;
  if (!s->started) {
    close(s->fd);
    s->fd = -1;
    s->closed = 1;
    return;
  }
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

/* The environment is going away (worker exit): close without calling into JS. */
static void on_teardown(napi_async_cleanup_hook_handle hook, void *arg) {
  (void)hook;
  sock_t *s = arg;
  s->teardown = 1;
  begin_close(s);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sock_t *s = data;
  s->finalized = 1;
  if (!s->closing) begin_close(s);
  maybe_free(s);
}

/* One crossing into JS for n datagrams; on a throw no replies are sent. */
static void call_js(sock_t *s, int n) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value recv, cb, argv[1], result;
  napi_status st = napi_get_reference_value(env, s->self, &recv);
  if (st == napi_ok) st = napi_get_reference_value(env, s->cb, &cb);
  if (st == napi_ok) st = napi_create_int32(env, n, &argv[0]);
  if (st == napi_ok) st = napi_make_callback(env, s->actx, recv, cb, 1, argv, &result);
  if (st != napi_ok) {
    s->stats[ST_CALLBACK_ERRORS]++;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value e;
      napi_get_and_clear_last_exception(env, &e);
    }
    for (int i = 0; i < n; i++) s->lens[BATCH + i] = -1;
  }
  napi_close_handle_scope(env, scope);
}

/* RFC 768: a source port of 0 means the sender expects no reply; there is nowhere to send one. */
static int no_return_port(const struct sockaddr_storage *a) {
  if (a->ss_family == AF_INET6) return ((const struct sockaddr_in6 *)a)->sin6_port == 0;
  return ((const struct sockaddr_in *)a)->sin_port == 0;
}

static void send_replies(sock_t *s, int n) {
  int m = 0;
  for (int i = 0; i < n; i++) {
    int32_t len = s->lens[BATCH + i];
    if (len < 0 || len > OUT_SLOT || no_return_port(&s->addrs[i])) continue;
    struct msghdr *h = &s->smsgs[m].msg_hdr;
    s->siov[m].iov_base = s->out + (size_t)i * OUT_SLOT;
    s->siov[m].iov_len = (size_t)len;
    h->msg_name = &s->addrs[i];
    h->msg_namelen = s->rmsgs[i].msg_hdr.msg_namelen;
    h->msg_iov = &s->siov[m];
    h->msg_iovlen = 1;
    m++;
  }
  int done = 0;
  while (done < m) {
    int r;
    if (s->inject_fails > 0) {
      s->inject_fails--;
      errno = s->inject_errno;
      r = -1;
    } else {
      r = sendmmsg(s->fd, s->smsgs + done, (unsigned)(m - done), MSG_DONTWAIT);
    }
    if (r > 0) {
      done += r;
      s->stats[ST_SENT] += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      s->stats[ST_DROPPED] += m - done;
      return;
    } else {
      /* This reply cannot go (e.g. EACCES from a firewall rule); the rest still can. */
      s->stats[ST_SEND_ERRORS]++;
      done++;
    }
  }
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  sock_t *s = h->data;
  if (status < 0) {
    s->stats[ST_RECV_ERRORS]++;
    return;
  }
  for (int round = 0; round < ROUNDS && !s->closing; round++) {
    int n = recvmmsg(s->fd, s->rmsgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) s->stats[ST_RECV_ERRORS]++;
      return;
    }
    for (int i = 0; i < n; i++) {
      unsigned len = s->rmsgs[i].msg_len;
      s->lens[i] = (int32_t)(len > IN_SLOT ? IN_SLOT : len);
      s->lens[BATCH + i] = -1;
    }
    s->stats[ST_RECEIVED] += n;
    s->stats[ST_BATCHES]++;
    call_js(s, n);
    if (s->teardown) return;
    send_replies(s, n);
    for (int i = 0; i < n; i++) s->rmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    if (n < BATCH) return;
  }
}

static sock_t *unwrap(napi_env env, napi_value obj) {
  void *p = NULL;
  if (napi_unwrap(env, obj, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "ordinal_udp: not a socket");
    return NULL;
  }
  return p;
}

static int make_buffer(napi_env env, sock_t *s, napi_value obj, int which, const char *name, size_t size, void **data) {
  napi_value ab;
  if (napi_create_arraybuffer(env, size, data, &ab) != napi_ok) return -1;
  if (napi_create_reference(env, ab, 1, &s->bufs[which]) != napi_ok) return -1;
  return napi_set_named_property(env, obj, name, ab) == napi_ok ? 0 : -1;
}

static int bind_socket(napi_env env, int family, const char *host, int port, int reuse_port, int rcvbuf, int *bound_port) {
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno), -1;
  int one = 1;
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "setsockopt SO_REUSEPORT", e), -1;
  }
  /* The kernel caps this at net.core.rmem_max; failing to raise it is not fatal. */
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof ss);
  if (family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) goto bad_host;
    sl = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) goto bad_host;
    sl = sizeof *a;
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e), -1;
  }
  *bound_port = ntohs(family == 6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
  return fd;
bad_host:
  close(fd);
  napi_throw_error(env, "EINVAL", "ordinal_udp: not an IP address");
  return -1;
}

/* open(family: 4|6, host: string, port: number, reusePort: boolean, rcvbuf: number) -> socket object */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], obj, num;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t family = 4, port = 0, rcvbuf = 0;
  bool reuse = false;
  char host[64];
  size_t hl = 0;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &family) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], host, sizeof host, &hl) != napi_ok ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok || napi_get_value_bool(env, argv[3], &reuse) != napi_ok ||
      napi_get_value_int32(env, argv[4], &rcvbuf) != napi_ok) {
    napi_throw_type_error(env, NULL, "ordinal_udp.open(family, host, port, reusePort, rcvbuf)");
    return NULL;
  }
  int bound = 0;
  int fd = bind_socket(env, family, host, port, reuse, rcvbuf, &bound);
  if (fd < 0) return NULL;
  sock_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    napi_throw_error(env, "ENOMEM", "ordinal_udp: out of memory");
    return NULL;
  }
  s->env = env;
  s->fd = fd;
  for (int i = 0; i < BATCH; i++) {
    s->riov[i].iov_len = IN_SLOT;
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
    s->rmsgs[i].msg_hdr.msg_name = &s->addrs[i];
    s->rmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
  }
  if (napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, s, on_finalize, NULL, NULL) != napi_ok) {
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "ordinal_udp: cannot wrap the socket");
    return NULL;
  }
  void *in, *out, *lens, *stats;
  if (make_buffer(env, s, obj, BUF_IN, "in", (size_t)BATCH * IN_SLOT, &in) < 0 ||
      make_buffer(env, s, obj, BUF_OUT, "out", (size_t)BATCH * OUT_SLOT, &out) < 0 ||
      make_buffer(env, s, obj, BUF_LENS, "lens", 2 * BATCH * sizeof(int32_t), &lens) < 0 ||
      make_buffer(env, s, obj, BUF_STATS, "stats", STAT_COUNT * sizeof(double), &stats) < 0) {
    napi_throw_error(env, NULL, "ordinal_udp: cannot allocate the shared buffers");
    return NULL;
  }
  s->in = in;
  s->out = out;
  s->lens = lens;
  s->stats = stats;
  for (int i = 0; i < BATCH; i++) s->riov[i].iov_base = s->in + (size_t)i * IN_SLOT;
  CHECK(env, napi_create_int32(env, bound, &num));
  CHECK(env, napi_set_named_property(env, obj, "port", num));
  return obj;
}

/* start(socket, onBatch(count)): poll the socket; onBatch is called with `this` = socket. */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "ordinal_udp.start(socket, onBatch)");
    return NULL;
  }
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->started || s->closing) {
    napi_throw_error(env, NULL, "ordinal_udp: socket already started or closed");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  CHECK(env, napi_create_reference(env, argv[1], 1, &s->cb));
  CHECK(env, napi_create_reference(env, argv[0], 1, &s->self));
  CHECK(env, napi_create_string_utf8(env, "ordinal:udp-batch", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_async_init(env, argv[0], name, &s->actx));
  if (uv_poll_init(loop, &s->poll, s->fd) != 0) {
    napi_throw_error(env, NULL, "ordinal_udp: uv_poll_init failed");
    return NULL;
  }
  s->poll.data = s;
  s->started = 1;
  CHECK(env, napi_add_async_cleanup_hook(env, on_teardown, s, &s->hook));
  int r = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (r != 0) {
    begin_close(s);
    napi_throw_error(env, uv_err_name(r), "ordinal_udp: uv_poll_start failed");
    return NULL;
  }
  return NULL;
}

/* close(socket): stop polling; the fd is closed once libuv has let go of it. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 1 ? NULL : unwrap(env, argv[0]);
  if (s != NULL) begin_close(s);
  return NULL;
}

/* peer(socket, i): the source address of datagram i of the batch being answered, as text.
 * Asked only for the rare queries whose answer depends on who asks (zone transfers, TSIG). */
static napi_value js_peer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int32_t i = -1;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 2 ? NULL : unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (napi_get_value_int32(env, argv[1], &i) != napi_ok || i < 0 || i >= BATCH) {
    napi_throw_range_error(env, NULL, "ordinal_udp.peer(socket, index): index out of range");
    return NULL;
  }
  char text[INET6_ADDRSTRLEN] = "";
  const struct sockaddr_storage *a = &s->addrs[i];
  if (a->ss_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, text, sizeof text);
  else if (a->ss_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, text, sizeof text);
  CHECK(env, napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out));
  return out;
}

/* injectSendFailures(socket, n, code): the next n sendmmsg calls fail with code (EAGAIN, ENOBUFS
 * or EACCES) without sending: a full send buffer or a firewall, on demand, for tests. */
static napi_value js_inject(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t n = 0;
  char code[16] = "";
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 3 ? NULL : unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  size_t len = 0;
  int err = 0;
  if (napi_get_value_int32(env, argv[1], &n) == napi_ok && n >= 0 &&
      napi_get_value_string_utf8(env, argv[2], code, sizeof code, &len) == napi_ok) {
    if (strcmp(code, "EAGAIN") == 0) err = EAGAIN;
    else if (strcmp(code, "ENOBUFS") == 0) err = ENOBUFS;
    else if (strcmp(code, "EACCES") == 0) err = EACCES;
  }
  if (err == 0) {
    napi_throw_type_error(env, NULL, "ordinal_udp.injectSendFailures(socket, n >= 0, 'EAGAIN' | 'ENOBUFS' | 'EACCES')");
    return NULL;
  }
  s->inject_fails = n;
  s->inject_errno = err;
  return NULL;
}

static napi_value int_value(napi_env env, int v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

/*
 * trimHeap(): give the pages of free C-heap memory back to the kernel, in every arena. glibc
 * returns memory on its own only from the top of the main heap; a free chunk below a live one
 * stays resident for reuse (Node's Buffers, V8's compiler zones and TLS buffers are freed that
 * way on every thread). malloc_trim(3) madvises away the whole pages inside free chunks too,
 * so RSS follows what is in use instead of the highest it ever was. Returns 1 if memory was
 * released, 0 if not, -1 where the C library is not glibc and has no malloc_trim.
 */
static napi_value js_trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  return int_value(env, malloc_trim(0));
#else
  return int_value(env, -1);
#endif
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"peer", NULL, js_peer, NULL, NULL, NULL, napi_enumerable, NULL},
    {"injectSendFailures", NULL, js_inject, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trimHeap", NULL, js_trim_heap, NULL, NULL, NULL, napi_enumerable, NULL},
    {"BATCH", NULL, NULL, NULL, NULL, int_value(env, BATCH), napi_enumerable, NULL},
    {"IN_SLOT", NULL, NULL, NULL, NULL, int_value(env, IN_SLOT), napi_enumerable, NULL},
    {"OUT_SLOT", NULL, NULL, NULL, NULL, int_value(env, OUT_SLOT), napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
