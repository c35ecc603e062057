/* cocin — stop, kill, rm, wait.  Every signal goes through a pidfd that
 * was checked against the recorded start time, so a reused pid is never
 * signalled (the seed's stop could kill an unrelated process). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

static bool is_running(const cJSON *cfg)
{
  const char *st = cj_str(cfg, "status");
  return st && !strcmp(st, "running");
}

/* Wait until fd (a pidfd) is readable: the process exited.  ms < 0: forever. */
static bool pidfd_wait(int fd, int ms)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  for (;;) {
    int r = poll(&p, 1, ms);
    if (r < 0 && errno == EINTR)
      continue;
    return r > 0;
  }
}

static bool (*interrupted_hook)(void);

void cocin_set_interrupted(bool (*interrupted)(void))
{
  interrupted_hook = interrupted;
}

/* pidfd_wait, in slices when the caller can be interrupted: 1 when the
 * process exited, 0 when ms ran out, -1 when the caller was interrupted. */
static int pidfd_wait_interruptible(int fd, int ms)
{
  for (int left = ms;;) {
    int slice = interrupted_hook && (left < 0 || left > 200) ? 200 : left;
    if (pidfd_wait(fd, slice))
      return 1;
    if (interrupted_hook && interrupted_hook())
      return -1;
    if (left >= 0 && (left -= slice) <= 0)
      return 0;
  }
}

/* The monitor: a running record's monitorPid, a starting one's creator. */
static int monitor_pidfd(const cJSON *cfg)
{
  bool started = cj_int(cfg, "monitorPid", 0) > 0;
  return pidfd_open_checked((pid_t)cj_int(cfg, started ? "monitorPid" : "creatorPid", 0),
                            (uint64_t)cj_int(cfg, started ? "monitorStartTime" : "creatorStartTime", 0));
}

/* A copy of the record's id, NULL if it has none (then any will do). */
static char *id_of(const cJSON *cfg)
{
  const char *id = cj_str(cfg, "id");
  return id ? xstrdup(id) : NULL;
}

static int init_pidfd(const cJSON *cfg)
{
  return pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                            (uint64_t)cj_int(cfg, "pidStartTime", 0));
}

/* The record at name, if it is container id (any, when id is NULL): one
 * that took the name since is not it. */
static int load_as(const char *root, const char *name, const char *id, cJSON **cfg,
                   cocin_error_t *err)
{
  if (cocin_state_load(root, name, cfg, err) < 0)
    return -1;
  if (cocin_state_check_id(*cfg, id, NULL) < 0) {
    cJSON_Delete(*cfg);
    *cfg = NULL;
    return cocin_fail(err, ENOENT, "no such container: %s", name);
  }
  return 0;
}

/* data: the id of the container meant (the name may be another's now) */
static int set_stop_requested(cJSON *cfg, void *data, cocin_error_t *err)
{
  if (cocin_state_check_id(cfg, data, err) < 0)
    return -1;
  cj_set_bool(cfg, "stopRequested", true);
  /* it ended by itself meanwhile and --restart decided to run it again:
   * the stop takes that back */
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restarting");
  return 0;
}

/* stop of a container that is not running: a restart --restart has
 * pending is taken back (docker's stop of a restarting one); 1 if it is
 * starting or running again (the restarter's start came first) */
static int take_back_restart(cJSON *cfg, void *data, cocin_error_t *err)
{
  if (cocin_state_check_id(cfg, data, err) < 0)
    return -1;
  const char *st = cj_str(cfg, "status");
  if (st && (!strcmp(st, "exited") || !strcmp(st, "stopped"))) {
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restarting");
    return 0;
  }
  return 1;
}

/* kill's mark: the container's next end is final (--restart) */
static int set_no_restart(cJSON *cfg, void *data, cocin_error_t *err)
{
  if (cocin_state_check_id(cfg, data, err) < 0)
    return -1;
  cj_set_bool(cfg, "noRestart", true);
  return 0;
}

static int set_remove_requested(cJSON *cfg, void *data, cocin_error_t *err)
{
  if (cocin_state_check_id(cfg, data, err) < 0)
    return -1;
  cj_set_bool(cfg, "removeRequested", true);
  return 0;
}

/* After the init died: wait for its monitor to record the exit. */
static void wait_monitor(const cJSON *cfg)
{
  cleanup_close int mfd = monitor_pidfd(cfg);
  if (mfd >= 0)
    pidfd_wait(mfd, 10000);
}

static int load_cgroup(const cJSON *cfg, struct cocin_cgroup **cg)
{
  *cg = NULL;
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(cfg, "cgroup");
  if (j == NULL || cJSON_IsNull(j))
    return 0;
  return cocin_cgroup_from_json(j, cg, NULL);
}

/* Thaw the cgroup cfg records, whatever its record says (one that could
 * not be written). */
static void thaw_recorded(const cJSON *cfg)
{
  struct cocin_cgroup *cg = NULL;
  if (load_cgroup(cfg, &cg) == 0 && cg)
    cocin_cgroup_freeze(cg, false, NULL);
  cocin_cgroup_free(cg);
}

struct pausing {
  const char *id, *name;
  bool pause;
  const char *held; /* a commit's pause for its read (its token), undone when it is done */
  bool changed;     /* the cgroup was frozen (thawed) */
};

/* Under the lock: freeze or thaw it, and say so in its record.  A pause
 * held by a commit is recorded as a pause ("pauseHeld" says whose): the
 * user's pause meanwhile takes it over, and the commit then leaves the
 * container paused, as the user asked. */
static int set_paused(cJSON *cfg, void *data, cocin_error_t *err)
{
  struct pausing *p = data;
  if (cocin_state_check_id(cfg, p->id, err) < 0)
    return -1;
  if (!is_running(cfg))
    return cocin_fail(err, ESRCH, "container %s is not running", p->name);
  const char *holder = cj_bool(cfg, "paused") ? cj_str(cfg, "pauseHeld") : NULL;
  if (p->pause && !p->held && holder) { /* frozen already: the user's pause now */
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "pauseHeld");
    return 0;
  }
  /* paused (or thawed) by its user meanwhile, or by another commit since */
  if (!p->pause && p->held && (!holder || strcmp(holder, p->held)))
    return cocin_fail(err, EALREADY, "container %s is left as its user set it", p->name);
  if (cj_bool(cfg, "paused") == p->pause)
    return cocin_fail(err, EALREADY, "container %s is %s", p->name,
                      p->pause ? "already paused" : "not paused");
  if (p->pause && (cj_bool(cfg, "removeRequested") || cj_bool(cfg, "stopRequested")))
    return cocin_fail(err, EBUSY, "container %s is being stopped", p->name);
  struct cocin_cgroup *cg = NULL;
  if (load_cgroup(cfg, &cg) < 0 || cg == NULL)
    return cocin_fail(err, ENOTSUP, "%s: container %s has no cgroup",
                      p->pause ? "pause" : "unpause", p->name);
  int r = cocin_cgroup_freeze(cg, p->pause, err);
  cocin_cgroup_free(cg);
  if (r < 0)
    return cocin_error_wrap(err, "%s %s", p->pause ? "pause" : "unpause", p->name);
  p->changed = true;
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "pauseHeld");
  if (p->pause)
    cj_set_bool(cfg, "paused", true);
  else
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "paused");
  if (p->pause && p->held)
    cj_set_str(cfg, "pauseHeld", p->held);
  return 0;
}

static int pause_as(const char *root, const char *name, const char *id, bool pause,
                    const char *held, cocin_error_t *err)
{
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  name = now;
  cJSON *cfg = NULL;
  if (load_as(root, name, id, &cfg, err) < 0)
    return -1;
  cleanup_free char *mine = id_of(cfg);
  struct pausing p = {mine, name, pause, held, false};
  int r = cocin_state_update(root, name, set_paused, &p, err);
  if (r < 0 && p.changed && pause) {
    /* frozen, but the record could not say so: nobody would thaw it */
    thaw_recorded(cfg);
  }
  cJSON_Delete(cfg);
  return r;
}

int cocin_pause(const char *root, const char *name, const char *id, bool pause,
                cocin_error_t *err)
{
  return pause_as(root, name, id, pause, NULL, err);
}

int pause_held(const char *root, const char *name, const char *id, bool pause,
               const char *token, cocin_error_t *err)
{
  return pause_as(root, name, id, pause, token, err);
}

/* A paused container sent a signal that ends it (stop's TERM, a KILL):
 * thawed, so that it can act on it, as docker does; no longer paused.
 * Looked at under the lock (a pause may have come since cfg was read):
 * one that is not paused is left as it is. */
static void thaw_for(const char *root, const char *name, const cJSON *cfg)
{
  struct pausing p = {cj_str(cfg, "id"), name, false, NULL, false};
  cocin_error_t e = NULL;
  if (cocin_state_update(root, name, set_paused, &p, &e) < 0 &&
      cocin_error_status(&e) != EALREADY && cocin_error_status(&e) != ESRCH &&
      cocin_error_status(&e) != ENOENT) {
    /* the record could not say so: thawed all the same */
    thaw_recorded(cfg);
  }
  cocin_error_release(&e);
}

static bool is_starting(const cJSON *cfg)
{
  const char *st = cj_str(cfg, "status");
  return st && !strcmp(st, "created") && !cocin_state_is_new(cfg);
}

/* The record once its start is over, as docker's stop waits for a start:
 * stopped then, a starting container would run on after a stop that said
 * done; killed, its run would fail.  A start takes milliseconds: after
 * 10 s (a monitor held up) the record is taken as it is. */
static int load_started(const char *root, const char *name, const char *id, cJSON **cfg,
                        cocin_error_t *err)
{
  cleanup_free char *first = NULL;
  for (int ms = 0;; ms += 10) {
    if (load_as(root, name, id, cfg, err) < 0)
      return -1;
    if (id == NULL) { /* the one found first, from now on */
      first = id_of(*cfg);
      id = first;
    }
    if (!is_starting(*cfg) || ms >= 10000)
      return 0;
    cleanup_close int mfd = monitor_pidfd(*cfg);
    if (mfd < 0) /* no monitor: a stale record, read as it is */
      return 0;
    cJSON_Delete(*cfg);
    *cfg = NULL;
    pidfd_wait(mfd, 10);
  }
}

/* Take back a stop's or an rm's mark (key) of the container of that id,
 * when the stop or rm did not finish: left, it would refuse every later
 * pause (stopRequested) or start (removeRequested) of a container that
 * lives on. */
struct request {
  const char *id, *key;
};

static int clear_request(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct request *r = data;
  if (cocin_state_check_id(cfg, r->id, err) < 0)
    return -1;
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, r->key);
  return 0;
}

static void unmark(const char *root, const char *name, const char *id, const char *key)
{
  struct request r = {id, key};
  (void)cocin_state_update_volatile(root, name, clear_request, &r, NULL);
}

int cocin_stop(const char *root, const char *name, const char *id, int timeout, int given_sig,
               cocin_error_t *err)
{
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  name = now;
  cJSON *cfg = NULL;
  for (int tries = 0;; tries++) {
    if (load_started(root, name, id, &cfg, err) < 0)
      return -1;
    if (is_running(cfg))
      break;
    /* already exited: not an error, rm still works; a restart --restart
     * has pending is taken back, unless it has begun (then it is stopped
     * as it runs) */
    int r = cj_bool(cfg, "restarting") && tries < 3
                ? cocin_state_update_volatile(root, name, take_back_restart,
                                              (void *)cj_str(cfg, "id"), NULL)
                : 0;
    cJSON_Delete(cfg);
    cfg = NULL;
    if (r != 1)
      return 0;
  }
  /* "stopped", not "exited", once it ends; a record that cannot be
   * written (a full filesystem) does not keep it from stopping */
  cocin_error_t serr = NULL;
  if (cocin_state_update(root, name, set_stop_requested, (void *)cj_str(cfg, "id"), &serr) < 0 &&
      cocin_error_status(&serr) == ENOENT) {
    cJSON_Delete(cfg);
    cocin_error_release(&serr);
    return cocin_fail(err, ENOENT, "no such container: %s", name); /* removed meanwhile */
  }
  cocin_error_release(&serr);
  cleanup_close int pfd = init_pidfd(cfg);
  if (timeout == COCIN_TIMEOUT_DEFAULT) /* its --stop-timeout, or docker's 10 s */
    timeout = cocin_spec_stop_timeout(cfg, 10);
  int sig = given_sig > 0 ? given_sig : cocin_spec_stop_signal(cfg);
  if (pfd >= 0) {
    sys_pidfd_send_signal(pfd, sig > 0 ? sig : SIGTERM);
    thaw_for(root, name, cfg);
    int w = pidfd_wait_interruptible(pfd, timeout < 0 ? -1 : timeout * 1000);
    if (w < 0) {
      unmark(root, name, cj_str(cfg, "id"), "stopRequested");
      cJSON_Delete(cfg);
      return cocin_fail(err, EINTR, "stop %s: interrupted", name);
    }
    if (w == 0) {
      struct cocin_cgroup *cg = NULL;
      if (load_cgroup(cfg, &cg) == 0 && cg) {
        cocin_cgroup_kill(cg, SIGKILL, NULL);
        cocin_cgroup_free(cg);
      }
      sys_pidfd_send_signal(pfd, SIGKILL);
      pidfd_wait(pfd, 10000);
    }
  }
  wait_monitor(cfg);
  cJSON_Delete(cfg);
  return 0;
}

/* --restart: an end that KILL or the container's stop signal brings is
 * the user's, and final (docker's rule, but for signals a server takes as
 * a command: kill -s HUP still leaves the policy on) */
static bool final_signal(const cJSON *cfg, int sig)
{
  int stop_sig = cocin_spec_stop_signal(cfg);
  return sig == SIGKILL || sig == (stop_sig > 0 ? stop_sig : SIGTERM);
}

int cocin_kill(const char *root, const char *name, const char *id, int sig, cocin_error_t *err)
{
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  name = now;
  cJSON *cfg = NULL;
  cleanup_free char *first = NULL;
  for (int tries = 0;; tries++) {
    /* after a restart that had begun: the record once that start is over */
    if ((tries ? load_started : load_as)(root, name, id, &cfg, err) < 0)
      return -1;
    if (id == NULL) { /* the one found first, from now on */
      first = id_of(cfg);
      id = first;
    }
    /* A container waiting to be restarted (--restart): nothing runs, and
     * KILL or its stop signal takes the restart back, as stop does (docker
     * kills a restarting container so); 1: that restart has begun, and
     * what it started is killed. */
    if (is_running(cfg) || !cj_bool(cfg, "restarting") || !final_signal(cfg, sig) || tries >= 3)
      break;
    int r = cocin_state_update_volatile(root, name, take_back_restart, (void *)id, err);
    cJSON_Delete(cfg);
    cfg = NULL;
    if (r != 1)
      return r < 0 ? -1 : 0;
  }
  bool running = is_running(cfg);
  cleanup_close int pfd = running ? init_pidfd(cfg) : -1;
  bool final = pfd >= 0 && final_signal(cfg, sig);
  if (final) {
    int policy, max;
    final = cocin_spec_restart(cfg, &policy, &max) == 0 && policy != COCIN_RESTART_NO &&
            cocin_state_update(root, name, set_no_restart, (void *)cj_str(cfg, "id"), NULL) == 0;
  }
  int r = 0;
  if (!running || pfd < 0)
    r = cocin_fail(err, ESRCH, "container %s is not running", name);
  else if (sys_pidfd_send_signal(pfd, sig) < 0)
    r = cocin_fail_errno(err, "kill %s", name);
  else if (sig == SIGKILL) /* a frozen process dies only once thawed (v1); this one, by its id */
    thaw_for(root, name, cfg);
  if (r < 0 && final)
    unmark(root, name, cj_str(cfg, "id"), "noRestart");
  cJSON_Delete(cfg);
  return r;
}

int cocin_rm(const char *root, const char *name, const char *id, unsigned flags,
             cocin_error_t *err)
{
  bool force = flags & COCIN_RM_FORCE, volumes = flags & COCIN_RM_VOLUMES;
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  name = now;
  cJSON *cfg = NULL;
  if (load_as(root, name, id, &cfg, err) < 0) {
    if (id) /* not the container meant */
      return -1;
    if (cocin_error_status(err) == ENOENT) { /* or a dead run's bare directory */
      cocin_error_t lerr = NULL;
      int r = container_remove_leftover(root, name, &lerr);
      if (r != 0) /* removed, or its reason instead of "no such container" */
        cocin_error_release(err);
      if (r < 0 && err)
        *err = steal_ptr(lerr);
      cocin_error_release(&lerr);
      return r > 0 ? 0 : -1;
    }
    /* rm -f of a container whose config.json is unreadable (a crash lost
     * its data): nothing is known to run, its directory goes */
    if (!force || cocin_error_status(err) == 0)
      return -1;
    cocin_error_release(err);
    if (container_remove(root, name, NULL, NULL, false, false, err) < 0)
      return -1;
    cocin_trash_sweep(root);
    return 0;
  }
  bool starting = is_starting(cfg); /* a stale one reads as exited */
  bool marked = false;
  if (force) {
    /* Marked first: from now on no start claims it (a start of an exited
     * container may be claiming it this very moment); then looked at
     * again, to act on what it is now. */
    cleanup_free char *seen = id_of(cfg);
    /* not fsync'ed: the record is about to go (a crash forgets the mark) */
    if (cocin_state_update_volatile(root, name, set_remove_requested, seen, NULL) == 0) {
      marked = true;
      cJSON_Delete(cfg);
      cfg = NULL;
      if (load_as(root, name, seen, &cfg, err) < 0) {
        if (cocin_error_status(err) != ENOENT) {
          unmark(root, name, seen, "removeRequested");
          return -1;
        }
        cocin_error_release(err); /* removed meanwhile: done */
        return 0;
      }
      starting = is_starting(cfg);
    }
  }
  /* Waiting to be restarted (--restart): nothing runs, it goes without
   * -f.  The restart is taken back first, or else its start could claim
   * the container between this look and the removal's; 1: it has. */
  if (!force && !starting && !is_running(cfg) && cj_bool(cfg, "restarting")) {
    cleanup_free char *seen = id_of(cfg);
    int r = cocin_state_update_volatile(root, name, take_back_restart, seen, err);
    if (r < 0) {
      cJSON_Delete(cfg);
      return -1;
    }
    if (r == 1) {
      cJSON_Delete(cfg);
      cfg = NULL;
      if (load_as(root, name, seen, &cfg, err) < 0)
        return -1;
      starting = is_starting(cfg);
    }
  }
  if (!force && (is_running(cfg) || starting)) {
    cJSON_Delete(cfg);
    return cocin_fail(err, EBUSY, "container %s is %s: stop it first, or use rm -f", name,
                      starting ? "starting" : "running");
  }
  /* from here on this container only, whoever takes the name meanwhile */
  cleanup_free char *mine = id_of(cfg);
  int r = 0;
  if (is_running(cfg)) {
    r = cocin_stop(root, name, mine, 0, 0, err);
  } else {
    if (starting) {
      /* its init may not be in its cgroup yet (that removal would miss
       * it, and the files go while it mounts its root there): by pid.
       * The mark first: the run it fails says it was removed. */
      if (!marked)
        marked = cocin_state_update_volatile(root, name, set_remove_requested, mine, NULL) == 0;
      cleanup_close int pfd = init_pidfd(cfg);
      if (pfd >= 0 && sys_pidfd_send_signal(pfd, SIGKILL) == 0)
        pidfd_wait(pfd, 10000);
    }
    wait_monitor(cfg); /* it may still be writing the exit down */
  }
  cJSON_Delete(cfg);
  /* under its lock, where rm without -f looks again; gone meanwhile (a
   * --rm container's monitor, another rm) is removed all the same */
  if (r == 0) {
    /* renamed while it was stopped: removed by its new name */
    cleanup_free char *cur = cocin_state_follow(root, name, mine);
    r = container_remove(root, cur, mine, NULL, !force, volumes, err);
  }
  if (r < 0 && cocin_error_status(err) != ENOENT) {
    if (marked) /* it lives on: a later start or rm must not find it "being removed" */
      unmark(root, name, mine, "removeRequested");
    return -1;
  }
  cocin_error_release(err);
  cocin_trash_sweep(root); /* what a killed monitor left */
  return 0;
}

void waiter_notify(const char *dir, int code)
{
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (strncmp(de->d_name, COCIN_WAITER_PREFIX, strlen(COCIN_WAITER_PREFIX)))
      continue;
    /* a FIFO with its reader there (ENXIO: none), never a file to fill */
    cleanup_close int fd =
        openat(dirfd(d), de->d_name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
      (void)!dprintf(fd, "%d\n", code);
  }
}

/* A --rm container's record goes with it, exit code and all: its waiter
 * leaves a FIFO in its directory, made under its lock while the record
 * says it runs, and the monitor that takes the container away (under the
 * same lock) writes the code into each one there (waiter_notify).
 * Returns 1 with the FIFO open for reading in *fd, 0 if the container
 * ended meanwhile (the record says so again), -1 with err. */
/* A waiter's FIFO: its name in the container's directory, held by an fd
 * (the directory, renamed, is still the one) */
struct fifo_ref {
  int dir;
  char *name;
};

static int waiter_fifo(const char *root, const char *name, const char *id, int *fd,
                       struct fifo_ref *ref, cocin_error_t *err)
{
  cocin_error_t lerr = NULL;
  cleanup_close int lock = cocin_state_lock(root, name, &lerr);
  if (lock < 0) { /* gone already: the record says so again */
    int gone = cocin_error_status(&lerr) == ENOENT;
    if (!gone && err)
      *err = steal_ptr(lerr);
    cocin_error_release(&lerr);
    return gone ? 0 : -1;
  }
  cJSON *cfg = NULL; /* raw: cocin_state_load may take the lock */
  (void)cocin_state_load_raw(root, name, &cfg, NULL);
  const char *st = cfg ? cj_str(cfg, "status") : NULL;
  bool runs = st && (!strcmp(st, "running") || !strcmp(st, "created")) && cocin_state_check_id(cfg, id, NULL) == 0;
  cJSON_Delete(cfg);
  if (!runs) /* ended, or gone: the record says which */
    return 0;
  char rnd[65];
  if (cocin_random_id(rnd, err) < 0)
    return -1;
  cleanup_free char *dir = cocin_container_dir(root, name);
  cleanup_free char *base = xasprintf(COCIN_WAITER_PREFIX "%.16s", rnd);
  cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return cocin_fail_errno(err, "wait for %s: open %s", name, dir);
  if (mkfifoat(dfd, base, 0600) < 0)
    return cocin_fail_errno(err, "wait for %s: make %s/%s", name, dir, base);
  *fd = openat(dfd, base, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (*fd < 0) {
    cocin_fail_errno(err, "wait for %s: open %s/%s", name, dir, base);
    unlinkat(dfd, base, 0);
    return -1;
  }
  ref->dir = steal_fd(dfd);
  ref->name = steal_ptr(base);
  return 1;
}

/* The code the monitor wrote into the FIFO, or -1 if none (yet). */
static int waiter_code(int fd)
{
  char buf[32];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  long code;
  buf[strcspn(buf, "\n")] = '\0';
  return parse_long(buf, 0, 255, &code) ? (int)code : -1;
}

/* A waiter's FIFO goes with it, however it returns (from the directory
 * it was made in, under whatever name that has now). */
static void unlink_fifo(struct fifo_ref *f)
{
  if (f->name && f->dir >= 0)
    unlinkat(f->dir, f->name, 0);
  free(f->name);
  if (f->dir >= 0)
    close(f->dir);
}

int cocin_wait(const char *root, const char *name, const char *id, bool (*interrupted)(void),
               cocin_error_t *err)
{
  cleanup_close int fifo = -1;
  __attribute__((cleanup(unlink_fifo))) struct fifo_ref fifo_ref = {-1, NULL};
  cleanup_free char *mine = NULL, *now = NULL;
  for (;;) {
    /* by its id once known: a rename meanwhile is followed */
    char *again = cocin_state_follow(root, name, id);
    free(now);
    name = now = again;
    cJSON *cfg = NULL;
    if (load_as(root, name, id, &cfg, err) < 0) {
      if (fifo >= 0) { /* taken away: the monitor may have written first */
        int code = waiter_code(fifo);
        if (code >= 0) {
          cocin_error_release(err);
          return code;
        }
      }
      return -1;
    }
    const char *st = cj_str(cfg, "status");
    bool done = st && (!strcmp(st, "exited") || !strcmp(st, "stopped"));
    int code = (int)cj_int(cfg, "exitCode", -1);
    bool autoremove = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "autoRemove"));
    if (id == NULL) { /* the one found first, from now on */
      mine = id_of(cfg);
      id = mine;
    }
    cleanup_close int mfd = done ? -1 : monitor_pidfd(cfg);
    cJSON_Delete(cfg);
    if (done)
      return code < 0 ? 255 : code;
    if (autoremove && fifo < 0) {
      if (waiter_fifo(root, name, id, &fifo, &fifo_ref, err) < 0)
        return -1;
      continue; /* made, or ended meanwhile: the record again */
    }
    if (mfd >= 0 || fifo >= 0) {
      struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = mfd, .events = POLLIN}};
      for (;;) {
        int r = poll(p, 2, 200);
        if (r > 0 && (p[0].revents & (POLLIN | POLLHUP))) {
          int c = waiter_code(fifo);
          if (c >= 0)
            return c;
          p[0].fd = -1; /* a writer that wrote nothing: the monitor tells */
        }
        if (r > 0 && (p[1].revents & (POLLIN | POLLHUP)))
          break;
        if (r == 0 && mfd < 0)
          break; /* no monitor to watch: look at the record again */
        if (interrupted && interrupted())
          return cocin_fail(err, EINTR, "wait for %s: interrupted", name);
      }
    } else {
      struct timespec ts = {0, 100 * 1000 * 1000};
      nanosleep(&ts, NULL);
      if (interrupted && interrupted())
        return cocin_fail(err, EINTR, "wait for %s: interrupted", name);
    }
  }
}

/* docker's rename: the directory moves to the new name (renameat2's
 * NOREPLACE refuses a name in use, as run's mkdir does) and the record
 * says it, under the container's lock.  Whoever acts on it by its id
 * follows it (cocin_state_follow): its monitor, a foreground run's
 * signals, wait, logs -f, cocinfs's open files. */
int cocin_rename(const char *root, const char *name, const char *id, const char *to,
                 cocin_error_t *err)
{
  if (cocin_name_check(to, err) < 0)
    return -1;
  cleanup_free char *now = cocin_state_follow(root, name, id);
  name = now;
  cleanup_close int lock = cocin_state_lock(root, name, err);
  if (lock < 0)
    return -1;
  cJSON *cfg = NULL;
  if (cocin_state_load_raw(root, name, &cfg, err) < 0)
    return -1;
  int r = 0;
  if (cocin_state_check_id(cfg, id, NULL) < 0)
    r = cocin_fail(err, ENOENT, "no such container: %s", name);
  else if (cj_bool(cfg, "removeRequested"))
    r = cocin_fail(err, EBUSY, "container %s is being removed", name);
  else if (is_starting(cfg))
    r = cocin_fail(err, EBUSY, "container %s is starting: rename it once it runs", name);
  else if (!strcmp(name, to))
    r = cocin_fail(err, EINVAL, "container %s has that name already", name);
  cleanup_free char *from = cocin_container_dir(root, name);
  cleanup_free char *dest = cocin_container_dir(root, to);
  if (r == 0 && renameat2(AT_FDCWD, from, AT_FDCWD, dest, RENAME_NOREPLACE) < 0) {
    if (errno == EEXIST || errno == ENOTEMPTY)
      r = cocin_fail(err, EEXIST, "the container name \"%s\" is already in use", to);
    else
      r = cocin_fail_errno(err, "rename %s to %s", name, to);
  }
  if (r == 0) {
    cj_set_str(cfg, "name", to);
    if (cocin_state_save(root, to, cfg, err) < 0) {
      (void)renameat2(AT_FDCWD, dest, AT_FDCWD, from, RENAME_NOREPLACE);
      r = cocin_error_wrap(err, "rename %s", name);
    }
  }
  cJSON_Delete(cfg);
  return r;
}

/* ---- update --------------------------------------------------------------- */

struct updating {
  const char *id, *name;
  const struct cocin_limits *given;
  int restart, restart_max; /* -1: not given */
  cocin_error_t err; /* the cgroup's refusal, after the record kept what was made */
};

/* update --restart: a policy for a --rm container is refused */
static int restart_refused(const cJSON *cfg, const struct updating *u, cocin_error_t *err)
{
  if (u->restart <= COCIN_RESTART_NO || !cj_bool(cfg, "autoRemove"))
    return 0;
  return cocin_fail(err, EINVAL,
                    "update %s: --restart %s: it is removed when it ends (--rm), it cannot run "
                    "again",
                    u->name, cocin_restart_name(u->restart));
}

/* update --restart: the policy kept for the container's next ends; a
 * restart that waits, the new policy would not have made, is taken back
 * ("no": as stop takes it back) */
static void set_restart(cJSON *cfg, const struct updating *u)
{
  cocin_restart_to_json(cfg, u->restart, u->restart_max);
  if (!cocin_restart_applies(u->restart, u->restart_max, (int)cj_int(cfg, "exitCode", 0),
                             cj_int(cfg, "restartCount", 0)))
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restarting");
}

/* given's limits over l's (what given leaves 0 or NULL stays) */
static void limits_merge(struct cocin_limits *l, const struct cocin_limits *given)
{
  if (given->memory)
    l->memory = given->memory;
  if (given->memory_swap)
    l->memory_swap = given->memory_swap;
  if (given->cpu_given) /* (--cpus, kept in the record, or not) */
    l->cpu_given = given->cpu_given;
  if (given->cpu_given & COCIN_CPU_GIVEN_CPUS) {
    l->cpu_period = given->cpu_period;
    l->cpu_quota = given->cpu_quota;
  } else if (given->cpu_given) { /* the one given; the other as it was, or its default */
    if (given->cpu_given & COCIN_CPU_GIVEN_PERIOD)
      l->cpu_period = given->cpu_period;
    if (given->cpu_given & COCIN_CPU_GIVEN_QUOTA)
      l->cpu_quota = given->cpu_quota;
    if (l->cpu_period == 0)
      l->cpu_period = given->cpu_period;
    if (l->cpu_quota == 0)
      l->cpu_quota = given->cpu_quota;
  }
  if (given->cpu_shares)
    l->cpu_shares = given->cpu_shares;
  if (given->pids_limit)
    l->pids_limit = given->pids_limit;
  if (given->cpuset_cpus) {
    free(l->cpuset_cpus);
    l->cpuset_cpus = xstrdup(given->cpuset_cpus);
  }
  if (given->cpuset_mems) {
    free(l->cpuset_mems);
    l->cpuset_mems = xstrdup(given->cpuset_mems);
  }
}

static int set_limits(cJSON *cfg, void *data, cocin_error_t *err)
{
  struct updating *u = data;
  if (cocin_state_check_id(cfg, u->id, err) < 0)
    return -1;
  if (restart_refused(cfg, u, err) < 0) /* (then nothing changes) */
    return -1;
  /* --restart alone: the policy is read only when the container ends,
   * so it is kept whatever the container is doing (a starting one too) */
  if (!cocin_limits_any(u->given)) {
    set_restart(cfg, u);
    return 0;
  }
  const char *st = cj_str(cfg, "status");
  if (st && !strcmp(st, "created") && !cocin_state_is_new(cfg))
    return cocin_fail(err, EBUSY, "container %s is starting: update it once it runs", u->name);
  struct cocin_limits all;
  if (cocin_limits_from_json(cJSON_GetObjectItemCaseSensitive(cfg, "limits"), &all, err) < 0)
    return cocin_error_wrap(err, "container %s", u->name);
  bool swap_kept = !u->given->memory_swap && all.memory_swap > 0;
  /* CPUs given with --cpus: a period or a quota alone would change their
   * number unseen (docker refuses it too); --cpus over a quota and period
   * replaces both, and is taken */
  if ((all.cpu_given & COCIN_CPU_GIVEN_CPUS) && !(u->given->cpu_given & COCIN_CPU_GIVEN_CPUS) &&
      (u->given->cpu_given & (COCIN_CPU_GIVEN_PERIOD | COCIN_CPU_GIVEN_QUOTA))) {
    cocin_limits_free(&all);
    return cocin_fail(err, EINVAL,
                      "update %s: --%s: its CPUs were given with --cpus: change them with --cpus",
                      u->name,
                      u->given->cpu_given & COCIN_CPU_GIVEN_PERIOD ? "cpu-period" : "cpu-quota");
  }
  limits_merge(&all, u->given);
  if (swap_kept && all.memory > all.memory_swap) {
    int64_t sw = all.memory_swap;
    cocin_limits_free(&all);
    return cocin_fail(err, EINVAL,
                      "update %s: its memory+swap limit (--memory-swap %" PRId64
                      " bytes) is below the new memory limit: give --memory-swap too",
                      u->name, sw);
  }
  if (cocin_limits_check(&all, err) < 0) {
    cocin_limits_free(&all);
    return cocin_error_wrap(err, "update %s", u->name);
  }
  if (is_running(cfg)) {
    struct cocin_cgroup *cg = NULL;
    if (load_cgroup(cfg, &cg) < 0 || cg == NULL) {
      cocin_limits_free(&all);
      return cocin_fail(err, ENOTSUP, "container %s has no cgroup", u->name);
    }
    size_t dirs = cocin_cgroup_ndirs(cg);
    if (cocin_cgroup_update(cg, cj_str(cfg, "cgroupParent"), (pid_t)cj_int(cfg, "pid", 0),
                            u->given, &all, &u->err) == 0)
      cj_set_item(cfg, "limits", cocin_limits_to_json(&all));
    /* what it made (v1's cpuset) is recorded whatever came after: its
     * removal finds it there (a --rm container's monitor, which knows
     * the cgroup it made, is told to look) */
    if (cocin_cgroup_ndirs(cg) != dirs) {
      cj_set_item(cfg, "cgroup", cocin_cgroup_to_json(cg));
      cj_set_bool(cfg, "cgroupUpdated", true);
    }
    cocin_cgroup_free(cg);
  } else { /* for its next start: one it can take */
    struct cocin_cgroup *plan = NULL;
    cleanup_free char *leaf = xstrdup(cj_str(cfg, "id") ? cj_str(cfg, "id") : u->name);
    if (cocin_cgroup_plan(leaf, cj_str(cfg, "cgroupParent"), &all, &plan, err) < 0) {
      cocin_limits_free(&all);
      return cocin_error_wrap(err, "update %s", u->name);
    }
    cocin_cgroup_free(plan);
    cj_set_item(cfg, "limits", cocin_limits_to_json(&all));
  }
  cocin_limits_free(&all);
  if (u->restart >= 0 && u->err == NULL) /* (a limit the kernel refused: no new policy either) */
    set_restart(cfg, u);
  return 0;
}

int cocin_update(const char *root, const char *name, const char *id,
                 const struct cocin_limits *given, int restart, int restart_max,
                 cocin_error_t *err)
{
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  struct updating u = {id, now, given, restart, restart_max, NULL};
  if (cocin_state_update(root, now, set_limits, &u, err) < 0) {
    cocin_error_release(&u.err);
    return -1;
  }
  if (u.err) {
    if (err && *err == NULL)
      *err = steal_ptr(u.err);
    cocin_error_release(&u.err);
    return cocin_error_wrap(err, "update %s", now);
  }
  return 0;
}
