/* cocin — terminals that belong to the container.
 *
 * A container's pty must come from its own devpts instance, or `tty` inside
 * says "not a tty" (the slave would be a host /dev/pts node it cannot see).
 * So the process inside opens /dev/ptmx after pivot_root, makes the slave
 * its controlling terminal, and sends the master back over a unix socket
 * (SCM_RIGHTS) to whoever relays it: the CLI for -it, the monitor for -dt.
 * This is runc's and crun's console-socket design. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

int fds_send(int sock, char byte, const int *fds, size_t n, const char *what, cocin_error_t *err)
{
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  if (n > FDS_MAX)
    return cocin_fail(err, EINVAL, "send %s: %zu descriptors", what, n);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (n > 0) {
    msg.msg_control = u.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  }
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return cocin_fail_errno(err, "send %s", what);
  return 0;
}

int fds_recv(int sock, char *byte, int *fds, size_t *n, const char *what, cocin_error_t *err)
{
  struct iovec iov = {.iov_base = byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof(u.buf)};
  size_t cap = *n;
  *n = 0;
  ssize_t got;
  while ((got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
    if (errno != EINTR)
      return cocin_fail_errno(err, "receive %s", what);
  if (got != 1)
    return cocin_fail(err, EIO, "receive %s: the other end closed", what);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (*n < cap)
        fds[(*n)++] = fd;
      else
        close(fd);
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) { /* what came goes too: the caller gets none */
    for (; *n > 0; (*n)--)
      close(fds[*n - 1]);
    return cocin_fail(err, EIO, "receive %s: descriptors lost", what);
  }
  return 0;
}

int cocin_console_recv(int sock, int *master, cocin_error_t *err)
{
  char byte;
  size_t n = 1;
  if (fds_recv(sock, &byte, master, &n, "the container's terminal", err) < 0)
    return -1;
  if (n != 1)
    return cocin_fail(err, EIO, "the container sent no terminal");
  return 0;
}

int console_setup(int sock, const struct winsize *ws, cocin_error_t *err)
{
  cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return cocin_fail_errno(err, "open /dev/ptmx in the container");
  int unlock = 0, n = -1;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
    return cocin_fail_errno(err, "unlock the pty");
  char path[64];
  snprintf(path, sizeof(path), "/dev/pts/%d", n);
  cleanup_close int slave = open(path, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return cocin_fail_errno(err, "open %s", path);
  if (ws && ws->ws_row && ioctl(slave, TIOCSWINSZ, ws) < 0)
    return cocin_fail_errno(err, "set the window size");
  if (fds_send(sock, 't', &master, 1, "the terminal", err) < 0)
    return -1;
  if (setsid() < 0 && errno != EPERM)
    return cocin_fail_errno(err, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return cocin_fail_errno(err, "make %s the controlling terminal", path);
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0)
      return cocin_fail_errno(err, "set up stdio on %s", path);
  return 0;
}

/* ---- attach: a detached container's terminal, lent ----
 * The monitor of a container run with -dt holds its pty's master and
 * copies what it prints to the log.  It listens on attach.sock in the
 * container's directory (root's, 0700: only root reaches the socket);
 * an attacher gets the master and the log (their fds, one byte 'T'), and
 * the monitor stops reading the master until the attacher's socket
 * closes: the attacher copies the output to the terminal and to the log
 * meanwhile.  One at a time: a second gets 'B'.  When the container ends
 * the monitor writes "EXIT CODE\n" to the attacher's socket. */

/* sun_path has 108 bytes, a root's path may have more: the directory by
 * an fd of it */
static void attach_addr(struct sockaddr_un *a, int dirfd)
{
  *a = (struct sockaddr_un){.sun_family = AF_UNIX};
  snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/" ATTACH_SOCKET, dirfd);
}

int attach_listen(int dirfd, cocin_error_t *err)
{
  cleanup_close int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0)
    return cocin_fail_errno(err, "attach socket");
  (void)unlinkat(dirfd, ATTACH_SOCKET, 0); /* a run's before */
  struct sockaddr_un a;
  attach_addr(&a, dirfd);
  if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0)
    return cocin_fail_errno(err, "listen on %s", ATTACH_SOCKET);
  return steal_fd(s);
}

/* A connection to the container's monitor on its attach.sock: -1 with
 * *err (ENOTTY, saying "none", when nobody listens) */
static int attach_connect(const char *root, const char *name, const char *none,
                          cocin_error_t *err)
{
  cleanup_free char *dir = cocin_container_dir(root, name);
  cleanup_close int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return cocin_fail_errno(err, "%s", name);
  cleanup_close int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return cocin_fail_errno(err, "socket");
  struct sockaddr_un a;
  attach_addr(&a, dirfd);
  if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
    if (errno == ENOENT || errno == ECONNREFUSED)
      return cocin_fail(err, ENOTTY, "%s %s", name, none);
    return cocin_fail_errno(err, "%s: connect to its monitor", name);
  }
  return steal_fd(s);
}

/* Ask the monitor (attach_connect) and take its answer: a byte, and up
 * to two fds in fds (*n of them).  The socket, or -1 with *err. */
static int attach_ask(const char *root, const char *name, const char *none, const char *what,
                      char *byte, int fds[2], size_t *n, cocin_error_t *err)
{
  cleanup_close int s = attach_connect(root, name, none, err);
  if (s < 0)
    return -1;
  *byte = 0;
  *n = 2;
  if (fds_recv(s, byte, fds, n, what, err) < 0)
    return cocin_error_wrap(err, "%s", name);
  return steal_fd(s);
}

static void close_each(const int *fds, size_t n)
{
  for (size_t i = 0; i < n; i++)
    close(fds[i]);
}

int cocin_attach_input(const char *root, const char *name, int *in, cocin_error_t *err)
{
  *in = -1;
  char byte;
  int fds[2];
  size_t n;
  cleanup_close int s =
      attach_ask(root, name,
                 "takes no input now (one run with -di does while it runs, one created with "
                 "-i the first attach after its start)",
                 "the container's input", &byte, fds, &n, err);
  if (s < 0)
    return -1;
  if (byte != 'I' || n != 1) {
    close_each(fds, n);
    if (byte == 'P')
      return cocin_fail(err, EPERM, "%s: its monitor lends its input to its own user only", name);
    return cocin_fail(err, ENOTTY, "%s takes no input (it has a terminal)", name);
  }
  *in = fds[0];
  return 0;
}

int cocin_attach(const char *root, const char *name, int *sock, int *master, int *log,
                 cocin_error_t *err)
{
  *sock = *master = *log = -1;
  char byte;
  int fds[2];
  size_t n;
  cleanup_close int s = attach_ask(root, name,
                                   "has no terminal to attach to (one run with -dt has, and "
                                   "one whose run -it was detached)",
                                   "the container's terminal", &byte, fds, &n, err);
  if (s < 0)
    return -1;
  if (byte != 'T' || n != 2) {
    close_each(fds, n);
    if (byte == 'P')
      return cocin_fail(err, EPERM, "%s: its monitor lends its terminal to its own user only",
                        name);
    if (byte == 'I')
      return cocin_fail(err, ENOTTY, "%s has no terminal to attach to (it was run with -di)",
                        name);
    return cocin_fail(err, EBUSY, "%s: another attach has its terminal", name);
  }
  *master = fds[0];
  *log = fds[1];
  *sock = steal_fd(s);
  return 0;
}

bool cocin_monitor_line_step(int fd, struct cocin_monitor_line *l)
{
  while (!l->done) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
      return false;
    if (r <= 0 || c == '\n') {
      l->done = true;
      break;
    }
    l->buf[l->n++] = c;
    l->done = l->n == sizeof(l->buf) - 1;
  }
  l->buf[l->n] = '\0';
  return true;
}

int cocin_monitor_line_parse(const struct cocin_monitor_line *l, const char **why)
{
  const char *b = l->buf;
  if (!strncmp(b, "EXIT ", 5) && b[5] >= '0' && b[5] <= '9') {
    char *end;
    errno = 0;
    long code = strtol(b + 5, &end, 10);
    return *end == '\0' && errno == 0 && code <= INT_MAX ? (int)code : -1;
  }
  if (!strcmp(b, "DETACHED"))
    return COCIN_DETACHED;
  if (!strncmp(b, "NODETACH ", 9)) {
    if (why)
      *why = b + 9;
    return COCIN_DETACH_REFUSED;
  }
  return -1;
}

int cocin_monitor_line_read(int fd, const char **why, struct cocin_monitor_line *l)
{
  while (!cocin_monitor_line_step(fd, l)) {
    struct pollfd p = {fd, POLLIN, 0};
    (void)poll(&p, 1, -1); /* (a non-blocking fd: wait, not spin) */
  }
  return cocin_monitor_line_parse(l, why);
}

int cocin_run_detach(int exit_fd, int master, cocin_error_t *err)
{
  /* (refused when the monitor has gone, or has answered EXIT already:
   * what it said tells) */
  (void)fds_send(exit_fd, 'D', &master, 1, "the terminal to the monitor", NULL);
  struct cocin_monitor_line l = {.n = 0};
  const char *why = NULL;
  int code = cocin_monitor_line_read(exit_fd, &why, &l);
  if (code == COCIN_DETACH_REFUSED)
    cocin_fail(err, EIO, "run: cannot detach: %s (the terminal is yours still)", why);
  else if (code == -1 && l.n == 0)
    cocin_fail(err, EIO, "run: detach: the container's monitor has gone");
  else if (code == -1)
    cocin_fail(err, EIO, "run: detach: the container's monitor said \"%.40s\"", l.buf);
  return code;
}
