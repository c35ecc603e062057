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

struct waiting {
  const char *root, *name, *id; /* the signals go to this container only */
  int exit_fd, sfd;
  struct cocin_monitor_line line;
};

/* exit_fd is readable: 1 once "EXIT <code>\n" (or the end) came */
static int exit_came(void *ctx)
{
  struct waiting *w = ctx;
  return cocin_monitor_line_step(w->exit_fd, &w->line);
}

static void forward_signal(void *ctx)
{
  struct waiting *w = ctx;
  struct signalfd_siginfo si;
  if (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
    cocin_kill(w->root, w->name, w->id, (int)si.ssi_signo, NULL);
}

/* Read "EXIT <code>" from the monitor, copying the container's stdio (r)
 * meanwhile and passing INT, TERM and HUP on to it (proxy; without it
 * they end us as they end any program, the container running on). */
static int wait_exit(const char *root, const char *name, const char *id, int exit_fd,
                     struct relay *r, bool proxy)
{
  sigset_t mask;
  cleanup_close int sfd = -1;
  if (proxy) {
    block_passed_on(&mask, NULL);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  }
  struct waiting w = {root, name, id, exit_fd, sfd, {.n = 0}};
  relay_run(r, exit_fd, exit_came, sfd, forward_signal, &w, true);
  int code = cocin_monitor_line_parse(&w.line, NULL);
  if (code < 0)
    return cli_fail("%s: lost track of the container's exit", name), 125;
  return code;
}

/* --cidfile FILE: made before the container (docker's check: one there
 * already may be another container's), its id written once it is made,
 * and gone again if it is not.  -1 (said) when it cannot be made. */
static int cidfile_open(const char *verb, const char *path)
{
  if (path == NULL)
    return -2;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return cli_fail("%s: container ID file found, make sure the other container isn't running "
                    "or delete %s",
                    verb, path),
           -1;
  if (fd < 0)
    return cli_fail("%s: --cidfile %s: %s", verb, path, strerror(errno)), -1;
  return fd;
}

/* the id into it (as docker writes it: no newline), or the file away
 * (id NULL: the run failed); -1 (said) if it cannot be written */
static int cidfile_close(int fd, const char *verb, const char *path, const char *id)
{
  if (fd < 0)
    return 0;
  int r = 0;
  if (id == NULL || write_all(fd, id, strlen(id)) < 0) {
    if (id) {
      cli_fail("%s: --cidfile %s: %s", verb, path, strerror(errno));
      r = -1;
    }
    unlink(path);
  }
  close(fd);
  return r;
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

  int cid = -2; /* (no --cidfile) */
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
  if ((cid = cidfile_open("run", spec.cidfile)) == -1) {
    relay_free(&relay);
    goto out;
  }
  if (!spec.detach && !spec.tty && !spec.no_sig_proxy) {
    sigset_t fwd;
    block_passed_on(&fwd, NULL);
  }
  if (cocin_run(root, &spec, &io, &res, &err) < 0) {
    cidfile_close(cid, "run", spec.cidfile, NULL);
    relay_free(&relay);
    cli_error(&err);
    rc = res.exit_code ? res.exit_code : 125;
    goto out;
  }
  /* (a container that runs, its id unwritten: said, and 125 when it ends) */
  bool cid_failed = cidfile_close(cid, "run", spec.cidfile, res.id) < 0;
  relay_started(&relay);
  if (spec.detach) {
    printf("%s\n", res.id);
    rc = cid_failed ? 125 : 0;
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
    struct cocin_detach_keys keys = DETACH_KEYS_DEFAULT;
    if (spec.detach_keys.len)
      keys = spec.detach_keys;
    /* -t without -i: docker's, the terminal shows its output and gives
     * it nothing (not raw: Ctrl-C ends this run, and the container runs
     * on, its terminal handed to its monitor first, as a detach does) */
    int ending = 0;
    while (tty_relay_keys(master, exit_fd, res.log_fd,
                          res.detachable && spec.interactive ? &keys : NULL, spec.interactive,
                          res.detachable && !spec.interactive ? &ending : NULL)) {
      /* detached (docker's run says nothing, and exits 0): the
       * container runs on, its terminal its monitor's (cocin attach) */
      int code = cocin_run_detach(exit_fd, master, &err);
      if (ending) { /* (whatever the answer: the signal's end is ours) */
        if (code == COCIN_DETACH_REFUSED || code == -1)
          cli_error(&err);
        signal(ending, SIG_DFL);
        raise(ending);
        _exit(128 + ending); /* (one we ignored is not: still our end) */
      }
      if (code == COCIN_DETACH_REFUSED) { /* (said; the relay goes on) */
        cli_error(&err);
        continue;
      }
      if (code == -1)
        cli_error(&err);
      rc = code == COCIN_DETACHED ? 0 : code < 0 ? 125 : code;
      if (cid_failed)
        rc = 125;
      goto out;
    }
  }
  rc = wait_exit(root, spec.name, res.id, exit_fd, &relay, spec.tty || !spec.no_sig_proxy);
  if (cid_failed)
    rc = 125;
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
  int cid = cidfile_open("create", spec.cidfile);
  if (cid == -1)
    goto out;
  if (cocin_create(root, &spec, id, &err) < 0) {
    cidfile_close(cid, "create", spec.cidfile, NULL);
    cli_error(&err);
    goto out;
  }
  int cr = cidfile_close(cid, "create", spec.cidfile, id);
  printf("%s\n", id);
  rc = cr < 0 ? 125 : 0;
out:
  cocin_spec_free(&spec);
  return rc;
}
