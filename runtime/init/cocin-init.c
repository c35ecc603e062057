/* cocin-init — PID 1 of a container run with --init, as docker's --init
 * puts tini there.
 *
 * A command that is PID 1 of its namespace gets no signal it has no
 * handler for (a shell ignores stop's SIGTERM, and waits out the timeout
 * for the SIGKILL), and nobody reaps the orphans it leaves (zombies pile
 * up).  With --init the container's init, once every step of its set-up
 * is done (root, cgroup, user, capabilities, seccomp), execs this program
 * instead of the command; it forks the command, which starts as it would,
 * only as PID 2, and stays behind to:
 * - pass every signal on to the command (to the command's own process
 *   group, made the terminal's foreground group with -t, so that Ctrl-C
 *   reaches it once, from the terminal);
 * - reap whatever ends, and exit as the command did (its exit status, or
 *   128 + the signal that ended it, as tini does).
 *
 * It is a program of its own, linked statically (it runs in the
 * container's root, where none of the host's libraries are; with musl
 * when the build has it: 40 KB, not glibc's 700), and built into cocin:
 * the init writes it to a sealed memfd and execs that (pid1.c).  So nothing of cocin's memory is in the container's PID 1,
 * nothing is mounted for it, and /proc/1/exe is a copy no one can write:
 * a container that may ptrace (CAP_SYS_PTRACE, --privileged) sees only
 * this program.
 *
 * Usage, as the init runs it:  cocin-init ERRFD -- COMMAND [ARG...]
 * ERRFD (3 or above) is the init's error pipe: a command that cannot be exec'd is said
 * there as the init says its own errors ("ERRNO\nMESSAGE", exit code 127
 * when it is not found, 126 otherwise), and the caller reports it as it
 * does without --init.  Signals arrive blocked (the init blocked them
 * before it marked itself ready, so none sent since is lost); the command
 * starts with none blocked. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* the init's error protocol (container.c's child_fail): "ERRNO\nMESSAGE" */
static void fail(int errfd, int code, int err, const char *msg)
{
  char buf[4200];
  int n = snprintf(buf, sizeof(buf), "%d\n%s", err, msg);
  if (n > 0)
    (void)!write(errfd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
  _exit(code);
}

int main(int argc, char **argv)
{
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &all, NULL); /* (blocked already when the init runs us) */
  signal(SIGCHLD, SIG_DFL);             /* ignored, the kernel would reap for us */
  /* exec'd from a memfd, the name would be the fd's number */
  prctl(PR_SET_NAME, "cocin-init", 0, 0, 0);
  char *end = NULL;
  long errfd = argc > 3 ? strtol(argv[1], &end, 10) : -1;
  if (argc < 4 || end == argv[1] || *end || errfd < 3 || errfd > 65535 ||
      strcmp(argv[2], "--") != 0 || fcntl((int)errfd, F_SETFD, FD_CLOEXEC) < 0) {
    fprintf(stderr, "usage: cocin-init ERRFD -- COMMAND [ARG...] (cocin run --init runs it)\n");
    return 125;
  }
  char **cmd = argv + 3;
  char msg[4096];
  pid_t child = fork();
  if (child < 0) {
    int e = errno;
    snprintf(msg, sizeof(msg), "--init: fork the command: %s", strerror(e));
    fail((int)errfd, 126, e, msg);
  }
  if (child == 0) {
    /* its own process group, in the terminal's foreground (SIGTTOU is
     * blocked still, so the change is allowed from the background) */
    setpgid(0, 0);
    if (isatty(STDIN_FILENO))
      (void)tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(cmd[0], cmd); /* PATH from the environment we were given */
    int e = errno;
    if (e == ENOENT)
      snprintf(msg, sizeof(msg), "exec \"%s\": executable file not found in $PATH", cmd[0]);
    else
      snprintf(msg, sizeof(msg), "exec \"%s\": %s", cmd[0], strerror(e));
    fail((int)errfd, e == ENOENT ? 127 : 126, e, msg);
  }
  /* the command's exec closes its copy: the monitor reads the end of the
   * pipe then, or the command's error on it */
  close((int)errfd);
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
