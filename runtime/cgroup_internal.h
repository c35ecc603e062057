/* cocin — private to the cgroup code: the cgroup object, the backend table
 * and the small file helpers both backends share.  Not for other layers. */
#ifndef COCIN_CGROUP_INTERNAL_H
#define COCIN_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cocin/cgroup.h"

/* v1 controllers a container gets a directory in (when mounted). */
enum cg_ctrl {
  CG_MEMORY,
  CG_CPU,
  CG_CPUACCT,
  CG_CPUSET,
  CG_PIDS,
  CG_DEVICES,
  CG_FREEZER,
  CG_NCTRL
};
extern const char *const cg_ctrl_names[CG_NCTRL];

#define CG_MAXDIRS CG_NCTRL

struct cg_ops;

struct cocin_cgroup {
  enum cocin_cgroup_mode mode;
  const struct cg_ops *ops;
  bool fake;  /* mode forced on a plain directory: files are created */
  char *root; /* the cgroup root, e.g. /sys/fs/cgroup */
  /* The container's directories, one per hierarchy (v2: exactly one). */
  char *dirs[CG_MAXDIRS];
  size_t ndirs;
  /* v1: index into dirs for each controller, -1 when not mounted. */
  int ctrl_dir[CG_NCTRL];
  /* v1, filled in by a plan (a dry create) for the create after it, in the
   * same process or a fork of it (run's monitor plans, records the plan,
   * then makes it): the hierarchies' mount points and /proc/self/cgroup,
   * looked up once. */
  bool planned;
  char *mounts[CG_NCTRL];
  char *self_table;
  /* v2: a BPF device program is attached (known at create only) */
  bool devices_bpf;
  char *devices_err; /* v2: why the program was not attached */
};

/* v2: attach the default devices policy to dir (cgroup_bpf.c). */
int cg_bpf_devices_attach(const char *dir, const struct cocin_device_rule *extra, size_t n_extra,
                          cocin_error_t *err);
/* Does the kernel accept the devices program (loaded, then dropped)? */
bool cg_bpf_devices_loadable(void);

/* One table per backend (STYLE.md: detect once, call through a table). */
struct cg_ops {
  const char *name; /* "v1" / "v2", stored in config.json */
  /* Make the directories (cg->dirs, cg->ctrl_dir) and apply the limits;
   * on failure remove whatever it made.  dry: only name the directories
   * (cocin_cgroup_plan), touching nothing. */
  int (*create)(struct cocin_cgroup *cg, const char *name, const char *parent,
                const struct cocin_limits *l, bool dry, cocin_error_t *err);
  int (*stats)(const struct cocin_cgroup *cg, struct cocin_cgroup_stats *st,
               cocin_error_t *err);
  /* ask the kernel to freeze or thaw (0, or -1 with errno: ENOTSUP
   * without a freezer); frozen: 1 once every task is, 0 not yet, -1 */
  int (*freeze)(const struct cocin_cgroup *cg, bool frozen);
  int (*frozen)(const struct cocin_cgroup *cg);
  /* SIGKILL everything in one step (v2 cgroup.kill); 0 done, -1 not available. */
  int (*kill_all)(const struct cocin_cgroup *cg);
  /* Will create restrict devices (see cocin_cgroup_devices_expected)? */
  bool (*devices_expected)(const struct cocin_cgroup *cg);
  /* Change a live cgroup's limits: what given sets, with all (the limits
   * after the change) for what depends on another (memory and swap);
   * a controller the cgroup lacks is added (see cocin_cgroup_update). */
  int (*update)(struct cocin_cgroup *cg, const char *parent, pid_t init,
                const struct cocin_limits *given, const struct cocin_limits *all,
                cocin_error_t *err);
};

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

/* ---- helpers (cgroup.c) ---- */

/* Write val to dir/file.  In fake mode the file is created. */
int cg_write(const struct cocin_cgroup *cg, const char *dir, const char *file,
             const char *val, cocin_error_t *err);
/* Write each of the NULL-terminated vals to dir/file, one write() each,
 * through one open file (devices.allow takes one rule per write). */
int cg_write_each(const struct cocin_cgroup *cg, const char *dir, const char *file,
                  const char *const *vals, cocin_error_t *err);
/* Read dir/file into buf (NUL-terminated, trailing newline kept); -1 with errno. */
int cg_read(const char *dir, const char *file, char *buf, size_t size);
/* Read a whole file, malloc'd; NULL with errno. */
char *cg_read_alloc(const char *dir, const char *file);
/* A number, or "max"/"-1"/huge v1 values -> UINT64_MAX.  -1 with errno. */
int cg_read_u64(const char *dir, const char *file, uint64_t *out);
/* "key value" line of a flat-keyed file (memory.stat, memory.events). */
int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out);
bool cg_exists(const char *dir, const char *file);
/* A file we may write: exists, or anything goes on a fake root. */
bool cg_writable(const struct cocin_cgroup *cg, const char *dir, const char *file);

/* The caller's cgroup path ("/..." relative to the hierarchy root) from
 * table, the text of /proc/self/cgroup (NULL: read it now): ctrl NULL = the
 * v2 line "0::". */
int cg_self_path(const char *table, const char *ctrl, char **out, cocin_error_t *err);

/* Created-directory log, for rolling back a failed create. */
#define CG_MAXMADE 128
struct cg_made {
  char *path[CG_MAXMADE];
  size_t n;
  bool fake;
};
/* Remove what was made, deepest first, and release the log. */
void cg_made_rollback(struct cg_made *made);
void cg_made_release(struct cg_made *made);

/* Called for each component of a path made by cg_mkdir_steps, after its
 * mkdir (created says whether it is new), with its parent directory. */
typedef int (*cg_step_fn)(const struct cocin_cgroup *cg, const char *dir, const char *parent,
                          bool created, void *ctx, cocin_error_t *err);
/* Make base/rel one component at a time ("rel" like "/a/b/cocin/name");
 * the last component must not exist yet (EEXIST otherwise). */
int cg_mkdir_steps(const struct cocin_cgroup *cg, struct cg_made *made, const char *base,
                   const char *rel, cg_step_fn step, void *ctx, cocin_error_t *err);
/* The common case first: the leaf dir made with one mkdir (its parents
 * exist, it does not), logged in made.  False when that did not work:
 * the caller then clears a stale leaf and makes the path step by step. */
bool cg_mkdir_leaf(struct cg_made *made, const char *dir);
/* If base/rel (the container's leaf) exists with no process left (a crashed
 * run), remove it; with processes: EEXIST. */
int cg_clear_stale(const struct cocin_cgroup *cg, const char *dir, cocin_error_t *err);
/* The relative path of the container's cgroup: <parent>/cocin/<name>. */
char *cg_container_rel(const char *parent_rel, const char *name);
/* Move every process of cg (all its hierarchies) into dir's cgroup.procs,
 * cg frozen meanwhile if it can be (and is not already). */
int cg_move_all(const struct cocin_cgroup *cg, const char *dir, cocin_error_t *err);
/* rmdir a directory other containers may share, if nothing is in it. */
void rmdir_if_unused(const char *dir, bool fake);
/* Record dir as the container's directory for controller ctrl (-1: none);
 * directories shared by joined controllers are kept once. */
int cg_add_ctrl_dir(struct cocin_cgroup *cg, int ctrl, const char *dir);
/* Remove dir and any child cgroups in it, deepest first (fake: files too). */
int cg_rmdir_tree(const char *dir, bool fake);

/* Is the cgroup at dir free of processes? (missing counts as empty) */
bool cg_dir_empty(const char *dir);
/* Join "a" "/" "b" without doubled slashes; malloc'd. */
char *cg_join(const char *a, const char *b);
/* Reject names that would escape the cocin directory. */
int cg_check_name(const char *name, cocin_error_t *err);

#endif
