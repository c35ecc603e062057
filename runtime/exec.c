/* cocin — exec: run a command inside a running container.
 *
 *   caller ──fork──> joiner: non-dumpable, cgroup, setns(pidfd, all)
 *                      └──fork──> command (now in the pid namespace):
 *                                 workdir, user, caps, seccomp, execvp
 *
 * The joiner waits for the command and exits with its status, so the
 * caller's waitpid() sees the command's exit code.  No thread of the
 * caller ever calls setns().  setns failures are reported, never ignored
 * (the seed ran the command on the host when setns failed). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/security.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

static int exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* the first byte of an exec -d's error when the command could not be
 * executed (the rest is child_fail's) */
#define COMMAND_FAILED "X"

struct exec_ctx {
  const char *name;
  const struct cocin_exec_opts *o;
  struct cocin_spec spec;
  struct cocin_cgroup *cg;
  char **env;
  int pidfd;
  int errfd;
  int stdio[3];
};

/* The joiner passes the signals its caller passes on to it (cocin exec's
 * INT, TERM, HUP; QUIT too) to the command, which has a session of its
 * own: the caller's terminal cannot signal it.  To its process group, as
 * a terminal's Ctrl-C reached it before (`sh -c 'sleep 9; ...'`: the
 * sleep too); to the command alone before its setsid made the group. */
static const int passed_on[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static volatile pid_t pass_to = -1;

static void pass_on(int sig)
{
  int saved = errno;
  if (pass_to > 0 && kill(-pass_to, sig) < 0)
    kill(pass_to, sig);
  errno = saved;
}

/* Until the command ends: if the caller dies first, or lets go (the
 * lifeline's write end closes), kill the command and everything it
 * started (found in proc, our namespace's /proc: we see the pids as fork
 * gave them).  It is unreaped meanwhile: its pid is no other's. */
static void watch_lifeline(int lifeline, int proc, pid_t pid)
{
  cleanup_close int pfd = sys_pidfd_open(pid);
  for (;;) {
    struct pollfd p[2] = {{.fd = lifeline, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
    /* (without a pidfd, out of fds, its end is looked for every 100 ms) */
    int n = poll(p, 2, pfd < 0 ? 100 : -1);
    if (n < 0 && errno == EINTR)
      continue;
    siginfo_t si = {.si_pid = 0};
    if (n < 0 || (p[1].revents & POLLIN) ||
        (pfd < 0 && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         si.si_pid == pid))
      return; /* it ended: reaped by the caller of this */
    if (p[0].revents) {
      cocin_kill_tree(proc, pid);
      kill(-pid, SIGKILL); /* and what left the tree (its process group) */
      return;
    }
  }
}

/* A step that failed because the container stopped meanwhile says that,
 * not what broke.  gone: the error itself says so (setns ESRCH: the init
 * has left its namespaces; fork ENOMEM in its pid namespace: that has no
 * init), else the init's pidfd tells (readable only once every process of
 * the container is reaped, so it may come late). */
static void stopped_meanwhile(const struct exec_ctx *x, bool gone, cocin_error_t *err)
{
  struct pollfd p = {.fd = x->pidfd, .events = POLLIN};
  if (gone || poll(&p, 1, 0) == 1) {
    cocin_error_release(err);
    cocin_fail(err, ESRCH, "container %s is not running", x->name);
  }
}

__attribute__((noreturn)) static void joiner(struct exec_ctx *x)
{
  cocin_error_t err = NULL;
  const struct cocin_exec_opts *o = x->o;

  /* Nothing in the container may open our /proc/PID/exe (CVE-2019-5736). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* held until the command's pid is known (pass_on); a process group of
   * our own: a terminal's Ctrl-C reaches our caller only, which passes it
   * on to us (once, not also from the terminal) */
  sigset_t held;
  sigemptyset(&held);
  for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
    sigaddset(&held, passed_on[i]);
  sigprocmask(SIG_BLOCK, &held, NULL);
  (void)setpgid(0, 0);
  signal(SIGCHLD, SIG_DFL); /* (one ignored would lose the command's status) */
  if (o->detach) {
    /* exec -d: the caller reaps this process at once; its child, in a
     * session of its own (the caller's terminal signals are not its), goes
     * on as the joiner and is reaped by whoever adopts orphans */
    pid_t p = fork();
    if (p < 0) {
      cocin_fail_errno(&err, "exec: fork");
      child_fail(x->errfd, 1, &err);
    }
    if (p > 0)
      _exit(0);
    (void)setsid();
  }
  for (int i = 0; i < 3; i++)
    if (x->stdio[i] != i && dup2(x->stdio[i], i) < 0) {
      cocin_fail_errno(&err, "exec: set up stdio");
      child_fail(x->errfd, 1, &err);
    }
  /* our /proc, before the container's mount namespace hides it */
  int proc = o->lifeline >= 0 ? open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  int keep[] = {x->errfd, x->pidfd, o->tty ? o->console_sock : -1, o->lifeline, proc};
  close_fds_except(3, keep, 5);
  if (x->cg && cocin_cgroup_enter(x->cg, 0, &err) < 0) {
    cocin_error_wrap(&err, "exec: join the cgroup");
    stopped_meanwhile(x, false, &err);
    child_fail(x->errfd, 1, &err);
  }
  int nsflags = CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS |
                CLONE_NEWCGROUP;
  if (setns(x->pidfd, nsflags) < 0) {
    bool gone = errno == ESRCH;
    cocin_fail_errno(&err, "exec: join the container's namespaces");
    stopped_meanwhile(x, gone, &err);
    child_fail(x->errfd, 1, &err);
  }
  pid_t pid = fork();
  if (pid < 0) { /* ENOMEM: the pid namespace lost its init */
    bool gone = errno == ENOMEM;
    cocin_fail_errno(&err, "exec: fork");
    stopped_meanwhile(x, gone, &err);
    child_fail(x->errfd, 1, &err);
  }
  close(x->pidfd);
  if (pid == 0) {
    /* killing the pid the caller holds (the joiner) ends the command too;
     * a joiner dead already made the container's init our parent (the
     * joiner, outside our pid namespace, reads as 0) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
      cocin_fail_errno(&err, "exec: parent death signal");
      child_fail(x->errfd, 1, &err);
    }
    if (getppid() != 0)
      _exit(137);
    /* A session of its own, as runc gives an exec'd process: the caller's
     * terminal is not its controlling one (through /dev/tty it could read
     * the user's keys, or push some with TIOCSTI into the shell the user
     * returns to).  A process group of its own too: with a lifeline, what
     * it starts goes with it (kill(-pid)). */
    (void)setsid();
    cocin_reset_signals();
    umask(022); /* the container's, as its init has it */
    if (o->tty && o->console_sock >= 0) {
      /* a pty of the container's own /dev/pts, master sent to the caller */
      if (console_setup(o->console_sock, &o->ws, &err) < 0)
        child_fail(x->errfd, 1, &err);
      close(o->console_sock);
    }
    const char *wd = o->workdir ? o->workdir : (x->spec.workdir ? x->spec.workdir : "/");
    if (chdir(wd) < 0) {
      cocin_fail_errno(&err, "exec: chdir %s", wd);
      child_fail(x->errfd, 1, &err);
    }
    /* the container's --ulimit, as docker gives exec'd processes */
    if (cocin_ulimits_apply(&x->spec, &err) < 0 ||
        cocin_user_enter(x->spec.user, x->spec.group_add, &x->env, x->spec.env, o->env,
                         &err) < 0) {
      cocin_error_wrap(&err, "exec");
      child_fail(x->errfd, 1, &err);
    }
    if (cocin_security_apply(&x->spec.security, true, &err) < 0)
      child_fail(x->errfd, 1, &err);
    /* exec -d: the pipe stays open until the execve (close-on-exec), to
     * carry its failure back marked as the command's own */
    if (!o->detach)
      close(x->errfd);
    exec_command(o->args, x->env, &err);
    /* not found / not executable: the command's exit status says it */
    int code = cocin_error_status(&err) == ENOENT ? 127 : 126;
    if (o->detach) {
      (void)!write(x->errfd, COMMAND_FAILED, 1);
      child_fail(x->errfd, code, &err);
    }
    dprintf(2, "cocin: %s\n", cocin_error_msg(&err));
    _exit(code);
  }
  close(x->errfd);
  pass_to = pid;
  struct sigaction sa = {.sa_handler = pass_on, .sa_flags = SA_RESTART};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof(passed_on) / sizeof(passed_on[0]); i++)
    sigaction(passed_on[i], &sa, NULL);
  sigprocmask(SIG_UNBLOCK, &held, NULL);
  if (o->lifeline >= 0)
    watch_lifeline(o->lifeline, proc, pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  _exit(exit_code_of(status));
}

static int exec_begin(const char *root, const char *name, const struct cocin_exec_opts *o,
                      const int stdio[3], pid_t *pid_out, bool *command_failed,
                      cocin_error_t *err)
{
  cJSON *cfg = NULL;
  if (o->args == NULL || o->args[0] == NULL || o->args[0][0] == '\0')
    return cocin_fail(err, EINVAL, "exec: no command given");
  cleanup_free char *now = cocin_state_follow(root, name, o->id); /* renamed since */
  name = now;
  if (cocin_state_load(root, name, &cfg, err) < 0)
    return -1;
  struct exec_ctx x = {.name = name, .o = o, .pidfd = -1, .errfd = -1};
  const char *st = cj_str(cfg, "status");
  int r = -1;
  if (cocin_state_check_id(cfg, o->id, NULL) < 0) { /* the name was taken again */
    cocin_fail(err, ENOENT, "no such container: %s", name);
    goto out;
  }
  if (st == NULL || strcmp(st, "running")) {
    cocin_fail(err, ESRCH, "container %s is not running (status: %s)", name,
               st ? st : "unknown");
    goto out;
  }
  if (cj_bool(cfg, "paused")) { /* docker's: it would hang, frozen */
    cocin_fail(err, EBUSY, "container %s is paused: unpause it first", name);
    goto out;
  }
  x.pidfd = pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                               (uint64_t)cj_int(cfg, "pidStartTime", 0));
  if (x.pidfd < 0) {
    cocin_fail(err, ESRCH, "container %s is not running", name);
    goto out;
  }
  if (cocin_spec_from_json(cfg, &x.spec, err) < 0)
    goto out;
  const cJSON *cgj = cJSON_GetObjectItemCaseSensitive(cfg, "cgroup");
  if (cgj && !cJSON_IsNull(cgj) && cocin_cgroup_from_json(cgj, &x.cg, err) < 0)
    goto out;
  if (o->user) { /* exec -u: this command's user (and HOME) */
    free(x.spec.user);
    x.spec.user = xstrdup(o->user);
  }
  x.env = cocin_spec_build_env(&x.spec, o->env, o->tty);
  {
    cleanup_free char *cache = xasprintf("%s/cache", root);
    if (cocin_security_prepare(&x.spec.security, cache, err) < 0)
      goto out;
  }
  for (int i = 0; i < 3; i++)
    x.stdio[i] = stdio ? stdio[i] : i;

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) {
    cocin_fail_errno(err, "exec: pipe");
    goto out;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    cocin_fail_errno(err, "exec: fork");
    goto out;
  }
  if (pid == 0) {
    close(pipefd[0]);
    x.errfd = pipefd[1];
    joiner(&x);
  }
  close(pipefd[1]);
  char mark = 0;
  ssize_t n;
  while ((n = read(pipefd[0], &mark, 1)) < 0 && errno == EINTR)
    ;
  /* End of file with nothing said: the command's execve is done (exec -d)
   * or about to be.  A command killed before its execve (its container
   * ending at that moment) also says nothing: it counts as started, and
   * ended at once, as it would have a moment later. */
  *command_failed = n == 1 && mark == COMMAND_FAILED[0];
  if (*command_failed) {
    r = read_child_error(pipefd[0], err);
    if (r == 0) /* the mark, and then nothing */
      r = cocin_fail(err, EIO, "exec: the command could not be executed");
  } else {
    r = n == 1 ? read_child_error_after(pipefd[0], &mark, 1, err) : 0;
  }
  close(pipefd[0]);
  if (r < 0 || o->detach) { /* exec -d: the first child ends at once */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    goto out;
  }
  *pid_out = pid;
  r = 0;
out:
  if (x.pidfd >= 0)
    close(x.pidfd);
  strv_free(x.env);
  cocin_cgroup_free(x.cg);
  cocin_spec_free(&x.spec);
  cJSON_Delete(cfg);
  return r;
}

int cocin_exec_start(const char *root, const char *name, const struct cocin_exec_opts *o,
                     const int stdio[3], pid_t *pid_out, cocin_error_t *err)
{
  bool command_failed = false;
  if (o->detach)
    return cocin_fail(err, EINVAL, "exec: -d: use cocin_exec_detached");
  return exec_begin(root, name, o, stdio, pid_out, &command_failed, err);
}

int cocin_exec_detached(const char *root, const char *name, const struct cocin_exec_opts *o,
                        int *code, cocin_error_t *err)
{
  *code = 125;
  if (!o->detach || o->tty || o->lifeline >= 0)
    return cocin_fail(err, EINVAL, "exec -d: no terminal or lifeline");
  cleanup_close int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0)
    return cocin_fail_errno(err, "exec: open /dev/null");
  int stdio[3] = {null_fd, null_fd, null_fd};
  bool command_failed = false;
  pid_t pid;
  if (exec_begin(root, name, o, stdio, &pid, &command_failed, err) < 0) {
    if (command_failed)
      *code = cocin_error_status(err) == ENOENT ? 127 : 126;
    return -1;
  }
  *code = 0;
  return 0;
}
