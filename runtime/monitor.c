/* cocin — the container's monitor: clones the init, records the container
 * (created, running, its exit), makes its cgroup while the init builds
 * its root, copies a foreground or -dt container's output, answers the
 * caller, and removes a --rm container at its end.  run.c forks it.
 *
 *   caller ──fork──> (intermediate, setsid) ──fork──> monitor ──clone──> init
 *
 * The monitor tells the caller over the `status` pipe: "OK <pid>\n" once
 * execve happened, or "ERR <errno>\n<msg>" (then it has removed
 * everything); in the foreground also "EXIT <code>\n". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/security.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"


#define STACK_SIZE (256 * 1024)

struct started {
  const char *id;
  pid_t pid, monitor;
  bool health; /* --health-cmd: its health "starting" again */
};


static int record_started(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct started *st = data;
  if (cocin_state_check_id(cfg, st->id, err) < 0)
    return -1;
  cleanup_free char *now = cocin_time_now();
  cj_set_num(cfg, "pid", st->pid);
  cj_set_num(cfg, "pidStartTime", (double)proc_start_time(st->pid));
  cj_set_num(cfg, "monitorPid", st->monitor);
  cj_set_num(cfg, "monitorStartTime", (double)proc_start_time(st->monitor));
  cj_set_str(cfg, "startedAt", now);
  cj_set_str(cfg, "status", "running");
  health_reset(cfg, st->health);
  return 0;
}

struct made_cgroup {
  const char *id;
  const struct cocin_cgroup *cg;
};

/* The monitor made the cgroup: recorded before the init may exec, so
 * whoever removes the container (or the caller, if the monitor dies)
 * finds it. */
static int record_cgroup(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct made_cgroup *m = data;
  if (cocin_state_check_id(cfg, m->id, err) < 0)
    return -1;
  cj_set_item(cfg, "cgroup", cocin_cgroup_to_json(m->cg));
  return 0;
}

struct finished {
  const char *id;
  int code;
  bool oom;
  pid_t pid;
  int restart_ms; /* out: --restart runs it again after this long; -1: not */
};

/* --restart: whether the policy runs a container that ended so again,
 * and after how long (docker's back-off: 100 ms, twice the last wait
 * after a run shorter than 10 s, at most a minute); -1 if not: no
 * policy, on-failure with code 0 or its retries used up, or an end that
 * stop, kill or rm asked for. */
static int restart_delay(const cJSON *cfg, int code)
{
  int policy, max;
  if (cocin_spec_restart(cfg, &policy, &max) < 0 ||
      !cocin_restart_applies(policy, max, code, cj_int(cfg, "restartCount", 0)) ||
      cj_bool(cfg, "stopRequested") || cj_bool(cfg, "noRestart") ||
      cj_bool(cfg, "removeRequested"))
    return -1;
  int64_t started = cocin_time_parse(cj_str(cfg, "startedAt"));
  int64_t last = cj_int(cfg, "restartDelay", 0);
  if (started < 0 || time(NULL) - started >= 10 || last <= 0)
    return 100;
  return last >= 30000 ? 60000 : (int)last * 2;
}

static int record_finished(cJSON *cfg, void *data, cocin_error_t *err)
{
  struct finished *f = data;
  if (cocin_state_check_id(cfg, f->id, err) < 0)
    return -1;
  cleanup_free char *now = cocin_time_now();
  if (!cj_str(cfg, "startedAt")) { /* it ended before "running" was written */
    cj_set_str(cfg, "startedAt", now);
    cj_set_num(cfg, "pid", f->pid);
  }
  cj_set_str(cfg, "status", cj_bool(cfg, "stopRequested") ? "stopped" : "exited");
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "paused");
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "pauseHeld");
  cj_set_num(cfg, "exitCode", f->code);
  cj_set_bool(cfg, "oomKilled", f->oom);
  cj_set_str(cfg, "finishedAt", now);
  f->restart_ms = restart_delay(cfg, f->code);
  if (f->restart_ms >= 0) {
    cj_set_bool(cfg, "restarting", true);
    cj_set_num(cfg, "restartDelay", f->restart_ms);
  }
  return 0;
}

/* --restart: the restarter records itself, if the restart is still
 * wanted (a stop, a start or an rm meanwhile took it back) */
struct restarter {
  const char *id;
  pid_t pid, monitor; /* the monitor that decided the restart */
};

static int record_restarter(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct restarter *r = data;
  if (cocin_state_check_id(cfg, r->id, err) < 0)
    return -1;
  if (!cj_bool(cfg, "restarting") || cj_int(cfg, "monitorPid", 0) != r->monitor ||
      cJSON_GetObjectItemCaseSensitive(cfg, "restarterPid"))
    return cocin_fail(err, ECANCELED, "the restart was taken back");
  cj_set_num(cfg, "restarterPid", r->pid);
  cj_set_num(cfg, "restarterStartTime", (double)proc_start_time(r->pid));
  return 0;
}

/* --restart: a start that failed (its image removed meanwhile, its -p
 * port taken) is said in the container's log, and no restart is pending
 * any more (one that failed after its claim is recorded as an exit with
 * run's code by its monitor already) */
static int clear_restart(cJSON *cfg, void *data, cocin_error_t *err)
{
  if (cocin_state_check_id(cfg, data, err) < 0)
    return -1;
  if (cj_int(cfg, "restarterPid", 0) == getpid()) {
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restarting");
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restarterPid");
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restarterStartTime");
  }
  return 0;
}

static void restart_failed(const char *root, const char *name, const char *id,
                           cocin_error_t *err)
{
  cleanup_free char *log = cocin_container_file(root, name, "container.log");
  cleanup_close int fd = open(log, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0)
    dprintf(fd, "cocin: --restart: %s\n", cocin_error_msg(err));
  (void)cocin_state_update_volatile(root, name, clear_restart, (void *)id, NULL);
}

/* --restart: still pending, and still ours to make (*name: where the
 * container is now, a rename followed) */
static bool restart_wanted(const char *root, char **name, const char *id)
{
  char *now = cocin_state_follow(root, *name, id);
  free(*name);
  *name = now;
  cJSON *cfg = NULL;
  if (cocin_state_load(root, *name, &cfg, NULL) < 0)
    return false;
  bool yes = cocin_state_check_id(cfg, id, NULL) == 0 && cj_bool(cfg, "restarting") &&
             cj_int(cfg, "restarterPid", 0) == getpid();
  cJSON_Delete(cfg);
  return yes;
}

/* --restart: a process of its own waits out the back-off, then starts the
 * container again as `cocin start` does, if it still should (start.c's
 * claim checks, under the container's lock).  Forked once this monitor
 * has let go of the container's mounts and network; the new start waits
 * for this monitor to be gone before it mounts the same layers. */
static void restart_later(const char *root, const char *given, const char *id, int delay_ms)
{
  pid_t monitor = getpid();
  if (fork() != 0)
    return; /* (no fork: no restart; ps shows it exited, no restarter living) */
  close_fds_except(3, NULL, 0);
  prctl(PR_SET_NAME, "cocin-restart", 0, 0, 0);
  /* the monitor's housekeeping priority is not the container's */
  struct sched_param sp = {0};
  (void)sched_setscheduler(0, SCHED_OTHER, &sp);
  char *name = cocin_state_follow(root, given, id); /* (renamed since) */
  struct restarter r = {id, getpid(), monitor};
  if (cocin_state_update_volatile(root, name, record_restarter, &r, NULL) < 0)
    _exit(0);
  /* a look at the record every 100 ms: a stop or an rm meanwhile ends
   * the wait at once, not after up to a minute */
  for (int left = delay_ms; left > 0; left -= 100) {
    int step = left < 100 ? left : 100;
    struct timespec ts = {0, step * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
      ;
    if (!restart_wanted(root, &name, id))
      _exit(0);
  }
  cocin_error_t err = NULL;
  if (start_auto(root, name, id, &err) < 0 && cocin_error_status(&err) != ECANCELED &&
      cocin_error_status(&err) != ENOENT)
    restart_failed(root, name, id, &err);
  cocin_error_release(&err);
  free(name);
  _exit(0);
}

static int exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 255;
}

/* -dt: what the container's terminal prints, to its log, until no slave
 * is left (EIO).  Lent meanwhile to `cocin attach` (console.c), one at a
 * time, on listener (-1: none): while lent the attacher reads the master
 * and logs, and we watch its socket (closed: the terminal is ours again)
 * and the init (pidfd: ended while lent, the attacher drains what is
 * left).  Returns the attacher's socket then, -1 if none. */
/* A connection on the attach listener, from our own user: its fd, or -1
 * (none, or refused: answered 'P').  *resting: out of fds or memory, the
 * listener waits 100 ms; it is closed (-1) on another error. */
static int accept_attacher(int *listener, bool *resting)
{
  int c = accept4(*listener, NULL, NULL, SOCK_CLOEXEC);
  struct ucred who;
  socklen_t len = sizeof(who);
  if (c < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
    *resting = true; /* (a while, rather than a spin) */
  } else if (c < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
    close(*listener); /* (no attach from now on) */
    *listener = -1;
  } else if (c >= 0 && (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &who, &len) < 0 ||
                        who.uid != geteuid())) {
    (void)fds_send(c, 'P', NULL, 0, "refusal", NULL);
    close(c);
    c = -1;
  }
  return c;
}

static int pump_pty(int master, int log_fd, int *listener, int pidfd)
{
  char buf[16384];
  int lent = -1;
  bool resting = false; /* out of fds or memory: the listener waits 100 ms */
  for (;;) {
    struct pollfd p[4] = {{lent < 0 ? master : -1, POLLIN, 0},
                          {resting ? -1 : *listener, POLLIN, 0},
                          {lent, POLLIN, 0},
                          {lent >= 0 ? pidfd : -1, POLLIN, 0}};
    int r = poll(p, 4, resting ? 100 : -1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return lent;
    }
    resting = false;
    if (p[0].revents) {
      ssize_t n = read(master, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return lent; /* EIO: no slave left */
      (void)write_all(log_fd, buf, (size_t)n);
    }
    int c = p[1].revents ? accept_attacher(listener, &resting) : -1;
    if (c >= 0) {
      if (lent >= 0) {
        (void)fds_send(c, 'B', NULL, 0, "busy", NULL);
        close(c);
      } else {
        int fds[2] = {master, log_fd};
        if (fds_send(c, 'T', fds, 2, "the terminal", NULL) == 0)
          lent = c;
        else
          close(c);
      }
    }
    if (lent >= 0 && p[2].revents) { /* detached, or gone */
      close(lent);
      lent = -1;
      continue;
    }
    if (lent >= 0 && p[3].revents)
      return lent;
  }
}

/* -di: the container's stdin (in, the write end of its pipe) lent to
 * each `cocin attach` that asks on listener, a copy to each (attachers
 * write into it side by side, as docker's share a stdin, and none of them
 * closes it for the container), until the init ends (pidfd).  once
 * (docker's StdinOnce: made with -i, without -d): given, closed, to the
 * first that asks, whose input's end is the container's; returns then. */
static void lend_input(int in, int *listener, int pidfd, bool once)
{
  bool resting = false;
  for (;;) {
    struct pollfd p[2] = {{resting ? -1 : *listener, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int r = poll(p, 2, resting ? 100 : -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 || p[1].revents || *listener < 0)
      return;
    resting = false;
    int c = p[0].revents ? accept_attacher(listener, &resting) : -1;
    if (c >= 0) {
      bool sent = fds_send(c, 'I', &in, 1, "the container's input", NULL) == 0;
      close(c);
      if (sent && once) {
        close(in);
        return;
      }
    }
  }
}

/* attach.sock in the container's directory (dir, an fd of it: a rename
 * while it runs moves it, and another container may take its name): the
 * listener, or -1 (the container runs on, unattachable) */
static int attach_open(int dir)
{
  cocin_error_t aerr = NULL;
  int l = dir >= 0 ? attach_listen(dir, &aerr) : -1;
  cocin_error_release(&aerr);
  return l;
}

/* The answer to a detach ('D'): "DETACHED", or "NODETACH why" and the
 * caller keeps the terminal */
static void answer_detach(int sock, const char *why)
{
  char line[160];
  int n = why ? snprintf(line, sizeof(line), "NODETACH %s\n", why)
              : snprintf(line, sizeof(line), "DETACHED\n");
  (void)write_all(sock, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* run -it: its caller relays the terminal until the container ends
 * (pidfd) or its user detaches, when the caller hands us the pty's
 * master on sock ('D'): returned then, its log in *log_fd (opened in
 * dir, the container's directory, if it had none: --rm's) and
 * attach.sock listening in *listener, the caller answered.  -1 when the
 * container ended, or the caller went without it (the terminal closes
 * with it). */
static int take_terminal(int sock, int pidfd, int dir, int *log_fd, int *listener)
{
  for (;;) {
    struct pollfd p[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (p[1].revents && !p[0].revents)
      return -1; /* (the socket first: a detach just before the end is not lost) */
    char byte = 0;
    if (recv(sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
      return -1; /* the caller has gone */
    int fd = -1;
    size_t n = 1;
    if (fds_recv(sock, &byte, &fd, &n, "the terminal", NULL) < 0 || byte != 'D' || n != 1) {
      if (n == 1)
        close(fd);
      answer_detach(sock, "the monitor did not receive the terminal");
      continue;
    }
    if (*log_fd < 0)
      *log_fd = openat(dir, "container.log",
                       O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (*log_fd >= 0 && *listener < 0)
      *listener = attach_open(dir);
    if (*log_fd < 0 || *listener < 0) { /* (detached, it could never be attached again) */
      close(fd);
      answer_detach(sock, *log_fd < 0 ? "its log cannot be opened" : "attach.sock cannot listen");
      continue;
    }
    answer_detach(sock, NULL);
    return fd;
  }
}

/* All of buf to the caller's fd, which may be non-blocking (EAGAIN:
 * wait until it takes more). */
static int write_caller(int fd, const char *buf, size_t n)
{
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, buf + done, n - done);
    if (w < 0 && errno == EAGAIN) {
      struct pollfd p = {fd, POLLOUT, 0};
      (void)poll(&p, 1, -1);
      continue;
    }
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    done += (size_t)w;
  }
  return 0;
}

/* The caller has gone: its end of the status pipe (caller) closed,
 * waited for a moment (the output's pipe may close first as it exits) */
static bool caller_gone(int caller)
{
  if (caller < 0)
    return false;
  struct pollfd p = {caller, 0, 0};
  int r;
  while ((r = poll(&p, 1, 200)) < 0 && errno == EINTR)
    ;
  return r == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* A kept container in the foreground: its output to the caller and to
 * its log (docker logs it too) until every writer is gone (its pid
 * namespace with its init).  A caller that stops reading (EPIPE: `| head`)
 * gets no more, and the container's own pipe closes, so that it meets
 * EPIPE as it would have writing to the caller; with keep (--sig-proxy=
 * false) and the caller itself gone (ended by a signal it did not pass
 * on) it is logged on instead. */
static void tee_output(int from[3], int to[3], int log_fd, bool keep, int caller)
{
  bool gone = false; /* (keep: the caller is) */
  char buf[16384];
  for (;;) {
    struct pollfd p[2] = {{from[1], POLLIN, 0}, {from[2], POLLIN, 0}};
    if (from[1] < 0 && from[2] < 0)
      return;
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    for (int i = 1; i <= 2; i++) {
      if (from[i] < 0 || p[i - 1].revents == 0)
        continue;
      ssize_t n = read(from[i], buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n > 0) {
        (void)write_all(log_fd, buf, (size_t)n);
        if (to[i] < 0 || write_caller(to[i], buf, (size_t)n) == 0)
          continue;
      }
      /* its end, or the caller's (EPIPE or another error): done with both,
       * so that the caller sees its end now, not when this monitor exits
       * (keep: the caller's alone, unless it is the container's end) */
      if (to[i] >= 0)
        close(to[i]);
      to[i] = -1;
      if (n > 0 && keep && (gone || (gone = caller_gone(caller))))
        continue;
      close(from[i]);
      from[i] = -1;
    }
  }
}

/* Still the container this monitor runs (not removed or being removed,
 * the name not taken again)? */
static bool still_ours(const char *root, const char *name, const char *id)
{
  cJSON *cfg = NULL;
  bool ours = cocin_state_load(root, name, &cfg, NULL) == 0 && cocin_state_check_id(cfg, id, NULL) == 0 &&
              !cj_bool(cfg, "removeRequested");
  cJSON_Delete(cfg);
  return ours;
}

/* A start that failed because the container was removed meanwhile (its
 * directory gone from under the mounts) says so, not what broke. */
static void removed_while_starting(const char *root, const char *name, const char *id,
                                   cocin_error_t *err)
{
  if (still_ours(root, name, id))
    return;
  cocin_error_release(err);
  cocin_fail(err, ENOENT, "container %s was removed while it started", name);
}

/* The init's namespace of that kind ("mnt", "net"), opened to hold it. */
static int open_ns(pid_t pid, const char *kind)
{
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/%s", (int)pid, kind);
  return open(nspath, O_RDONLY | O_CLOEXEC);
}

static int write_initial_state(const char *root, const struct cocin_spec *spec, const char *id,
                               pid_t init, const char *device_policy,
                               const struct cocin_cgroup *cg_plan, cocin_error_t *err)
{
  cJSON *cfg = cocin_spec_to_json(spec);
  cleanup_free char *now = cocin_time_now();
  cj_set_str(cfg, "id", id);
  /* the init, known from the start: should this monitor die before it
   * records it running, a later look finds it running all the same */
  cj_set_num(cfg, "pid", init);
  cj_set_num(cfg, "pidStartTime", (double)proc_start_time(init));
  cj_set_str(cfg, "createTime", now);
  cj_set_str(cfg, "status", "created");
  /* the monitor, which writes this record: a "created" container whose
   * creator is gone never started (state.c) */
  cj_set_num(cfg, "creatorPid", getpid());
  cj_set_num(cfg, "creatorStartTime", (double)proc_start_time(getpid()));
  /* The cgroup this monitor makes next (recorded again only if it makes
   * another): known before it exists, whenever the run is cut short. */
  cj_set_item(cfg, "cgroup", cocin_cgroup_to_json(cg_plan));
  cj_set_str(cfg, "devicePolicy", device_policy);
  /* Not fsync'ed: until the container runs, a crash loses nothing real. */
  int r = cocin_state_save_flags(root, spec->name, cfg, false, err);
  cJSON_Delete(cfg);
  return r;
}

/* Remove a container that failed to start: by its record (which checks
 * the id), or, before the monitor wrote one, its directory: nobody else
 * can have removed it then (without a record, rm finds no container), so
 * the directory at the name is still the one run reserved. */
static void remove_failed(const char *root, const char *name, const char *id,
                          const struct cocin_cgroup *cg, bool recorded)
{
  if (recorded || cg) {
    container_remove(root, name, id, cg, false, false, NULL); /* (run undoes its volumes) */
    return;
  }
  cleanup_free char *dir = cocin_container_dir(root, name);
  rm_rf(dir, NULL);
}

/* -p's listening sockets, ours until the relay has them (once) */
static void close_ports(struct monitor_args *m)
{
  if (m->ports)
    proxy_listeners_close(m->ports);
}

/* Our children besides the init: the relay (-p) and the health checker;
 * -1 once reaped (by reap_init), so that no signal goes to a pid reused */
static pid_t relay_pid = -1, checker_pid = -1;

/* Wait for the init (killed first if kill_it), reaping any other child
 * meanwhile: we are a subreaper, and a health probe whose exec helper died
 * first (its checker ended) comes to us, from inside the container's pid
 * namespace, which cannot end (nor its init be reaped) while it is an
 * unreaped zombie. */
static int reap_init(pid_t pid, bool kill_it)
{
  if (kill_it)
    kill(pid, SIGKILL);
  for (;;) {
    int s = 0;
    pid_t r = waitpid(-1, &s, 0);
    if (r == pid)
      return s;
    if (r == relay_pid)
      relay_pid = -1;
    if (r == checker_pid)
      checker_pid = -1;
    if (r < 0 && errno != EINTR)
      return 0; /* (ECHILD: none left, the init's status lost) */
  }
}

/* We failed while the init builds its root: it is killed and reaped,
 * and if it had failed first (its socket to us closed, say), its reason
 * (on errpipe) and code are the run's instead of ours. */
static void end_init_first(pid_t pid, int errpipe, cocin_error_t *err, int *child_code)
{
  int cst = reap_init(pid, true);
  cocin_error_t first = NULL;
  if (read_child_error(errpipe, &first) < 0) {
    cocin_error_release(err);
    *err = first;
    *child_code = exit_code_of(cst);
  }
}

/* End a child of ours (its pid, or -1: none, or reaped already) */
static void end_child(pid_t *pid, int sig)
{
  if (*pid <= 0)
    return;
  kill(*pid, sig);
  while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
    ;
  *pid = -1;
}

/* The new init starts on another CPU than ours (here), where it builds
 * its root while we make its cgroup: left to the scheduler it often
 * queued behind us here (0.3 ms), the other CPU going idle meanwhile.
 * Its CPUs (all) are given back (init_anywhere) before the byte it waits
 * for before execve: the container never inherits the narrow set. */
static bool init_away(pid_t pid, int here, const cpu_set_t *all)
{
  if (here < 0 || here >= CPU_SETSIZE)
    return false;
  cpu_set_t away = *all;
  CPU_CLR(here, &away);
  return CPU_COUNT(&away) > 0 && sched_setaffinity(pid, sizeof(away), &away) == 0;
}

static int init_anywhere(pid_t pid, const cpu_set_t *all, cocin_error_t *err)
{
  if (sched_setaffinity(pid, sizeof(*all), all) < 0)
    return cocin_fail_errno(err, "give the container's init its CPUs back");
  return 0;
}

/* Make the planned cgroup (recorded again only if it is another), give
 * the init (pid) its CPUs back, and send it the files it moves itself in
 * with, and the byte it waits for (on the join socket). */
static int place_in_cgroup(const char *root, const char *name, const char *id,
                           const struct cocin_spec *spec, const struct cocin_cgroup *plan,
                           bool nodev, pid_t pid, const cpu_set_t *cpus, int join,
                           struct cocin_cgroup **cg, cocin_error_t *err)
{
  if (cocin_cgroup_create_planned(plan, id, spec->cgroup_parent, &spec->limits, cg, err) < 0)
    return -1;
  if (!nodev && !spec->security.privileged && !cocin_cgroup_devices_enforced(*cg))
    return cocin_fail(err, EIO, "the devices policy could not be applied to cgroup %s: %s",
                      cocin_cgroup_path(*cg, NULL), cocin_cgroup_devices_error(*cg));
  TRACE("cg-created");
  /* config.json has recorded the plan since the start: written again only
   * for another cgroup (cgroup v2 falling back to the root) */
  struct made_cgroup made = {id, *cg};
  if (!cocin_cgroup_same(plan, *cg) &&
      cocin_state_update_volatile(root, name, record_cgroup, &made, err) < 0)
    return -1;
  TRACE("cg-recorded");
  int fds[FDS_MAX];
  int n = cocin_cgroup_open_enter(*cg, fds, FDS_MAX, err);
  if (n < 0 || (n == 0 && cocin_cgroup_enter(*cg, pid, err) < 0))
    return cocin_error_wrap(err, "join the container's cgroup");
  int r = cpus ? init_anywhere(pid, cpus, err) : 0;
  if (r == 0)
    r = fds_send(join, 'j', fds, (size_t)n, "the cgroup to join", err);
  for (int i = 0; i < n; i++)
    close(fds[i]);
  return r;
}

void monitor_ignored_signals(void (*how)(int))
{
  static const int sigs[] = {SIGPIPE, SIGINT, SIGHUP};
  for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
    signal(sigs[i], how);
}

void monitor_main(struct monitor_args *m)
{
  const char *root = m->root, *name = m->name, *id = m->id;
  struct cocin_spec *spec = m->spec;
  struct container_args *ca = m->ca;
  int status_fd = m->status_fd, log_fd = m->log_fd;
  struct cocin_cgroup *plan = NULL, *cg = NULL; /* planned, made here while the init
                                                 * builds its root */
  bool recorded = false;                         /* config.json written */
  bool claimed = false;                          /* start: the record is this start's */
  cocin_error_t err = NULL;
  int errpipe[2];
  int child_code = 125;
  int mntns = -1, netns = -1; /* never returns: every path ends in _exit */
  /* its name at its end (declared before the first goto: clang refuses a
   * jump past a cleanup variable's start) */
  cleanup_free char *now = NULL;
  cleanup_strv char **anon = NULL; /* --rm: its anonymous volumes */
  /* Nothing of the caller's: not its handlers (cocinfs has libfuse's), not
   * its working directory (it would keep that filesystem busy). */
  cocin_reset_signals();
  monitor_ignored_signals(SIG_IGN);
  if (chdir("/") < 0) {
    cocin_fail_errno(&err, "chdir /");
    goto fail;
  }
  cpu_set_t cpus;
  bool have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
  int here = have_cpus ? sched_getcpu() : -1;
  prctl(PR_SET_NAME, "cocin-monitor", 0, 0, 0);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* orphans come back to us */

  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    cocin_fail_errno(&err, "pipe");
    goto fail;
  }
  ca->errfd = errpipe[1];
  int joinsock[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, joinsock) < 0) {
    cocin_fail_errno(&err, "socketpair");
    goto fail;
  }
  ca->joinfd = joinsock[0];
  if (m->restart) {
    if (start_claim(root, name, id, m->device_policy, m->spec->restart_by, &err) < 0)
      goto fail;
    claimed = true;
    /* a cp still at work in its last run's overlay (which its open root
     * keeps alive) finishes before the init mounts the layers again */
    int layers = layers_lock(root, name, true);
    if (layers >= 0)
      close(layers);
  }
  char *stack = xmalloc0(STACK_SIZE);
  int flags = CLONE_NEWPID | CLONE_NEWNS | SIGCHLD;
  if (!m->spec->host_uts) /* --uts host, --ipc host: the host's */
    flags |= CLONE_NEWUTS;
  if (!m->spec->host_ipc)
    flags |= CLONE_NEWIPC;
  pid_t pid = clone(container_init, stack + STACK_SIZE, flags, ca);
  if (pid < 0) {
    cocin_fail_errno(&err, "clone the container's init");
    goto fail;
  }
  close(errpipe[1]);
  close(joinsock[0]);
  if (ca->netsock >= 0)
    close(ca->netsock);
  bool away = here >= 0 && init_away(pid, here, &cpus);
  TRACE("cloned");
  /* Hold the container's mount namespace (opened while the init still
   * waits for us): when the init exits, the kernel then skips tearing down
   * its twenty-odd mounts on the exit path, and that work happens when
   * this monitor closes the fd, after it has answered. */
  mntns = open_ns(pid, "mnt");
  /* Its network namespace (unless it is on the host's network or joins
   * another container's, which the caller sends it): made here while the
   * init mounts its root on another CPU, rather than by clone() before it
   * starts (0.6 ms: every network subsystem sets itself up).  Held to our
   * end: the kernel tears it down after the answer. */
  if (!spec->host_network && ca->netsock < 0) {
    if ((netns = netns_make(&err)) < 0 ||
        fds_send(joinsock[1], 'n', &netns, 1, "the network namespace", &err) < 0) {
      end_init_first(pid, errpipe[0], &err, &child_code);
      goto fail;
    }
    TRACE("net-made");
  }
  /* While the init builds its root: the cgroup's plan, then
   * the first record, with it, then the cgroup itself, so that whoever
   * finds config.json finds the cgroup too.  No plan (a limit without its
   * controller, say): recorded as none, and the create fails with the
   * reason. */
  {
    cocin_error_t perr = NULL;
    if (cocin_cgroup_plan(id, spec->cgroup_parent, &spec->limits, &plan, &perr) < 0)
      cocin_error_release(&perr);
  }
  TRACE("cgroup-planned");
  if ((m->restart ? start_record_init(root, name, id, pid, plan, &err)
                  : write_initial_state(root, spec, id, pid, m->device_policy, plan, &err)) < 0) {
    reap_init(pid, true);
    goto fail;
  }
  recorded = true;
  TRACE("initial-state");
  /* The cgroup is made and recorded while the init builds its root
   * filesystem; the init gets its files with the byte it waits for, and
   * moves itself in before it execs.  Its mounts and capabilities were
   * chosen for the devices policy run expected: a cgroup that cannot
   * enforce it fails the run. */
  /* the init's CPUs back: it has the narrow set from init_away */
  if (place_in_cgroup(root, name, id, spec, plan, ca->nodev, pid, away ? &cpus : NULL,
                      joinsock[1], &cg, &err) < 0) {
    end_init_first(pid, errpipe[0], &err, &child_code);
    removed_while_starting(root, name, id, &err);
    goto fail;
  }
  TRACE("cg-sent");
  close(joinsock[1]);
  for (int i = 0; i < 3; i++)
    if (ca->stdio[i] > 2 && ca->stdio[i] != log_fd && ca->stdio[i] != status_fd)
      close(ca->stdio[i]);
  if (ca->console_sock >= 0)
    close(ca->console_sock);
  /* The init marks "R" when its root is built: it is recorded running
   * then, while it drops privileges and execs.  Anything else first is
   * its error; nothing at all, its death before it was ready. */
  char first = 0;
  ssize_t got;
  while ((got = read(errpipe[0], &first, 1)) < 0 && errno == EINTR)
    ;
  bool ready = got == 1 && first == 'R';
  /* -p: the relay's way into the container's network, taken at the mark
   * too (a command that ends at once takes its namespace with it) */
  int pnet = ready && spec->n_ports ? open_ns(pid, "net") : -1;
  TRACE("got-R");
  struct started st = {id, pid, getpid(), spec->health.test != NULL};
  if (ready && cocin_state_update_volatile(root, name, record_started, &st, &err) < 0) {
    reap_init(pid, true);
    removed_while_starting(root, name, id, &err);
    goto fail;
  }
  TRACE("recorded-running");
  if ((got <= 0 ? cocin_fail(&err, EIO, "the container's init died before it started")
                : read_child_error_after(errpipe[0], &first, ready ? 0 : 1, &err)) < 0) {
    child_code = exit_code_of(reap_init(pid, false));
    removed_while_starting(root, name, id, &err);
    goto fail;
  }
  close(errpipe[0]);

  int pty_master = -1;
  if (m->console_r >= 0) {
    /* an init killed before it made its pty closes the socket: no hang */
    int r = cocin_console_recv(m->console_r, &pty_master, &err);
    close(m->console_r);
    if (r < 0) {
      reap_init(pid, true);
      removed_while_starting(root, name, id, &err);
      goto fail;
    }
  }

  /* -p: the relay, in the container's network, before the answer (a
   * client that came meanwhile waits in the listening socket's queue);
   * none if the command has ended already */
  pid_t proxy = -1;
  if (pnet >= 0) {
    proxy = proxy_start(pnet, m->ports, have_cpus ? &cpus : NULL, &err);
    close(pnet);
    if (proxy < 0) {
      reap_init(pid, true);
      removed_while_starting(root, name, id, &err);
      goto fail;
    }
    relay_pid = proxy;
  }
  close_ports(m); /* the relay's alone: the ports go with it */

  /* -dt: the terminal lent to `cocin attach` on attach.sock, made before
   * the answer (an attach right after run finds it).  Without it (no
   * pidfd to see the init end while the terminal is lent, a directory
   * gone meanwhile) the container runs, unattachable.  -it: the caller
   * holds the terminal, and may hand it to us (its user detached): the
   * pidfd tells meanwhile that the init ended. */
  int attach_dir = -1, listener = -1, init_fd = -1;
  bool handover = !spec->detach && spec->tty;
  if ((pty_master >= 0 || handover || m->stdin_w >= 0) && (init_fd = sys_pidfd_open(pid)) >= 0) {
    cleanup_free char *dir = cocin_container_dir(root, name);
    attach_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  /* -di: its stdin lent likewise (without a pidfd: kept open, unlent) */
  if (pty_master >= 0 || (m->stdin_w >= 0 && init_fd >= 0))
    listener = attach_open(attach_dir);
  /* " d": its caller may hand us the terminal (cocin_run_detach) */
  handover = handover && init_fd >= 0 && attach_dir >= 0;

  TRACE("exec-done");
  dprintf(status_fd, handover ? "OK %d d\n" : "OK %d\n", pid);
  if (spec->detach && !m->keep_status) {
    close(status_fd);
    status_fd = -1;
  }
  /* --health-cmd: its checker, from now until it ends */
  if (spec->health.test)
    checker_pid = health_start(root, name, id, &spec->health, pid);

  if (handover &&
      (pty_master = take_terminal(status_fd, init_fd, attach_dir, &log_fd, &listener)) >= 0) {
    /* detached: as -dt from now on (logged, attachable); the caller was
     * told once an attach can find it, and has gone */
    close(status_fd);
    status_fd = -1;
  }
  int lent = pty_master >= 0 ? pump_pty(pty_master, log_fd, &listener, init_fd) : -1;
  if (m->stdin_w >= 0 && listener >= 0)
    lend_input(m->stdin_w, &listener, init_fd, spec->stdin_once);
  /* the terminal is no longer lent (no slave left, or the init ended):
   * an attach from now on is told there is none */
  if (listener >= 0)
    close(listener);
  if (attach_dir >= 0) {
    (void)unlinkat(attach_dir, ATTACH_SOCKET, 0);
    close(attach_dir);
  }
  if (init_fd >= 0)
    close(init_fd);
  if (m->tee_from[1] >= 0)
    tee_output(m->tee_from, m->tee_to, log_fd, spec->no_sig_proxy, status_fd);

  struct finished f = {id, exit_code_of(reap_init(pid, false)), false, pid, -1};
  TRACE("reaped");
  /* TERM: a checker writing a result finishes it first; a probe it runs
   * goes with it (its lifeline) */
  end_child(&checker_pid, SIGTERM);
  end_child(&relay_pid, SIGKILL); /* the ports are free again when the container has ended */
  /* run --rm: no exit record, the container is removed at once below and
   * the caller gets the code from us (docker's ps likewise never shows an
   * exited --rm container). */
  /* its name now (in `now`): it may have been renamed while it ran (the
   * record at the name is then not ours, ENOENT, and we look for it by
   * its id) */
  if (!spec->autoremove) {
    f.oom = cocin_cgroup_oom_killed(cg);
    cocin_error_t rerr = NULL;
    int r = -1;
    for (int tries = 0; r < 0 && tries < 3; tries++) {
      cocin_error_release(&rerr);
      free(now);
      now = tries ? cocin_state_follow(root, name, id) : xstrdup(name);
      r = cocin_state_update(root, now, record_finished, &f, &rerr);
      if (r < 0 && cocin_error_status(&rerr) != ENOENT)
        break;
    }
    if (r < 0 && (cocin_error_status(&rerr) == ENOENT || cocin_error_status(&rerr) == EIO))
      /* removed meanwhile, or a record that no longer names it (damaged):
       * nobody else can find its cgroup */
      cocin_cgroup_destroy(cg, NULL);
    cocin_error_release(&rerr);
  }
  if (log_fd >= 0)
    close(log_fd);
  /* run --rm: before answering, the container is taken away (its name
   * free, nothing lists it); its cgroup and files are deleted after the
   * answer, off the caller's path, like its mounts.  Should this monitor
   * die in between, the trash entry records its cgroup for a later sweep. */
  char *trash = NULL;
  int lock = -1;
  bool in_place = false;
  struct cocin_cgroup *updated = NULL; /* by cocin update: what to remove */
  if (spec->autoremove) {
    /* its anonymous volumes go with it, before the answer (docker's run
     * --rm returns with them gone) */
    anon = xmalloc0(sizeof(char *));
    for (size_t i = 0; i < spec->n_mounts; i++)
      if (spec->mounts[i].anonymous && spec->mounts[i].volume)
        strv_append(&anon, spec->mounts[i].volume);
    cocin_error_t terr = NULL;
    for (int tries = 0; lock < 0 && tries < 3; tries++) {
      cocin_error_release(&terr);
      free(now);
      now = tries ? cocin_state_follow(root, name, id) : xstrdup(name);
      lock = take_away(root, now, id, false, false, anon[0] != NULL, &trash, &in_place, &updated,
                       &terr);
      if (lock < 0 && cocin_error_status(&terr) != ENOENT)
        break;
    }
    cocin_error_release(&terr);
    if (in_place && trash)
      waiter_notify(trash, f.code);
    if (updated) {
      cocin_cgroup_free(cg);
      cg = updated;
    }
    if (in_place) { /* no trash: deleted now, the name free when run returns */
      delete_taken(trash, true, cg, lock, root, NULL);
      trash = NULL;
      lock = -1;
    } else if (trash) { /* (its record is in the trash: nothing names them now) */
      volumes_remove_names(root, anon);
    }
  }
  TRACE("taken-away");
  if (status_fd >= 0) {
    dprintf(status_fd, "EXIT %d\n", f.code);
    close(status_fd);
  }
  if (lent >= 0) { /* the attacher's exit code: as run's, once it is recorded */
    dprintf(lent, "EXIT %d\n", f.code);
    close(lent);
  }
  TRACE("exit-sent");
  if (trash) /* cocin wait's (the lock is still held) */
    waiter_notify(trash, f.code);
  {
    /* What is left is housekeeping: it yields to whatever else wants the
     * CPUs (a next run, say), and takes the idle time.  Only after the
     * answer: set before it, the caller woke up 0.3 ms later (measured). */
    struct sched_param sp = {0};
    if (f.restart_ms < 0) /* (a restart waits for this work: not at idle priority) */
      (void)sched_setscheduler(0, SCHED_IDLE, &sp);
  }
  if (spec->autoremove && !in_place) {
    /* an empty cgroup (the init was reaped, and with it its pid namespace) */
    delete_taken(trash, false, cg, lock, NULL, NULL); /* (its volumes went before) */
    cocin_trash_sweep(root);
    TRACE("deleted");
  }
  close(mntns); /* the mounts and the network go now, after the answer */
  TRACE("mounts-gone");
  if (netns >= 0)
    close(netns);
  TRACE("network-gone");
  if (f.restart_ms >= 0)
    restart_later(root, now ? now : name, id, f.restart_ms);
  _exit(0);

fail:
  close_ports(m); /* free before the answer */
  if (mntns >= 0) /* a failed run leaves nothing once it has answered */
    close(mntns);
  if (netns >= 0)
    close(netns);
  if (m->restart) {
    /* the code run's caller would give; a container removed meanwhile
     * (whose record no longer names what we made) loses its cgroup here */
    if (claimed &&
        !start_failed(root, name, id, child_code == 126 || child_code == 127 ? child_code : 125))
      cocin_cgroup_destroy(cg, NULL);
  } else
    remove_failed(root, name, id, cg, recorded);
  dprintf(status_fd, "ERR %d %d\n%s", cocin_error_status(&err), child_code,
          cocin_error_msg(&err));
  _exit(1);
}
