/* cocin exec */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

static const char exec_usage[] =
    "Usage: cocin exec [OPTIONS] NAME COMMAND [ARG...]\n\n"
    "Run a command in a running container; exits with the command's status\n"
    "(126: not executable, 127: not found).\n\n"
    "  -d, --detach        run it in the background: exit once it has started\n"
    "                      (its output is discarded, as docker does)\n"
    "  -i, --interactive   keep standard input open\n"
    "  -t, --tty           allocate a pseudo-terminal\n"
    "  -e, --env K=V       set an environment variable (repeatable)\n"
    "      --env-file FILE read variables from a file of K=V lines\n"
    "  -w, --workdir DIR   working directory\n"
    "  -u, --user UID[:GID] run as this user\n";

static int child_ended(void *ctx)
{
  return 1; /* its pidfd is readable: it exited (reaped below) */
}

struct passing {
  int sfd;
  pid_t joiner; /* ours, unreaped until the end: its pid is no other's */
};

/* INT, TERM and HUP sent to us go on to the command (through its joiner):
 * it has a session of its own, out of reach of our terminal */
static void pass_signal(void *ctx)
{
  struct passing *p = ctx;
  struct signalfd_siginfo si;
  if (read(p->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
    kill(p->joiner, (int)si.ssi_signo);
}

int cmd_exec(const char *root, int argc, char **argv)
{
  if (argc > 0 && !strcmp(argv[0], "--help")) {
    fputs(exec_usage, stdout);
    return 0;
  }
  struct cocin_exec_opts o = {.console_sock = -1, .lifeline = -1, .env_from_caller = true};
  cleanup_free char *name = NULL;
  cleanup_error cocin_error_t err = NULL;
  bool interactive = false;
  int rc = 125;
  cleanup_close int master = -1, slave = -1, null_fd = -1, sfd = -1;
  if (cocin_exec_parse(&o, NULL, &name, &interactive, argc, argv, &err) < 0) {
    cli_error(&err);
    goto out;
  }
  if (o.tty && !isatty(0)) {
    cli_fail("exec: the input device is not a TTY (drop -t)");
    goto out;
  }
  {
    char *resolved = cocin_state_resolve(root, name, &err);
    if (resolved == NULL) {
      cli_error(&err);
      goto out;
    }
    free(name);
    name = resolved;
  }
  if (o.detach) {
    if (cocin_exec_detached(root, name, &o, &rc, &err) < 0)
      cli_error(&err);
    goto out;
  }
  int stdio[3] = {0, 1, 2};
  if (o.tty) {
    if (tty_console(&master, &slave, &o.ws) < 0) {
      cli_fail("exec: socketpair: %s", strerror(errno));
      goto out;
    }
    o.console_sock = slave;
  } else if (!interactive) {
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    stdio[0] = null_fd;
  }
  struct relay relay = RELAY_NONE;
  if (!o.tty) {
    if (relay_setup(&relay, stdio) < 0) {
      relay_free(&relay);
      cli_fail("exec: pipe: %s", strerror(errno));
      goto out;
    }
    memcpy(stdio, relay.theirs, sizeof(stdio));
  }
  /* without -t, held from before the start (one that comes meanwhile is
   * passed on too) */
  sigset_t passed;
  if (!o.tty) {
    block_passed_on(&passed, NULL);
    sfd = signalfd(-1, &passed, SFD_CLOEXEC);
  }
  pid_t pid;
  if (cocin_exec_start(root, name, &o, stdio, &pid, &err) < 0) {
    relay_free(&relay);
    cli_error(&err);
    goto out;
  }
  relay_started(&relay);
  /* -it: the command gets Ctrl-C from its terminal; -t without -i
   * (docker's: the terminal not raw, nothing typed sent) leaves it to
   * end us, and the command's terminal hangs up */
  if (o.tty && interactive)
    signal(SIGINT, SIG_IGN);
  if (o.tty) {
    close(slave);
    slave = -1;
    if (tty_receive(&master, &err) < 0) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      cli_error(&err);
      goto out;
    }
    cleanup_close int pfd = sys_pidfd_open(pid);
    tty_relay_keys(master, pfd, -1, NULL, interactive, NULL);
  } else {
    cleanup_close int pfd = sys_pidfd_open(pid);
    struct passing p = {sfd, pid};
    if (pfd >= 0)
      relay_run(&relay, pfd, child_ended, sfd, pass_signal, &p, false);
  }
  relay_free(&relay);
  int status = 0;
  pid_t w;
  while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
    ;
  if (w < 0) {
    cli_fail("exec: lost track of the command: %s", strerror(errno));
    goto out;
  }
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
  cocin_exec_opts_free(&o);
  return rc;
}
