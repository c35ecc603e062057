/* cocin — removing a container: under its lock its directory moves to
 * containers/.trash (the name is free at once, nothing lists it), then
 * its cgroup and its files are deleted, config.json last; a sweep
 * finishes what a killed remover left. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/security.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"


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
int take_away(const char *root, const char *name, const char *id, bool destroy_recorded,
              bool only_stopped, bool volumes, char **trash, bool *in_place,
              struct cocin_cgroup **updated, cocin_error_t *err)
{
  *trash = NULL;
  *in_place = false;
  if (updated)
    *updated = NULL;
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
  if (only_stopped && st &&
      (!strcmp(st, "running") || (!strcmp(st, "created") && !cocin_state_is_new(cfg)))) {
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
  if (updated && cfg && cj_bool(cfg, "cgroupUpdated") &&
      cocin_cgroup_from_json(cJSON_GetObjectItemCaseSensitive(cfg, "cgroup"), updated, NULL) < 0)
    *updated = NULL;
  /* rm -v, --rm: marked for a sweep, should we die before they go */
  cleanup_strv char **anon = volumes && cfg ? cocin_record_volumes(cfg, true) : NULL;
  bool mark = anon && anon[0];
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
  if (mark) {
    cleanup_free char *mp = xasprintf("%s/%s", to, TRASH_VOLUMES_MARK);
    int mfd = open(mp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (mfd >= 0) /* (none: the anonymous volumes stay, should we die, for volume prune) */
      close(mfd);
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
int delete_taken(char *trash, bool in_place, const struct cocin_cgroup *cg, int lock,
                 const char *volumes_root, cocin_error_t *err)
{
  int r = cg ? cocin_cgroup_destroy(cg, err) : 0;
  /* its anonymous volumes: named in the record, and removed once the
   * record is gone (a record that names one keeps it) */
  cleanup_strv char **vols = NULL;
  if (r == 0 && trash && volumes_root) {
    cleanup_free char *cfgpath = xasprintf("%s/config.json", trash);
    vols = volumes_anonymous_of(cfgpath);
  }
  if (r == 0 && trash)
    r = in_place ? rm_record_last(trash, err) : rm_rf(trash, err);
  if (r == 0 && vols)
    volumes_remove_names(volumes_root, vols);
  free(trash);
  if (lock >= 0)
    close(lock);
  return r;
}

int container_remove(const char *root, const char *name, const char *id,
                     const struct cocin_cgroup *known, bool only_stopped, bool volumes,
                     cocin_error_t *err)
{
  if (known && cocin_cgroup_destroy(known, err) < 0)
    return cocin_error_wrap(err, "remove %s", name);
  char *trash = NULL;
  bool in_place;
  int lock = take_away(root, name, id, known == NULL, only_stopped, volumes, &trash, &in_place,
                       NULL, err);
  if (lock < 0)
    return -1;
  return delete_taken(trash, in_place, NULL, lock, volumes ? root : NULL, err);
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
    cleanup_free char *mark = xasprintf("%s/%s", path, TRASH_VOLUMES_MARK);
    cleanup_strv char **vols = r == 0 && access(mark, F_OK) == 0 ? volumes_anonymous_of(cfgpath)
                                                                  : NULL;
    if (r == 0 && rm_rf(path, NULL) == 0 && vols) /* rm -v's, --rm's */
      volumes_remove_names(root, vols);
  }
}
