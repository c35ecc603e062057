/* cocin attach [--detach-keys KEYS] [--no-stdin] NAME: docker's.
 *
 * A container run with -dt: its terminal, lent by its monitor
 * (cocin_attach): what you type goes to it, what it prints comes to you
 * and to its log, your window size becomes its; Ctrl-P Ctrl-Q (or
 * --detach-keys) gives the terminal back and leaves it running.  When it
 * ends, attach exits with its exit code.  A container without a
 * terminal: its output from now on (its log followed), then its exit
 * code. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

/* The container the signals go to while we wait (cocin_wait's
 * interrupted() has no context) */
static struct {
  const char *root, *name, *id;
  sigset_t mask;
} proxied;

/* INT, TERM and HUP that came meanwhile, passed on to the container
 * (docker's sig-proxy); the wait goes on */
static bool pass_signals(void)
{
  struct timespec now = {0, 0};
  int sig;
  while ((sig = sigtimedwait(&proxied.mask, NULL, &now)) > 0)
    cocin_kill(proxied.root, proxied.name, proxied.id, sig, NULL);
  return false;
}

/* Block what follow() passes on (old: the mask before) */
static void block_proxied(sigset_t *old)
{
  sigemptyset(&proxied.mask);
  sigaddset(&proxied.mask, SIGINT);
  sigaddset(&proxied.mask, SIGTERM);
  sigaddset(&proxied.mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &proxied.mask, old);
}

/* No terminal: its log from `from` (-1: its end now) until it ends, INT,
 * TERM and HUP passed on to it meanwhile (one blocked before and pending
 * too); then its code */
static int follow(const char *root, const char *name, const char *id, off_t from)
{
  fflush(stdout);
  sigset_t old;
  block_proxied(&old);
  cleanup_pid pid_t child = fork();
  if (child < 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    return cli_fail("attach: fork: %s", strerror(errno));
  }
  if (child == 0)
    _exit(logs_follow(root, name, id, from));
  proxied.root = root, proxied.name = name, proxied.id = id;
  cleanup_error cocin_error_t err = NULL;
  int code = cocin_wait(root, name, id, pass_signals, &err);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (code < 0) /* (gone meanwhile: its follower might wait on) */
    kill(child, SIGTERM);
  int st;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR)
    ;
  child = -1;
  if (code < 0)
    return cli_error(&err);
  return code;
}

/* What the log has from `from` on (the output of a container started
 * just now, before we had its terminal) */
static void print_log_from(const char *root, const char *name, off_t from)
{
  cleanup_free char *path = cocin_container_file(root, name, "container.log");
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  char buf[16384];
  ssize_t n;
  while (fd >= 0 && (n = pread(fd, buf, sizeof(buf), from)) > 0) {
    (void)write_all(1, buf, (size_t)n);
    from += n;
  }
}

/* The container's terminal (lent by its monitor, cocin_attach) until it
 * ends or the keys detach (COCIN_DETACHED).  `from` >= 0 (start -a):
 * what its log has from there is shown first, and a container that
 * ended before we came (its terminal no longer lent) is followed from
 * there instead. */
static int relay_terminal(const char *verb, const char *root, const char *name, const char *id,
                          const struct cocin_detach_keys *keys, bool use_stdin, off_t from)
{
  cleanup_error cocin_error_t err = NULL;
  int s = -1, m = -1, l = -1;
  if (cocin_attach(root, name, &s, &m, &l, &err) < 0) {
    if (from >= 0 && cocin_error_status(&err) == ENOTTY)
      return follow(root, name, id, from);
    cocin_error_wrap(&err, "%s", verb);
    return cli_error(&err);
  }
  cleanup_close int sock = s, master = m, log_fd = l;
  if (from >= 0) /* (all of it is there: the monitor logs what it read
                  * before it lends the master) */
    print_log_from(root, name, from);
  if (tty_relay_keys(master, sock, log_fd, use_stdin ? keys : NULL, use_stdin))
    return COCIN_DETACHED;
  char line[64] = "";
  ssize_t n;
  while ((n = read(sock, line, sizeof(line) - 1)) < 0 && errno == EINTR)
    ;
  int code;
  if (n <= 0 || sscanf(line, "EXIT %d", &code) != 1) /* (the monitor is gone) */
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
  if (a->name == NULL || cocin_state_load(root, a->name, &cfg, &err) < 0)
    return cli_error(&err), -1;
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
                                       {0, NULL, OPT_NONE, 0}};
  const char *vals[2] = {NULL, NULL};
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
  struct attached a;
  if (attached_load(root, argv[pos], &a) < 0)
    return 1;
  int rc;
  if (!a.running)
    rc = cli_fail("attach: %s is not running (status: %s): start it first", a.name, a.status);
  else if (a.paused)
    rc = cli_fail("attach: %s is paused: unpause it first", a.name);
  else if (!a.tty)
    rc = follow(root, a.name, a.id, -1);
  else if ((rc = relay_terminal("attach", root, a.name, a.id, &keys, use_stdin, -1)) == COCIN_DETACHED) {
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
  /* where its output of this start begins: shown before its terminal is
   * ours, or followed from there */
  cleanup_free char *path = cocin_container_file(root, a.name, "container.log");
  struct stat st;
  off_t from = stat(path, &st) == 0 ? st.st_size : 0;
  cleanup_error cocin_error_t err = NULL;
  int rc;
  sigset_t old;
  if (!a.tty) /* (from before the start: one that comes while it starts is passed on too) */
    block_proxied(&old);
  if (cocin_start(root, a.name, a.id, false, &err) < 0) /* (we live on: its monitor no child of ours) */
    rc = cli_error(&err);
  else if (!a.tty)
    rc = follow(root, a.name, a.id, from);
  else {
    /* stdin as docker gives it: asked for (-i), and kept open by the
     * container (-i at its create or run) */
    rc = relay_terminal("start", root, a.name, a.id, &keys, want_stdin && a.interactive, from);
    if (rc == COCIN_DETACHED)
      rc = 0; /* (docker's start says nothing) */
  }
  if (!a.tty)
    sigprocmask(SIG_SETMASK, &old, NULL);
  attached_free(&a);
  return rc;
}
