/* cocin — start and restart: an exited or stopped container runs again,
 * its id, record, layer and log kept (docker's start).  The caller looks
 * and prepares as run does (launch, run.c); the container's monitor claims
 * it under its lock before it clones the init, records the init, and
 * records a failed start as an exit (run's codes). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

/* What a container's last run left in its record, forgotten when it
 * starts again (its pids, how it ended). */
static void forget_last_run(cJSON *cfg)
{
  static const char *const keys[] = {
      "pid",        "pidStartTime",  "monitorPid", "monitorStartTime", "exitCode",
      "oomKilled",  "finishedAt",    "stopRequested", "startedAt",    "paused",
      "pauseHeld",  "noRestart",     "restarting", "restarterPid",   "restarterStartTime"};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, keys[i]);
}

/* start: the monitor's claim, its first record, before it clones the
 * init (which mounts the container's layers at once): an exited or
 * stopped container becomes starting (created), by this monitor; its
 * id, name, createTime and what it was run with stay.  Running already:
 * EALREADY; starting (another start): EBUSY; being removed: EBUSY.  The
 * cgroup its last run left, *old, goes once the claim is made. */
struct claim {
  const char *id;
  const char *device_policy;
  pid_t restart_by; /* --restart's restarter; 0: the user's start */
  struct cocin_cgroup *old;
};

static int record_claim(cJSON *cfg, void *data, cocin_error_t *err)
{
  struct claim *c = data;
  if (cocin_state_check_id(cfg, c->id, err) < 0)
    return -1;
  const char *name = cj_str(cfg, "name"), *st = cj_str(cfg, "status");
  if (cj_bool(cfg, "removeRequested"))
    return cocin_fail(err, EBUSY, "container %s is being removed", name ? name : "?");
  if (st && !strcmp(st, "running"))
    return cocin_fail(err, EALREADY, "container %s is running already", name ? name : "?");
  bool fresh = cocin_state_is_new(cfg); /* create's, never started */
  if (st == NULL || (strcmp(st, "exited") && strcmp(st, "stopped") && !fresh))
    return cocin_fail(err, EBUSY, "container %s is starting", name ? name : "?");
  /* --restart's own start: only while the restart is wanted (stop, kill
   * and a start of the user's take it back), counted; the user's: the
   * count and the back-off begin again (docker's RestartCount) */
  if (c->restart_by &&
      (!cj_bool(cfg, "restarting") || cj_int(cfg, "restarterPid", 0) != c->restart_by ||
       cj_bool(cfg, "stopRequested") || cj_bool(cfg, "noRestart")))
    return cocin_fail(err, ECANCELED, "container %s: its restart was taken back",
                      name ? name : "?");
  if (c->restart_by)
    cj_set_num(cfg, "restartCount", (double)(cj_int(cfg, "restartCount", 0) + 1));
  else {
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restartCount");
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restartDelay");
  }
  const cJSON *cgj = cJSON_GetObjectItemCaseSensitive(cfg, "cgroup");
  if (cgj && !cJSON_IsNull(cgj) && cocin_cgroup_from_json(cgj, &c->old, NULL) < 0)
    c->old = NULL;
  forget_last_run(cfg);
  /* its health (--health-cmd) as a start leaves it, should this start not
   * get as far as its monitor's record */
  health_reset(cfg, cJSON_GetObjectItemCaseSensitive(cfg, "healthcheck") != NULL);
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "cgroup");
  cj_set_str(cfg, "status", "created");
  cj_set_num(cfg, "creatorPid", getpid());
  cj_set_num(cfg, "creatorStartTime", (double)proc_start_time(getpid()));
  cj_set_str(cfg, "devicePolicy", c->device_policy);
  /* started detached: its output goes to its log from now on ("interactive"
   * stays as it was made, docker's OpenStdin: start -ai gives a -it one
   * our input through its terminal) */
  cj_set_bool(cfg, "detach", true);
  /* create --rm: removed once it exits, as docker's is */
  if (!fresh)
    cj_set_bool(cfg, "autoRemove", false);
  return 0;
}

struct restarting {
  const char *id, *name;
  pid_t init;
  const struct cocin_cgroup *plan;
};

/* start: once the init is cloned, its pid and the cgroup planned for it
 * (what write_initial_state records for a run) */
static int record_restarting(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct restarting *r = data;
  if (cocin_state_check_id(cfg, r->id, err) < 0)
    return -1;
  if (cj_bool(cfg, "removeRequested"))
    return cocin_fail(err, ENOENT, "container %s was removed while it started", r->name);
  cj_set_num(cfg, "pid", r->init);
  cj_set_num(cfg, "pidStartTime", (double)proc_start_time(r->init));
  cj_set_item(cfg, "cgroup", cocin_cgroup_to_json(r->plan));
  return 0;
}

/* A start that failed: the container is kept, exited with the code run
 * would have given (125, or 126 and 127 for its command); only while it
 * is this monitor's start (created, by us): a removal under way takes it
 * instead.  Returns whether it recorded. */
struct failed {
  const char *id;
  int code;
};

static int record_start_failed(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct failed *f = data;
  if (cocin_state_check_id(cfg, f->id, err) < 0)
    return -1;
  const char *st = cj_str(cfg, "status");
  if (cj_bool(cfg, "removeRequested") || st == NULL || strcmp(st, "created") ||
      cj_int(cfg, "creatorPid", 0) != getpid())
    return cocin_fail(err, EALREADY, "not this start's to record");
  cleanup_free char *now = cocin_time_now();
  forget_last_run(cfg);
  cj_set_str(cfg, "status", "exited");
  cj_set_num(cfg, "exitCode", f->code);
  cj_set_bool(cfg, "oomKilled", false);
  cj_set_str(cfg, "startedAt", now);
  cj_set_str(cfg, "finishedAt", now);
  return 0;
}

bool start_failed(const char *root, const char *name, const char *id, int code)
{
  struct failed f = {id, code};
  return cocin_state_update(root, name, record_start_failed, &f, NULL) == 0;
}

int start_claim(const char *root, const char *name, const char *id, const char *device_policy,
                pid_t restart_by, cocin_error_t *err)
{
  struct claim c = {id, device_policy, restart_by, NULL};
  if (cocin_state_update_volatile(root, name, record_claim, &c, err) < 0)
    return -1;
  /* its last run's cgroup, empty since it ended: made again if the plan
   * is the same path, else gone for good */
  cocin_cgroup_destroy(c.old, NULL);
  cocin_cgroup_free(c.old);
  return 0;
}

int start_record_init(const char *root, const char *name, const char *id, pid_t init,
                      const struct cocin_cgroup *plan, cocin_error_t *err)
{
  struct restarting r = {id, name, init, plan};
  return cocin_state_update_volatile(root, name, record_restarting, &r, err);
}

/* Wait (at most 10 s) for the monitor of the container's last run to be
 * gone: it records the exit before it lets go of the old mounts, and the
 * next start mounts the same layers. */
void wait_last_monitor(const cJSON *cfg)
{
  cleanup_close int fd = pidfd_open_checked((pid_t)cj_int(cfg, "monitorPid", 0),
                                            (uint64_t)cj_int(cfg, "monitorStartTime", 0));
  if (fd < 0)
    return;
  struct pollfd p = {fd, POLLIN, 0};
  while (poll(&p, 1, 10000) < 0 && errno == EINTR)
    ;
}

/* exit_fd, stdin_fd: start -a's and -i's (cocin_start_attached), or NULL */
static int start_container(const char *root, const char *name, const char *id, bool caller_exits,
                           pid_t restart_by, int *exit_fd, int *stdin_fd, cocin_error_t *err)
{
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  name = now;
  /* a look first (a record its monitor's death left "running" is marked
   * exited by it); the monitor claims it under the lock, before its init
   * touches the layers */
  cJSON *cfg = NULL;
  if (cocin_state_load(root, name, &cfg, err) < 0)
    return cocin_error_wrap(err, "start");
  const char *st = cj_str(cfg, "status"), *found = cj_str(cfg, "id");
  int r = cocin_state_check_id(cfg, id, err);
  if (r == 0 && (found == NULL || strlen(found) != 64))
    r = cocin_fail(err, EIO, "container %s: its record has no id", name);
  if (r == 0 && st && !strcmp(st, "running")) {
    cJSON_Delete(cfg);
    return 1; /* docker's start: nothing to do */
  }
  bool fresh = cocin_state_is_new(cfg);
  if (r == 0 && (st == NULL || !strcmp(st, "created")) && !fresh)
    r = cocin_fail(err, EBUSY, "container %s is starting", name);
  struct cocin_spec spec = {0}; /* freeing an empty one is a no-op */
  if (r == 0)
    r = cocin_spec_from_json(cfg, &spec, err);
  if (r == 0 && (spec.name == NULL || strcmp(spec.name, name))) {
    /* its directory's name is its name (a rename cut short by a crash
     * moved the one and not yet the record) */
    free(spec.name);
    spec.name = xstrdup(name);
  }
  char idbuf[65];
  snprintf(idbuf, sizeof(idbuf), "%s", found ? found : "");
  if (r == 0)
    wait_last_monitor(cfg);
  cJSON_Delete(cfg);
  if (r < 0) {
    cocin_spec_free(&spec);
    return cocin_error_wrap(err, "start");
  }
  /* detached, as docker's start is without -a: the output to the log
   * (with -t, a logged pty, as -dt; with -i and no -t, a stdin its
   * monitor lends to attach, as -di) */
  spec.detach = true;
  spec.autoremove = spec.autoremove && fresh;
  spec.restart_by = restart_by;
  struct cocin_run_io io = {{0, 1, 2}, -1, {0}, caller_exits, exit_fd != NULL, stdin_fd != NULL};
  struct cocin_run_result res = {.exit_fd = -1, .log_fd = -1, .stdin_fd = -1};
  r = launch(root, &spec, &io, idbuf, &res, err);
  if (r == 0 && exit_fd)
    *exit_fd = res.exit_fd;
  else if (res.exit_fd >= 0)
    close(res.exit_fd);
  if (r == 0 && stdin_fd)
    *stdin_fd = res.stdin_fd;
  else if (res.stdin_fd >= 0)
    close(res.stdin_fd);
  cocin_spec_free(&spec);
  if (r < 0 && cocin_error_status(err) == EALREADY) { /* another start won */
    cocin_error_release(err);
    return 1;
  }
  return r < 0 ? -1 : 0; /* launch's messages begin "start: " */
}

int cocin_start(const char *root, const char *name, const char *id, bool caller_exits,
                cocin_error_t *err)
{
  return start_container(root, name, id, caller_exits, 0, NULL, NULL, err);
}

int cocin_start_attached(const char *root, const char *name, const char *id, int *exit_fd,
                         int *stdin_fd, cocin_error_t *err)
{
  *exit_fd = -1;
  if (stdin_fd)
    *stdin_fd = -1;
  return start_container(root, name, id, false, 0, exit_fd, stdin_fd, err);
}

int start_auto(const char *root, const char *name, const char *id, cocin_error_t *err)
{
  return start_container(root, name, id, true, getpid(), NULL, NULL, err);
}

int cocin_restart(const char *root, const char *name, const char *id, int timeout, int sig,
                  bool caller_exits, cocin_error_t *err)
{
  if (cocin_stop(root, name, id, timeout, sig, err) < 0)
    return cocin_error_wrap(err, "restart");
  int r = cocin_start(root, name, id, caller_exits, err);
  if (r == 1) /* the stop gave up waiting (a monitor held up), or it was started again meanwhile */
    return cocin_fail(err, EBUSY, "restart: container %s is still running", name);
  return r;
}
