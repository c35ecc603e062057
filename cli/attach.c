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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

/* no terminal: its log from its end now, until it ends; then its code */
static int follow(const char *root, const char *name, const char *id)
{
  fflush(stdout);
  cleanup_pid pid_t child = fork();
  if (child < 0)
    return cli_fail("attach: fork: %s", strerror(errno));
  if (child == 0) {
    char *args[] = {"-f", "--tail", "0", (char *)name, NULL};
    _exit(cmd_logs(root, 4, args));
  }
  cleanup_error cocin_error_t err = NULL;
  int code = cocin_wait(root, name, id, NULL, &err);
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
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *name = cocin_state_resolve(root, argv[pos], &err);
  cJSON *cfg = NULL;
  if (name == NULL || cocin_state_load(root, name, &cfg, &err) < 0)
    return cli_error(&err);
  struct cocin_info info;
  cocin_info_from_json(cfg, &info);
  bool tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "tty"));
  cleanup_free char *id = cj_str(cfg, "id") ? xstrdup(cj_str(cfg, "id")) : NULL;
  cleanup_free char *status = cj_str(cfg, "status") ? xstrdup(cj_str(cfg, "status")) : NULL;
  cJSON_Delete(cfg);
  if (info.state != COCIN_STATE_RUNNING)
    return cli_fail("attach: %s is not running (status: %s): start it first", name,
                    status ? status : "unknown");
  if (info.paused)
    return cli_fail("attach: %s is paused: unpause it first", name);
  if (!tty)
    return follow(root, name, id);

  int s = -1, m = -1, l = -1;
  if (cocin_attach(root, name, &s, &m, &l, &err) < 0) {
    cocin_error_wrap(&err, "attach");
    return cli_error(&err);
  }
  cleanup_close int sock = s, master = m, log_fd = l;
  int detached = tty_relay_keys(master, sock, log_fd, use_stdin ? &keys : NULL, use_stdin);
  if (detached) {
    fprintf(stderr, "read escape sequence\n"); /* (docker's words) */
    return 1;
  }
  char line[64] = "";
  ssize_t n;
  while ((n = read(sock, line, sizeof(line) - 1)) < 0 && errno == EINTR)
    ;
  int code;
  if (n <= 0 || sscanf(line, "EXIT %d", &code) != 1) /* (the monitor is gone) */
    return cli_fail("attach: %s: its exit code was not told", name);
  return code;
}
