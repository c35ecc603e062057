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
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "internal.h"

static int send_fd(int sock, int fd, cocin_error_t *err)
{
  char byte = 't';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof(u.buf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return cocin_fail_errno(err, "send the terminal");
  return 0;
}

int cocin_console_recv(int sock, int *master, cocin_error_t *err)
{
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof(u.buf)};
  ssize_t n;
  while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
    if (errno != EINTR)
      return cocin_fail_errno(err, "receive the container's terminal");
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (n != 1 || c == NULL || c->cmsg_type != SCM_RIGHTS)
    return cocin_fail(err, EIO, "the container sent no terminal");
  memcpy(master, CMSG_DATA(c), sizeof(int));
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
  if (send_fd(sock, master, err) < 0)
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
