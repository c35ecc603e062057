/* cocin CLI — relaying the user's terminal to a container's pty. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

/* What of buf (n bytes of input) goes to the container, into out (room
 * for n + the keys' length): the detach keys' bytes are held back while
 * they come in their order (*matched of them so far, maybe over several
 * reads), given on when the sequence breaks (as much of them as no
 * longer begins it: "aab" detaches on "aaab"); true once it is complete,
 * what came before it in out. */
static bool detach_filter(const struct cocin_detach_keys *k, size_t *matched, const char *buf, size_t n,
                          char *out, size_t *out_n)
{
  *out_n = 0;
  for (size_t i = 0; i < n; i++) {
    if (buf[i] == k->seq[*matched]) {
      if (++*matched == k->len)
        return true;
      continue;
    }
    /* held + buf[i]: its longest end that begins the keys stays held */
    char held[sizeof(k->seq) + 1];
    size_t h = *matched;
    memcpy(held, k->seq, h);
    held[h++] = buf[i];
    size_t keep = h < k->len ? h : k->len - 1;
    while (keep > 0 && memcmp(held + h - keep, k->seq, keep))
      keep--;
    memcpy(out + *out_n, held, h - keep);
    *out_n += h - keep;
    *matched = keep;
  }
  return false;
}

/* As much of the input pending (*len bytes at in + *off) as the
 * container's stdin (a pipe or a pty's master, non-blocking) takes now;
 * -1 once it takes no more (closed). */
static int give_input(int fd, const char *in, size_t *off, size_t *len)
{
  while (*off < *len) {
    ssize_t w = write(fd, in + *off, *len - *off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && errno == EAGAIN)
      return 0;
    if (w < 0)
      return -1;
    *off += (size_t)w;
  }
  *off = *len = 0;
  return 0;
}

int tty_relay_keys(int master, int end_fd, int log_fd, const struct cocin_detach_keys *keys,
                   bool use_stdin, int *ending)
{
  signal(SIGPIPE, SIG_IGN); /* (`| head` gone: not our death with the terminal raw) */
  struct termios saved, raw;
  /* (raw only when what is typed goes to the container: attach
   * --no-stdin leaves Ctrl-C to end us) */
  bool is_tty = use_stdin && tcgetattr(0, &saved) == 0;
  /* SIGWINCH, and the signals that would end us (docker passes none of
   * them on with -t; one we ignore stays ignored): the terminal is given
   * back before we go (they are caught before it is made raw). */
  static const int enders[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGWINCH);
  for (size_t i = 0; i < sizeof(enders) / sizeof(enders[0]); i++) {
    struct sigaction sa;
    if (sigaction(enders[i], NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
      sigaddset(&mask, enders[i]);
  }
  sigprocmask(SIG_BLOCK, &mask, NULL);
  cleanup_close int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (is_tty) {
    raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
  }

  int fatal = 0;
  bool stdin_open = use_stdin, ended = false, detached = false;
  size_t matched = 0;
  /* What is typed waits in out while the terminal takes no more (a paste
   * into a program that does not read): its output is copied meanwhile,
   * and a signal still ends us, where a blocking write would hang both
   * sides.  The master is non-blocking while we hold it (its monitor, who
   * may share it, reads it only once it is no longer lent). */
  char buf[16384], out[16384 + sizeof(keys->seq)];
  size_t out_off = 0, out_len = 0;
  int master_fl = fcntl(master, F_GETFL);
  bool nonblock = master_fl >= 0 && fcntl(master, F_SETFL, master_fl | O_NONBLOCK) == 0;
  if (keys || !use_stdin)
    copy_winsize(master); /* (an attach: the size is ours from now) */
  for (;;) {
    struct pollfd p[4] = {
        {.fd = master, .events = POLLIN | (out_len ? POLLOUT : 0)},
        {.fd = stdin_open && out_len == 0 ? 0 : -1, .events = POLLIN},
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
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (n <= 0)
        break; /* EIO: every slave closed */
      write_all(1, buf, (size_t)n);
      if (log_fd >= 0)
        (void)write_all(log_fd, buf, (size_t)n);
    }
    if (p[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(0, buf, sizeof(buf));
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      out_off = out_len = 0;
      if (n <= 0) {
        stdin_open = false;
        if (matched) { /* (the keys begun: given on at the end of the input) */
          memcpy(out, keys->seq, matched);
          out_len = matched;
        }
      } else if (keys) {
        detached = detach_filter(keys, &matched, buf, (size_t)n, out, &out_len);
      } else {
        memcpy(out, buf, (size_t)n);
        out_len = (size_t)n;
      }
    }
    /* (detached: what came before the keys, as much as it takes now) */
    if (out_len && give_input(master, out, &out_off, &out_len) < 0)
      out_off = out_len = 0; /* (it takes nothing more: the end is near) */
    if (detached)
      break;
    if (p[2].revents)
      ended = true;
  }
  if (nonblock)
    (void)fcntl(master, F_SETFL, master_fl); /* (as it was: it may go to the monitor) */
  if (is_tty)
    tcsetattr(0, TCSANOW, &saved);
  if (fatal && ending) { /* the caller's to end with, once it has let go */
    *ending = fatal;
    detached = true;
  } else if (fatal) { /* end as the signal would have ended us */
    signal(fatal, SIG_DFL);
    raise(fatal);
  }
  sigprocmask(SIG_UNBLOCK, &mask, NULL);
  return detached;
}

/* ---- stdio behind pipes ----
 * A regular file, a block device or a terminal given to a container as
 * its stdin, stdout or stderr could be reopened from inside through
 * /proc/self/fd with more access than it was given (a read-only file
 * written, an append-only log truncated, a terminal's input faked): the
 * container gets a pipe instead, and we copy.  Pipes, sockets and other
 * devices (/dev/null) are given as they are, as docker's are to its
 * daemon: reopening one gives nothing more. */
static bool needs_pipe(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    return false;
  return S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode) ||
         (S_ISCHR(st.st_mode) && isatty(fd));
}

int relay_setup(struct relay *r, const int stdio[3])
{
  for (int i = 0; i < 3; i++) {
    r->theirs[i] = stdio[i];
    r->ours[i] = -1;
  }
  for (int i = 0; i < 3; i++) {
    if (stdio[i] != i || !needs_pipe(i))
      continue;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
      return -1;
    r->theirs[i] = i == 0 ? p[0] : p[1];
    r->ours[i] = i == 0 ? p[1] : p[0];
  }
  return 0;
}

void relay_started(struct relay *r)
{
  for (int i = 0; i < 3; i++)
    if (r->ours[i] >= 0 && r->theirs[i] >= 0) {
      close(r->theirs[i]); /* the container holds it now */
      r->theirs[i] = -1;
    }
}

void relay_free(struct relay *r)
{
  for (int i = 0; i < 3; i++) {
    if (r->ours[i] >= 0) {
      if (r->theirs[i] >= 0)
        close(r->theirs[i]);
      close(r->ours[i]);
    }
    r->ours[i] = r->theirs[i] = -1;
  }
}

/* Done with our end of pipe i: its end of input, or of output. */
static void relay_end(struct relay *r, int i)
{
  close(r->ours[i]);
  r->ours[i] = -1;
}

void block_passed_on(sigset_t *mask, sigset_t *old)
{
  sigemptyset(mask);
  sigaddset(mask, SIGINT);
  sigaddset(mask, SIGTERM);
  sigaddset(mask, SIGHUP);
  sigprocmask(SIG_BLOCK, mask, old);
}

int relay_run(struct relay *r, int end_fd, int (*on_end)(void *ctx), int sig_fd,
              void (*on_sig)(void *ctx), void *ctx, bool to_eof)
{
  signal(SIGPIPE, SIG_IGN); /* a container gone: EPIPE, not our death */
  bool ended = false, in_eof = false;
  char buf[16384], in[16384];
  /* The input waits here while the container does not read it, and we go
   * on copying its output meanwhile: a blocking write into a full stdin
   * pipe, while the container blocks writing a full stdout, would hang
   * both.  Read again once what we read is given. */
  size_t in_off = 0, in_len = 0;
  if (r->ours[0] >= 0)
    (void)fcntl(r->ours[0], F_SETFL, fcntl(r->ours[0], F_GETFL) | O_NONBLOCK);
  for (;;) {
    if (ended && r->ours[1] < 0 && r->ours[2] < 0)
      return 0;
    if (r->ours[0] >= 0 && in_eof && in_len == 0)
      relay_end(r, 0); /* end of input for the container, all of it given */
    bool want_in = !ended && r->ours[0] >= 0 && !in_eof && in_len == 0;
    struct pollfd p[6] = {
        {.fd = ended ? -1 : end_fd, .events = POLLIN},
        {.fd = sig_fd, .events = POLLIN},
        {.fd = want_in ? 0 : -1, .events = POLLIN},
        {.fd = r->ours[1], .events = POLLIN},
        {.fd = r->ours[2], .events = POLLIN},
        {.fd = !ended && in_len ? r->ours[0] : -1, .events = POLLOUT},
    };
    /* once it ended, without to_eof: what is there now, not what a
     * process it left behind may write later */
    int n = poll(p, 6, ended && !to_eof ? 0 : -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || (n == 0 && ended))
      return n < 0 ? -1 : 0;
    if (p[1].revents & POLLIN)
      on_sig(ctx);
    if (p[2].revents) {
      ssize_t got = read(0, in, sizeof(in));
      if (got < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (got <= 0)
        in_eof = true;
      else
        in_off = 0, in_len = (size_t)got;
    }
    if ((p[2].revents || p[5].revents) && in_len &&
        give_input(r->ours[0], in, &in_off, &in_len) < 0) {
      in_off = in_len = 0; /* (it reads no more: nothing more to give) */
      in_eof = true;
    }
    for (int i = 1; i <= 2; i++)
      if (p[i + 2].revents) {
        ssize_t got = read(r->ours[i], buf, sizeof(buf));
        if (got <= 0)
          relay_end(r, i); /* every writer gone */
        else
          (void)write_all(i, buf, (size_t)got);
      }
    if (p[0].revents && on_end(ctx))
      ended = true;
  }
}
