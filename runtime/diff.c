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
#include "internal.h"

/* deeper than this a container's tree is refused ("nested too deep"): two
 * fds a level, and cocinfs serves many readers from one fd table */
#define DIFF_MAX_DEPTH 128

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
  if (depth > DIFF_MAX_DEPTH) {
    cleanup_free char *shown = xstrdup(path);
    str_printable(shown);
    return cocin_fail(err, ELOOP, "diff: %s: nested too deep (over %d levels)", shown,
                      DIFF_MAX_DEPTH);
  }
  hides = hides || (lower >= 0 && is_opaque(upper));
  if (hides && lower >= 0 && hidden(upper, lower, path, c, err) < 0)
    return -1;
  /* the names first, the directory's stream closed before going down:
   * two fds a level (the layer's and the image's), not three */
  cleanup_strv char **names = xmalloc0(sizeof(char *));
  {
    cleanup_dir DIR *d = scan_dir(upper);
    if (d == NULL)
      return errno == ENOENT ? 0 : cocin_fail_errno(err, "diff: read %s", path);
    struct dirent *de;
    while ((errno = 0, de = readdir(d)))
      if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
        strv_append(&names, de->d_name);
    if (errno)
      return cocin_fail_errno(err, "diff: read %s", path);
  }
  for (char **n = names; *n; n++) {
    struct stat st, lst;
    if (fstatat(upper, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) /* removed as we read */
        continue;
      cleanup_free char *p = child_path(path, *n);
      str_printable(p);
      return cocin_fail_errno(err, "diff: %s", p);
    }
    cleanup_free char *p = child_path(path, *n);
    bool in_image = lower >= 0 && fstatat(lower, *n, &lst, AT_SYMLINK_NOFOLLOW) == 0;
    if (is_whiteout(&st)) {
      if (in_image) /* a whiteout of nothing is overlayfs's own business */
        add(c, 'D', p);
      continue;
    }
    add(c, in_image ? 'C' : 'A', p);
    if (!S_ISDIR(st.st_mode))
      continue;
    cleanup_close int sub = openat(upper, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) /* replaced as we read */
        continue;
      str_printable(p);
      return cocin_fail_errno(err, "diff: %s", p);
    }
    cleanup_close int lsub =
        in_image && S_ISDIR(lst.st_mode)
            ? openat(lower, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            : -1;
    if (walk(sub, lsub, p, hides, depth + 1, c, err) < 0)
      return -1;
  }
  return 0;
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
  cleanup_free char *image = recorded_image(cfg, "diff", name, err);
  cJSON_Delete(cfg);
  if (image == NULL)
    return -1;
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
