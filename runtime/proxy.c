/* cocin — published ports (run -p HOSTPORT:PORT): a relay in user space,
 * as docker-proxy and podman's rootlessport are, since cocin has no
 * bridge and no NAT.
 *
 * `run` binds and listens on the host's ports itself, before the monitor
 * forks: a port in use fails the run at once, with nothing left behind.
 * Once the container runs, its monitor forks this relay with the
 * listening sockets and the container's network namespace, which the
 * relay joins: a socket belongs to the namespace it was made in, so the
 * listeners stay on the host's network while every socket the relay
 * makes from then on is the container's.  For each connection it accepts
 * it connects to 127.0.0.1:PORT in the container and copies both ways
 * until both sides are done (a half-close is passed on).  The monitor
 * kills it when the container ends; it dies with the monitor too. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/util.h"
#include "internal.h"

#define RELAY_BUF 65536
#define RELAY_MAX 512 /* connections at once; more wait in the backlog */

struct half { /* one direction: read from one socket, written to the other */
  char buf[RELAY_BUF];
  size_t len, off;
  bool eof;  /* the reader saw the end... */
  bool shut; /* ...passed on (shutdown) once the buffer was out */
};

struct conn {
  int fd[2];        /* [0] the client, on the host's network; [1] the container's */
  struct half h[2]; /* h[0]: client to container; h[1]: container to client */
  bool connecting;
  bool hup[2]; /* poll said the socket is closed or broken: left out of
                * poll while there is nothing to do on it (no spinning) */
};

static void conn_close(struct conn *c)
{
  close(c->fd[0]);
  close(c->fd[1]);
  free(c);
}

/* Move what can move without blocking; false when the connection is done
 * (both ways ended and sent) or broken. */
static bool conn_step(struct conn *c, const short *rev)
{
  for (int d = 0; d < 2; d++)
    c->hup[d] = c->hup[d] || (rev[d] & (POLLHUP | POLLERR));
  if (c->connecting) {
    if (!(rev[1] & (POLLOUT | POLLERR | POLLHUP)))
      return true;
    int e = 0;
    socklen_t l = sizeof(e);
    if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &l) < 0 || e != 0)
      return false; /* nothing listens there: the client's connection goes */
    c->connecting = false;
  }
  for (int d = 0; d < 2; d++) {
    struct half *h = &c->h[d];
    int from = c->fd[d], to = c->fd[1 - d];
    if (h->shut)
      continue;
    if (h->len == 0 && !h->eof && (rev[d] & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = recv(from, h->buf, sizeof(h->buf), 0);
      if (n > 0)
        h->len = (size_t)n, h->off = 0;
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        h->eof = true; /* (a reset ends this way only: the other may still flow) */
    }
    while (h->off < h->len) {
      ssize_t n = send(to, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
      if (n >= 0) {
        h->off += (size_t)n;
        continue;
      }
      if (errno == EAGAIN || errno == EINTR)
        break;
      /* the receiver is gone (a server that replied and closed with our
       * input unread resets): this way is over, the other goes on */
      shutdown(from, SHUT_RD);
      h->eof = true;
      h->off = h->len;
    }
    if (h->off == h->len) {
      h->len = h->off = 0;
      if (h->eof) {
        shutdown(to, SHUT_WR);
        h->shut = true;
      }
    }
  }
  return !(c->h[0].shut && c->h[1].shut);
}

static struct conn *conn_open(int client, uint16_t port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  struct conn *c = fd >= 0 ? calloc(1, sizeof(*c)) : NULL;
  if (c == NULL || (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS)) {
    free(c);
    if (fd >= 0)
      close(fd);
    close(client); /* the client sees its connection closed */
    return NULL;
  }
  c->fd[0] = client;
  c->fd[1] = fd;
  c->connecting = true;
  /* a peer that vanished is found out (keepalive); small replies go at
   * once (no Nagle delay), as docker-proxy sets them */
  int one = 1;
  for (int d = 0; d < 2; d++) {
    (void)setsockopt(c->fd[d], SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    (void)setsockopt(c->fd[d], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return c;
}

static void relay(const struct cocin_listeners *l, size_t max)
{
  const int *lfd = l->fd;
  size_t nports = l->n;
  struct conn *conns[RELAY_MAX];
  size_t n = 0;
  struct pollfd pfd[RELAY_MAX * 2 + 2 * COCIN_PORTS_MAX];
  bool starved = false; /* out of fds or memory: no accept until one closes */
  for (;;) {
    size_t k = 0;
    bool take = n < max && !starved; /* (if not: clients wait in the backlog) */
    for (size_t i = 0; i < nports; i++)
      pfd[k++] = (struct pollfd){.fd = take ? lfd[i] : -1, .events = POLLIN};
    for (size_t i = 0; i < n; i++) {
      struct conn *c = conns[i];
      for (int d = 0; d < 2; d++) {
        short ev = 0;
        if (c->connecting)
          ev = d == 1 ? POLLOUT : 0;
        else {
          if (c->h[d].len == 0 && !c->h[d].eof)
            ev |= POLLIN; /* read d */
          if (c->h[1 - d].len > c->h[1 - d].off)
            ev |= POLLOUT; /* write to d */
        }
        pfd[k++] = (struct pollfd){.fd = ev == 0 && c->hup[d] ? -1 : c->fd[d], .events = ev};
      }
    }
    /* starved: tried again after a while, or when a connection closes */
    int r = poll(pfd, k, starved ? 100 : -1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      _exit(1); /* (EFAULT, EINVAL: not on this path; ENOMEM: nothing to be done) */
    }
    if (r == 0)
      starved = false;
    /* the connections first: their slots in pfd follow the listeners' */
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
      short rev[2] = {pfd[nports + 2 * i].revents, pfd[nports + 2 * i + 1].revents};
      if (conn_step(conns[i], rev))
        conns[live++] = conns[i];
      else
        conn_close(conns[i]);
    }
    if (live < n)
      starved = false;
    n = live;
    for (size_t i = 0; i < nports && n < max && !starved; i++) {
      if (!(pfd[i].revents & POLLIN))
        continue;
      int client = accept4(lfd[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) {
        starved = errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS;
        continue; /* (or EAGAIN: a client gone before we took it) */
      }
      struct conn *c = conn_open(client, l->to[i]);
      if (c)
        conns[n++] = c;
      else
        starved = n > 0; /* (no socket or memory for its other end) */
    }
  }
}

pid_t proxy_start(int netns, const struct cocin_listeners *l, const cpu_set_t *cpus,
                  cocin_error_t *err)
{
  size_t n = l->n;
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return cocin_fail_errno(err, "start the relay of the published ports: pipe");
  pid_t monitor = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    cocin_fail_errno(err, "start the relay of the published ports: fork");
    close(ready[0]);
    close(ready[1]);
    return -1;
  }
  if (pid > 0) {
    /* a byte once it is in the container's network; none if it failed */
    close(ready[1]);
    char b;
    ssize_t r;
    while ((r = read(ready[0], &b, 1)) < 0 && errno == EINTR)
      ;
    if (r == 1 && b == 'R') {
      close(ready[0]);
      return pid;
    }
    int e = 0; /* 'E' and the errno, from a relay that failed */
    if (r == 1 && b == 'E' && read(ready[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
      e = 0;
    close(ready[0]);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    errno = e ? e : EIO;
    return cocin_fail_errno(err, "start the relay of the published ports: join the "
                                 "container's network");
  }
  /* it ends with the monitor, whatever way the monitor ends */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != monitor)
    _exit(1);
  prctl(PR_SET_NAME, "cocin-proxy", 0, 0, 0);
  int keep[2 * COCIN_PORTS_MAX + 2];
  size_t nk = 0;
  for (size_t i = 0; i < n; i++)
    keep[nk++] = l->fd[i];
  keep[nk++] = netns;
  keep[nk++] = ready[1];
  close_fds_except(3, keep, nk);
  if (cpus)
    (void)sched_setaffinity(0, sizeof(*cpus), cpus); /* (the monitor may sit on one) */
  for (size_t i = 0; i < n; i++)
    (void)fcntl(l->fd[i], F_SETFL, O_NONBLOCK);
  /* two fds a connection: as many as the hard limit allows */
  struct rlimit rl;
  size_t max = RELAY_MAX;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < 2 * RELAY_MAX + n + 16)
      max = rl.rlim_cur > n + 16 ? (rl.rlim_cur - n - 16) / 2 : 1;
  }
  if (setns(netns, CLONE_NEWNET) < 0) {
    char msg[1 + sizeof(int)] = {'E'};
    int e = errno;
    memcpy(msg + 1, &e, sizeof(e));
    (void)!write(ready[1], msg, sizeof(msg));
    _exit(1);
  }
  close(netns);
  if (write(ready[1], "R", 1) != 1)
    _exit(1);
  close(ready[1]);
  relay(l, max);
  _exit(0);
}

void proxy_listeners_close(struct cocin_listeners *l)
{
  for (size_t i = 0; i < l->n; i++)
    close(l->fd[i]);
  l->n = 0;
}

/* A listening socket on addr; -1 with errno. */
static int listen_on(const struct sockaddr *addr, socklen_t len)
{
  int one = 1;
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      (addr->sa_family == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
      bind(fd, addr, len) < 0 || listen(fd, 128) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int proxy_listen(struct cocin_port *ports, size_t n, struct cocin_listeners *l,
                 cocin_error_t *err)
{
  l->n = 0;
  for (size_t i = 0; i < n && i < COCIN_PORTS_MAX; i++) {
    struct cocin_port *p = &ports[i];
    p->v6 = false;
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(p->host_port),
                             .sin_addr.s_addr = p->host_ip};
    int fd = listen_on((struct sockaddr *)&a4, sizeof(a4));
    if (fd < 0) {
      char ip[INET_ADDRSTRLEN] = "?";
      inet_ntop(AF_INET, &p->host_ip, ip, sizeof(ip));
      cocin_fail_errno(err, "publish %s:%u", ip, (unsigned)p->host_port);
      proxy_listeners_close(l);
      return -1;
    }
    l->fd[l->n] = fd, l->to[l->n++] = p->container_port;
    if (p->host_ip != 0)
      continue;
    /* no address given: IPv6's too, as docker listens (a client that
     * tries ::1 for localhost first); a host without IPv6 has none */
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(p->host_port),
                              .sin6_addr = IN6ADDR_ANY_INIT};
    fd = listen_on((struct sockaddr *)&a6, sizeof(a6));
    if (fd < 0 && errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL) {
      cocin_fail_errno(err, "publish [::]:%u", (unsigned)p->host_port);
      proxy_listeners_close(l);
      return -1;
    }
    if (fd >= 0) {
      l->fd[l->n] = fd, l->to[l->n++] = p->container_port;
      p->v6 = true;
    }
  }
  return 0;
}
