/* cocin — volumes, docker's local driver: ROOT/volumes/NAME holds
 * volume.json (its name, when it was made, whether it is anonymous) and
 * _data, the directory a container mounts.
 *
 * - A volume is made whole or not at all: built in volumes/.tmp-RANDOM,
 *   then renamed to its name (two runs making it at once: one rename
 *   wins, the other takes the winner's).
 * - A run holds each volume it mounts locked shared (flock) from finding
 *   it until its container is recorded; `volume rm` locks it exclusive,
 *   then looks at every container's record, so no run can be about to
 *   use a volume it removes (as image.c holds an image against rmi).
 * - A removed volume is renamed to volumes/.rm-RANDOM first (its name is
 *   free at once), then deleted; a sweep takes what a killed remover or
 *   builder left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

static char *volumes_dir(const char *root)
{
  return xasprintf("%s/volumes", root);
}

static char *volume_dir(const char *root, const char *name)
{
  return xasprintf("%s/volumes/%s", root, name);
}

static void volume_sweep(const char *root)
{
  cleanup_free char *vols = volumes_dir(root);
  sweep_aside(vols);
}

/* The new volume's files in tmp (fd tfd): _data, filled from fill (a
 * directory, -1: empty) with owners and modes as they are there, and
 * volume.json. */
static int build_volume(int tfd, const char *name, bool anonymous, int fill, cocin_error_t *err)
{
  /* 0755 whatever the umask, as docker makes it; an image's directory,
   * copied in, brings its own */
  if (mkdirat(tfd, "_data", 0755) < 0)
    return cocin_fail_errno(err, "volume %s: mkdir _data", name);
  cleanup_close int data = openat(tfd, "_data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (data < 0 || fchmod(data, 0755) < 0)
    return cocin_fail_errno(err, "volume %s: open _data", name);
  if (fill >= 0 && copy_tree(fill, data, true, err) < 0)
    return cocin_error_wrap(err, "volume %s: copy the image's files in", name);
  cJSON *j = cJSON_CreateObject();
  cleanup_free char *now = cocin_time_now();
  cJSON_AddStringToObject(j, "name", name);
  cJSON_AddStringToObject(j, "createdAt", now);
  cJSON_AddBoolToObject(j, "anonymous", anonymous);
  cleanup_free char *text = cJSON_Print(j);
  cJSON_Delete(j);
  if (text == NULL)
    abort();
  cleanup_close int f =
      openat(tfd, "volume.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0 || write_all(f, text, strlen(text)) < 0 || write_all(f, "\n", 1) < 0)
    return cocin_fail_errno(err, "volume %s: write volume.json", name);
  return 0;
}

/* The volume's _data has no entry: docker fills such a volume from the
 * image at every mount, not only at the first. */
static bool data_empty(int vfd)
{
  int d = openat(vfd, "_data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_dir DIR *dp = d >= 0 ? fdopendir(d) : NULL;
  if (dp == NULL) {
    if (d >= 0)
      close(d);
    return false;
  }
  struct dirent *de;
  while ((de = readdir(dp)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      return false;
  return true;
}

/* An existing volume (its directory fd, locked exclusive): filled from
 * fill if it is empty. */
static int fill_if_empty(int fd, const char *name, int fill, cocin_error_t *err)
{
  if (!data_empty(fd))
    return 0;
  cleanup_close int data = openat(fd, "_data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (data < 0)
    return cocin_fail_errno(err, "volume %s: open _data", name);
  if (copy_tree(fill, data, true, err) < 0)
    return cocin_error_wrap(err, "volume %s: copy the image's files in", name);
  return 0;
}

/* Volume name, made if it is missing (from fill, see build_volume), and
 * held: *hold locks it shared.  *made: this call made it.  One that
 * exists is filled from fill (>= 0) if it is empty, under its lock held
 * exclusive meanwhile (two runs never fill it both). */
static int volume_take(const char *root, const char *name, bool anonymous, int fill, int *hold,
                       bool *made, cocin_error_t *err)
{
  *made = false;
  cleanup_free char *dir = volume_dir(root, name);
  cleanup_free char *vols = volumes_dir(root);
  for (int tries = 0; tries < 3; tries++) {
    cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      if (flock_wait(fd, fill >= 0 ? LOCK_EX : LOCK_SH) < 0)
        return cocin_fail_errno(err, "lock volume %s", name);
      if (!still_there(fd, dir))
        continue; /* removed while we waited: made again */
      if (fill >= 0) {
        if (fill_if_empty(fd, name, fill, err) < 0)
          return -1;
        /* shared from now on (flock lets go before it takes the new
         * mode: a removal may come in between, looked for below) */
        if (flock_wait(fd, LOCK_SH) < 0)
          return cocin_fail_errno(err, "lock volume %s", name);
        if (!still_there(fd, dir))
          continue;
      }
      *hold = steal_fd(fd);
      return 0;
    }
    if (errno != ENOENT)
      return cocin_fail_errno(err, "volume %s: open %s", name, dir);
    if (mkdir_p(vols, 0700, err) < 0)
      return -1;
    char rnd[65];
    if (cocin_random_id(rnd, err) < 0)
      return -1;
    cleanup_free char *tmp = xasprintf("%s/.tmp-%.16s", vols, rnd);
    if (mkdir(tmp, 0700) < 0)
      return cocin_fail_errno(err, "volume %s: mkdir %s", name, tmp);
    cleanup_close int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tfd < 0 || flock_wait(tfd, LOCK_SH) < 0 || fchmod(tfd, 0755) < 0) {
      cocin_fail_errno(err, "volume %s: open %s", name, tmp);
      rm_rf(tmp, NULL);
      return -1;
    }
    if (build_volume(tfd, name, anonymous, fill, err) < 0) {
      rm_rf(tmp, NULL);
      return -1;
    }
    if (rename(tmp, dir) == 0) {
      *hold = steal_fd(tfd);
      *made = true;
      return 0;
    }
    int e = errno;
    rm_rf(tmp, NULL);
    if (e != EEXIST && e != ENOTEMPTY) {
      errno = e;
      return cocin_fail_errno(err, "volume %s: rename into place", name);
    }
    /* another made it meanwhile: that one, then */
  }
  return cocin_fail(err, EBUSY, "volume %s was removed and made again meanwhile: try again", name);
}

int cocin_volume_create(const char *root, const char *name, bool anonymous, bool *made,
                        cocin_error_t *err)
{
  if (cocin_volume_name_check(name, err) < 0)
    return -1;
  cleanup_close int hold = -1;
  return volume_take(root, name, anonymous, -1, &hold, made, err);
}

/* The image's directory at the container's path dest, to fill an empty
 * volume from (docker copies it so): *fd, -1 if the image has none there
 * (nothing, or not a directory). */
static int image_dir_at(const char *image_rootfs, const char *dest, int *fd, cocin_error_t *err)
{
  *fd = -1;
  cleanup_close int rfd = open(image_rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return cocin_fail_errno(err, "open the image at %s", image_rootfs);
  *fd = open_inside(rfd, dest + 1, O_RDONLY | O_DIRECTORY);
  if (*fd < 0 && errno != ENOENT && errno != ENOTDIR)
    return cocin_fail_errno(err, "open %s in the image, to fill a volume from it", dest);
  return 0;
}

int volumes_resolve(const char *root, struct cocin_spec *spec, const char *image_rootfs,
                    struct volume_holds *h, cocin_error_t *err)
{
  for (size_t i = 0; i < spec->n_mounts; i++) {
    struct cocin_mount *m = &spec->mounts[i];
    if (!m->volume && !m->anonymous)
      continue;
    if (m->anonymous && m->volume == NULL) { /* docker names one by a random id */
      char id[65];
      if (cocin_random_id(id, err) < 0)
        return -1;
      m->volume = xstrdup(id);
    }
    h->fd = xrealloc(h->fd, (h->n + 1) * sizeof(*h->fd));
    h->made = xrealloc(h->made, (h->n + 1) * sizeof(*h->made));
    h->fd[h->n] = -1;
    h->made[h->n] = NULL;
    cleanup_close int fill = -1;
    if (image_rootfs && !m->nocopy && image_dir_at(image_rootfs, m->dest, &fill, err) < 0)
      return -1;
    bool made = false;
    int r = volume_take(root, m->volume, m->anonymous, fill, &h->fd[h->n], &made, err);
    if (made)
      h->made[h->n] = xstrdup(m->volume);
    h->n++;
    if (r < 0)
      return -1;
    free(m->source);
    m->source = xasprintf("%s/volumes/%s/_data", root, m->volume);
  }
  return 0;
}

void volumes_release(struct volume_holds *h)
{
  for (size_t i = 0; i < h->n; i++) {
    if (h->fd[i] >= 0)
      close(h->fd[i]);
    free(h->made[i]);
  }
  free(h->fd);
  free(h->made);
  *h = (struct volume_holds){0};
}

void volumes_undo(const char *root, struct volume_holds *h)
{
  for (size_t i = 0; i < h->n; i++) /* let go first: the removal locks each */
    if (h->fd[i] >= 0) {
      close(h->fd[i]);
      h->fd[i] = -1;
    }
  for (size_t i = 0; i < h->n; i++)
    if (h->made[i]) /* unless another run uses it by now (EBUSY): kept */
      (void)cocin_volume_remove(root, h->made[i], NULL);
  volumes_release(h);
}

char **cocin_record_volumes(const cJSON *cfg, bool anonymous_only)
{
  char **v = xmalloc0(sizeof(char *));
  const cJSON *m, *ms = cJSON_GetObjectItemCaseSensitive(cfg, "mounts");
  cJSON_ArrayForEach(m, ms)
  {
    const char *name = cj_str(m, "volume");
    if (name && (!anonymous_only || cj_bool(m, "anonymous")))
      strv_append(&v, name);
  }
  return v;
}

int cocin_volume_users(const char *root, const char *name, char ***users, cocin_error_t *err)
{
  cleanup_strv char **v = xmalloc0(sizeof(char *));
  /* twice: a container renamed while the directory is read may be missed
   * by one reading (readdir's rule), never by both */
  for (int pass = 0; pass < 2; pass++) {
    cleanup_strv char **names = NULL;
    if (cocin_state_list(root, &names, err) < 0)
      return -1;
    for (char **n = names; *n; n++) {
      cJSON *cfg = NULL;
      if (strv_contains(v, *n) || cocin_state_load_raw(root, *n, &cfg, NULL) < 0)
        continue; /* known already, or removed meanwhile */
      cleanup_strv char **vols = cocin_record_volumes(cfg, false);
      cJSON_Delete(cfg);
      if (strv_contains(vols, name))
        strv_append(&v, *n);
    }
  }
  strv_sort(v);
  *users = steal_ptr(v);
  return 0;
}

/* wait: for the runs that hold it, as long as they do; else for two
 * seconds at most, then EBUSY (the --rm container's own run lets go of
 * it the moment after its monitor said OK: waited for; a holder that
 * hangs is not) */
static int volume_remove(const char *root, const char *name, bool wait, cocin_error_t *err)
{
  if (cocin_volume_name_check(name, err) < 0)
    return -1;
  cleanup_free char *dir = volume_dir(root, name);
  cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
    return cocin_fail(err, ENOENT, "no such volume: %s", name);
  if (fd < 0)
    return cocin_fail_errno(err, "volume %s: open %s", name, dir);
  /* every run that found it holds it shared until its container is
   * recorded: with it held exclusive, the records below are all its users */
  int r;
  for (int tries = 0; (r = flock_wait(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) < 0 &&
                      errno == EWOULDBLOCK && tries < 100;
       tries++) {
    struct timespec t = {0, 20 * 1000000L};
    nanosleep(&t, NULL);
  }
  if (r < 0)
    return errno == EWOULDBLOCK ? cocin_fail(err, EBUSY, "volume %s: a run is mounting it", name)
                                : cocin_fail_errno(err, "lock volume %s", name);
  if (!still_there(fd, dir))
    return cocin_fail(err, ENOENT, "no such volume: %s", name);
  cleanup_strv char **users = NULL;
  if (cocin_volume_users(root, name, &users, err) < 0)
    return cocin_error_wrap(err, "volume rm %s", name);
  if (users[0]) {
    cleanup_free char *list = strv_join(users, ", ");
    return cocin_fail(err, EBUSY, "volume %s is in use by container%s %s: remove %s first", name,
                      users[1] ? "s" : "", list, users[1] ? "them" : "it");
  }
  char rnd[65];
  if (cocin_random_id(rnd, err) < 0)
    return -1;
  cleanup_free char *gone = xasprintf("%s/volumes/.rm-%.16s", root, rnd);
  if (rename(dir, gone) < 0)
    return cocin_fail_errno(err, "remove volume %s", name);
  /* its name is free now, and it is removed: the files go while we hold
   * the lock, and what cannot go now a later sweep takes (one held is
   * left alone) */
  (void)rm_rf(gone, NULL);
  volume_sweep(root);
  return 0;
}

int cocin_volume_remove(const char *root, const char *name, cocin_error_t *err)
{
  return volume_remove(root, name, true, err);
}

char **volumes_anonymous_of(const char *cfgpath)
{
  cleanup_free char *text = NULL;
  cJSON *cfg = read_all_file(cfgpath, &text, NULL, NULL) == 0 ? cJSON_Parse(text) : NULL;
  char **vols = cfg ? cocin_record_volumes(cfg, true) : xmalloc0(sizeof(char *));
  cJSON_Delete(cfg);
  return vols;
}

void volumes_remove_names(const char *root, char *const *names)
{
  for (; names && *names; names++) /* (held for long: left, dangling) */
    (void)volume_remove(root, *names, false, NULL);
}

int cocin_volume_list(const char *root, char ***names, cocin_error_t *err)
{
  cleanup_free char *vols = volumes_dir(root);
  cleanup_strv char **v = xmalloc0(sizeof(char *));
  cleanup_dir DIR *d = opendir(vols);
  if (d == NULL && errno != ENOENT)
    return cocin_fail_errno(err, "open %s", vols);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.' && cocin_volume_name_check(de->d_name, NULL) == 0)
      strv_append(&v, de->d_name);
  strv_sort(v);
  *names = steal_ptr(v);
  return 0;
}

int cocin_volume_info(const char *root, const char *name, struct cocin_volume_info *info,
                      cocin_error_t *err)
{
  *info = (struct cocin_volume_info){0};
  if (cocin_volume_name_check(name, err) < 0)
    return -1;
  cleanup_free char *dir = volume_dir(root, name);
  cleanup_free char *meta = xasprintf("%s/volume.json", dir);
  cleanup_free char *text = NULL;
  cocin_error_t e = NULL;
  if (read_all_file(meta, &text, NULL, &e) < 0) {
    int st = cocin_error_status(&e);
    cocin_error_release(&e);
    if (st == ENOENT || st == ENOTDIR)
      return cocin_fail(err, ENOENT, "no such volume: %s", name);
    return cocin_fail(err, st, "volume %s: read %s: %s", name, meta, strerror(st));
  }
  cJSON *j = cJSON_Parse(text);
  const char *created = j ? cj_str(j, "createdAt") : NULL;
  info->name = xstrdup(name);
  info->mountpoint = xasprintf("%s/_data", dir);
  info->created = created ? xstrdup(created) : NULL;
  info->anonymous = j && cj_bool(j, "anonymous");
  cJSON_Delete(j);
  return 0;
}

void cocin_volume_info_free(struct cocin_volume_info *info)
{
  free(info->name);
  free(info->mountpoint);
  free(info->created);
  *info = (struct cocin_volume_info){0};
}

int cocin_volume_prune(const char *root, bool all, char ***removed, uint64_t *freed,
                       cocin_error_t *err)
{
  *freed = 0;
  cleanup_strv char **names = NULL;
  if (cocin_volume_list(root, &names, err) < 0)
    return -1;
  cleanup_strv char **gone = xmalloc0(sizeof(char *));
  cocin_error_t first = NULL;
  for (char **n = names; *n; n++) {
    struct cocin_volume_info info;
    if (cocin_volume_info(root, *n, &info, NULL) < 0)
      continue; /* removed meanwhile */
    bool anonymous = info.anonymous;
    uint64_t size = all || anonymous ? cocin_dir_size(info.mountpoint) : 0;
    cocin_volume_info_free(&info);
    if (!all && !anonymous)
      continue;
    cocin_error_t e = NULL;
    if (cocin_volume_remove(root, *n, &e) == 0) {
      strv_append(&gone, *n);
      *freed += size;
    } else if (cocin_error_status(&e) != EBUSY && cocin_error_status(&e) != ENOENT &&
               first == NULL) { /* said at the end, after what was done */
      first = steal_ptr(e);
    }
    cocin_error_release(&e);
  }
  *removed = steal_ptr(gone);
  if (first) {
    if (err)
      *err = steal_ptr(first);
    cocin_error_release(&first);
    return cocin_error_wrap(err, "volume prune");
  }
  return 0;
}
