/* cocin attach [--detach-keys KEYS] [--no-stdin] NAME: docker's.
 *
 * A container run with -dt: its terminal, lent by its monitor
 * (cocin_attach): what you type goes to it, what it prints comes to you
 * and to its log, your window size becomes its; Ctrl-P Ctrl-Q (or
 * --detach-keys) gives the terminal back and leaves it running.  When it
 * ends, attach exits with its exit code.  A container without a
 * terminal: its output from now on (its log followed), then its exit
 * code; one run with -di gets your input on its stdin too, and one made
 * with -i (docker's StdinOnce) the first attach after its start. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

/* While we wait: the container the signals go to, and its log, whose
 * news we print (cocin_wait's interrupted() has no context) */
static struct {
  const char *root, *name, *id;
  sigset_t mask;
  int log;
} proxied = {.log = -1};

/* What the log has from where log is to its end, to our stdout */
static void copy_new(int log)
{
  char buf[16384];
  ssize_t n;
  while (log >= 0 && (n = read(log, buf, sizeof(buf))) > 0)
    (void)write_all(1, buf, (size_t)n);
}

/* INT, TERM and HUP that came meanwhile, passed on to the container
 * (docker's sig-proxy), and what it printed since; the wait goes on */
static bool pass_signals(void)
{
  struct timespec now = {0, 0};
  int sig;
  while ((sig = sigtimedwait(&proxied.mask, NULL, &now)) > 0)
    cocin_kill(proxied.root, proxied.name, proxied.id, sig, NULL);
  copy_new(proxied.log);
  return false;
}

/* Block what pass_signals passes on (old: the mask before), from before
 * the start: one that comes while it starts is passed on too */
static void block_proxied(sigset_t *old)
{
  block_passed_on(&proxied.mask, old);
}

/* The wait is over: what came meanwhile passed on (an ended container
 * takes none), our mask as it was */
static void unblock_proxied(const sigset_t *old)
{
  pass_signals();
  sigprocmask(SIG_SETMASK, old, NULL);
}

/* No terminal: its log (log, from where it is) until it ends, INT, TERM
 * and HUP passed on to it meanwhile (blocked by the caller); then its
 * code.  exit_fd >= 0: start -a's, "EXIT n" on it; else cocin_wait. */
static int follow(const char *verb, const char *root, const char *name, const char *id, int log,
                  int exit_fd)
{
  proxied.root = root, proxied.name = name, proxied.id = id, proxied.log = log;
  if (exit_fd < 0) {
    cleanup_error cocin_error_t err = NULL;
    int code = cocin_wait(root, name, id, pass_signals, &err);
    copy_new(log); /* (the last of it) */
    return code < 0 ? cli_error(&err) : code;
  }
  struct cocin_monitor_line line = {.n = 0};
  for (;;) {
    pass_signals();
    struct pollfd p = {exit_fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0 || !cocin_monitor_line_step(exit_fd, &line))
      continue;
    copy_new(log); /* (all of it: the monitor tells once the container has gone) */
    int code = cocin_monitor_line_parse(&line, NULL);
    if (code < 0)
      return cli_fail("%s: %s: its exit code was not told (its monitor has gone)", verb, name);
    return code;
  }
}

/* What comes on our stdin, to in (the container's), copied by a child
 * of ours until our stdin ends or the caller reaps it (cleanup_pid:
 * killed then); -1, said, if it cannot be made */
static pid_t feed(const char *verb, int in)
{
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    cli_fail("%s: fork: %s", verb, strerror(errno));
    return -1;
  }
  if (pid == 0) { /* (the container gone: its next write, EPIPE or SIGPIPE, ends it) */
    /* never outlives us (a kill -9 of attach leaves no reader of the
     * terminal behind), and prints nothing into our output */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
      _exit(0);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    char buf[16384];
    for (;;) {
      ssize_t n = read(0, buf, sizeof(buf));
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        /* a non-blocking stdin (a terminal left so, a socket): not its
         * end, which would be the container's (StdinOnce) */
        struct pollfd p = {0, POLLIN, 0};
        (void)poll(&p, 1, -1);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || write_all(in, buf, (size_t)n) < 0)
        break;
    }
    _exit(0);
  }
  return pid;
}

/* -di: our input to the container's stdin, lent by its monitor
 * (cocin_attach_input); -1, said, when it lends none: the output is
 * followed all the same */
static pid_t feed_input(const char *verb, const char *root, const char *name)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_close int in = -1;
  if (cocin_attach_input(root, name, &in, &err) < 0) {
    cocin_error_wrap(&err, "%s", verb);
    cli_error(&err);
    return -1;
  }
  return feed(verb, in);
}

/* The container's terminal (lent by its monitor, cocin_attach) until it
 * ends or the keys detach (COCIN_DETACHED).  start -a (log >= 0, this
 * start's output from where it is, exit_fd its end): what it printed
 * before we came is shown first, and one that ended before we came (its
 * terminal no longer lent) is followed instead. */
static int relay_terminal(const char *verb, const char *root, const char *name, const char *id,
                          const struct cocin_detach_keys *keys, bool use_stdin, int log,
                          int exit_fd)
{
  cleanup_error cocin_error_t err = NULL;
  int s = -1, m = -1, l = -1;
  if (cocin_attach(root, name, &s, &m, &l, &err) < 0) {
    int e = cocin_error_status(&err);
    if (exit_fd >= 0 && e != EPERM && e != EBUSY)
      return follow(verb, root, name, id, log, exit_fd);
    cocin_error_wrap(&err, "%s", verb);
    return cli_error(&err);
  }
  cleanup_close int sock = s, master = m, log_fd = l;
  copy_new(log); /* (all of it is there: the monitor logs what it read
                  * before it lends the master) */
  if (tty_relay_keys(master, sock, log_fd, use_stdin ? keys : NULL, use_stdin, NULL))
    return COCIN_DETACHED;
  struct cocin_monitor_line line = {.n = 0};
  int code = cocin_monitor_line_read(sock, NULL, &line);
  if (code < 0) /* (the monitor is gone) */
    return cli_fail("%s: %s: its exit code was not told", verb, name);
  return code;
}

/* What attach and start -a need of the record */
struct attached {
  char *name, *id;
  bool tty, interactive, running, paused;
  char *status;
};

static void attached_free(struct attached *a)
{
  free(a->name);
  free(a->id);
  free(a->status);
}

static int attached_load(const char *root, const char *arg, struct attached *a)
{
  cleanup_error cocin_error_t err = NULL;
  *a = (struct attached){0};
  a->name = cocin_state_resolve(root, arg, &err);
  cJSON *cfg = NULL;
  if (a->name == NULL || cocin_state_load(root, a->name, &cfg, &err) < 0) {
    attached_free(a);
    return cli_error(&err), -1;
  }
  struct cocin_info info;
  cocin_info_from_json(cfg, &info);
  a->tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "tty"));
  a->interactive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "interactive"));
  a->id = cj_str(cfg, "id") ? xstrdup(cj_str(cfg, "id")) : NULL;
  a->status = xstrdup(cj_str(cfg, "status") ? cj_str(cfg, "status") : "unknown");
  a->running = info.state == COCIN_STATE_RUNNING;
  a->paused = info.paused;
  cJSON_Delete(cfg);
  return 0;
}

int cmd_attach(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{0, "detach-keys", OPT_REQUIRED, 0},
                                       {0, "no-stdin", OPT_NONE, 1},
                                       {0, "sig-proxy", OPT_BOOL, 2},
                                       {0, NULL, OPT_NONE, 0}};
  const char *vals[3] = {NULL, NULL, NULL};
  int pos = cli_flags("attach", t, argc, argv, vals);
  if (pos < 0)
    return 1;
  if (pos != argc - 1)
    return cli_fail("attach: requires exactly one container name");
  struct cocin_detach_keys keys = DETACH_KEYS_DEFAULT;
  if (vals[0] && vals[0][0] && !cocin_detach_keys_parse(vals[0], &keys))
    return cli_fail("attach: invalid --detach-keys \"%s\": give characters or ctrl-X, comma "
                    "separated (ctrl-p,ctrl-q)",
                    vals[0]);
  bool use_stdin = vals[1] == NULL;
  /* --sig-proxy=false (docker's): INT, TERM and HUP end the attach, as
   * they would end any program, and leave the container running */
  bool sig_proxy = vals[2] == NULL || strcmp(vals[2], "false") != 0;
  struct attached a;
  if (attached_load(root, argv[pos], &a) < 0)
    return 1;
  int rc;
  if (!a.running)
    rc = cli_fail("attach: %s is not running (status: %s): start it first", a.name, a.status);
  else if (a.paused)
    rc = cli_fail("attach: %s is paused: unpause it first", a.name);
  else if (!a.tty) {
    /* its log from its end now */
    cleanup_free char *path = cocin_container_file(root, a.name, "container.log");
    cleanup_close int log = open(path, O_RDONLY | O_CLOEXEC);
    if (log >= 0)
      lseek(log, 0, SEEK_END);
    sigset_t old;
    if (sig_proxy)
      block_proxied(&old);
    else
      sigemptyset(&proxied.mask); /* (follow passes on none) */
    {
      /* -di: our input too (INT, TERM and HUP, blocked with the proxy,
       * are not its; without, its death with ours is PDEATHSIG's) */
      cleanup_pid pid_t feeder = a.interactive && use_stdin ? feed_input("attach", root, a.name)
                                                            : -1;
      rc = follow("attach", root, a.name, a.id, log, -1);
      (void)feeder; /* (held for its cleanup: clang calls it unused) */
    }
    if (sig_proxy)
      unblock_proxied(&old);
  } else if ((rc = relay_terminal("attach", root, a.name, a.id, &keys,
                                  use_stdin && a.interactive, -1, -1)) == COCIN_DETACHED) {
    /* (what is typed goes in only to one made with -i, docker's
     * OpenStdin: -dt alone is watched, as with --no-stdin) */
    fprintf(stderr, "read escape sequence\n"); /* (docker's words) */
    rc = 1;
  }
  attached_free(&a);
  return rc;
}

int start_attached(const char *root, const char *arg, bool want_stdin, const char *keys_given)
{
  struct cocin_detach_keys keys = DETACH_KEYS_DEFAULT;
  if (keys_given && keys_given[0] && !cocin_detach_keys_parse(keys_given, &keys))
    return cli_fail("start: invalid --detach-keys \"%s\": give characters or ctrl-X, comma "
                    "separated (ctrl-p,ctrl-q)",
                    keys_given);
  struct attached a;
  if (attached_load(root, arg, &a) < 0)
    return 1;
  if (a.paused) { /* (docker's words) */
    int rc = cli_fail("start: cannot start a paused container, try unpause instead");
    attached_free(&a);
    return rc;
  }
  /* its log, open before the start: this start's output from where it
   * ends now, all of it (a --rm container's log goes with it, not from
   * our fd) */
  cleanup_free char *path = cocin_container_file(root, a.name, "container.log");
  cleanup_close int log = open(path, O_RDONLY | O_CLOEXEC);
  if (log >= 0)
    lseek(log, 0, SEEK_END);
  cleanup_error cocin_error_t err = NULL;
  cleanup_close int exit_fd = -1, in = -1;
  sigset_t old;
  if (!a.tty)
    block_proxied(&old);
  /* -i of a container made with -i: our input too, into its stdin
   * handed to us as it starts (one that ends at once has taken it), or,
   * if it ran already, lent by its monitor */
  bool feeding = !a.tty && want_stdin && a.interactive;
  int rc = cocin_start_attached(root, a.name, a.id, &exit_fd, feeding ? &in : NULL, &err);
  if (rc < 0)
    rc = cli_error(&err);
  else if (!a.tty) {
    cleanup_pid pid_t feeder = !feeding ? -1
                               : in >= 0 ? feed("start", in)
                                         : feed_input("start", root, a.name);
    if (in >= 0) /* (the feeder's alone: its end is the container's input's) */
      close(steal_fd(in));
    rc = follow("start", root, a.name, a.id, log, exit_fd);
    (void)feeder; /* (held for its cleanup) */
  } else {
    /* stdin as docker gives it: asked for (-i), and kept open by the
     * container (-i at its create or run) */
    rc = relay_terminal("start", root, a.name, a.id, &keys, want_stdin && a.interactive, log,
                        exit_fd);
    if (rc == COCIN_DETACHED)
      rc = 0; /* (docker's start says nothing) */
  }
  if (!a.tty)
    unblock_proxied(&old);
  attached_free(&a);
  return rc;
}
