/* cocin — run: reserve the name, start a monitor that clones the
 * container's init, writes the state and records how the container ends.
 *
 *   caller ──fork──> (intermediate, setsid) ──fork──> monitor ──clone──> init
 *
 * The intermediate exits at once so the monitor is nobody's child: it
 * survives the CLI or cocinfs exiting.  The monitor tells the caller over
 * `status` pipe: "OK <pid>\n" once execve happened, or "ERR <errno>\n<msg>"
 * (then it has removed everything); in the foreground also "EXIT <code>\n". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
};

static int record_finished(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct finished *f = data;
  if (cocin_state_check_id(cfg, f->id, err) < 0)
    return -1;
  cleanup_free char *now = cocin_time_now();
  if (!cj_str(cfg, "startedAt")) { /* it ended before "running" was written */
    cj_set_str(cfg, "startedAt", now);
    cj_set_num(cfg, "pid", f->pid);
  }
  cj_set_str(cfg, "status", cj_bool(cfg, "stopRequested") ? "stopped" : "exited");
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "paused");
  cj_set_num(cfg, "exitCode", f->code);
  cj_set_bool(cfg, "oomKilled", f->oom);
  cj_set_str(cfg, "finishedAt", now);
  return 0;
}

/* The cgroup a config.json (at path) records, or NULL. */
static struct cocin_cgroup *recorded_cgroup(const char *cfgpath)
{
  cleanup_free char *text = NULL;
  if (read_all_file(cfgpath, &text, NULL, NULL) < 0)
    return NULL;
  cJSON *cfg = cJSON_Parse(text);
  const cJSON *cgj = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "cgroup") : NULL;
  struct cocin_cgroup *cg = NULL;
  if (cgj && !cJSON_IsNull(cgj) && cocin_cgroup_from_json(cgj, &cg, NULL) < 0)
    cg = NULL;
  cJSON_Delete(cfg);
  return cg;
}

/* Take a container away, under its lock: its directory moves to
 * containers/.trash, so the name is free at once and nothing lists it.
 * destroy_recorded: first remove the cgroup config.json records (rm -f:
 * nothing of it runs once it is gone).  only_stopped: refuse (EBUSY) a
 * container that, under the lock, is running or starting (rm without -f
 * decided on an older look).  With an id, a directory without our
 * config.json is not ours (a new run may have just reserved the name).
 * Returns the lock, held until the files are deleted (a sweeper skips an
 * entry somebody holds); *trash is NULL if the directory went meanwhile. */
static int take_away(const char *root, const char *name, const char *id, bool destroy_recorded,
                     bool only_stopped, char **trash, bool *in_place, cocin_error_t *err)
{
  *trash = NULL;
  *in_place = false;
  cleanup_close int lock = cocin_state_lock(root, name, err);
  if (lock < 0)
    return -1;
  cleanup_free char *dir = cocin_container_dir(root, name);
  cleanup_free char *cfgpath = cocin_container_file(root, name, "config.json");
  cleanup_free char *text = NULL;
  cJSON *cfg = NULL;
  if (read_all_file(cfgpath, &text, NULL, NULL) == 0)
    cfg = cJSON_Parse(text);
  const char *st = cfg ? cj_str(cfg, "status") : NULL;
  if (only_stopped && st && (!strcmp(st, "running") || !strcmp(st, "created"))) {
    int r = cocin_fail(err, EBUSY, "container %s is %s: stop it first, or use rm -f", name,
                       strcmp(st, "created") ? "running" : "starting");
    cJSON_Delete(cfg);
    return r;
  }
  if (id && (cfg == NULL || cocin_state_check_id(cfg, id, err) < 0)) {
    if (cfg == NULL)
      cocin_fail(err, ENOENT, "the container was removed");
    cJSON_Delete(cfg);
    return -1;
  }
  cJSON_Delete(cfg);
  struct cocin_cgroup *cg = destroy_recorded ? recorded_cgroup(cfgpath) : NULL;
  int r = cocin_cgroup_destroy(cg, err);
  cocin_cgroup_free(cg);
  if (r < 0)
    return cocin_error_wrap(err, "remove %s", name);
  char rnd[65];
  if (cocin_random_id(rnd, err) < 0)
    return -1;
  /* inside containers/ (one filesystem, should it be a mount of its own);
   * listings skip dot entries, and no valid name starts with a dot */
  cleanup_free char *bin = xasprintf("%s/containers/.trash", root);
  cleanup_free char *to = xasprintf("%s/%.16s", bin, rnd);
  int e = rename(dir, to) < 0 ? errno : 0;
  if (e == ENOENT) { /* the first removal in this root makes the trash */
    if (mkdir(bin, 0700) == 0 || errno == EEXIST)
      e = rename(dir, to) < 0 ? errno : 0;
    else if (errno == ENOSPC || errno == EDQUOT)
      e = ENOSPC; /* deleted in place, below */
    else
      return cocin_fail_errno(err, "remove %s: mkdir %s", name, bin);
  }
  struct stat sb;
  if (e == ENOENT && lstat(dir, &sb) < 0 && errno == ENOENT) /* the directory went meanwhile */
    return steal_fd(lock);
  if (e == ENOSPC || e == EDQUOT || e == EMLINK) {
    /* No room in the trash (a full filesystem, the very reason a run may
     * fail): deleted where it is, the name free once it is gone, its
     * config.json last, so that a removal cut short leaves a container
     * the next rm finds. */
    *trash = steal_ptr(dir);
    *in_place = true;
    return steal_fd(lock);
  }
  if (e) {
    errno = e;
    return cocin_fail_errno(err, "remove %s", dir);
  }
  *trash = steal_ptr(to);
  return steal_fd(lock);
}

/* A directory's entries, then its config.json and itself. */
static int rm_record_last(const char *dir, cocin_error_t *err)
{
  {
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
      return errno == ENOENT ? 0 : cocin_fail_errno(err, "remove %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
          !strcmp(de->d_name, "config.json"))
        continue;
      cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
      if (rm_rf(p, err) < 0)
        return -1;
    }
  }
  return rm_rf(dir, err);
}

/* Delete what take_away left: the cgroup, then the files (the trash
 * entry keeps config.json, and with it the cgroup's record, to the end). */
static int delete_taken(char *trash, bool in_place, const struct cocin_cgroup *cg, int lock,
                        cocin_error_t *err)
{
  int r = cg ? cocin_cgroup_destroy(cg, err) : 0;
  if (r == 0 && trash)
    r = in_place ? rm_record_last(trash, err) : rm_rf(trash, err);
  free(trash);
  if (lock >= 0)
    close(lock);
  return r;
}

int container_remove(const char *root, const char *name, const char *id,
                     const struct cocin_cgroup *known, bool only_stopped, cocin_error_t *err)
{
  if (known && cocin_cgroup_destroy(known, err) < 0)
    return cocin_error_wrap(err, "remove %s", name);
  char *trash = NULL;
  bool in_place;
  int lock = take_away(root, name, id, known == NULL, only_stopped, &trash, &in_place, err);
  if (lock < 0)
    return -1;
  return delete_taken(trash, in_place, NULL, lock, err);
}

/* A directory at the name without config.json, made LEFTOVER_AGE seconds
 * ago or more: what a run left that died before its monitor wrote the
 * first record (a start writes it within milliseconds).  rm removes it:
 * 1 if it did, 0 if there is no such leftover. */
#define LEFTOVER_AGE 30
int container_remove_leftover(const char *root, const char *name, cocin_error_t *err)
{
  if (cocin_name_check(name, NULL) < 0)
    return 0;
  cleanup_close int lock = cocin_state_lock(root, name, NULL);
  if (lock < 0)
    return 0;
  cleanup_free char *cfg = cocin_container_file(root, name, "config.json");
  struct stat st;
  if (access(cfg, F_OK) == 0 || errno != ENOENT || fstat(lock, &st) < 0 ||
      time(NULL) - st.st_ctime < LEFTOVER_AGE)
    return 0;
  cleanup_free char *dir = cocin_container_dir(root, name);
  return rm_rf(dir, err) < 0 ? -1 : 1;
}

void cocin_trash_sweep(const char *root)
{
  cleanup_free char *bin = xasprintf("%s/containers/.trash", root);
  cleanup_dir DIR *d = opendir(bin);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    cleanup_close int fd =
        openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) /* its remover is at work */
      continue;
    cleanup_free char *path = xasprintf("%s/%s", bin, de->d_name);
    cleanup_free char *cfgpath = xasprintf("%s/config.json", path);
    /* never waits: a cgroup still busy is killed and kept for a later sweep */
    struct cocin_cgroup *cg = recorded_cgroup(cfgpath);
    int r = cocin_cgroup_destroy_nowait(cg);
    cocin_cgroup_free(cg);
    if (r == 0)
      rm_rf(path, NULL);
  }
}

static int exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 255;
}

/* -dt: copy the pty's output into the log until every slave is closed. */
static void pump_pty(int master, int log_fd)
{
  char buf[16384];
  for (;;) {
    ssize_t n = read(master, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return; /* EIO: no slave left */
    (void)write_all(log_fd, buf, (size_t)n);
  }
}

/* A kept container in the foreground: its output to the caller and to
 * its log (docker logs it too) until every writer is gone (its pid
 * namespace with its init).  A caller that stops reading (EPIPE: `| head`)
 * gets no more, and the container's own pipe closes, so that it meets
 * EPIPE as it would have writing to the caller. */
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

static void tee_output(int from[3], int to[3], int log_fd)
{
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
        if (write_caller(to[i], buf, (size_t)n) == 0)
          continue;
      }
      /* its end, or the caller's (EPIPE or another error): done with both,
       * so that the caller sees its end now, not when this monitor exits */
      close(from[i]);
      from[i] = -1;
      close(to[i]);
      to[i] = -1;
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
    container_remove(root, name, id, cg, false, NULL);
    return;
  }
  cleanup_free char *dir = cocin_container_dir(root, name);
  rm_rf(dir, NULL);
}

/* Reap the container's init, killed first when kill_it; its wait status. */
static int reap_init(pid_t pid, bool kill_it)
{
  int st = 0;
  if (kill_it)
    kill(pid, SIGKILL);
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  return st;
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
  int mntns = -1; /* never returns: every path ends in _exit */
  /* Nothing of the caller's: not its handlers (cocinfs has libfuse's), not
   * its working directory (it would keep that filesystem busy). */
  cocin_reset_signals();
  monitor_ignored_signals(SIG_IGN);
  if (chdir("/") < 0) {
    cocin_fail_errno(&err, "chdir /");
    goto fail;
  }
  /* On the caller's CPU until the init is in its cgroup (the caller's
   * thread is on the others, making what the init waits for): left to
   * fork's placement, we often landed beside the thread and slowed it. */
  cpu_set_t cpus;
  int here = -1;
  bool pinned = false;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
    here = m->cpu >= 0 && m->cpu < CPU_SETSIZE && CPU_ISSET(m->cpu, &cpus) ? m->cpu
                                                                          : sched_getcpu();
    if (m->cpu >= 0 && m->cpu == here) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(here, &one);
      pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
    }
  }
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
    if (start_claim(root, name, id, m->device_policy, &err) < 0)
      goto fail;
    claimed = true;
  }
  char *stack = xmalloc0(STACK_SIZE);
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
  /* The network namespace comes from the caller's thread (prep.c) to
   * the init directly; this monitor holds it from the init's ready mark to
   * its own exit, so the kernel tears it down after the answer. */
  if (ca->netsock < 0)
    flags |= CLONE_NEWNET;
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
  /* While the init builds its root (the caller forked as soon as the name
   * was reserved, its thread making the layers): the cgroup's plan, then
   * the first record, with it, then the cgroup itself, so that whoever
   * finds config.json finds the cgroup too.  No plan (a limit without its
   * controller, say): recorded as none, and the create fails with the
   * reason.  (Planned in the caller's thread instead, it came later when
   * that thread only made the network: measured, left.) */
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
  /* the init's CPUs back: it has the narrow set from init_away, or from
   * us (cloned while we were pinned) */
  if (place_in_cgroup(root, name, id, spec, plan, ca->nodev, pid, away || pinned ? &cpus : NULL,
                      joinsock[1], &cg, &err) < 0) {
    int cst = reap_init(pid, true);
    /* the init may have failed first: its reason comes first */
    cocin_error_t first = NULL;
    if (read_child_error(errpipe[0], &first) < 0) {
      cocin_error_release(&err);
      err = first;
      child_code = exit_code_of(cst);
    }
    removed_while_starting(root, name, id, &err);
    goto fail;
  }
  TRACE("cg-sent");
  if (pinned)
    (void)sched_setaffinity(0, sizeof(cpus), &cpus);
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
  /* The init has joined its network namespace: held to the end, the
   * kernel tears it down after the answer, not on the init's exit. */
  int netns = ready && ca->netsock >= 0 ? open_ns(pid, "net") : -1;
  TRACE("got-R");
  struct started st = {id, pid, getpid()};
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

  TRACE("exec-done");
  dprintf(status_fd, "OK %d\n", pid);
  if (spec->detach) {
    close(status_fd);
    status_fd = -1;
  }

  if (pty_master >= 0)
    pump_pty(pty_master, log_fd);
  if (m->tee_from[1] >= 0)
    tee_output(m->tee_from, m->tee_to, log_fd);

  struct finished f = {id, exit_code_of(reap_init(pid, false)), false, pid};
  TRACE("reaped");
  /* run --rm: no exit record, the container is removed at once below and
   * the caller gets the code from us (docker's ps likewise never shows an
   * exited --rm container). */
  if (!spec->autoremove) {
    f.oom = cocin_cgroup_oom_killed(cg);
    cocin_error_t rerr = NULL;
    if (cocin_state_update(root, name, record_finished, &f, &rerr) < 0 &&
        (cocin_error_status(&rerr) == ENOENT || cocin_error_status(&rerr) == EIO))
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
  if (spec->autoremove) {
    lock = take_away(root, name, id, false, false, &trash, &in_place, NULL);
    if (in_place && trash)
      waiter_notify(trash, f.code);
    if (in_place) { /* no trash: deleted now, the name free when run returns */
      delete_taken(trash, true, cg, lock, NULL);
      trash = NULL;
      lock = -1;
    }
  }
  TRACE("taken-away");
  if (status_fd >= 0) {
    dprintf(status_fd, "EXIT %d\n", f.code);
    close(status_fd);
  }
  TRACE("exit-sent");
  if (trash) /* cocin wait's (the lock is still held) */
    waiter_notify(trash, f.code);
  {
    /* What is left is housekeeping: it yields to whatever else wants the
     * CPUs (a next run, say), and takes the idle time.  Only after the
     * answer: set before it, the caller woke up 0.3 ms later (measured). */
    struct sched_param sp = {0};
    (void)sched_setscheduler(0, SCHED_IDLE, &sp);
  }
  if (spec->autoremove && !in_place) {
    /* an empty cgroup (the init was reaped, and with it its pid namespace) */
    delete_taken(trash, false, cg, lock, NULL);
    cocin_trash_sweep(root);
    TRACE("deleted");
  }
  close(mntns); /* the mounts and the network go now, after the answer */
  TRACE("mounts-gone");
  if (netns >= 0)
    close(netns);
  TRACE("network-gone");
  _exit(0);

fail:
  if (mntns >= 0) /* a failed run leaves nothing once it has answered */
    close(mntns);
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

/* Make the container's directory: the name is ours.  *reserved: an fd of
 * it, to know it later for the one we made. */
static int reserve_name(const char *root, struct cocin_spec *spec, const char *id, int *reserved,
                        cocin_error_t *err)
{
  cleanup_free char *dir = xasprintf("%s/containers", root);
  if (mkdir_p(dir, 0700, err) < 0)
    return -1;
  if (spec->name == NULL) {
    spec->name = xasprintf("%.12s", id);
    /* an id-named container cannot collide in practice; fall through */
  }
  cleanup_free char *cdir = cocin_container_dir(root, spec->name);
  if (mkdir(cdir, 0700) < 0) {
    if (errno == EEXIST)
      return cocin_fail(err, EEXIST,
                        "the container name \"%s\" is already in use (remove it: cocin rm %s)",
                        spec->name, spec->name);
    return cocin_fail_errno(err, "mkdir %s", cdir);
  }
  *reserved = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return 0;
}

/* The caller's remove_failed, when the monitor died before it answered
 * (or answered a failure: what our thread made after the monitor's
 * remove_failed goes): by the record, if the monitor wrote one, or else
 * the directory, if it is still the one reserved (an fd of it held since:
 * its inode cannot have been reused by another run's). */
static void remove_unstarted(const char *root, const char *name, const char *id, int reserved)
{
  cleanup_free char *dir = cocin_container_dir(root, name);
  cleanup_free char *cfg = cocin_container_file(root, name, "config.json");
  struct stat held, now;
  if (reserved < 0 || fstat(reserved, &held) < 0 || stat(dir, &now) < 0 ||
      held.st_dev != now.st_dev || held.st_ino != now.st_ino)
    return;
  if (access(cfg, F_OK) == 0)
    container_remove(root, name, id, NULL, false, NULL);
  else
    rm_rf(dir, NULL);
}

/* Overlay options are comma separated and ':' separates lower layers. */
static int check_overlay_path(const char *p, cocin_error_t *err)
{
  if (strpbrk(p, ",:"))
    return cocin_fail(err, EINVAL, "path %s contains ',' or ':' which overlayfs cannot take", p);
  return 0;
}

int launch(const char *root, struct cocin_spec *spec, const struct cocin_run_io *io,
           const char *restart_id, struct cocin_run_result *res, cocin_error_t *err)
{
  bool restart = restart_id != NULL;
  const char *verb = restart ? "start" : "run"; /* the messages' */
  memset(res, 0, sizeof(*res));
  res->exit_fd = -1;
  if (spec->args == NULL || spec->args[0] == NULL || spec->args[0][0] == '\0')
    return cocin_fail(err, EINVAL, "%s: no command given", verb);
  if (check_overlay_path(root, err) < 0 || cocin_limits_check(&spec->limits, err) < 0)
    return cocin_error_wrap(err, "%s", verb);
  TRACE("run");
  /* the network namespace, then the layers and their overlay: made on the
   * other CPU while we prepare the rest */
  cleanup_prep struct prep prep;
  prep_start(&prep);
  TRACE("thread-started");
  cleanup_free char *image_rootfs = NULL;
  if (cocin_image_ensure(root, spec->image, &image_rootfs, err) < 0)
    return cocin_error_wrap(err, "%s", verb);
  TRACE("image");
  {
    /* the overlay's options name three paths, and the kernel reads one
     * page of them: a longer set would be cut, and the mount fail as if a
     * directory were missing */
    size_t cdir = strlen(root) + sizeof("/containers/") + (spec->name ? strlen(spec->name) : 12);
    size_t opts = strlen(image_rootfs) + 2 * cdir + sizeof("lowerdir=,upperdir=/upper,workdir=/work,volatile");
    if (opts >= 4096)
      return cocin_fail(err, ENAMETOOLONG,
                        "%s: the state root's path is too long for overlayfs (its options "
                        "would take %zu bytes; the kernel reads 4095): choose a shorter --root",
                        verb, opts);
  }
  cleanup_close int reserved = -1; /* the directory reserve_name made */
  if (restart)
    snprintf(res->id, sizeof(res->id), "%s", restart_id);
  else if (cocin_random_id(res->id, err) < 0 || reserve_name(root, spec, res->id, &reserved, err) < 0)
    return -1;
  TRACE("reserved");

  /* From here on a failure must remove the container directory. */
  cleanup_free char *upper = cocin_container_file(root, spec->name, "upper");
  cleanup_free char *work = cocin_container_file(root, spec->name, "work");
  /* The overlay is mounted on the container's own directory, in the
   * container's mount namespace only: no mountpoint directory to make and
   * remove (the host still sees config.json, upper and work there). */
  cleanup_free char *merged = cocin_container_dir(root, spec->name);
  cleanup_free char *logpath = cocin_container_file(root, spec->name, "container.log");
  /* -dt: the monitor receives the container's pty on console_r */
  cleanup_close int log_fd = -1, console_r = -1, console_w = -1, null_fd = -1;
  cleanup_close int status_r = -1, status_w = -1, net_theirs = -1, net_mine = -1;
  /* tee: the pipes' ends, the monitor's (read) and the init's (write) */
  cleanup_close int tee_r1 = -1, tee_r2 = -1, tee_w1 = -1, tee_w2 = -1;
  int tee_to[3] = {-1, -1, -1};
  cleanup_error cocin_error_t net_err = NULL; /* our thread's failure (prep.c) */
  cleanup_strv char **env = NULL;
  int pipefd[2];

  /* No device policy (cgroup v2 without the BPF program, or no v1 devices
   * hierarchy): nothing may make a device node, and none from the image or
   * a volume may be opened; the container's /dev is cocin's own tmpfs.
   * Decided now, from the limits and a look at the host's hierarchies,
   * for the overlay and the init mount with it; the monitor plans and
   * makes the cgroup meanwhile. */
  bool nodev =
      !spec->security.privileged && !cocin_cgroup_devices_expected(&spec->limits);
  /* A run's layers: our thread makes them and mounts the overlay,
   * detached, for the init to attach.  A start's are there, its last
   * run's, and are the container's only once its monitor has claimed it
   * (start.c): another start may be about to, so its init mounts them,
   * after the claim (a second overlay on one work directory would empty
   * the first's). */
  if (!restart &&
      !prep_layers(&prep, image_rootfs, upper, work, true, spec->autoremove, nodev) &&
      make_layers(upper, work, err) < 0) {
    cocin_error_wrap(err, "%s", verb);
    goto fail;
  }
  TRACE("layers");
  /* The log exists before config.json does: whoever sees the container
   * (cocinfs links container.log to it) sees its log too.  A kept
   * container in the foreground has one as well: without -t the monitor
   * copies its output there and to the caller (tee_output); with -t the
   * caller, which holds the pty, copies what it prints there. */
  bool tee = !spec->detach && !spec->tty && !spec->autoremove;
  if (spec->detach || !spec->autoremove) {
    log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) {
      cocin_fail_errno(err, "%s: open %s", verb, logpath);
      goto fail;
    }
  }
  TRACE("devices-decided");
  if (nodev && cocin_security_set(&spec->security, "cap-drop", "MKNOD", err) < 0)
    goto fail;
  const char *policy = spec->security.privileged ? "none (privileged)"
                       : nodev ? "no device cgroup: MKNOD dropped, root and volumes nodev"
                               : "cgroup";
  {
    cleanup_free char *cache = xasprintf("%s/cache", root);
    if (cocin_security_prepare(&spec->security, cache, err) < 0) {
      cocin_error_wrap(err, "%s", verb);
      goto fail;
    }
  }

  struct container_args ca = {
      .spec = spec,
      .image_rootfs = image_rootfs,
      .upper = upper,
      .work = work,
      .merged = merged,
      .errfd = -1,
      .joinfd = -1,
      .netsock = -1,
      .console_sock = -1,
      .nodev = nodev,
  };
  env = cocin_spec_build_env(spec, NULL, spec->tty);
  ca.env = env;
  if (spec->detach) {
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
      cocin_fail_errno(err, "%s: open /dev/null", verb);
      goto fail;
    }
    ca.stdio[0] = null_fd;
    ca.stdio[1] = ca.stdio[2] = spec->tty ? null_fd : log_fd; /* -dt: the monitor logs */
    if (spec->tty) {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        cocin_fail_errno(err, "%s: socketpair", verb);
        goto fail;
      }
      console_r = sv[0];
      console_w = sv[1];
      ca.console_sock = console_w;
      ca.ws = (struct winsize){.ws_row = 24, .ws_col = 80};
    }
  } else {
    for (int i = 0; i < 3; i++)
      ca.stdio[i] = io ? io->stdio[i] : i;
    if (tee) {
      int p1[2], p2[2];
      if (pipe2(p1, O_CLOEXEC) < 0) {
        cocin_fail_errno(err, "%s: pipe", verb);
        goto fail;
      }
      tee_r1 = p1[0], tee_w1 = p1[1];
      tee_to[1] = ca.stdio[1];
      /* stdout and stderr one file (2>&1): one pipe, so their order holds */
      struct stat o, e;
      bool one = fstat(ca.stdio[1], &o) == 0 && fstat(ca.stdio[2], &e) == 0 &&
                 o.st_dev == e.st_dev && o.st_ino == e.st_ino;
      if (!one) {
        if (pipe2(p2, O_CLOEXEC) < 0) {
          cocin_fail_errno(err, "%s: pipe", verb);
          goto fail;
        }
        tee_r2 = p2[0], tee_w2 = p2[1];
        tee_to[2] = ca.stdio[2];
      }
      ca.stdio[1] = tee_w1;
      ca.stdio[2] = one ? tee_w1 : tee_w2;
    }
    if (spec->tty) {
      if (io == NULL || io->console_sock < 0) {
        cocin_fail(err, EINVAL, "%s: -t needs a console socket", verb);
        goto fail;
      }
      ca.console_sock = io->console_sock;
      ca.ws = io->ws;
    }
  }

  if (pipe2(pipefd, O_CLOEXEC) < 0) {
    cocin_fail_errno(err, "%s: pipe", verb);
    goto fail;
  }
  status_r = pipefd[0];
  status_w = pipefd[1];

  /* the init gets the network namespace and the overlay on this socket
   * once the thread made them: we fork meanwhile */
  if (prep.started) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
      cocin_fail_errno(err, "%s: socketpair", verb);
      goto fail;
    }
    ca.netsock = net_theirs = sv[0];
    net_mine = sv[1];
  }

  /* the monitor starts on our CPU, the thread being on the others */
  int cpu = prep.started ? sched_getcpu() : -1;
  TRACE("prepared");
  prep_before_fork(&prep);
  pid_t mid = fork();
  if (mid < 0) {
    cocin_fail_errno(err, "%s: fork", verb);
    goto fail;
  }
  if (mid == 0) {
    setsid();
    if (!(io && io->caller_exits)) { /* a long-lived caller never reaps it */
      pid_t mon = fork();
      if (mon != 0)
        _exit(mon < 0 ? 1 : 0);
    }
    /* the monitor: keep only what it needs (never a /dev/fuse fd) */
    for (int i = 0; i < 3; i++) {
      if (ca.stdio[i] >= 0 && ca.stdio[i] <= 2) /* foreground: the caller's stdio */
        ca.stdio[i] = fcntl(ca.stdio[i], F_DUPFD_CLOEXEC, 3);
      if (tee_to[i] >= 0 && tee_to[i] <= 2)
        tee_to[i] = fcntl(tee_to[i], F_DUPFD_CLOEXEC, 3);
    }
    int cand[] = {status_w,    log_fd,      console_r,   ca.console_sock, null_fd,
                  ca.stdio[0], ca.stdio[1], ca.stdio[2], ca.netsock,      tee_r1,
                  tee_r2,      tee_to[1],   tee_to[2]};
    close_fds_except(3, cand, sizeof(cand) / sizeof(cand[0]));
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
      if (devnull > 2)
        close(devnull);
    }
    TRACE("monitor");
    struct monitor_args m = {root,   spec->name, res->id, spec,      &ca,
                             policy, status_w,   log_fd,  console_r, restart,
                             {-1, tee_r1, tee_r2},       {-1, tee_to[1], tee_to[2]},
                             cpu};
    monitor_main(&m);
  }
  TRACE("forked");
  /* What only the monitor and the init use: a copy kept here would keep
   * the monitor from seeing the init's end of it close. */
  int *mine[] = {&status_w, &console_w, &console_r, &log_fd, &null_fd, &net_theirs,
                 &tee_r1,   &tee_r2,    &tee_w1,    &tee_w2};
  for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
    if (*mine[i] >= 0) {
      close(*mine[i]);
      *mine[i] = -1;
    }
  /* the network namespace and the overlay, to the init (which waits for
   * them first); if the thread failed, the init fails for want of them,
   * and the thread's reason is the run's */
  if (net_mine >= 0) {
    cleanup_close int nfd = -1, ofd = -1;
    if (prep_finish(&prep, &nfd, &ofd, &net_err) == 0) {
      int fds[] = {nfd, ofd};
      (void)fds_send(net_mine, PREP_NET | (ofd >= 0 ? PREP_OVERLAY : 0), fds, ofd >= 0 ? 2 : 1,
                     "the network namespace and the overlay", NULL);
    }
    close(net_mine);
    net_mine = -1;
  }
  TRACE("prep-sent");
  while (!(io && io->caller_exits) && waitpid(mid, NULL, 0) < 0 && errno == EINTR)
    ;

  /* The first line, a byte at a time: in the foreground "EXIT n" may
   * follow at once and belongs to whoever reads exit_fd. */
  char buf[4200];
  size_t n = 0;
  while (n < sizeof(buf) - 1) {
    ssize_t r = read(status_r, buf + n, 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (buf[n++] == '\n' && !strncmp(buf, "OK ", 3))
      break;
  }
  buf[n] = '\0';
  if (!strncmp(buf, "OK ", 3)) {
    TRACE("caller-got-OK");
    res->pid = (pid_t)atoi(buf + 3);
    if (!spec->detach)
      res->exit_fd = steal_fd(status_r);
    return 0;
  }
  if (!strncmp(buf, "ERR ", 4)) {
    char *nl = strchr(buf, '\n');
    char *code = strchr(buf + 4, ' ');
    res->exit_code = code ? atoi(code + 1) : 125;
    if (res->exit_code != 126 && res->exit_code != 127)
      res->exit_code = 125;
    /* The monitor removed the container before it answered, maybe while
     * our thread still made the layers in its directory (it had not been
     * joined then): whatever it made after is removed here. */
    if (!restart)
      remove_unstarted(root, spec->name, res->id, reserved);
    if (net_err && nl && strstr(nl + 1, PREP_NOT_MADE)) { /* the thread's reason */
      if (err) {
        cocin_error_release(err);
        *err = steal_ptr(net_err);
      }
      return cocin_error_wrap(err, "%s", verb);
    }
    return cocin_fail(err, atoi(buf + 4), "%s: %s", verb, nl ? nl + 1 : "failed");
  }
  cocin_fail(err, EIO, "%s: the monitor died before the container started", verb);
  if (!restart) /* a start's record: a later look finds its creator gone (mark_lost) */
    remove_unstarted(root, spec->name, res->id, reserved);
  return -1;

fail:
  prep_abandon(&prep); /* before the directory goes: it may still make the layers */
  if (!restart) {
    cleanup_free char *dir = cocin_container_dir(root, spec->name);
    rm_rf(dir, NULL);
  }
  return -1;
}

int cocin_run(const char *root, struct cocin_spec *spec, const struct cocin_run_io *io,
              struct cocin_run_result *res, cocin_error_t *err)
{
  return launch(root, spec, io, NULL, res, err);
}

