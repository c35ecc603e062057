/* cocin — the state store: the one source of truth shared by the CLI and
 * cocinfs.
 *
 *   ROOT/containers/<name>/config.json    everything known (atomic writes)
 *   ROOT/containers/<name>/container.log  stdout+stderr of a detached container
 *   ROOT/containers/<name>/               flock()ed around read-modify-write
 *   ROOT/containers/<name>/upper, work    overlay layers, mounted on <name>/ itself
 *                                         in the container's mount namespace
 *   ROOT/images/<image>/rootfs, image.json
 */
#ifndef COCIN_STATE_H
#define COCIN_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "error.h"

#define COCIN_DEFAULT_ROOT "/var/lib/cocin"

/* --root, then $COCIN_ROOT, then the default.  Returned string is static or
 * the argument. */
const char *cocin_root_resolve(const char *arg);

/* ROOT/containers/<name>[/<file>]; name must already be checked. */
char *cocin_container_dir(const char *root, const char *name);
char *cocin_container_file(const char *root, const char *name, const char *file);

enum cocin_state {
  COCIN_STATE_CREATED,
  COCIN_STATE_RUNNING,
  COCIN_STATE_EXITED,
  COCIN_STATE_STOPPED,
};
const char *cocin_state_name(enum cocin_state s);

/* Load config.json; ENOENT "no such container: NAME" if absent.  A container
 * recorded as running whose process is gone (monitor killed, host rebooted),
 * or left "created" by a run that died before its monitor took over, is
 * reported as exited with exitCode -1 (and the file is fixed). */
int cocin_state_load(const char *root, const char *name, cJSON **out, cocin_error_t *err);
/* config.json as it is, neither fixed nor locked (for a caller holding
 * the container's lock); the same errors, and EIO for a corrupt one. */
int cocin_state_load_raw(const char *root, const char *name, cJSON **out, cocin_error_t *err);
/* The record is container id's (any, when id is NULL): the name may have
 * been removed and taken again since it was known.  ENOENT otherwise. */
int cocin_state_check_id(const cJSON *cfg, const char *id, cocin_error_t *err);
/* The container a user names: by its name, or else by its id or a prefix
 * of it, as `run -d` and `ps -q` print them (docker's rule: a name wins).
 * Returns its name, or ref itself when no container has such an id (the
 * verb then says there is no such container); NULL with EINVAL when the
 * prefix fits several.  Free the result. */
char *cocin_state_resolve(const char *root, const char *ref, cocin_error_t *err);
/* The name container id (the whole id) has now: name while its record is
 * that container's, else the one a rename gave it; name again if none has
 * the id (removed: the caller then finds no such container).  NULL id:
 * name.  Free the result. */
char *cocin_state_follow(const char *root, const char *name, const char *id);
/* Write config.json atomically (caller holds the lock); durable: fsync. */
int cocin_state_save(const char *root, const char *name, const cJSON *cfg,
                     cocin_error_t *err);
int cocin_state_save_flags(const char *root, const char *name, const cJSON *cfg, bool durable,
                           cocin_error_t *err);

/* flock() the container's directory; returns the fd (close to unlock). */
int cocin_state_lock(const char *root, const char *name, cocin_error_t *err);

/* Apply fn to the loaded config under the lock and save it. */
int cocin_state_update(const char *root, const char *name,
                       int (*fn)(cJSON *cfg, void *data, cocin_error_t *err), void *data,
                       cocin_error_t *err);
/* The same without fsync: for facts that a crash makes moot anyway (the
 * pid of a process that a reboot kills; state about to be removed). */
int cocin_state_update_volatile(const char *root, const char *name,
                                int (*fn)(cJSON *cfg, void *data, cocin_error_t *err),
                                void *data, cocin_error_t *err);

/* Sorted container names (those with a config.json). */
int cocin_state_list(const char *root, char ***names, cocin_error_t *err);

/* Made by create and never started: "created" with no creator (a run's
 * and a start's "created" is a start under way, and names its creator). */
bool cocin_state_is_new(const cJSON *cfg);

/* Decoded view of a config for ps, status files, ... */
enum cocin_health_status {
  COCIN_HEALTH_NONE,
  COCIN_HEALTH_STARTING,
  COCIN_HEALTH_HEALTHY,
  COCIN_HEALTH_UNHEALTHY,
};
/* "starting", "healthy", "unhealthy", "none" (docker's words) */
const char *cocin_health_name(enum cocin_health_status h);

struct cocin_info {
  enum cocin_state state;
  pid_t pid;
  uint64_t pid_start;
  int exit_code; /* -1 unknown */
  bool oom_killed;
  bool paused; /* running, its processes frozen (pause) */
  /* ended (exited or stopped), and --restart runs it again after a wait:
   * its restarter (a process of the last run's monitor) is alive */
  bool restarting;
  int64_t created; /* epoch seconds */
  int64_t finished;
  enum cocin_health_status health; /* running, with --health-cmd; else NONE */
};
void cocin_info_from_json(const cJSON *cfg, struct cocin_info *info);

/* One line: "running pid 123 since 2026-...", "exited 3 at ...",
 * "exited 137 oom-killed at ...", "stopped 143 at ...", "created",
 * "restarting 3 at ..." (ended with 3, --restart runs it again soon).
 * Ends with '\n'. */
char *cocin_status_line(const cJSON *cfg);
/* docker ps style: "Up 5 seconds", "Exited (3) 2 minutes ago". */
char *cocin_status_human(const cJSON *cfg);

/* JSON helpers. */
const char *cj_str(const cJSON *o, const char *key);
int64_t cj_int(const cJSON *o, const char *key, int64_t def);
bool cj_bool(const cJSON *o, const char *key);
void cj_set_str(cJSON *o, const char *key, const char *val);
void cj_set_num(cJSON *o, const char *key, double val);
void cj_set_bool(cJSON *o, const char *key, bool val);
void cj_set_item(cJSON *o, const char *key, cJSON *item);

#endif
