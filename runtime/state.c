/* cocin — the state store (see include/cocin/state.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/state.h"
#include "cocin/util.h"

const char *cocin_root_resolve(const char *arg)
{
  if (arg && *arg)
    return arg;
  const char *e = getenv("COCIN_ROOT");
  if (e && *e)
    return e;
  return COCIN_DEFAULT_ROOT;
}

char *cocin_container_dir(const char *root, const char *name)
{
  return xasprintf("%s/containers/%s", root, name);
}

char *cocin_container_file(const char *root, const char *name, const char *file)
{
  return xasprintf("%s/containers/%s/%s", root, name, file);
}

const char *cocin_state_name(enum cocin_state s)
{
  switch (s) {
  case COCIN_STATE_CREATED:
    return "created";
  case COCIN_STATE_RUNNING:
    return "running";
  case COCIN_STATE_EXITED:
    return "exited";
  case COCIN_STATE_STOPPED:
    return "stopped";
  default:
    return "unknown";
  }
}

const char *cj_str(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t cj_int(const cJSON *o, const char *key, int64_t def)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (cJSON_IsNumber(v))
    return (int64_t)v->valuedouble;
  if (cJSON_IsString(v) && v->valuestring[0]) /* the seed stored pid as a string */
    return strtoll(v->valuestring, NULL, 10);
  return def;
}

bool cj_bool(const cJSON *o, const char *key)
{
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

void cj_set_item(cJSON *o, const char *key, cJSON *item)
{
  if (cJSON_GetObjectItemCaseSensitive(o, key))
    cJSON_ReplaceItemInObjectCaseSensitive(o, key, item);
  else
    cJSON_AddItemToObject(o, key, item);
}

void cj_set_str(cJSON *o, const char *key, const char *val)
{
  cj_set_item(o, key, cJSON_CreateString(val));
}

void cj_set_num(cJSON *o, const char *key, double val)
{
  cj_set_item(o, key, cJSON_CreateNumber(val));
}

void cj_set_bool(cJSON *o, const char *key, bool val)
{
  cj_set_item(o, key, cJSON_CreateBool(val));
}

int cocin_state_check_id(const cJSON *cfg, const char *id, cocin_error_t *err)
{
  const char *have = cj_str(cfg, "id");
  if (id && (have == NULL || strcmp(have, id)))
    return cocin_fail(err, ENOENT, "the container was removed");
  return 0;
}

int cocin_state_load_raw(const char *root, const char *name, cJSON **out, cocin_error_t *err)
{
  cleanup_free char *path = cocin_container_file(root, name, "config.json");
  cleanup_free char *buf = NULL;
  cocin_error_t e = NULL;
  if (read_all_file(path, &buf, NULL, &e) < 0) {
    int st = e->status;
    cocin_error_release(&e);
    if (st == ENOENT || st == ENOTDIR)
      return cocin_fail(err, ENOENT, "no such container: %s", name);
    return cocin_fail(err, st, "read %s: %s", path, strerror(st));
  }
  cJSON *j = cJSON_Parse(buf);
  if (j == NULL || !cJSON_IsObject(j) || cj_str(j, "status") == NULL) {
    cJSON_Delete(j); /* not a record cocin wrote */
    return cocin_fail(err, EIO, "%s: corrupt config.json", path);
  }
  *out = j;
  return 0;
}

static int state_save(const char *root, const char *name, const cJSON *cfg, bool durable,
                      cocin_error_t *err)
{
  cleanup_free char *path = cocin_container_file(root, name, "config.json");
  cleanup_free char *text = cJSON_Print(cfg);
  if (text == NULL)
    abort();
  size_t len = strlen(text);
  text = xrealloc(text, len + 2);
  text[len] = '\n';
  text[len + 1] = '\0';
  /* an --rm container's record goes at its end: what a crash would take
   * from it (it may come back empty, see enum write_mode) is not kept */
  bool disposable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "autoRemove"));
  return write_file_atomic_flags(path, text, len + 1, 0644,
                                 durable      ? WRITE_DURABLE
                                 : disposable ? WRITE_DISPOSABLE
                                              : WRITE_PLAIN,
                                 err);
}

int cocin_state_save(const char *root, const char *name, const cJSON *cfg, cocin_error_t *err)
{
  return state_save(root, name, cfg, true, err);
}

int cocin_state_save_flags(const char *root, const char *name, const cJSON *cfg, bool durable,
                           cocin_error_t *err)
{
  return state_save(root, name, cfg, durable, err);
}

int cocin_state_lock(const char *root, const char *name, cocin_error_t *err)
{
  /* The lock is the container's directory itself (flock works on any
   * open file): no lock file to make at run and to delete at rm. */
  cleanup_free char *path = cocin_container_dir(root, name);
  cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return cocin_fail(err, ENOENT, "no such container: %s", name);
    return cocin_fail_errno(err, "open %s", path);
  }
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return cocin_fail_errno(err, "lock %s", path);
  /* Whoever held it may have removed the container (its directory renamed
   * away), and the name may be in use again: the lock is ours only if it
   * is still the directory at the path. */
  struct stat held, now;
  if (fstat(fd, &held) < 0 || stat(path, &now) < 0 || held.st_ino != now.st_ino ||
      held.st_dev != now.st_dev)
    return cocin_fail(err, ENOENT, "no such container: %s", name);
  return steal_fd(fd);
}

/* The process recorded as running is gone and nobody recorded why (its
 * monitor was killed, or the host rebooted). */
static bool alive(const cJSON *cfg, const char *pidkey, const char *startkey)
{
  pid_t pid = (pid_t)cj_int(cfg, pidkey, 0);
  uint64_t start = (uint64_t)cj_int(cfg, startkey, 0);
  return pid > 0 && start && proc_start_time(pid) == start;
}

bool cocin_state_is_new(const cJSON *cfg)
{
  const char *st = cj_str(cfg, "status");
  return st && !strcmp(st, "created") && !cJSON_GetObjectItemCaseSensitive(cfg, "creatorPid");
}

static bool stale_running(const cJSON *cfg)
{
  const char *st = cj_str(cfg, "status");
  if (cocin_state_is_new(cfg))
    return false;
  if (st && !strcmp(st, "created")) /* whoever ran it died before it recorded it running */
    return !alive(cfg, "creatorPid", "creatorStartTime") &&
           !alive(cfg, "monitorPid", "monitorStartTime");
  if (st == NULL || strcmp(st, "running"))
    return false;
  pid_t pid = (pid_t)cj_int(cfg, "pid", 0);
  uint64_t start = (uint64_t)cj_int(cfg, "pidStartTime", 0);
  if (pid <= 0)
    return true;
  uint64_t now = proc_start_time(pid);
  /* no recorded start time: the pid cannot be trusted */
  return now == 0 || start == 0 || now != start;
}

static int mark_lost(cJSON *cfg, void *data, cocin_error_t *err)
{
  if (!stale_running(cfg))
    return 0;
  /* Give a live monitor the chance to record the real exit first. */
  if (alive(cfg, "monitorPid", "monitorStartTime"))
    return 0;
  const char *st = cj_str(cfg, "status");
  if (st && !strcmp(st, "created") && alive(cfg, "pid", "pidStartTime")) {
    /* its monitor died after the init was ready: it runs unwatched (stop,
     * kill, exec and rm -f reach it; its exit code will not be known) */
    cleanup_free char *now = cocin_time_now();
    cj_set_str(cfg, "status", "running");
    cj_set_str(cfg, "startedAt", now);
    return 0;
  }
  cj_set_str(cfg, "status", "exited");
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "paused");
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "pauseHeld");
  cj_set_num(cfg, "exitCode", -1);
  cleanup_free char *now = cocin_time_now();
  if (!cj_str(cfg, "finishedAt"))
    cj_set_str(cfg, "finishedAt", now);
  return 0;
}

int cocin_state_load(const char *root, const char *name, cJSON **out, cocin_error_t *err)
{
  if (cocin_name_check(name, NULL) < 0)
    return cocin_fail(err, ENOENT, "no such container: %s", name);
  cJSON *j = NULL;
  if (cocin_state_load_raw(root, name, &j, err) < 0)
    return -1;
  if (stale_running(j)) {
    /* Re-check and fix under the lock; the monitor may be writing now.
     * A fix that cannot be saved (a full filesystem) is still what the
     * caller sees. */
    cocin_error_t uerr = NULL;
    if (cocin_state_update(root, name, mark_lost, NULL, &uerr) < 0) {
      int st = cocin_error_status(&uerr);
      if (st == ENOENT || st == EIO) {
        cJSON_Delete(j);
        if (err)
          *err = steal_ptr(uerr);
        cocin_error_release(&uerr);
        return -1;
      }
      cocin_error_release(&uerr);
      mark_lost(j, NULL, NULL);
    } else {
      cJSON_Delete(j);
      j = NULL;
      if (cocin_state_load_raw(root, name, &j, err) < 0)
        return -1;
    }
  }
  *out = j;
  return 0;
}

char *cocin_state_resolve(const char *root, const char *ref, cocin_error_t *err)
{
  if (cocin_name_check(ref, NULL) == 0) {
    /* a directory of that name, with or without its record yet (a run
     * making it, or one killed before it wrote one): the name's */
    cleanup_free char *dir = cocin_container_dir(root, ref);
    if (access(dir, F_OK) == 0)
      return xstrdup(ref);
  }
  size_t len = strlen(ref);
  cleanup_strv char **names = NULL;
  if (len == 0 || len > 64 || strspn(ref, "0123456789abcdef") != len ||
      cocin_state_list(root, &names, NULL) < 0)
    return xstrdup(ref);
  char *name = NULL;
  size_t found = 0;
  for (char **n = names; *n; n++) {
    cJSON *cfg = NULL;
    if (cocin_state_load_raw(root, *n, &cfg, NULL) < 0)
      continue;
    const char *id = cj_str(cfg, "id");
    if (id && strncmp(id, ref, len) == 0 && found++ == 0)
      name = xstrdup(*n);
    cJSON_Delete(cfg);
  }
  if (found <= 1)
    return name ? name : xstrdup(ref);
  free(name);
  cocin_fail(err, EINVAL, "%zu containers have an id starting with %s: give more of it", found,
             ref);
  return NULL;
}

char *cocin_state_follow(const char *root, const char *name, const char *id)
{
  if (id == NULL)
    return xstrdup(name);
  cJSON *cfg = NULL;
  bool here = cocin_state_load_raw(root, name, &cfg, NULL) == 0 &&
              cocin_state_check_id(cfg, id, NULL) == 0;
  cJSON_Delete(cfg);
  if (here)
    return xstrdup(name);
  cleanup_strv char **names = NULL;
  if (cocin_state_list(root, &names, NULL) < 0)
    return xstrdup(name);
  for (char **n = names; *n; n++) {
    cfg = NULL;
    if (cocin_state_load_raw(root, *n, &cfg, NULL) < 0)
      continue;
    const char *found = cj_str(cfg, "id");
    bool it = found && !strcmp(found, id);
    cJSON_Delete(cfg);
    if (it)
      return xstrdup(*n);
  }
  return xstrdup(name); /* removed: the caller says so, by its name */
}

static int state_update(const char *root, const char *name,
                        int (*fn)(cJSON *cfg, void *data, cocin_error_t *err), void *data,
                        bool durable, cocin_error_t *err)
{
  cleanup_close int lock = cocin_state_lock(root, name, err);
  if (lock < 0)
    return -1;
  cJSON *j = NULL;
  if (cocin_state_load_raw(root, name, &j, err) < 0)
    return -1;
  int r = fn(j, data, err);
  if (r >= 0)
    r = state_save(root, name, j, durable, err);
  cJSON_Delete(j);
  return r;
}

int cocin_state_update(const char *root, const char *name,
                       int (*fn)(cJSON *cfg, void *data, cocin_error_t *err), void *data,
                       cocin_error_t *err)
{
  return state_update(root, name, fn, data, true, err);
}

int cocin_state_update_volatile(const char *root, const char *name,
                                int (*fn)(cJSON *cfg, void *data, cocin_error_t *err),
                                void *data, cocin_error_t *err)
{
  return state_update(root, name, fn, data, false, err);
}

int cocin_state_list(const char *root, char ***names, cocin_error_t *err)
{
  cleanup_free char *dir = xasprintf("%s/containers", root);
  cleanup_strv char **v = xmalloc0(sizeof(char *));
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL) {
    if (errno == ENOENT) {
      *names = steal_ptr(v);
      return 0;
    }
    return cocin_fail_errno(err, "open %s", dir);
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' || cocin_name_check(de->d_name, NULL) < 0)
      continue;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config.json", de->d_name);
    if (faccessat(dirfd(d), path, F_OK, 0) < 0)
      continue;
    strv_append(&v, de->d_name);
  }
  strv_sort(v);
  *names = steal_ptr(v);
  return 0;
}

static enum cocin_state state_from_str(const char *s)
{
  if (s == NULL)
    return COCIN_STATE_CREATED;
  if (!strcmp(s, "running"))
    return COCIN_STATE_RUNNING;
  if (!strcmp(s, "exited"))
    return COCIN_STATE_EXITED;
  if (!strcmp(s, "stopped"))
    return COCIN_STATE_STOPPED;
  return COCIN_STATE_CREATED;
}

void cocin_info_from_json(const cJSON *cfg, struct cocin_info *info)
{
  memset(info, 0, sizeof(*info));
  info->state = state_from_str(cj_str(cfg, "status"));
  info->pid = (pid_t)cj_int(cfg, "pid", 0);
  info->pid_start = (uint64_t)cj_int(cfg, "pidStartTime", 0);
  info->exit_code = (int)cj_int(cfg, "exitCode", -1);
  info->oom_killed = cj_bool(cfg, "oomKilled");
  info->paused = info->state == COCIN_STATE_RUNNING && cj_bool(cfg, "paused");
  info->created = cocin_time_parse(cj_str(cfg, "createTime"));
  info->finished = cocin_time_parse(cj_str(cfg, "finishedAt"));
  const char *h = info->state == COCIN_STATE_RUNNING
                      ? cj_str(cJSON_GetObjectItemCaseSensitive(cfg, "health"), "status")
                      : NULL;
  info->health = h == NULL                  ? COCIN_HEALTH_NONE
                 : !strcmp(h, "healthy")    ? COCIN_HEALTH_HEALTHY
                 : !strcmp(h, "unhealthy")  ? COCIN_HEALTH_UNHEALTHY
                                            : COCIN_HEALTH_STARTING;
  if ((info->state == COCIN_STATE_EXITED || info->state == COCIN_STATE_STOPPED) &&
      cj_bool(cfg, "restarting")) {
    int fd = pidfd_open_checked((pid_t)cj_int(cfg, "restarterPid", 0),
                                (uint64_t)cj_int(cfg, "restarterStartTime", 0));
    info->restarting = fd >= 0;
    if (fd >= 0)
      close(fd);
  }
}

const char *cocin_health_name(enum cocin_health_status h)
{
  switch (h) {
  case COCIN_HEALTH_STARTING:
    return "starting";
  case COCIN_HEALTH_HEALTHY:
    return "healthy";
  case COCIN_HEALTH_UNHEALTHY:
    return "unhealthy";
  case COCIN_HEALTH_NONE:
  default:
    return "none";
  }
}

/* ps's and the status file's words for it: "", " (healthy)",
 * " (health: starting)" */
static const char *health_suffix(enum cocin_health_status h)
{
  switch (h) {
  case COCIN_HEALTH_STARTING:
    return " (health: starting)";
  case COCIN_HEALTH_HEALTHY:
    return " (healthy)";
  case COCIN_HEALTH_UNHEALTHY:
    return " (unhealthy)";
  case COCIN_HEALTH_NONE:
  default:
    return "";
  }
}

char *cocin_status_line(const cJSON *cfg)
{
  struct cocin_info i;
  cocin_info_from_json(cfg, &i);
  const char *created = cj_str(cfg, "createTime");
  const char *started = cj_str(cfg, "startedAt");
  const char *finished = cj_str(cfg, "finishedAt");
  switch (i.state) {
  case COCIN_STATE_RUNNING:
    return xasprintf("%s pid %d since %s%s\n", i.paused ? "paused" : "running", i.pid,
                     started ? started : "?", health_suffix(i.health));
  case COCIN_STATE_EXITED:
  case COCIN_STATE_STOPPED:
    return xasprintf("%s %d%s at %s\n", i.restarting ? "restarting" : cocin_state_name(i.state),
                     i.exit_code,
                     i.oom_killed ? " oom-killed" : "", finished ? finished : "?");
  case COCIN_STATE_CREATED:
  default:
    return xasprintf("created at %s\n", created ? created : "?");
  }
}

char *cocin_status_human(const cJSON *cfg)
{
  struct cocin_info i;
  cocin_info_from_json(cfg, &i);
  switch (i.state) {
  case COCIN_STATE_RUNNING: {
    int64_t since = cocin_time_parse(cj_str(cfg, "startedAt"));
    cleanup_free char *ago = cocin_time_ago(since < 0 ? i.created : since);
    return xasprintf("Up %s%s", ago, i.paused ? " (Paused)" : health_suffix(i.health));
  }
  case COCIN_STATE_EXITED:
  case COCIN_STATE_STOPPED: {
    cleanup_free char *ago = cocin_time_ago(i.finished < 0 ? i.created : i.finished);
    return xasprintf("%s (%d) %s ago%s", i.restarting ? "Restarting" : "Exited", i.exit_code, ago,
                     i.oom_killed ? " (OOM killed)" : "");
  }
  case COCIN_STATE_CREATED:
  default:
    return xstrdup("Created");
  }
}
