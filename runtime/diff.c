/* cocin — diff: what a container changed in its root filesystem, as
 * docker diff lists it ("A /path" added, "C /path" changed, "D /path"
 * deleted), read from its overlay's upper layer against its image.
 *
 * The upper layer holds every file the container wrote and every
 * directory on the way to one; a deletion is a whiteout there (a 0:0
 * character device), and a directory removed and made again is opaque
 * (trusted.overlay.opaque "y": nothing of the image below shows).  An
 * entry of the upper layer is "C" if the image has that path, "A" if not;
 * a whiteout is "D", as is every entry of the image an opaque directory
 * hides (and a directory below one: it is new, the image's is not seen).  Running or not, the layer is on the host: nothing is mounted.
 *
 * The layer is the container's to write while we read: it is walked by
 * directory fds, one name at a time, O_NOFOLLOW, and a symlink is never
 * followed (in the image either: it is looked at by name in the directory
 * it is in).  Names are printed with control bytes as '?', so that a name
 * holding a newline cannot pass for a line of its own. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/spec.h"
#include "cocin/state.h"
#include "cocin/util.h"

#define DIFF_MAX_DEPTH 256

struct change {
  char kind; /* 'A', 'C' or 'D' */
  char *path;
};

struct changes {
  struct change *v;
  size_t n, cap;
};

static void add(struct changes *c, char kind, const char *path)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
  }
  c->v[c->n++] = (struct change){kind, xstrdup(path)};
}

static void changes_free(struct changes *c)
{
  for (size_t i = 0; i < c->n; i++)
    free(c->v[i].path);
  free(c->v);
}

static bool is_whiteout(const struct stat *st)
{
  return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 && minor(st->st_rdev) == 0;
}

static bool is_opaque(int dirfd)
{
  char v[2];
  /* trusted.* needs CAP_SYS_ADMIN, which a reader of cocin's root has */
  ssize_t n = fgetxattr(dirfd, "trusted.overlay.opaque", v, sizeof(v));
  return n == 1 && v[0] == 'y';
}

static char *child_path(const char *path, const char *name)
{
  return xasprintf("%s/%s", strcmp(path, "/") ? path : "", name);
}

/* dirfd's entries as a DIR*, dirfd itself left open */
static DIR *scan_dir(int dirfd)
{
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  DIR *d = fdopendir(fd);
  if (d == NULL)
    close(fd);
  return d;
}

/* Every entry of the image's directory lower that upper does not have:
 * hidden by an opaque upper directory, so deleted. */
static int hidden(int upper, int lower, const char *path, struct changes *c, cocin_error_t *err)
{
  cleanup_dir DIR *d = scan_dir(lower);
  if (d == NULL)
    return cocin_fail_errno(err, "diff: read the image's %s", path);
  struct dirent *de;
  while ((errno = 0, de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    struct stat st;
    if (fstatat(upper, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
      cleanup_free char *p = child_path(path, de->d_name);
      add(c, 'D', p);
    }
  }
  return errno ? cocin_fail_errno(err, "diff: read the image's %s", path) : 0;
}

/* The upper layer's directory upper (path in the container), against the
 * image's directory at the same path, lower (-1: the image has none).
 * hides: a directory of upper, opaque or below an opaque one, hides every
 * entry of lower it does not have itself. */
static int walk(int upper, int lower, const char *path, bool hides, int depth,
                struct changes *c, cocin_error_t *err)
{
  if (depth > DIFF_MAX_DEPTH)
    return cocin_fail(err, ELOOP, "diff: %s: nested too deep", path);
  hides = hides || (lower >= 0 && is_opaque(upper));
  if (hides && lower >= 0 && hidden(upper, lower, path, c, err) < 0)
    return -1;
  cleanup_dir DIR *d = scan_dir(upper);
  if (d == NULL)
    return errno == ENOENT ? 0 : cocin_fail_errno(err, "diff: read %s", path);
  struct dirent *de;
  while ((errno = 0, de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    struct stat st, lst;
    if (fstatat(upper, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) /* removed as we read */
        continue;
      return cocin_fail_errno(err, "diff: %s/%s", path, de->d_name);
    }
    cleanup_free char *p = child_path(path, de->d_name);
    bool in_image = lower >= 0 && fstatat(lower, de->d_name, &lst, AT_SYMLINK_NOFOLLOW) == 0;
    if (is_whiteout(&st)) {
      if (in_image) /* a whiteout of nothing is overlayfs's own business */
        add(c, 'D', p);
      continue;
    }
    add(c, in_image ? 'C' : 'A', p);
    if (!S_ISDIR(st.st_mode))
      continue;
    cleanup_close int sub =
        openat(upper, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) /* replaced as we read */
        continue;
      return cocin_fail_errno(err, "diff: %s", p);
    }
    cleanup_close int lsub =
        in_image && S_ISDIR(lst.st_mode)
            ? openat(lower, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            : -1;
    if (walk(sub, lsub, p, hides, depth + 1, c, err) < 0)
      return -1;
  }
  return errno ? cocin_fail_errno(err, "diff: read %s", path) : 0;
}

static int by_path(const void *a, const void *b)
{
  return strcmp(((const struct change *)a)->path, ((const struct change *)b)->path);
}

int cocin_diff(const char *root, const char *name, char **out, cocin_error_t *err)
{
  *out = NULL;
  cJSON *cfg = NULL;
  if (cocin_state_load(root, name, &cfg, err) < 0)
    return -1;
  struct cocin_spec spec = {0};
  int r = cocin_spec_from_json(cfg, &spec, err);
  cJSON_Delete(cfg);
  if (r < 0)
    return cocin_error_wrap(err, "diff: container %s", name);
  cleanup_free char *image = spec.image ? xstrdup(spec.image) : NULL;
  cocin_spec_free(&spec);
  if (image == NULL)
    return cocin_fail(err, EIO, "diff: container %s records no image", name);
  cleanup_free char *upath = cocin_container_file(root, name, "upper");
  cleanup_close int upper = open(upath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (upper < 0)
    return cocin_fail_errno(err, "diff: the layer of %s", name);
  /* the image's directory itself, not ensured: a diff makes nothing */
  cleanup_free char *lpath = xasprintf("%s/images/%s/rootfs", root, image);
  cleanup_close int lower = open(lpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lower < 0)
    return errno == ENOENT ? cocin_fail(err, ENOENT, "diff: image %s of %s no longer exists",
                                        image, name)
                           : cocin_fail_errno(err, "diff: image %s", image);
  struct changes c = {0};
  if (walk(upper, lower, "/", false, 0, &c, err) < 0) {
    changes_free(&c);
    return -1;
  }
  if (c.n) /* (qsort takes no NULL, even for nothing) */
    qsort(c.v, c.n, sizeof(*c.v), by_path);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f == NULL) {
    changes_free(&c);
    return cocin_fail_errno(err, "diff");
  }
  for (size_t i = 0; i < c.n; i++) {
    str_printable(c.v[i].path);
    fprintf(f, "%c %s\n", c.v[i].kind, c.v[i].path);
  }
  changes_free(&c);
  if (fclose(f) != 0 || text == NULL) {
    free(text);
    return cocin_fail_errno(err, "diff");
  }
  *out = text;
  return 0;
}
