/* cocin CLI — relaying the user's terminal to a container's pty. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/util.h"

int tty_console(int *ours, int *theirs, struct winsize *ws)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return -1;
  *ours = sv[0];
  *theirs = sv[1];
  if (ioctl(0, TIOCGWINSZ, ws) < 0)
    *ws = (struct winsize){.ws_row = 24, .ws_col = 80};
  return 0;
}

static void copy_winsize(int master)
{
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

int tty_receive(int *fd, cocin_error_t *err)
{
  cleanup_close int sock = steal_fd(*fd);
  return cocin_console_recv(sock, fd, err);
}

int tty_relay(int master, int end_fd)
{
  struct termios saved, raw;
  bool is_tty = tcgetattr(0, &saved) == 0;
  if (is_tty) {
    raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
  }
  /* SIGWINCH, and the signals that would end us (docker passes none of
   * them on with -t; one we ignore stays ignored): the terminal is given
   * back before we go. */
  static const int ending[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGWINCH);
  for (size_t i = 0; i < sizeof(ending) / sizeof(ending[0]); i++) {
    struct sigaction sa;
    if (sigaction(ending[i], NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
      sigaddset(&mask, ending[i]);
  }
  sigprocmask(SIG_BLOCK, &mask, NULL);
  cleanup_close int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

  int fatal = 0;
  bool stdin_open = true, ended = false;
  char buf[16384];
  for (;;) {
    struct pollfd p[4] = {
        {.fd = master, .events = POLLIN},
        {.fd = stdin_open ? 0 : -1, .events = POLLIN},
        {.fd = ended ? -1 : end_fd, .events = POLLIN},
        {.fd = sfd, .events = POLLIN},
    };
    int r = poll(p, 4, ended ? 100 : -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      break;
    if (r == 0 && ended)
      break; /* drained */
    if (p[3].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGWINCH) {
        fatal = (int)si.ssi_signo;
        break;
      }
      copy_winsize(master);
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, buf, sizeof(buf));
      if (n <= 0)
        break; /* EIO: every slave closed */
      write_all(1, buf, (size_t)n);
    }
    if (p[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(0, buf, sizeof(buf));
      if (n <= 0)
        stdin_open = false;
      else
        write_all(master, buf, (size_t)n);
    }
    if (p[2].revents)
      ended = true;
  }
  if (is_tty)
    tcsetattr(0, TCSANOW, &saved);
  if (fatal) { /* end as the signal would have ended us */
    signal(fatal, SIG_DFL);
    raise(fatal);
  }
  sigprocmask(SIG_UNBLOCK, &mask, NULL);
  return 0;
}
