/*
 * The echo mode of bench/clients/wsload.ts in C, with its command line and JSON output, so that the
 * ws echo figure of bench/run.ts is bounded by the server rather than by the generator (the Node
 * client uses 80-85% of its core against raw ws; this one about half, nearly all of it in the kernel).
 *
 *   wsload echo --port P --path /ws/echo --conns 100 --warmup 1 --duration 5
 *
 * Plain TCP to 127.0.0.1, one level-triggered epoll loop, one masked text frame (zero mask key) in
 * flight per connection; prints {"count":N,"seconds":S,"cpu":C} for the timed part.
 * Every wait has a deadline, and alarm() ends the process should anything still hang.
 * Build: cc -O2 -Wall -Wextra -o wsload wsload.c
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BUF = 4096, BATCH = 250, MAX_EVENTS = 256, HANDSHAKE_S = 10 };

struct conn {
    int fd;
    int open;           /* the 101 has arrived */
    size_t len;         /* bytes held in buf */
    uint64_t skip;      /* bytes still to drop of a frame too big for buf */
    int skip_data;      /* whether that frame is a data frame (counted once dropped) */
    unsigned char buf[BUF];
};

static const char *mode = "?";
static int argc_;
static char **argv_;
static int ep;
static struct conn *conns;
static int port;
static size_t nconns, started, opened;
static unsigned char frame[6 + 125];
static size_t frame_len;
static char handshake[512];
static size_t handshake_len;
static uint64_t frames;  /* echoes received, all connections */

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wsload %s: ", mode);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static const char *opt(const char *name, const char *def) {
    for (int i = 1; i + 1 < argc_; i++)
        if (strncmp(argv_[i], "--", 2) == 0 && strcmp(argv_[i] + 2, name) == 0) return argv_[i + 1];
    return def;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This process's user + system CPU seconds, as process.cpuUsage() gives the Node client. */
static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void build_messages(const char *path, const char *payload) {
    size_t n = strlen(payload);
    if (n > 125) die("payload longer than 125 bytes");
    frame[0] = 0x81;           /* FIN, text */
    frame[1] = 0x80 | n;       /* masked; mask key 0 leaves the payload as it is */
    memset(frame + 2, 0, 4);
    memcpy(frame + 6, payload, n);
    frame_len = 6 + n;
    int k = snprintf(handshake, sizeof handshake,
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, port);
    if (k < 0 || (size_t)k >= sizeof handshake) die("path too long");
    handshake_len = (size_t)k;
}

static void send_frame(struct conn *c) {
    /* One small frame in flight per connection: the send buffer always has room for it. */
    if (send(c->fd, frame, frame_len, MSG_NOSIGNAL) != (ssize_t)frame_len) die("send: %s", strerror(errno));
}

/* An echo is back: count it and send the next message. */
static void on_frame(struct conn *c) {
    frames++;
    send_frame(c);
}

/* Parses one frame header at p (avail bytes); returns its length, or 0 if it is still partial. */
static size_t header(const unsigned char *p, size_t avail, uint64_t *payload) {
    size_t hdr = 2;
    if (avail < 2) return 0;
    *payload = p[1] & 0x7f;
    if (*payload == 126) {
        hdr = 4;
        if (avail < hdr) return 0;
        *payload = (uint64_t)p[2] << 8 | p[3];
    } else if (*payload == 127) {
        hdr = 10;
        if (avail < hdr) return 0;
        *payload = 0;
        for (int i = 2; i < 10; i++) *payload = *payload << 8 | p[i];
    }
    if (p[1] & 0x80) hdr += 4;  /* servers do not mask, but a mask key would sit here */
    return avail < hdr ? 0 : hdr;
}

/* Consumes the complete frames in c->buf, calling on_frame for each data frame; keeps a partial one. */
static void feed(struct conn *c) {
    size_t off = 0;
    while (off < c->len) {  /* each pass consumes at least one byte or stops */
        if (c->skip) {
            size_t k = c->len - off < c->skip ? c->len - off : (size_t)c->skip;
            off += k;
            c->skip -= k;
            if (!c->skip && c->skip_data) on_frame(c);
            continue;
        }
        const unsigned char *p = c->buf + off;
        int data = (p[0] & 0x0f) == 1 || (p[0] & 0x0f) == 2;
        uint64_t payload;
        size_t hdr = header(p, c->len - off, &payload);
        if (!hdr) break;
        if (payload > BUF - hdr) {  /* cannot be held whole: drop it as it comes */
            off += hdr;
            c->skip = payload;
            c->skip_data = data;
            continue;
        }
        if (c->len - off < hdr + payload) break;
        off += hdr + (size_t)payload;
        if (data) on_frame(c);
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
}

/* The upgrade response is in once its blank line is; what follows it is already frames. */
static void finish_handshake(struct conn *c) {
    unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) {
        if (c->len == BUF) die("handshake response longer than %d bytes", BUF);
        return;
    }
    if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 101", 12) != 0) {
        *end = 0;
        die("handshake refused: %.80s", (char *)c->buf);
    }
    end += 4;
    c->len -= (size_t)(end - c->buf);
    memmove(c->buf, end, c->len);
    c->open = 1;
    opened++;
    send_frame(c);
    feed(c);
}

static void on_readable(struct conn *c) {
    ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0) die("connection %zu closed by the server%s%s", (size_t)(c - conns), r ? ": " : "", r ? strerror(errno) : "");
    c->len += (size_t)r;
    if (c->open) feed(c);
    else finish_handshake(c);
}

/* Runs the loop until done() holds or the deadline (monotonic seconds) passes; returns done(). */
static int run_until(double deadline, int (*done)(void)) {
    struct epoll_event ev[MAX_EVENTS];
    while (!(done && done())) {
        double left = deadline - now();
        if (left <= 0) return 0;
        int n = epoll_wait(ep, ev, MAX_EVENTS, (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) on_readable(ev[i].data.ptr);
    }
    return 1;
}

/* Connects (blocking, bounded by SO_SNDTIMEO), sends the upgrade request, then goes non-blocking. */
static void start(struct conn *c) {
    struct timeval tv = { HANDSHAKE_S, 0 };
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) die("socket: %s", strerror(errno));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect to port %d: %s", port, strerror(errno));
    if (send(c->fd, handshake, handshake_len, MSG_NOSIGNAL) != (ssize_t)handshake_len) die("send: %s", strerror(errno));
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
}

static int batch_open(void) { return opened == started; }

/* Opens every connection, BATCH handshakes at a time (as the Node client does) so that the
   server's accept backlog never overflows. */
static void open_all(void) {
    while (opened < nconns) {
        while (started < nconns && started - opened < BATCH) start(&conns[started++]);
        if (!run_until(now() + HANDSHAKE_S, batch_open)) die("handshake timeout (%zu of %zu open)", opened, nconns);
    }
}

/* Keeps one message in flight per connection; counts echoes over `duration` after `warmup`. */
static void echo(void) {
    double warmup = atof(opt("warmup", "1")), duration = atof(opt("duration", "5"));
    if (!(warmup >= 0 && warmup <= 600 && duration > 0 && duration <= 600)) die("need --warmup 0..600 and --duration 0..600");
    alarm((unsigned)(warmup + duration) + 25);
    open_all();
    run_until(now() + warmup, NULL);
    uint64_t c0 = frames;
    double cpu0 = cpu_seconds(), t0 = now();
    run_until(t0 + duration, NULL);
    uint64_t c1 = frames;
    double cpu = cpu_seconds() - cpu0, seconds = now() - t0;
    printf("{\"count\":%llu,\"seconds\":%.6f,\"cpu\":%.6f}\n", (unsigned long long)(c1 - c0), seconds, cpu);
}

int main(int argc, char **argv) {
    argc_ = argc;
    argv_ = argv;
    mode = argc > 1 ? argv[1] : "?";
    if (strcmp(mode, "echo") != 0) {
        fprintf(stderr, "unknown mode %s (bcast and hold are in bench/clients/wsload.ts)\n", mode);
        return 2;
    }
    port = atoi(opt("port", "0"));
    long n = atol(opt("conns", "32"));
    if (port <= 0 || port > 65535 || n <= 0 || n > 10000) die("need --port 1..65535 and --conns 1..10000");
    nconns = (size_t)n;
    conns = calloc(nconns, sizeof *conns);
    if (!conns) die("out of memory");
    build_messages(opt("path", "/ws/echo"), opt("payload", "hello bench"));
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1: %s", strerror(errno));
    echo();
    return 0;
}
