/* cocin — the cgroup interface: mode detection, the dispatch to the v1/v2
 * backend tables, and what both share (entering, killing everything,
 * removing, the JSON form kept in config.json, small file helpers). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cocin/cleanup.h"
#include "cocin/util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

const char *const cg_ctrl_names[CG_NCTRL] = {"memory", "cpu",     "cpuacct", "cpuset",
                                             "pids",   "devices", "freezer"};

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* ---- file helpers ---- */

/* In fake mode the file is created, and each value replaces the one before. */
int cg_write_each(const struct cocin_cgroup *cg, const char *dir, const char *file,
                  const char *const *vals, cocin_error_t *err)
{
  char path[PATH_MAX];
  if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
    return cocin_fail(err, ENAMETOOLONG, "cgroup path too long: %s/%s", dir, file);
  cleanup_close int fd = -1;
  for (; *vals; vals++) {
    if (fd < 0 || cg->fake) {
      if (fd >= 0)
        close(fd);
      fd = open(path, O_WRONLY | O_CLOEXEC | (cg->fake ? O_CREAT | O_TRUNC : 0), 0644);
      if (fd < 0)
        return cocin_fail_errno(err, "open %s", path);
    }
    size_t len = strlen(*vals);
    ssize_t n;
    do
      n = write(fd, *vals, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
      return cocin_fail_errno(err, "write \"%s\" to %s", *vals, path);
    if ((size_t)n != len)
      return cocin_fail(err, EIO, "write \"%s\" to %s: short write", *vals, path);
  }
  return 0;
}

int cg_write(const struct cocin_cgroup *cg, const char *dir, const char *file, const char *val,
             cocin_error_t *err)
{
  const char *const vals[] = {val, NULL};
  return cg_write_each(cg, dir, file, vals, err);
}

int cg_read(const char *dir, const char *file, char *buf, size_t size)
{
  char path[PATH_MAX];
  if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t off = 0;
  while (off + 1 < size) {
    ssize_t n = read(fd, buf + off, size - 1 - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    off += (size_t)n;
  }
  buf[off] = '\0';
  return 0;
}

char *cg_read_alloc(const char *dir, const char *file)
{
  char path[PATH_MAX];
  if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
    errno = ENAMETOOLONG;
    return NULL;
  }
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 4096, off = 0;
  cleanup_free char *buf = malloc(cap);
  if (buf == NULL)
    return NULL;
  for (;;) {
    if (off + 1 >= cap) {
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL)
        return NULL;
      buf = nb;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + off, cap - 1 - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return NULL;
    if (n == 0)
      break;
    off += (size_t)n;
  }
  buf[off] = '\0';
  return steal_ptr(buf);
}

static uint64_t to_u64(const char *s, bool *ok)
{
  char *end = NULL;
  *ok = false;
  while (*s == ' ')
    s++;
  if (strncmp(s, "max", 3) == 0 || strncmp(s, "-1", 2) == 0) {
    *ok = true;
    return UINT64_MAX;
  }
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s)
    return 0;
  *ok = true;
  /* v1 "unlimited" is PAGE_COUNTER_MAX pages (9223372036854771712) */
  return v >= (1ULL << 62) ? UINT64_MAX : v;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
  char buf[64];
  bool ok;
  if (cg_read(dir, file, buf, sizeof(buf)) < 0)
    return -1;
  uint64_t v = to_u64(buf, &ok);
  if (!ok) {
    errno = EINVAL;
    return -1;
  }
  *out = v;
  return 0;
}

int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out)
{
  cleanup_free char *buf = cg_read_alloc(dir, file);
  if (buf == NULL)
    return -1;
  size_t klen = strlen(key);
  for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    bool ok;
    if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
      uint64_t v = to_u64(line + klen + 1, &ok);
      if (ok) {
        *out = v;
        return 0;
      }
    }
  }
  errno = ENOENT;
  return -1;
}

bool cg_exists(const char *dir, const char *file)
{
  char path[PATH_MAX];
  if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
    return false;
  return access(path, F_OK) == 0;
}

bool cg_writable(const struct cocin_cgroup *cg, const char *dir, const char *file)
{
  return cg->fake || cg_exists(dir, file);
}

char *cg_join(const char *a, const char *b)
{
  size_t la = strlen(a);
  while (la > 1 && a[la - 1] == '/')
    la--;
  while (*b == '/')
    b++;
  char *out = NULL;
  if (*b == '\0')
    return xstrndup(a, la);
  if (asprintf(&out, "%.*s/%s", (int)la, a, b) < 0)
    abort();
  return out;
}

int cg_check_name(const char *name, cocin_error_t *err)
{
  if (name == NULL || *name == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 ||
      strcmp(name, "..") == 0 || strlen(name) > 200)
    return cocin_fail(err, EINVAL, "invalid cgroup name \"%s\"", name ? name : "");
  return 0;
}

int cg_self_path(const char *table, const char *ctrl, char **out, cocin_error_t *err)
{
  cleanup_free char *own = NULL;
  if (table == NULL) {
    if (read_all_file("/proc/self/cgroup", &own, NULL, err) < 0)
      return cocin_error_wrap(err, "open /proc/self/cgroup");
    table = own;
  }
  size_t clen = ctrl ? strlen(ctrl) : 0;
  for (const char *line = table; *line; line += strcspn(line, "\n"), line += *line == '\n') {
    /* "ID:CTRL,CTRL:PATH" */
    size_t len = strcspn(line, "\n");
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
    if (c2 == NULL)
      continue;
    const char *ctrls = c1 + 1;
    size_t nctrls = (size_t)(c2 - ctrls);
    bool match = false;
    if (ctrl == NULL) {
      match = c1 - line == 1 && line[0] == '0' && nctrls == 0;
    } else {
      for (const char *t = ctrls; t < c2; t += strcspn(t, ",:") + 1)
        if (strcspn(t, ",:") == clen && strncmp(t, ctrl, clen) == 0)
          match = true;
    }
    if (match) {
      *out = strndup(c2 + 1, (size_t)(line + len - c2 - 1));
      return *out ? 0 : cocin_fail_errno(err, "cgroup path");
    }
  }
  return cocin_fail(err, ENOENT, "the %s%s cgroup of this process is not in /proc/self/cgroup",
                    ctrl ? ctrl : "unified", ctrl ? " controller's" : "");
}

char *cg_container_rel(const char *parent_rel, const char *name)
{
  char *out = NULL;
  const char *p = parent_rel ? parent_rel : "";
  while (*p == '/')
    p++;
  size_t len = strlen(p);
  while (len > 0 && p[len - 1] == '/')
    len--;
  if (asprintf(&out, "%s%.*s/cocin/%s", len ? "/" : "", (int)len, p, name) < 0)
    abort();
  return out;
}

/* ---- making and removing directories ---- */

void cg_made_release(struct cg_made *made)
{
  for (size_t i = 0; i < made->n; i++)
    free(made->path[i]);
  made->n = 0;
}

void cg_made_rollback(struct cg_made *made)
{
  /* never recursive: a shared directory may have gained another container */
  for (size_t i = made->n; i > 0; i--)
    rmdir_if_unused(made->path[i - 1], made->fake);
  cg_made_release(made);
}

/* A path that does not exist, or runs through a file (a --cgroup-parent
 * naming one: the run that planned it failed to make it), holds no cgroup:
 * nothing to remove, not an error. */
static bool no_such_dir(int e)
{
  return e == ENOENT || e == ENOTDIR;
}

int cg_rmdir_tree(const char *dir, bool fake)
{
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL)
    return no_such_dir(errno) ? 0 : -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (de->d_type == DT_DIR) {
      cleanup_free char *sub = cg_join(dir, de->d_name);
      cg_rmdir_tree(sub, fake);
    } else if (fake) {
      unlinkat(dirfd(d), de->d_name, 0);
    }
  }
  if (rmdir(dir) < 0 && !no_such_dir(errno))
    return -1;
  return 0;
}

void rmdir_if_unused(const char *dir, bool fake)
{
  if (!fake) {
    rmdir(dir);
    return;
  }
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      return;
  cg_rmdir_tree(dir, true);
}

static int mkdir_steps_once(const struct cocin_cgroup *cg, struct cg_made *made,
                            const char *base, const char *rel, cg_step_fn step, void *ctx,
                            cocin_error_t *err)
{
  cleanup_free char *cur = strdup(base);
  cleanup_free char *copy = strdup(rel);
  if (cur == NULL || copy == NULL)
    return cocin_fail_errno(err, "mkdir %s", rel);
  char *save = NULL;
  for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    bool last = (save == NULL || *save == '\0');
    if (strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
      return cocin_fail(err, EINVAL, "cgroup path %s: \".\" and \"..\" are not allowed", rel);
    char *next = cg_join(cur, t);
    free(cur);
    cur = next;
    bool created = false;
    if (mkdir(cur, 0755) == 0) {
      created = true;
      if (made->n == CG_MAXMADE) {
        rmdir(cur);
        return cocin_fail(err, ENAMETOOLONG, "cgroup path %s: too deep", rel);
      }
      made->path[made->n++] = strdup(cur);
    } else if (errno != EEXIST) {
      return cocin_fail_errno(err, "create cgroup %s", cur);
    } else if (last) {
      return cocin_fail(err, EEXIST, "cgroup %s already exists", cur);
    }
    if (step) {
      char *slash = strrchr(cur, '/');
      cleanup_free char *parent = xstrndup(cur, slash && slash != cur ? (size_t)(slash - cur) : 1);
      if (step(cg, cur, parent, created, ctx, err) < 0)
        return -1;
    }
  }
  return 0;
}

bool cg_mkdir_leaf(struct cg_made *made, const char *dir)
{
  if (made->n == CG_MAXMADE || mkdir(dir, 0755) < 0)
    return false;
  made->path[made->n++] = xstrdup(dir);
  return true;
}

int cg_mkdir_steps(const struct cocin_cgroup *cg, struct cg_made *made, const char *base,
                   const char *rel, cg_step_fn step, void *ctx, cocin_error_t *err)
{
  /* A concurrent destroy may remove the shared "cocin" directory between
   * two of our mkdirs (ENOENT): walk again, a few times. */
  for (int attempt = 0;; attempt++) {
    cocin_error_t local = NULL;
    if (mkdir_steps_once(cg, made, base, rel, step, ctx, &local) == 0)
      return 0;
    if (cocin_error_status(&local) != ENOENT || attempt == 4) {
      if (err && *err == NULL)
        *err = local;
      else
        cocin_error_release(&local);
      return -1;
    }
    cocin_error_release(&local);
  }
}

bool cg_dir_empty(const char *dir)
{
  char buf[16];
  if (cg_read(dir, "cgroup.procs", buf, sizeof(buf)) < 0)
    return true;
  return buf[strspn(buf, " \n")] == '\0';
}

int cg_clear_stale(const struct cocin_cgroup *cg, const char *dir, cocin_error_t *err)
{
  struct stat st;
  if (stat(dir, &st) < 0)
    return 0;
  if (!cg->fake && !cg_dir_empty(dir))
    return cocin_fail(err, EEXIST, "cgroup %s already exists and has processes", dir);
  if (cg_rmdir_tree(dir, cg->fake) < 0)
    return cocin_fail_errno(err, "remove the stale cgroup %s", dir);
  return 0;
}

/* ---- mode detection ---- */

static const char *default_root(void)
{
  const char *r = getenv("COCIN_CGROUP_ROOT");
  return r && *r ? r : "/sys/fs/cgroup";
}

/* COCIN_CGROUP_MODE=v2|unified|v1|legacy|hybrid forces the mode (tests on a
 * fake root directory).  Returns 1 if forced, 0 if not, -1 on a bad value. */
static int forced_mode(enum cocin_cgroup_mode *mode, cocin_error_t *err)
{
  const char *m = getenv("COCIN_CGROUP_MODE");
  if (m == NULL || *m == '\0')
    return 0;
  if (strcmp(m, "v2") == 0 || strcmp(m, "unified") == 0)
    *mode = COCIN_CGROUP_UNIFIED;
  else if (strcmp(m, "v1") == 0 || strcmp(m, "legacy") == 0)
    *mode = COCIN_CGROUP_LEGACY;
  else if (strcmp(m, "hybrid") == 0)
    *mode = COCIN_CGROUP_HYBRID;
  else
    return cocin_fail(err, EINVAL, "COCIN_CGROUP_MODE=%s: use v1, v2, unified, legacy or hybrid",
                      m);
  return 1;
}

static int detect_root(const char *root, enum cocin_cgroup_mode *mode, cocin_error_t *err)
{
  struct statfs fs;
  if (statfs(root, &fs) < 0)
    return cocin_fail_errno(err, "cgroups: statfs %s", root);
  if (fs.f_type == CGROUP2_SUPER_MAGIC) {
    *mode = COCIN_CGROUP_UNIFIED;
    return 0;
  }
  if (fs.f_type != TMPFS_MAGIC && fs.f_type != CGROUP_SUPER_MAGIC)
    return cocin_fail(err, ENOTSUP, "cgroups: %s is neither a cgroup2 mount nor a tmpfs of v1 "
                      "hierarchies", root);
  cleanup_free char *unified = cg_join(root, "unified");
  if (statfs(unified, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
    *mode = COCIN_CGROUP_HYBRID;
  else
    *mode = COCIN_CGROUP_LEGACY;
  return 0;
}

int cocin_cgroup_detect(const char *cgroot, enum cocin_cgroup_mode *mode, cocin_error_t *err)
{
  static enum cocin_cgroup_mode cached;
  static bool have_cached;
  int forced = forced_mode(mode, err);
  if (forced != 0)
    return forced < 0 ? -1 : 0;
  bool use_cache = cgroot == NULL && getenv("COCIN_CGROUP_ROOT") == NULL;
  if (use_cache && have_cached) {
    *mode = cached;
    return 0;
  }
  if (detect_root(cgroot ? cgroot : default_root(), mode, err) < 0)
    return -1;
  if (use_cache) {
    cached = *mode;
    have_cached = true;
  }
  return 0;
}

static const struct cg_ops *ops_for(enum cocin_cgroup_mode mode)
{
  return mode == COCIN_CGROUP_UNIFIED ? &cg_v2_ops : &cg_v1_ops;
}

/* root: canonical already, and ours */
static struct cocin_cgroup *cg_alloc(enum cocin_cgroup_mode mode, char *root, bool fake)
{
  struct cocin_cgroup *cg = calloc(1, sizeof(*cg));
  if (cg == NULL)
    abort();
  cg->root = root;
  cg->mode = mode;
  cg->ops = ops_for(mode);
  cg->fake = fake;
  for (int i = 0; i < CG_NCTRL; i++)
    cg->ctrl_dir[i] = -1;
  return cg;
}

static struct cocin_cgroup *cg_new(enum cocin_cgroup_mode mode, const char *root, bool fake)
{
  /* canonical, so the paths of joined hierarchies (cpu -> cpu,cpuacct)
   * compare equal whichever way they were reached */
  char *real = realpath(root, NULL);
  return cg_alloc(mode, real ? real : xstrdup(root), fake);
}

/* A new cgroup object with what a plan looked up (its root, mode, and on
 * v1 the mount points and /proc/self/cgroup), with no directory yet. */
static struct cocin_cgroup *cg_from_plan(const struct cocin_cgroup *plan)
{
  struct cocin_cgroup *cg = cg_alloc(plan->mode, xstrdup(plan->root), plan->fake);
  cg->planned = plan->planned;
  for (int i = 0; i < CG_NCTRL; i++)
    cg->mounts[i] = plan->mounts[i] ? xstrdup(plan->mounts[i]) : NULL;
  cg->self_table = plan->self_table ? xstrdup(plan->self_table) : NULL;
  return cg;
}

/* ---- the interface ---- */

/* A cgroup object for this host's mode, with no directory yet. */
static struct cocin_cgroup *cg_for_host(cocin_error_t *err)
{
  enum cocin_cgroup_mode mode;
  int forced = forced_mode(&mode, err);
  if (forced < 0 || (forced == 0 && cocin_cgroup_detect(NULL, &mode, err) < 0))
    return NULL;
  /* forced mode on a plain directory (the tests' stand-in) is "fake";
   * forced on a real cgroup mount behaves for real */
  struct statfs rfs;
  bool fake = forced == 1 && (statfs(default_root(), &rfs) < 0 ||
                              (rfs.f_type != CGROUP2_SUPER_MAGIC && rfs.f_type != CGROUP_SUPER_MAGIC));
  return cg_new(mode, default_root(), fake);
}

bool cocin_cgroup_devices_expected(const struct cocin_limits *l)
{
  if (l && l->devices_unrestricted)
    return false;
  struct cocin_cgroup *cg = cg_for_host(NULL);
  bool r = cg && cg->ops->devices_expected(cg);
  cocin_cgroup_free(cg);
  return r;
}

/* plan: what a plan looked up, or NULL (look it up now).  dry: plan. */
static int create(const struct cocin_cgroup *plan, const char *name, const char *parent,
                  const struct cocin_limits *l, bool dry, struct cocin_cgroup **out,
                  cocin_error_t *err)
{
  static const struct cocin_limits none;
  *out = NULL;
  if (l == NULL)
    l = &none;
  if (cg_check_name(name, err) < 0 || cocin_limits_check(l, err) < 0)
    return -1;
  struct cocin_cgroup *cg = plan ? cg_from_plan(plan) : cg_for_host(err);
  if (cg == NULL)
    return -1;
  if (cg->ops->create(cg, name, parent, l, dry, err) < 0) {
    cocin_cgroup_free(cg);
    return -1;
  }
  *out = cg;
  return 0;
}

int cocin_cgroup_create(const char *name, const char *parent, const struct cocin_limits *l,
                        struct cocin_cgroup **out, cocin_error_t *err)
{
  return create(NULL, name, parent, l, false, out, err);
}

int cocin_cgroup_create_planned(const struct cocin_cgroup *plan, const char *name,
                                const char *parent, const struct cocin_limits *l,
                                struct cocin_cgroup **out, cocin_error_t *err)
{
  return create(plan, name, parent, l, false, out, err);
}

int cocin_cgroup_plan(const char *name, const char *parent, const struct cocin_limits *l,
                      struct cocin_cgroup **out, cocin_error_t *err)
{
  return create(NULL, name, parent, l, true, out, err);
}

size_t cocin_cgroup_ndirs(const struct cocin_cgroup *cg) { return cg ? cg->ndirs : 0; }

bool cocin_cgroup_same(const struct cocin_cgroup *a, const struct cocin_cgroup *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->mode != b->mode || a->fake != b->fake || strcmp(a->root, b->root) != 0 ||
      a->ndirs != b->ndirs || memcmp(a->ctrl_dir, b->ctrl_dir, sizeof(a->ctrl_dir)) != 0)
    return false;
  for (size_t i = 0; i < a->ndirs; i++)
    if (strcmp(a->dirs[i], b->dirs[i]) != 0)
      return false;
  return true;
}

const char *cocin_cgroup_path(const struct cocin_cgroup *cg, const char *controller)
{
  if (cg == NULL || cg->ndirs == 0)
    return NULL;
  if (cg->mode == COCIN_CGROUP_UNIFIED || controller == NULL)
    return cg->dirs[0];
  for (int i = 0; i < CG_NCTRL; i++)
    if (strcmp(controller, cg_ctrl_names[i]) == 0)
      return cg->ctrl_dir[i] >= 0 ? cg->dirs[cg->ctrl_dir[i]] : NULL;
  return NULL;
}

static const char *mode_name(enum cocin_cgroup_mode m)
{
  switch (m) {
  case COCIN_CGROUP_UNIFIED:
    return "unified";
  case COCIN_CGROUP_HYBRID:
    return "hybrid";
  case COCIN_CGROUP_LEGACY:
  default:
    return "legacy";
  }
}

/* {"mode":"hybrid","root":"/sys/fs/cgroup","fake":false,
 *  "paths":{"memory":"/sys/fs/cgroup/memory/.../cocin/NAME",...}}   (v1)
 * {"mode":"unified","root":...,"path":"/sys/fs/cgroup/.../cocin/NAME"} (v2) */
cJSON *cocin_cgroup_to_json(const struct cocin_cgroup *cg)
{
  if (cg == NULL)
    return cJSON_CreateNull();
  cJSON *j = cJSON_CreateObject();
  if (j == NULL)
    abort();
  cJSON_AddStringToObject(j, "mode", mode_name(cg->mode));
  cJSON_AddStringToObject(j, "root", cg->root);
  if (cg->fake)
    cJSON_AddBoolToObject(j, "fake", 1);
  if (cg->mode == COCIN_CGROUP_UNIFIED) {
    if (cg->ndirs)
      cJSON_AddStringToObject(j, "path", cg->dirs[0]);
    return j;
  }
  cJSON *paths = cJSON_AddObjectToObject(j, "paths");
  for (int i = 0; i < CG_NCTRL; i++)
    if (cg->ctrl_dir[i] >= 0)
      cJSON_AddStringToObject(paths, cg_ctrl_names[i], cg->dirs[cg->ctrl_dir[i]]);
  return j;
}

static int add_dir(struct cocin_cgroup *cg, const char *dir)
{
  for (size_t i = 0; i < cg->ndirs; i++)
    if (strcmp(cg->dirs[i], dir) == 0)
      return (int)i;
  if (cg->ndirs == CG_MAXDIRS)
    return -1;
  cg->dirs[cg->ndirs] = strdup(dir);
  if (cg->dirs[cg->ndirs] == NULL)
    abort();
  return (int)cg->ndirs++;
}

int cg_add_ctrl_dir(struct cocin_cgroup *cg, int ctrl, const char *dir)
{
  int i = add_dir(cg, dir);
  if (i >= 0 && ctrl >= 0)
    cg->ctrl_dir[ctrl] = i;
  return i;
}

int cocin_cgroup_from_json(const cJSON *j, struct cocin_cgroup **out, cocin_error_t *err)
{
  *out = NULL;
  if (j == NULL || cJSON_IsNull(j))
    return 0; /* a container without a cgroup */
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "mode");
  const cJSON *root = cJSON_GetObjectItemCaseSensitive(j, "root");
  if (!cJSON_IsString(m) || !cJSON_IsString(root))
    return cocin_fail(err, EINVAL, "cgroup: \"mode\" and \"root\" must be strings");
  enum cocin_cgroup_mode mode;
  if (strcmp(m->valuestring, "unified") == 0)
    mode = COCIN_CGROUP_UNIFIED;
  else if (strcmp(m->valuestring, "hybrid") == 0)
    mode = COCIN_CGROUP_HYBRID;
  else if (strcmp(m->valuestring, "legacy") == 0)
    mode = COCIN_CGROUP_LEGACY;
  else
    return cocin_fail(err, EINVAL, "cgroup: unknown mode \"%s\"", m->valuestring);
  bool fake = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "fake"));
  struct cocin_cgroup *cg = cg_new(mode, root->valuestring, fake);
  if (mode == COCIN_CGROUP_UNIFIED) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "path");
    if (!cJSON_IsString(p) || p->valuestring[0] != '/') {
      cocin_cgroup_free(cg);
      return cocin_fail(err, EINVAL, "cgroup: \"path\" must be an absolute path");
    }
    add_dir(cg, p->valuestring);
  } else {
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(j, "paths");
    for (int i = 0; i < CG_NCTRL; i++) {
      const cJSON *p = cJSON_GetObjectItemCaseSensitive(paths, cg_ctrl_names[i]);
      if (p == NULL)
        continue;
      if (!cJSON_IsString(p) || p->valuestring[0] != '/') {
        cocin_cgroup_free(cg);
        return cocin_fail(err, EINVAL, "cgroup: paths.%s must be an absolute path",
                          cg_ctrl_names[i]);
      }
      cg_add_ctrl_dir(cg, i, p->valuestring);
    }
  }
  *out = cg;
  return 0;
}

/* On v1 a single-threaded process moves through `tasks`.  Written "0" (the
 * writer moves itself), the kernel takes no global lock; any other pid, or
 * cgroup.procs, takes the threadgroup lock for writing, which waits for an
 * RCU grace period: 5 to 13 ms on an idle host here. */
static const char *enter_file(const struct cocin_cgroup *cg)
{
  return cg->mode != COCIN_CGROUP_UNIFIED ? "tasks" : "cgroup.procs";
}

int cocin_cgroup_enter(const struct cocin_cgroup *cg, pid_t pid, cocin_error_t *err)
{
  char val[24];
  if (cg == NULL)
    return 0;
  snprintf(val, sizeof(val), "%d", (int)pid);
  const char *file = enter_file(cg);
  for (size_t i = 0; i < cg->ndirs; i++)
    if (cg_write(cg, cg->dirs[i], file, val, err) < 0)
      return cocin_error_wrap(err, "join the container's cgroup");
  return 0;
}

int cocin_cgroup_open_enter(const struct cocin_cgroup *cg, int *fds, size_t max,
                            cocin_error_t *err)
{
  if (cg == NULL || cg->fake)
    return 0;
  if (cg->ndirs > max)
    return cocin_fail(err, EINVAL, "%zu cgroup hierarchies: more than %zu", cg->ndirs, max);
  size_t n = 0;
  for (; n < cg->ndirs; n++) {
    cleanup_free char *path = cg_join(cg->dirs[n], enter_file(cg));
    fds[n] = open(path, O_WRONLY | O_CLOEXEC);
    if (fds[n] < 0) {
      cocin_fail_errno(err, "open %s", path);
      while (n > 0)
        close(fds[--n]);
      return -1;
    }
  }
  return (int)n;
}

int cocin_cgroup_stats(const struct cocin_cgroup *cg, struct cocin_cgroup_stats *st,
                       cocin_error_t *err)
{
  memset(st, 0, sizeof(*st));
  st->memory_limit = UINT64_MAX;
  st->pids_limit = UINT64_MAX;
  if (cg == NULL)
    return cocin_fail(err, ENOENT, "the container has no cgroup");
  bool any = false;
  for (size_t i = 0; i < cg->ndirs; i++)
    if (access(cg->dirs[i], F_OK) == 0)
      any = true;
  if (!any)
    return cocin_fail(err, ENOENT, "cgroup %s is gone", cg->ndirs ? cg->dirs[0] : "?");
  return cg->ops->stats(cg, st, err);
}

static int cmp_pid(const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

struct pid_list {
  pid_t *v;
  size_t n, cap;
  bool self; /* the caller itself is in the cgroup */
};

/* The pids of dir's cgroup.procs and of every cgroup below it (a
 * container with the rights to may make its own: a --privileged one). */
static void collect_dir(const char *dir, int depth, struct pid_list *l)
{
  cleanup_free char *buf = cg_read_alloc(dir, "cgroup.procs");
  for (char *p = buf; p && *p;) {
    char *end = NULL;
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    p = end + (*end != '\0');
    if (v == getpid())
      l->self = true;
    if (v <= 1 || v == getpid())
      continue; /* never the host's init, never ourselves */
    if (l->n == l->cap) {
      l->cap = l->cap ? l->cap * 2 : 64;
      l->v = xrealloc(l->v, l->cap * sizeof(pid_t));
    }
    l->v[l->n++] = (pid_t)v;
  }
  cleanup_dir DIR *d = depth < 32 ? opendir(dir) : NULL;
  for (struct dirent *de; d && (de = readdir(d)) != NULL;)
    if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
      cleanup_free char *sub = cg_join(dir, de->d_name);
      collect_dir(sub, depth + 1, l);
    }
}

/* Every pid in the cgroup and below it (all hierarchies), sorted, without
 * duplicates; *self tells whether the caller itself is in it. */
static size_t collect_pids(const struct cocin_cgroup *cg, pid_t **out, bool *self)
{
  struct pid_list l = {0};
  for (size_t d = 0; d < cg->ndirs; d++)
    collect_dir(cg->dirs[d], 0, &l);
  size_t n = 0;
  if (l.n) {
    qsort(l.v, l.n, sizeof(pid_t), cmp_pid);
    for (size_t i = 0; i < l.n; i++)
      if (n == 0 || l.v[n - 1] != l.v[i])
        l.v[n++] = l.v[i];
  }
  *out = l.v;
  *self = l.self;
  return n;
}

size_t cocin_cgroup_pids(const struct cocin_cgroup *cg, pid_t **pids)
{
  bool self;
  return collect_pids(cg, pids, &self);
}

/* Freeze and wait (~1 s) until every task is frozen, or thaw. */
static int freeze_wait(const struct cocin_cgroup *cg, bool frozen)
{
  if (cg->ops->freeze(cg, frozen) < 0)
    return -1;
  for (int i = 0; frozen; i++) {
    int f = cg->ops->frozen(cg);
    if (f == 1)
      break;
    if (f < 0 || i == 200) { /* half frozen is none: thawed again */
      int e = f < 0 ? errno : EBUSY;
      cg->ops->freeze(cg, false);
      errno = e;
      return -1;
    }
    sleep_ms(5);
  }
  return 0;
}

int cocin_cgroup_freeze(const struct cocin_cgroup *cg, bool frozen, cocin_error_t *err)
{
  if (cg == NULL || cg->ndirs == 0)
    return cocin_fail(err, ENOTSUP, "the container has no cgroup to freeze");
  if (freeze_wait(cg, frozen) == 0)
    return 0;
  if (errno == ENOTSUP)
    return cocin_fail(err, ENOTSUP, "the container's cgroup has no freezer");
  if (errno == EBUSY)
    return cocin_fail(err, EBUSY, "not every process of it froze within a second (one in "
                                  "uninterruptible sleep?): left running");
  return cocin_fail_errno(err, "%s the container's cgroup", frozen ? "freeze" : "thaw");
}

int cg_move_all(const struct cocin_cgroup *cg, const char *dir, cocin_error_t *err)
{
  /* frozen meanwhile (unless frozen already), so that no fork escapes */
  int was = cg->ops->frozen(cg);
  bool froze = was == 0 && freeze_wait(cg, true) == 0;
  int r = 0;
  for (int round = 0; r == 0 && round < (froze || was == 1 ? 1 : 3); round++) {
    cleanup_free pid_t *pids = NULL;
    bool self;
    size_t n = collect_pids(cg, &pids, &self);
    for (size_t i = 0; i < n && r == 0; i++) {
      char v[32];
      snprintf(v, sizeof(v), "%d", (int)pids[i]);
      cocin_error_t e = NULL;
      if (cg_write(cg, dir, "cgroup.procs", v, &e) < 0 && cocin_error_status(&e) != ESRCH) {
        if (err && *err == NULL)
          *err = steal_ptr(e);
        r = -1;
      }
      cocin_error_release(&e);
    }
  }
  if (froze)
    freeze_wait(cg, false);
  return r;
}

int cocin_cgroup_update(struct cocin_cgroup *cg, const char *parent, pid_t init,
                        const struct cocin_limits *given, const struct cocin_limits *all,
                        cocin_error_t *err)
{
  if (cg == NULL || cg->ndirs == 0)
    return cocin_fail(err, ENOTSUP, "the container has no cgroup to update");
  if (cocin_limits_check(all, err) < 0)
    return -1;
  return cg->ops->update(cg, parent, init, given, all, err);
}

int cocin_cgroup_kill(const struct cocin_cgroup *cg, int sig, cocin_error_t *err)
{
  if (cg == NULL || cg->ndirs == 0)
    return 0;
  bool self = false;
  size_t n0;
  {
    cleanup_free pid_t *pids = NULL;
    n0 = collect_pids(cg, &pids, &self);
  }
  if (sig == SIGKILL && !self && cg->ops->kill_all(cg) == 0)
    return 0;
  if (n0 == 0)
    return 0; /* empty: nothing to freeze or signal */
  /* Frozen, nothing can fork between reading cgroup.procs and the kill
   * (never freeze a cgroup we are in ourselves). */
  bool frozen = !self && freeze_wait(cg, true) == 0;
  for (int round = 0; round < 50; round++) {
    cleanup_free pid_t *pids = NULL;
    size_t n = collect_pids(cg, &pids, &self);
    size_t sent = 0;
    for (size_t i = 0; i < n; i++)
      if (kill(pids[i], sig) == 0)
        sent++;
    if (frozen || sig != SIGKILL || sent == 0)
      break;
    sleep_ms(10);
  }
  if (frozen)
    cg->ops->freeze(cg, false);
  return 0;
}

/* dir sits directly under the root of a (real) cgroup hierarchy: kernfs
 * numbers a hierarchy's root directory 1. */
static bool at_hierarchy_root(const char *dir, bool fake)
{
  if (fake)
    return false;
  cleanup_free char *up = xasprintf("%s/..", dir);
  struct stat st;
  return stat(up, &st) == 0 && st.st_ino == 1;
}

/* The usual case: the container's init was reaped, and with it every
 * process of its pid namespace; the directories go at the first try. */
static bool rmdir_all(const struct cocin_cgroup *cg)
{
  bool gone = !cg->fake;
  for (size_t d = 0; gone && d < cg->ndirs; d++)
    if (rmdir(cg->dirs[d]) < 0 && !no_such_dir(errno))
      gone = false;
  return gone;
}

int cocin_cgroup_destroy_nowait(const struct cocin_cgroup *cg)
{
  if (cg == NULL || cg->fake || rmdir_all(cg))
    return cocin_cgroup_destroy(cg, NULL); /* the cocin/ parents, fake files */
  cocin_cgroup_kill(cg, SIGKILL, NULL);
  errno = EBUSY;
  return -1;
}

int cocin_cgroup_destroy(const struct cocin_cgroup *cg, cocin_error_t *err)
{
  if (cg == NULL)
    return 0;
  bool gone = rmdir_all(cg);
  if (!gone)
    cocin_cgroup_kill(cg, SIGKILL, NULL);
  /* Bounded wait until the processes are gone (about 3 s). */
  for (int i = 0; i < 300 && !cg->fake && !gone; i++) {
    bool empty = true;
    for (size_t d = 0; d < cg->ndirs; d++)
      if (!cg_dir_empty(cg->dirs[d]))
        empty = false;
    if (empty)
      break;
    if (i % 20 == 19)
      cocin_cgroup_kill(cg, SIGKILL, NULL);
    sleep_ms(10);
  }
  int ret = 0;
  for (size_t d = 0; d < cg->ndirs; d++) {
    if (cg_rmdir_tree(cg->dirs[d], cg->fake) < 0 && ret == 0)
      ret = cocin_fail_errno(err, "remove cgroup %s", cg->dirs[d]);
    /* The shared "cocin" directory goes when the last container leaves,
     * so that it never keeps a session's cgroup from being removed.  At a
     * hierarchy's root it stays, as docker's /docker does: nobody removes
     * a root, and every later run saves a mkdir and an rmdir there. */
    cleanup_free char *parent = strdup(cg->dirs[d]);
    char *slash = parent ? strrchr(parent, '/') : NULL;
    if (slash) {
      *slash = '\0';
      const char *base = strrchr(parent, '/');
      if (base && strcmp(base + 1, "cocin") == 0 && !at_hierarchy_root(parent, cg->fake))
        rmdir_if_unused(parent, cg->fake);
    }
  }
  return ret;
}

void cocin_cgroup_free(struct cocin_cgroup *cg)
{
  if (cg == NULL)
    return;
  for (size_t i = 0; i < cg->ndirs; i++)
    free(cg->dirs[i]);
  for (int i = 0; i < CG_NCTRL; i++)
    free(cg->mounts[i]);
  free(cg->self_table);
  free(cg->root);
  free(cg->devices_err);
  free(cg);
}

const char *cocin_cgroup_devices_error(const struct cocin_cgroup *cg)
{
  return cg && cg->devices_err ? cg->devices_err : "no devices controller";
}

bool cocin_cgroup_devices_enforced(const struct cocin_cgroup *cg)
{
  if (cg == NULL)
    return false;
  if (cg->mode == COCIN_CGROUP_UNIFIED)
    return cg->devices_bpf;
  return cg->ctrl_dir[CG_DEVICES] >= 0;
}

bool cocin_cgroup_oom_killed(const struct cocin_cgroup *cg)
{
  uint64_t v = 0;
  if (cg == NULL || cg->ndirs == 0)
    return false;
  if (cg->mode == COCIN_CGROUP_UNIFIED)
    return cg_read_keyed(cg->dirs[0], "memory.events", "oom_kill", &v) == 0 && v > 0;
  int i = cg->ctrl_dir[CG_MEMORY];
  return i >= 0 && cg_read_keyed(cg->dirs[i], "memory.oom_control", "oom_kill", &v) == 0 && v > 0;
}
