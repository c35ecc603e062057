/* cocin — one cgroup interface, two backends (v1 per-controller hierarchies,
 * v2 unified).  The mode is detected once; callers never see which backend
 * runs.  Each container gets its own cgroup "cocin/<name>" under the parent
 * cgroup (the starter's own cgroup, or --cgroup-parent). */
#ifndef COCIN_CGROUP_H
#define COCIN_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "error.h"

/* Resource limits as given on the command line.  0 / NULL = not set. */
/* --device: one more device the container may use, beside docker's
 * default list (type 'c' or 'b', its numbers, access "r", "w", "m" in
 * any mix) */
struct cocin_device_rule {
  char type;
  unsigned major, minor;
  char access[4];
};

#define COCIN_CPU_GIVEN_CPUS 1u
#define COCIN_CPU_GIVEN_PERIOD 2u
#define COCIN_CPU_GIVEN_QUOTA 4u
struct cocin_limits {
  int64_t memory;      /* bytes, -m/--memory */
  int64_t memory_swap; /* bytes (memory+swap, docker semantics); -1 unlimited */
  int64_t cpu_quota;   /* µs per period, from --cpus or --cpu-quota; -1 no limit */
  int64_t cpu_period;  /* µs, 100000 when --cpus is used, or --cpu-period */
  int64_t cpu_shares;  /* --cpu-shares (v1 shares; converted to weight on v2) */
  char *cpuset_cpus;   /* --cpuset-cpus */
  char *cpuset_mems;   /* --cpuset-mems */
  int64_t pids_limit;  /* --pids-limit; -1 unlimited */
  /* Not a flag: set by the security code for --privileged.  v1 leaves the
   * devices controller open (otherwise: deny all, allow docker's list). */
  bool devices_unrestricted;
  /* Which of --cpus (1), --cpu-period (2), --cpu-quota (4) were given
   * (they conflict; update keeps what was not given).  Kept: only that
   * --cpus set the quota ("cpus": true), for docker's NanoCpus. */
  unsigned cpu_given;
  /* Not kept here (the spec's devices are): --device's rules for the
   * devices policy of the cgroup made for a start, borrowed */
  const struct cocin_device_rule *devices;
  size_t n_devices;
};

/* Long flag names handled by cocin_limits_set (without the leading "--"),
 * NULL-terminated.  Short alias: -m is "memory". */
extern const char *const cocin_limit_flags[];

/* Parse one flag's value into *l ("memory", "64m").  Bad value: EINVAL with
 * a message naming the flag and the value. */
int cocin_limits_set(struct cocin_limits *l, const char *flag, const char *value,
                     cocin_error_t *err);
void cocin_limits_free(struct cocin_limits *l);
/* docker's size ("512k", "64m", "1.5g", "100" bytes) of --flag into *out
 * (> 0); EINVAL naming the flag and the value otherwise. */
int cocin_size_parse(const char *flag, const char *value, int64_t *out, cocin_error_t *err);
/* The flag that set quota and period, for a message ("--%s"): "cpus"
 * (also when not known: a record's), or "cpu-quota/--cpu-period" */
const char *cocin_limits_cpu_flag(const struct cocin_limits *l);
/* --cpus given with --cpu-period or --cpu-quota: EINVAL (docker's rule) */
int cocin_limits_check_cpu(const struct cocin_limits *l, cocin_error_t *err);
/* Checks across flags, after all are set (cocin_cgroup_create calls it too):
 * --memory-swap needs -m and must be >= it; the CPU flags as above.
 * EINVAL with a message. */
int cocin_limits_check(const struct cocin_limits *l, cocin_error_t *err);
/* Is any limit set? */
bool cocin_limits_any(const struct cocin_limits *l);
cJSON *cocin_limits_to_json(const struct cocin_limits *l);
int cocin_limits_from_json(const cJSON *j, struct cocin_limits *l, cocin_error_t *err);

enum cocin_cgroup_mode {
  COCIN_CGROUP_UNIFIED = 2, /* cgroup2 at the root, with controllers */
  COCIN_CGROUP_LEGACY = 1,  /* only v1 hierarchies */
  COCIN_CGROUP_HYBRID = 3,  /* v1 controllers + a cgroup2 mount without them */
};

/* Detect the mode of the cgroup tree at `cgroot` (NULL = $COCIN_CGROUP_ROOT
 * or /sys/fs/cgroup).  Done once per process and cached for the default. */
int cocin_cgroup_detect(const char *cgroot, enum cocin_cgroup_mode *mode,
                        cocin_error_t *err);

struct cocin_cgroup; /* opaque */

/* Create the container's cgroup and apply the limits.  `parent` NULL means
 * the caller's own cgroup.  A limit whose controller is missing fails with
 * a message naming the controller; a failure leaves no directory behind. */
int cocin_cgroup_create(const char *name, const char *parent,
                        const struct cocin_limits *l, struct cocin_cgroup **out,
                        cocin_error_t *err);
/* What cocin_cgroup_create with the same arguments will make, with nothing
 * made: the directories can be recorded before they exist (run does, in
 * the container's first config.json).  On cgroup v2 the create may still
 * fall back to the root: cocin_cgroup_same tells. */
int cocin_cgroup_plan(const char *name, const char *parent, const struct cocin_limits *l,
                      struct cocin_cgroup **out, cocin_error_t *err);
/* cocin_cgroup_create(name, parent, l) with what plan (from
 * cocin_cgroup_plan with the same arguments, in this process or the one it
 * was forked from) looked up already; plan NULL: cocin_cgroup_create. */
int cocin_cgroup_create_planned(const struct cocin_cgroup *plan, const char *name,
                                const char *parent, const struct cocin_limits *l,
                                struct cocin_cgroup **out, cocin_error_t *err);
/* How many directories it has (one per hierarchy on v1, one on v2). */
size_t cocin_cgroup_ndirs(const struct cocin_cgroup *cg);
/* The same directories (NULL only equals NULL). */
bool cocin_cgroup_same(const struct cocin_cgroup *a, const struct cocin_cgroup *b);
/* Re-open a cgroup from what cocin_cgroup_to_json stored. */
int cocin_cgroup_from_json(const cJSON *j, struct cocin_cgroup **out, cocin_error_t *err);
cJSON *cocin_cgroup_to_json(const struct cocin_cgroup *cg);

/* Move pid (0 = the calling process) into the cgroup in every hierarchy.
 * The process must be single-threaded, as the container's init and exec'd
 * processes are: on v1 its one thread moves through `tasks`. */
int cocin_cgroup_enter(const struct cocin_cgroup *cg, pid_t pid, cocin_error_t *err);
/* The files a process writes "0" to, to move itself into the cgroup (one
 * per hierarchy): opened here for a process that gets them over a socket
 * and moves itself later, with no global lock taken (see cgroup.c).  The
 * count of fds; 0 for a fake root (the caller uses cocin_cgroup_enter). */
int cocin_cgroup_open_enter(const struct cocin_cgroup *cg, int *fds, size_t max,
                            cocin_error_t *err);

struct cocin_cgroup_stats {
  uint64_t memory_usage; /* bytes */
  uint64_t memory_limit; /* bytes, UINT64_MAX when unlimited */
  uint64_t cpu_usage_ns;
  uint64_t pids_current;
  uint64_t pids_limit; /* UINT64_MAX when unlimited */
  bool oom_killed;     /* the kernel's OOM killer killed something in it */
};
int cocin_cgroup_stats(const struct cocin_cgroup *cg, struct cocin_cgroup_stats *st,
                       cocin_error_t *err);
/* Stats as text, one "key value" per line, malloc'd (for `cocin stats` and
 * the filesystem's per-container file); unlimited is "max":
 *   memory_usage N / memory_limit N|max / cpu_usage_ns N / pids_current N /
 *   pids_limit N|max / oom_killed 0|1 */
char *cocin_cgroup_stats_format(const struct cocin_cgroup_stats *st);
/* The processes in the cgroup and the cgroups below it (every
 * hierarchy's, once each, never the caller), in *pids (free it), sorted;
 * their count. */
size_t cocin_cgroup_pids(const struct cocin_cgroup *cg, pid_t **pids);
/* The container's directory for a controller ("memory", "cpu", "pids", ...;
 * on v2 any name gives the one directory); NULL when it has none. */
const char *cocin_cgroup_path(const struct cocin_cgroup *cg, const char *controller);

/* Did the OOM killer kill something in it (the cgroup's own counter)?  The
 * one figure the monitor needs when the container ends. */
bool cocin_cgroup_oom_killed(const struct cocin_cgroup *cg);

/* Does the cgroup restrict devices: the v1 devices controller, or on v2 a
 * BPF device program attached when the cgroup was made?  When not, run
 * drops MKNOD and mounts the root and volumes nodev instead. */
bool cocin_cgroup_devices_enforced(const struct cocin_cgroup *cg);
/* The same, known before the cgroup is made (run decides its mounts and
 * capabilities while the monitor makes the cgroup): the v1 devices
 * hierarchy is there, or the kernel loads the v2 devices program. */
bool cocin_cgroup_devices_expected(const struct cocin_limits *l);
/* Why the devices policy is not enforced (for a message). */
const char *cocin_cgroup_devices_error(const struct cocin_cgroup *cg);

/* docker update: change a running container's limits.  given: the flags
 * given (what is 0 or NULL stays as it is); all: the container's limits
 * once changed (memory and swap are written in the order the kernel
 * takes them).  A controller the cgroup was made without is added: on v1
 * the cpuset hierarchy (made only for --cpuset-*; a directory under
 * parent, or under init's own cpuset cgroup, into which every process of
 * the container moves, frozen meanwhile where a freezer is), on v2 a
 * controller enabled on the way down.  cg then names the new directory
 * too (record it).  A limit the kernel refuses (memory below what is in
 * use: EBUSY) fails with a message naming the flag; limits written
 * before it stay written. */
int cocin_cgroup_update(struct cocin_cgroup *cg, const char *parent, pid_t init,
                        const struct cocin_limits *given, const struct cocin_limits *all,
                        cocin_error_t *err);

/* Send sig to every process in the cgroup. */
int cocin_cgroup_kill(const struct cocin_cgroup *cg, int sig, cocin_error_t *err);
/* Freeze (docker's pause) or thaw every process of it; ENOTSUP without a
 * freezer (v1 hierarchy or v2's cgroup.freeze). */
int cocin_cgroup_freeze(const struct cocin_cgroup *cg, bool frozen, cocin_error_t *err);
/* Remove the cgroup from every hierarchy (kills leftovers first). */
int cocin_cgroup_destroy(const struct cocin_cgroup *cg, cocin_error_t *err);
/* The same without waiting: a cgroup with processes left gets SIGKILL and
 * -1 (EBUSY), for a later try. */
int cocin_cgroup_destroy_nowait(const struct cocin_cgroup *cg);
void cocin_cgroup_free(struct cocin_cgroup *cg);
static inline void cocin_cgroup_freep(struct cocin_cgroup **cg)
{
  cocin_cgroup_free(*cg);
}
#define cleanup_cgroup __attribute__((cleanup(cocin_cgroup_freep)))

#endif
