/* cocin — cgroup v1 backend: one hierarchy per controller (or joined ones
 * like cpu,cpuacct), used on legacy and hybrid hosts. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cocin/cleanup.h"
#include "cocin/util.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

/* docker's default device rules (mknod anything, use only these). */
static const char *const default_devices[] = {
    "c *:* m",    "b *:* m",    "c 1:3 rwm", /* null */
    "c 1:5 rwm",                             /* zero */
    "c 1:7 rwm",                             /* full */
    "c 1:8 rwm",                             /* random */
    "c 1:9 rwm",                             /* urandom */
    "c 5:0 rwm",                             /* tty */
    "c 5:1 rwm",                             /* console */
    "c 5:2 rwm",                             /* ptmx */
    "c 136:* rwm",                           /* pts */
    NULL,
};

static bool has_token(const char *list, const char *tok)
{
  size_t n = strlen(tok);
  for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (strncmp(p, tok, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

/* Where the hierarchy holding ctrl is mounted: root/ctrl (often a symlink to
 * root/cpu,cpuacct), or an entry of root whose comma list names ctrl. */
static char *find_mount(const struct cocin_cgroup *cg, const char *ctrl)
{
  cleanup_free char *path = NULL;
  struct stat st;
  cleanup_free char *direct = cg_join(cg->root, ctrl);
  if (stat(direct, &st) == 0 && S_ISDIR(st.st_mode)) {
    path = steal_ptr(direct);
  } else {
    cleanup_dir DIR *d = opendir(cg->root);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
      if (de->d_name[0] != '.' && has_token(de->d_name, ctrl)) {
        path = cg_join(cg->root, de->d_name);
        break;
      }
  }
  if (path == NULL)
    return NULL;
  if (!cg->fake) {
    struct statfs fs;
    if (statfs(path, &fs) < 0 || fs.f_type != CGROUP_SUPER_MAGIC)
      return NULL;
  }
  /* cpu -> cpu,cpuacct: resolve, so joined controllers compare equal */
  if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode))
    return steal_ptr(path);
  char *real = realpath(path, NULL);
  return real ? real : steal_ptr(path);
}

/* A new cpuset cgroup starts with empty cpus/mems: no task may join it until
 * they are copied from the parent (ENOSPC otherwise). */
static int cpuset_step(const struct cocin_cgroup *cg, const char *dir, const char *parent,
                       bool created, void *ctx, cocin_error_t *err)
{
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  if (!*(bool *)ctx)
    return 0;
  for (int i = 0; i < 2; i++) {
    char mine[4096], theirs[4096];
    if (cg_read(dir, files[i], mine, sizeof(mine)) == 0 && mine[strspn(mine, " \n")] != '\0')
      continue;
    if (cg_read(parent, files[i], theirs, sizeof(theirs)) < 0)
      return cocin_fail_errno(err, "read %s/%s", parent, files[i]);
    theirs[strcspn(theirs, "\n")] = '\0';
    if (cg_write(cg, dir, files[i], theirs, err) < 0)
      return -1;
  }
  return 0;
}

static const char *dir_of(const struct cocin_cgroup *cg, enum cg_ctrl c)
{
  return cg->ctrl_dir[c] >= 0 ? cg->dirs[cg->ctrl_dir[c]] : NULL;
}

static int write_i64(const struct cocin_cgroup *cg, const char *dir, const char *file, int64_t v,
                     const char *flag, cocin_error_t *err)
{
  char buf[32];
  snprintf(buf, sizeof(buf), "%" PRId64, v);
  if (cg_write(cg, dir, file, buf, err) < 0)
    return cocin_error_wrap(err, "--%s", flag);
  return 0;
}

/* docker's memory+swap without --memory-swap: twice the memory (no
 * limit for one so large that twice it does not fit: -m 5000000t) */
static int64_t swap_default(int64_t memory)
{
  return memory > INT64_MAX / 2 ? -1 : 2 * memory;
}

static int apply_memory(const struct cocin_cgroup *cg, const struct cocin_limits *l,
                        cocin_error_t *err)
{
  const char *dir = dir_of(cg, CG_MEMORY);
  if (l->memory && write_i64(cg, dir, "memory.limit_in_bytes", l->memory, "memory", err) < 0)
    return -1;
  bool memsw = cg_writable(cg, dir, "memory.memsw.limit_in_bytes");
  if (l->memory_swap) {
    if (!memsw)
      return cocin_fail(err, ENOTSUP,
                        "--memory-swap: swap accounting is not enabled on this host (no "
                        "memory.memsw.limit_in_bytes in %s)",
                        dir);
    return write_i64(cg, dir, "memory.memsw.limit_in_bytes", l->memory_swap, "memory-swap", err);
  }
  /* docker: without --memory-swap, as much swap as memory */
  if (l->memory && memsw)
    return write_i64(cg, dir, "memory.memsw.limit_in_bytes", swap_default(l->memory), "memory",
                     err);
  return 0;
}

static int apply_limits(const struct cocin_cgroup *cg, const struct cocin_limits *l,
                        cocin_error_t *err)
{
  if (apply_memory(cg, l, err) < 0)
    return -1;
  const char *cpu = dir_of(cg, CG_CPU);
  const char *cpus = cocin_limits_cpu_flag(l);
  if (l->cpu_period && (write_i64(cg, cpu, "cpu.cfs_period_us", l->cpu_period, cpus, err) < 0 ||
                        write_i64(cg, cpu, "cpu.cfs_quota_us", l->cpu_quota, cpus, err) < 0))
    return -1;
  if (l->cpu_shares && write_i64(cg, cpu, "cpu.shares", l->cpu_shares, "cpu-shares", err) < 0)
    return -1;
  const char *cpuset = dir_of(cg, CG_CPUSET);
  if (l->cpuset_cpus && cg_write(cg, cpuset, "cpuset.cpus", l->cpuset_cpus, err) < 0)
    return cocin_error_wrap(err, "--cpuset-cpus %s", l->cpuset_cpus);
  if (l->cpuset_mems && cg_write(cg, cpuset, "cpuset.mems", l->cpuset_mems, err) < 0)
    return cocin_error_wrap(err, "--cpuset-mems %s", l->cpuset_mems);
  const char *pids = dir_of(cg, CG_PIDS);
  if (l->pids_limit == -1 && cg_write(cg, pids, "pids.max", "max", err) < 0)
    return cocin_error_wrap(err, "--pids-limit");
  if (l->pids_limit > 0 && write_i64(cg, pids, "pids.max", l->pids_limit, "pids-limit", err) < 0)
    return -1;
  const char *dev = dir_of(cg, CG_DEVICES);
  if (dev && !l->devices_unrestricted) {
    if (cg_write(cg, dev, "devices.deny", "a", err) < 0)
      return cocin_error_wrap(err, "devices policy");
    if (cg_write_each(cg, dev, "devices.allow", default_devices, err) < 0)
      return cocin_error_wrap(err, "devices policy");
    for (size_t i = 0; i < l->n_devices; i++) { /* --device's */
      const struct cocin_device_rule *r = &l->devices[i];
      char rule[64];
      snprintf(rule, sizeof(rule), "%c %u:%u %s", r->type, r->major, r->minor, r->access);
      if (cg_write(cg, dev, "devices.allow", rule, err) < 0)
        return cocin_error_wrap(err, "--device (%s)", rule);
    }
  }
  return 0;
}

static const struct {
  enum cg_ctrl ctrl;
  const char *what;
} required_msgs[] = {
    {CG_MEMORY, "memory limit"},
    {CG_CPU, "cpu limit"},
    {CG_CPUSET, "cpuset"},
    {CG_PIDS, "pids limit"},
};

static bool needs(const struct cocin_limits *l, enum cg_ctrl c)
{
  switch (c) {
  case CG_MEMORY:
    return l->memory || l->memory_swap;
  case CG_CPU:
    return l->cpu_quota || l->cpu_shares;
  case CG_CPUSET:
    return l->cpuset_cpus || l->cpuset_mems;
  case CG_PIDS:
    return l->pids_limit != 0;
  case CG_CPUACCT:
  case CG_DEVICES:
  case CG_FREEZER:
  case CG_NCTRL:
  default:
    return false;
  }
}

static void drop_dirs(struct cocin_cgroup *cg)
{
  for (size_t i = 0; i < cg->ndirs; i++)
    free(cg->dirs[i]);
  cg->ndirs = 0;
  for (int i = 0; i < CG_NCTRL; i++)
    cg->ctrl_dir[i] = -1;
}

static void free_mounts(char **mounts)
{
  for (int i = 0; i < CG_NCTRL; i++)
    free(mounts[i]);
}

static int make_dirs(struct cocin_cgroup *cg, struct cg_made *made, char **mounts,
                     const char *name, const char *parent, bool dry, cocin_error_t *err)
{
  cleanup_free char *table = NULL; /* /proc/self/cgroup, read once */
  if (parent == NULL && cg->self_table) {
    table = xstrdup(cg->self_table); /* the plan's */
  } else if (parent == NULL &&
             read_all_file("/proc/self/cgroup", &table, NULL, cg->fake ? NULL : err) < 0) {
    if (!cg->fake)
      return cocin_error_wrap(err, "open /proc/self/cgroup");
    table = strdup("");
  }
  if (dry && table && cg->self_table == NULL)
    cg->self_table = xstrdup(table);
  for (int i = 0; i < CG_NCTRL; i++) {
    if (mounts[i] == NULL)
      continue;
    bool seen = false;
    for (int j = 0; j < i && !seen; j++)
      if (mounts[j] && strcmp(mounts[j], mounts[i]) == 0) {
        cg->ctrl_dir[i] = cg->ctrl_dir[j];
        seen = true;
      }
    if (seen)
      continue;
    cleanup_free char *self = NULL;
    if (parent == NULL && cg_self_path(table, cg_ctrl_names[i], &self, cg->fake ? NULL : err) < 0) {
      if (!cg->fake)
        return -1;
      self = strdup("/");
    }
    cleanup_free char *rel = cg_container_rel(parent ? parent : self, name);
    cleanup_free char *dir = cg_join(mounts[i], rel);
    bool cpuset = mounts[CG_CPUSET] && strcmp(mounts[CG_CPUSET], mounts[i]) == 0;
    /* a cpuset cgroup needs each new level filled in: step by step */
    if (!dry && (cpuset || !cg_mkdir_leaf(made, dir)) &&
        (cg_clear_stale(cg, dir, err) < 0 ||
         cg_mkdir_steps(cg, made, mounts[i], rel, cpuset_step, &cpuset, err) < 0))
      return -1;
    cg_add_ctrl_dir(cg, i, dir);
  }
  return 0;
}

static int v1_create(struct cocin_cgroup *cg, const char *name, const char *parent,
                     const struct cocin_limits *l, bool dry, cocin_error_t *err)
{
  char *mounts[CG_NCTRL] = {0};
  for (int i = 0; i < CG_NCTRL; i++)
    mounts[i] = !cg->planned ? find_mount(cg, cg_ctrl_names[i])
                : cg->mounts[i] ? xstrdup(cg->mounts[i])
                                : NULL;
  /* A cpuset cgroup only when --cpuset-* asks for one: without it the
   * container has its caller's cpuset anyway, and a new one costs a dozen
   * file operations to copy cpus and mems down two levels. */
  if (mounts[CG_CPUSET] && !needs(l, CG_CPUSET)) {
    bool shared = false; /* joined with a hierarchy we do use */
    for (int i = 0; i < CG_NCTRL; i++)
      if (i != CG_CPUSET && mounts[i] && strcmp(mounts[i], mounts[CG_CPUSET]) == 0)
        shared = true;
    if (!shared) {
      free(mounts[CG_CPUSET]);
      mounts[CG_CPUSET] = NULL;
    }
  }
  for (size_t i = 0; i < sizeof(required_msgs) / sizeof(required_msgs[0]); i++) {
    enum cg_ctrl c = required_msgs[i].ctrl;
    if (needs(l, c) && mounts[c] == NULL) {
      free_mounts(mounts);
      return cocin_fail(err, ENOTSUP,
                        "%s requested but the %s controller is not available (no cgroup v1 "
                        "hierarchy for it under %s)",
                        required_msgs[i].what, cg_ctrl_names[c], cg->root);
    }
  }
  if (dry) { /* for the create after this plan */
    for (int i = 0; i < CG_NCTRL; i++)
      cg->mounts[i] = mounts[i] ? xstrdup(mounts[i]) : NULL;
    cg->planned = true;
  }
  struct cg_made made = {.fake = cg->fake};
  int ret = make_dirs(cg, &made, mounts, name, parent, dry, err);
  free_mounts(mounts);
  if (ret == 0 && cg->ndirs == 0)
    ret = cocin_fail(err, ENOTSUP, "no cgroup v1 hierarchy found under %s", cg->root);
  if (ret == 0 && !dry)
    ret = apply_limits(cg, l, err);
  if (ret < 0) {
    cg_made_rollback(&made);
    drop_dirs(cg);
    return -1;
  }
  cg_made_release(&made);
  return 0;
}

static int v1_stats(const struct cocin_cgroup *cg, struct cocin_cgroup_stats *st,
                    cocin_error_t *err)
{
  const char *mem = dir_of(cg, CG_MEMORY), *acct = dir_of(cg, CG_CPUACCT);
  const char *pids = dir_of(cg, CG_PIDS);
  uint64_t v;
  if (mem) {
    if (cg_read_u64(mem, "memory.usage_in_bytes", &st->memory_usage) == 0 &&
        cg_read_keyed(mem, "memory.stat", "total_inactive_file", &v) == 0)
      st->memory_usage = v < st->memory_usage ? st->memory_usage - v : 0; /* like docker */
    cg_read_u64(mem, "memory.limit_in_bytes", &st->memory_limit);
    /* "oom_kill N" in memory.oom_control (kernel 4.13+) */
    if (cg_read_keyed(mem, "memory.oom_control", "oom_kill", &v) == 0)
      st->oom_killed = v > 0;
  }
  if (acct == NULL)
    acct = dir_of(cg, CG_CPU);
  if (acct)
    cg_read_u64(acct, "cpuacct.usage", &st->cpu_usage_ns);
  if (pids) {
    cg_read_u64(pids, "pids.current", &st->pids_current);
    cg_read_u64(pids, "pids.max", &st->pids_limit);
  }
  return 0;
}

static int v1_freeze(const struct cocin_cgroup *cg, bool frozen)
{
  const char *dir = dir_of(cg, CG_FREEZER);
  if (dir == NULL || cg->fake) {
    errno = ENOTSUP;
    return -1;
  }
  return cg_write(cg, dir, "freezer.state", frozen ? "FROZEN" : "THAWED", NULL);
}

static int v1_frozen(const struct cocin_cgroup *cg)
{
  char buf[32];
  if (cg_read(dir_of(cg, CG_FREEZER), "freezer.state", buf, sizeof(buf)) < 0)
    return -1;
  return strncmp(buf, "FROZEN", 6) == 0;
}

static int v1_kill_all(const struct cocin_cgroup *cg) { return -1; }

static bool v1_devices_expected(const struct cocin_cgroup *cg)
{
  cleanup_free char *m = find_mount(cg, cg_ctrl_names[CG_DEVICES]);
  return m != NULL;
}

/* memory and memory+swap as all has them, written in the order that keeps
 * memory <= memory+swap at every step (the kernel refuses any other) */
static int update_memory(const struct cocin_cgroup *cg, const struct cocin_limits *all,
                         cocin_error_t *err)
{
  const char *dir = dir_of(cg, CG_MEMORY);
  bool memsw = cg_writable(cg, dir, "memory.memsw.limit_in_bytes");
  if (all->memory_swap && !memsw)
    return cocin_fail(err, ENOTSUP,
                      "--memory-swap: swap accounting is not enabled on this host (no "
                      "memory.memsw.limit_in_bytes in %s)",
                      dir);
  int64_t mem = all->memory ? all->memory : -1;
  int64_t sw = all->memory_swap ? all->memory_swap : all->memory ? swap_default(all->memory) : -1;
  uint64_t cur_sw = UINT64_MAX;
  if (memsw)
    cg_read_u64(dir, "memory.memsw.limit_in_bytes", &cur_sw);
  /* -1 is no limit: as large as any */
  bool swap_first = memsw && (mem < 0 || (uint64_t)mem > cur_sw);
  if (swap_first && write_i64(cg, dir, "memory.memsw.limit_in_bytes", sw, "memory-swap", err) < 0)
    return -1;
  if (write_i64(cg, dir, "memory.limit_in_bytes", mem, "memory", err) < 0)
    return -1;
  if (memsw && !swap_first &&
      write_i64(cg, dir, "memory.memsw.limit_in_bytes", sw, "memory-swap", err) < 0)
    return -1;
  return 0;
}

/* A cpuset cgroup for a container made without one: under parent (its
 * --cgroup-parent), else under the cpuset cgroup its init is in (where
 * its starter was), the directory's name the container's other ones'. */
static int add_cpuset(struct cocin_cgroup *cg, const char *parent, pid_t init,
                      cocin_error_t *err)
{
  cleanup_free char *mount = find_mount(cg, cg_ctrl_names[CG_CPUSET]);
  if (mount == NULL)
    return cocin_fail(err, ENOTSUP, "cpuset requested but the cpuset controller is not "
                                    "available (no cgroup v1 hierarchy for it under %s)",
                      cg->root);
  cleanup_free char *self = NULL;
  if (parent == NULL) {
    cleanup_free char *path = xasprintf("/proc/%d/cgroup", (int)init);
    cleanup_free char *table = NULL;
    if (read_all_file(path, &table, NULL, err) < 0 ||
        cg_self_path(table, cg_ctrl_names[CG_CPUSET], &self, err) < 0)
      return cocin_error_wrap(err, "the container's cpuset cgroup");
  }
  const char *leaf = strrchr(cg->dirs[0], '/');
  cleanup_free char *rel = cg_container_rel(parent ? parent : self, leaf ? leaf + 1 : cg->dirs[0]);
  cleanup_free char *dir = cg_join(mount, rel);
  struct cg_made made = {.fake = cg->fake};
  bool copy = true;
  /* (one an earlier update made and could not record, empty) */
  if (cg_clear_stale(cg, dir, err) < 0 ||
      cg_mkdir_steps(cg, &made, mount, rel, cpuset_step, &copy, err) < 0)
    return cocin_error_wrap(err, "the container's cpuset cgroup");
  /* the container's from now on, whatever comes next: recorded, so that
   * its removal finds it (some processes may be in it already) */
  cg_made_release(&made);
  cg_add_ctrl_dir(cg, CG_CPUSET, dir);
  if (cg_move_all(cg, dir, err) < 0)
    return cocin_error_wrap(err, "move the container into its cpuset cgroup");
  return 0;
}

static int v1_update(struct cocin_cgroup *cg, const char *parent, pid_t init,
                     const struct cocin_limits *given, const struct cocin_limits *all,
                     cocin_error_t *err)
{
  /* every controller looked for before the first write */
  if ((given->memory || given->memory_swap) && dir_of(cg, CG_MEMORY) == NULL)
    return cocin_fail(err, ENOTSUP, "memory limit requested but the container has no memory "
                                    "cgroup");
  if (all->memory_swap && (given->memory || given->memory_swap) &&
      !cg_writable(cg, dir_of(cg, CG_MEMORY), "memory.memsw.limit_in_bytes"))
    return cocin_fail(err, ENOTSUP,
                      "--memory-swap: swap accounting is not enabled on this host (no "
                      "memory.memsw.limit_in_bytes in %s)",
                      dir_of(cg, CG_MEMORY));
  if ((given->cpu_period || given->cpu_shares) && dir_of(cg, CG_CPU) == NULL)
    return cocin_fail(err, ENOTSUP, "cpu limit requested but the container has no cpu cgroup");
  if (given->pids_limit && dir_of(cg, CG_PIDS) == NULL)
    return cocin_fail(err, ENOTSUP, "pids limit requested but the container has no pids cgroup");
  if ((given->cpuset_cpus || given->cpuset_mems) && dir_of(cg, CG_CPUSET) == NULL &&
      add_cpuset(cg, parent, init, err) < 0)
    return -1;
  if ((given->memory || given->memory_swap) && update_memory(cg, all, err) < 0)
    return -1;
  /* the rest as run writes it (what given leaves 0 is not written) */
  struct cocin_limits rest = *given;
  rest.memory = rest.memory_swap = 0;
  /* quota and period go together: one given, the other as it was */
  rest.cpu_quota = given->cpu_period ? all->cpu_quota : 0;
  rest.cpu_period = given->cpu_period ? all->cpu_period : 0;
  rest.devices_unrestricted = true; /* the devices policy stays as it is */
  return apply_limits(cg, &rest, err);
}

const struct cg_ops cg_v1_ops = {
    .name = "v1",
    .create = v1_create,
    .stats = v1_stats,
    .freeze = v1_freeze,
    .frozen = v1_frozen,
    .kill_all = v1_kill_all,
    .devices_expected = v1_devices_expected,
    .update = v1_update,
};
