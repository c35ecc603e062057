/* cocin run */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

/* The signals a foreground run passes on to its container (docker's
 * sig-proxy), blocked here and read from a signalfd. */
static void block_forwarded(sigset_t *mask)
{
  sigemptyset(mask);
  sigaddset(mask, SIGINT);
  sigaddset(mask, SIGTERM);
  sigaddset(mask, SIGHUP);
  sigprocmask(SIG_BLOCK, mask, NULL);
}

struct waiting {
  const char *root, *name, *id; /* the signals go to this container only */
  int exit_fd, sfd;
  char buf[64];
  size_t n;
};

/* exit_fd is readable: 1 once "EXIT <code>\n" (or the end) came */
static int exit_came(void *ctx)
{
  struct waiting *w = ctx;
  ssize_t r = read(w->exit_fd, w->buf + w->n, sizeof(w->buf) - 1 - w->n);
  if (r <= 0)
    return 1;
  w->n += (size_t)r;
  return memchr(w->buf, '\n', w->n) != NULL || w->n == sizeof(w->buf) - 1;
}

static void forward_signal(void *ctx)
{
  struct waiting *w = ctx;
  struct signalfd_siginfo si;
  if (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
    cocin_kill(w->root, w->name, w->id, (int)si.ssi_signo, NULL);
}

/* Read "EXIT <code>" from the monitor, copying the container's stdio (r)
 * meanwhile and passing INT, TERM and HUP on to it. */
static int wait_exit(const char *root, const char *name, const char *id, int exit_fd,
                     struct relay *r)
{
  sigset_t mask;
  block_forwarded(&mask);
  cleanup_close int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  struct waiting w = {root, name, id, exit_fd, sfd, {0}, 0};
  relay_run(r, exit_fd, exit_came, sfd, forward_signal, &w, true);
  char *buf = w.buf;
  buf[w.n] = '\0';
  if (strncmp(buf, "EXIT ", 5))
    return cli_fail("%s: lost track of the container's exit", name), 125;
  return atoi(buf + 5);
}

int cmd_run(const char *root, int argc, char **argv)
{
  struct cocin_spec spec = {.env_from_caller = true};
  cleanup_error cocin_error_t err = NULL;
  cleanup_close int master = -1, slave = -1, null_fd = -1, exit_fd = -1;
  struct cocin_run_result res = {.exit_fd = -1, .log_fd = -1};
  int rc = 125;
  if (cocin_spec_parse(&spec, argc, argv, &err) < 0) {
    cli_error(&err);
    goto out;
  }
  if (spec.help) {
    fputs(cocin_run_usage, stdout);
    rc = 0;
    goto out;
  }
  if (spec.tty && !spec.detach && !isatty(0)) {
    cli_fail("run: the input device is not a TTY (drop -t, or use -d)");
    goto out;
  }

  struct cocin_run_io io = {{0, 1, 2}, -1, {0}, true};
  struct relay relay = RELAY_NONE;
  if (!spec.detach) {
    if (spec.tty) {
      if (tty_console(&master, &slave, &io.ws) < 0) {
        cli_fail("run: socketpair: %s", strerror(errno));
        goto out;
      }
      io.console_sock = slave;
    } else {
      if (!spec.interactive) {
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        io.stdio[0] = null_fd;
      }
      if (relay_setup(&relay, io.stdio) < 0) {
        cli_fail("run: pipe: %s", strerror(errno));
        relay_free(&relay);
        goto out;
      }
      memcpy(io.stdio, relay.theirs, sizeof(io.stdio));
    }
  }
  /* Blocked from before the start (the monitor and the container unblock
   * every signal): one that comes while the container starts, even after
   * it has run its first line, waits for wait_exit to pass it on instead
   * of ending this CLI with the container running on. */
  if (!spec.detach && !spec.tty) {
    sigset_t fwd;
    block_forwarded(&fwd);
  }
  if (cocin_run(root, &spec, &io, &res, &err) < 0) {
    relay_free(&relay);
    cli_error(&err);
    rc = res.exit_code ? res.exit_code : 125;
    goto out;
  }
  relay_started(&relay);
  if (spec.detach) {
    printf("%s\n", res.id);
    rc = 0;
    goto out;
  }
  exit_fd = res.exit_fd;
  if (spec.tty) {
    close(slave);
    slave = -1;
    if (tty_receive(&master, &err) < 0) {
      cli_error(&err);
      goto out;
    }
    /* logged as docker logs an -it session (a kept container's: run
     * hands us its log): from here, as the pty's master is ours */
    tty_relay(master, exit_fd, res.log_fd);
  }
  rc = wait_exit(root, spec.name, res.id, exit_fd, &relay);
  relay_free(&relay);
  TRACE("cli-got-EXIT");
out:
  if (res.log_fd >= 0)
    close(res.log_fd);
  cocin_spec_free(&spec);
  return rc;
}

/* docker's create: run's options, the container made and not started
 * (cocin start starts it, detached); prints its id */
int cmd_create(const char *root, int argc, char **argv)
{
  struct cocin_spec spec = {.env_from_caller = true};
  cleanup_error cocin_error_t err = NULL;
  int rc = 125;
  char id[65];
  if (cocin_spec_parse_create(&spec, argc, argv, &err) < 0) {
    cli_error(&err);
    goto out;
  }
  if (spec.help) {
    printf("Usage: cocin create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
           "Make a container and do not start it: 'cocin start NAME' starts it,\n"
           "detached (with -t, on a logged terminal).  The options are run's\n"
           "(cocin run --help), but -d: a started container is detached.\n");
    rc = 0;
    goto out;
  }
  if (cocin_create(root, &spec, id, &err) < 0) {
    cli_error(&err);
    goto out;
  }
  printf("%s\n", id);
  rc = 0;
out:
  cocin_spec_free(&spec);
  return rc;
}
