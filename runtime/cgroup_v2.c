/* cocin — cgroup v2 backend: the unified hierarchy, controllers enabled
 * through cgroup.subtree_control on the way down to the container. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "cocin/cleanup.h"
#include "cocin/util.h"

/* v2 controllers cocin enables, in the order written to subtree_control. */
enum v2_ctrl { V2_CPU, V2_CPUSET, V2_MEMORY, V2_PIDS, V2_NCTRL };
static const char *const v2_names[V2_NCTRL] = {"cpu", "cpuset", "memory", "pids"};
static const char *const v2_what[V2_NCTRL] = {"cpu limit", "cpuset", "memory limit",
                                              "pids limit"};

struct v2_ctx {
  unsigned required; /* bit per v2_ctrl: a limit needs it */
  unsigned wanted;   /* required + those stats use, where available */
};

static bool has_word(const char *list, const char *w)
{
  size_t n = strlen(w);
  for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
    if ((p == list || p[-1] == ' ' || p[-1] == '+') &&
        (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
      return true;
  return false;
}

/* Enable what the container needs in the parent of each directory on the
 * way down: a controller missing from the parent's cgroup.controllers is
 * an error naming it, not a silent no-op. */
static int enable_step(const struct cocin_cgroup *cg, const char *dir, const char *parent,
                       bool created, void *vctx, cocin_error_t *err)
{
  struct v2_ctx *ctx = vctx;
  char avail[1024], cur[1024], buf[256] = "";
  if (cg_read(parent, "cgroup.controllers", avail, sizeof(avail)) == 0) {
    for (int c = 0; c < V2_NCTRL; c++) {
      if (has_word(avail, v2_names[c]))
        continue;
      if (ctx->required & (1u << c))
        return cocin_fail(err, ENOTSUP,
                          "%s requested but the %s controller is not available in %s",
                          v2_what[c], v2_names[c], parent);
      ctx->wanted &= ~(1u << c);
    }
  } else if (!cg->fake) {
    return cocin_fail_errno(err, "read %s/cgroup.controllers", parent);
  }
  if (cg_read(parent, "cgroup.subtree_control", cur, sizeof(cur)) < 0)
    cur[0] = '\0';
  for (int c = 0; c < V2_NCTRL; c++)
    if ((ctx->wanted & (1u << c)) && !has_word(cur, v2_names[c])) {
      size_t len = strlen(buf);
      snprintf(buf + len, sizeof(buf) - len, "%s+%s", len ? " " : "", v2_names[c]);
    }
  if (buf[0] == '\0')
    return 0;
  if (cg_write(cg, parent, "cgroup.subtree_control", buf, err) < 0) {
    if (cocin_error_status(err) == EBUSY)
      return cocin_error_wrap(err, "enable controllers for the container (%s has processes of "
                                   "its own: use --cgroup-parent)",
                              parent);
    return cocin_error_wrap(err, "enable controllers for the container");
  }
  return 0;
}

static int write_i64(const struct cocin_cgroup *cg, const char *dir, const char *file, int64_t v,
                     const char *flag, cocin_error_t *err)
{
  char buf[32];
  if (v < 0)
    snprintf(buf, sizeof(buf), "max");
  else
    snprintf(buf, sizeof(buf), "%" PRId64, v);
  if (cg_write(cg, dir, file, buf, err) < 0)
    return cocin_error_wrap(err, "--%s", flag);
  return 0;
}

/* crun's conversion of v1 shares [2, 262144] to v2 weight [1, 10000]. */
static uint64_t shares_to_weight(uint64_t shares)
{
  if (shares == 0)
    return 0;
  return 1 + ((shares - 2) * 9999) / 262142;
}

static int apply_limits(const struct cocin_cgroup *cg, const char *dir,
                        const struct cocin_limits *l, cocin_error_t *err)
{
  if (l->memory && write_i64(cg, dir, "memory.max", l->memory, "memory", err) < 0)
    return -1;
  if (l->memory_swap) {
    if (!cg_writable(cg, dir, "memory.swap.max"))
      return cocin_fail(err, ENOTSUP,
                        "--memory-swap: swap accounting is not enabled on this host (no "
                        "memory.swap.max in %s)",
                        dir);
    /* docker's memory-swap is memory+swap; v2 limits swap alone */
    int64_t swap = l->memory_swap < 0 ? -1 : l->memory_swap - l->memory;
    if (write_i64(cg, dir, "memory.swap.max", swap, "memory-swap", err) < 0)
      return -1;
  } else if (l->memory && cg_writable(cg, dir, "memory.swap.max")) {
    if (write_i64(cg, dir, "memory.swap.max", l->memory, "memory", err) < 0)
      return -1;
  }
  if (l->cpu_period) {
    char buf[64];
    if (l->cpu_quota < 0) /* (no limit: v2 says max) */
      snprintf(buf, sizeof(buf), "max %" PRId64, l->cpu_period);
    else
      snprintf(buf, sizeof(buf), "%" PRId64 " %" PRId64, l->cpu_quota, l->cpu_period);
    if (cg_write(cg, dir, "cpu.max", buf, err) < 0)
      return cocin_error_wrap(err, "--%s", cocin_limits_cpu_flag(l));
  }
  if (l->cpu_shares &&
      write_i64(cg, dir, "cpu.weight", (int64_t)shares_to_weight((uint64_t)l->cpu_shares),
                "cpu-shares", err) < 0)
    return -1;
  if (l->cpuset_cpus && cg_write(cg, dir, "cpuset.cpus", l->cpuset_cpus, err) < 0)
    return cocin_error_wrap(err, "--cpuset-cpus %s", l->cpuset_cpus);
  if (l->cpuset_mems && cg_write(cg, dir, "cpuset.mems", l->cpuset_mems, err) < 0)
    return cocin_error_wrap(err, "--cpuset-mems %s", l->cpuset_mems);
  if (l->pids_limit && write_i64(cg, dir, "pids.max", l->pids_limit, "pids-limit", err) < 0)
    return -1;
  return 0;
}

/* the controllers l's limits need, a bit per v2_ctrl */
static unsigned v2_required(const struct cocin_limits *l)
{
  return (l->memory || l->memory_swap ? 1u << V2_MEMORY : 0) |
         (l->cpu_quota || l->cpu_shares ? 1u << V2_CPU : 0) |
         (l->cpuset_cpus || l->cpuset_mems ? 1u << V2_CPUSET : 0) |
         (l->pids_limit ? 1u << V2_PIDS : 0);
}

static int v2_create_at(struct cocin_cgroup *cg, const char *name, const char *parent_rel,
                        const struct cocin_limits *l, bool dry, cocin_error_t *err)
{
  struct v2_ctx ctx = {.required = v2_required(l)};
  ctx.wanted = ctx.required | (1u << V2_MEMORY) | (1u << V2_PIDS);

  cleanup_free char *rel = cg_container_rel(parent_rel, name);
  cleanup_free char *dir = cg_join(cg->root, rel);
  if (dry) {
    cg_add_ctrl_dir(cg, -1, dir);
    return 0;
  }
  struct cg_made made = {.fake = cg->fake};
  if (cg_clear_stale(cg, dir, err) < 0)
    return -1;
  if (cg_mkdir_steps(cg, &made, cg->root, rel, enable_step, &ctx, err) < 0 ||
      apply_limits(cg, dir, l, err) < 0) {
    cg_made_rollback(&made);
    return -1;
  }
  /* The devices policy is a BPF program on v2.  Whether run counts on it
   * (cocin_cgroup_devices_expected) or falls back to no MKNOD and nodev
   * mounts was decided before; a refusal here is kept for its message. */
  if (!cg->fake && !l->devices_unrestricted) {
    cocin_error_t e = NULL;
    cg->devices_bpf = cg_bpf_devices_attach(dir, l->devices, l->n_devices, &e) == 0;
    if (!cg->devices_bpf)
      cg->devices_err = strdup(cocin_error_msg(&e));
    cocin_error_release(&e);
  }
  cg_made_release(&made);
  cg_add_ctrl_dir(cg, -1, dir);
  return 0;
}

static int v2_create(struct cocin_cgroup *cg, const char *name, const char *parent,
                     const struct cocin_limits *l, bool dry, cocin_error_t *err)
{
  if (parent)
    return v2_create_at(cg, name, parent, l, dry, err);
  cleanup_free char *self = NULL;
  if (cg_self_path(NULL, NULL, &self, cg->fake ? NULL : err) < 0) {
    if (!cg->fake)
      return -1;
    self = strdup("/");
  }
  /* The caller's own cgroup usually holds processes (the caller), and v2
   * lets no such cgroup below the root delegate controllers (EBUSY): then
   * fall back to the root, like docker's /docker. */
  cocin_error_t local = NULL;
  if (v2_create_at(cg, name, self, l, dry, &local) == 0)
    return 0; /* dry: the first choice, the one usually made */
  if (cocin_error_status(&local) != EBUSY || strcmp(self, "/") == 0) {
    if (err && *err == NULL)
      *err = local;
    else
      cocin_error_release(&local);
    return -1;
  }
  cocin_error_release(&local);
  return v2_create_at(cg, name, "/", l, false, err);
}

static int v2_stats(const struct cocin_cgroup *cg, struct cocin_cgroup_stats *st,
                    cocin_error_t *err)
{
  const char *dir = cg->dirs[0];
  uint64_t v;
  if (cg_read_u64(dir, "memory.current", &st->memory_usage) == 0 &&
      cg_read_keyed(dir, "memory.stat", "inactive_file", &v) == 0)
    st->memory_usage = v < st->memory_usage ? st->memory_usage - v : 0; /* like docker */
  cg_read_u64(dir, "memory.max", &st->memory_limit);
  if (cg_read_keyed(dir, "memory.events", "oom_kill", &v) == 0)
    st->oom_killed = v > 0;
  if (cg_read_keyed(dir, "cpu.stat", "usage_usec", &v) == 0)
    st->cpu_usage_ns = v * 1000;
  cg_read_u64(dir, "pids.current", &st->pids_current);
  cg_read_u64(dir, "pids.max", &st->pids_limit);
  return 0;
}

static int v2_freeze(const struct cocin_cgroup *cg, bool frozen)
{
  const char *dir = cg->dirs[0];
  if (cg->fake || !cg_exists(dir, "cgroup.freeze")) {
    errno = ENOTSUP;
    return -1;
  }
  return cg_write(cg, dir, "cgroup.freeze", frozen ? "1" : "0", NULL);
}

static int v2_frozen(const struct cocin_cgroup *cg)
{
  uint64_t v;
  if (cg_read_keyed(cg->dirs[0], "cgroup.events", "frozen", &v) < 0)
    return -1;
  return v == 1;
}

/* cgroup.kill (Linux 5.14+) kills everything, forks included, at once. */
static int v2_kill_all(const struct cocin_cgroup *cg)
{
  const char *dir = cg->dirs[0];
  if (!cg_exists(dir, "cgroup.kill") || cg_write(cg, dir, "cgroup.kill", "1", NULL) < 0)
    return -1;
  return 0;
}

static bool v2_devices_expected(const struct cocin_cgroup *cg)
{
  return !cg->fake && cg_bpf_devices_loadable();
}

/* Enable what given needs in the parent of each directory on the way down
 * to the container's (a controller enabled already stays), then write. */
static int v2_update(struct cocin_cgroup *cg, const char *parent, pid_t init,
                     const struct cocin_limits *given, const struct cocin_limits *all,
                     cocin_error_t *err)
{
  struct v2_ctx ctx = {.required = v2_required(given)};
  ctx.wanted = ctx.required;
  const char *dir = cg->dirs[0];
  size_t rl = strlen(cg->root);
  if (strncmp(dir, cg->root, rl) != 0 || dir[rl] != '/')
    return cocin_fail(err, EINVAL, "cgroup %s is not under %s", dir, cg->root);
  for (size_t k = rl; dir[k] == '/';) {
    size_t next = k + 1 + strcspn(dir + k + 1, "/");
    cleanup_free char *child = xstrndup(dir, next);
    cleanup_free char *up = xstrndup(dir, k);
    if (enable_step(cg, child, up, false, &ctx, err) < 0)
      return -1;
    k = next;
  }
  /* memory and swap go together: swap is given as memory+swap */
  struct cocin_limits l = *given;
  if (given->memory || given->memory_swap) {
    l.memory = all->memory;
    l.memory_swap = all->memory_swap;
  }
  /* quota and period too: one given, the other as it was */
  if (given->cpu_period) {
    l.cpu_quota = all->cpu_quota;
    l.cpu_period = all->cpu_period;
  }
  return apply_limits(cg, dir, &l, err);
}

const struct cg_ops cg_v2_ops = {
    .name = "v2",
    .create = v2_create,
    .stats = v2_stats,
    .freeze = v2_freeze,
    .frozen = v2_frozen,
    .kill_all = v2_kill_all,
    .devices_expected = v2_devices_expected,
    .update = v2_update,
};
