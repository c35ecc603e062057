/* cocin — run --init: a small init of cocin's own as the container's PID 1,
 * as docker's --init puts tini there.
 *
 * A command that is PID 1 of its namespace gets no signal it has no
 * handler for (a shell ignores stop's SIGTERM, and waits out the timeout
 * for the SIGKILL), and nobody reaps the orphans it leaves (zombies pile
 * up).  With --init the container's init forks once more, after every
 * step of its set-up (root, cgroup, user, capabilities, seccomp), so that
 * the command starts as it would, only as PID 2; PID 1 stays behind and:
 * - passes every signal on to the command (the command's own process
 *   group, made the terminal's foreground group with -t, so Ctrl-C
 *   reaches it once, from the terminal);
 * - reaps whatever ends, and exits as the command did (its exit status, or
 *   128 + the signal that ended it, as tini does).
 *
 * PID 1 is not exec'd: it is cocin's code, forked from cocin's monitor,
 * holding cocin's memory (cocinfs's, for a container run through a ctl
 * file).  So before the command exists it is made undumpable (without
 * CAP_SYS_PTRACE nothing in the container can read its memory, its
 * environment, or open /proc/1/exe, cocin's binary), and its command line
 * and environment (the caller's `cocin run ...`, the caller's
 * environment) are overwritten: /proc/1/cmdline reads "cocin-init".  A
 * container given CAP_SYS_PTRACE could do all that: run refuses --init
 * with it (spec.c).  Signals are blocked from before the init marks itself
 * ready (pid1_block), so none sent meanwhile is lost. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "internal.h"

/* /proc/self/stat's arg_start, arg_end, env_start, env_end (fields 48 to
 * 51): the memory the kernel reads /proc/PID/cmdline and environ from */
static void wipe_cmdline(void)
{
  cleanup_free char *stat = NULL;
  size_t n = 0;
  if (read_all_file("/proc/self/stat", &stat, &n, NULL) < 0)
    return;
  const char *p = strrchr(stat, ')'); /* past the command's name, which may hold anything */
  unsigned long v[4];
  int field = 2; /* p is at the end of field 2 */
  for (; p && *p && field < 48; p++)
    if (*p == ' ')
      field++;
  if (p == NULL || sscanf(p, "%lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) != 4)
    return;
  if (v[1] > v[0]) { /* (the name cut short if the space is) */
    size_t len = v[1] - v[0], name = sizeof("cocin-init") - 1;
    memset((void *)v[0], 0, len);
    memcpy((void *)v[0], "cocin-init", len - 1 < name ? len - 1 : name);
  }
  if (v[3] > v[2])
    memset((void *)v[2], 0, v[3] - v[2]);
}

void pid1_block(sigset_t *old)
{
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, old);
}

void pid1_run(char **args, char **env, int errfd, const sigset_t *old)
{
  cocin_error_t err = NULL;
  sigset_t all;
  sigfillset(&all);
  /* before the command exists: its exec makes it dumpable and named again */
  prctl(PR_SET_NAME, "cocin-init", 0, 0, 0);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  wipe_cmdline(); /* (args and env are copies of cocin's, not in that memory) */
  pid_t child = fork();
  if (child < 0) {
    cocin_fail_errno(&err, "--init: fork the command");
    child_fail(errfd, 126, &err);
  }
  if (child == 0) {
    /* its own process group, in the terminal's foreground (SIGTTOU is
     * blocked still, so the change is allowed from the background) */
    setpgid(0, 0);
    if (isatty(STDIN_FILENO))
      (void)tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, old, NULL);
    exec_command(args, env, &err);
    child_fail(errfd, cocin_error_status(&err) == ENOENT ? 127 : 126, &err);
  }
  /* the command's exec closes its copy: the monitor reads the end of the
   * pipe then, or the command's error on it */
  close(errfd);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0)
      continue;
    if (sig != SIGCHLD) {
      /* to the command's group (a shell's children too, as a terminal
       * would send it), or the command alone if it left that group (KILL
       * and STOP never come here: the kernel keeps them from a namespace's
       * PID 1 unless sent from outside, and then they are its own) */
      if (kill(-child, sig) < 0)
        kill(child, sig);
      continue;
    }
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0)
      if (p == child)
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
}
