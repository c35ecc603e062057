/* cocin — confinement: capabilities (libcap), no_new_privs, seccomp
 * (libseccomp), masked and read-only paths.  Defaults match docker's. */
#ifndef COCIN_SECURITY_H
#define COCIN_SECURITY_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "error.h"

struct cocin_security {
  char **cap_add;  /* NULL-terminated, normalised "CAP_X" or "ALL" */
  char **cap_drop;
  bool privileged;
  bool read_only;          /* --read-only root filesystem */
  bool no_new_privs;       /* --security-opt no-new-privileges */
  bool seccomp_unconfined; /* --security-opt seccomp=unconfined */
  /* Not configuration: the compiled seccomp program, filled by
   * cocin_security_prepare() before fork so the child only loads it. */
  struct cocin_seccomp_prog *prepared;
};

/* Compile the seccomp filter this configuration needs (none for privileged
 * or unconfined) into s->prepared.  Compiling with libseccomp costs a few
 * milliseconds, so the BPF program is cached in cache_dir (may be NULL),
 * keyed by everything it depends on.  Call before fork/clone. */
int cocin_security_prepare(struct cocin_security *s, const char *cache_dir, cocin_error_t *err);

/* Long flags handled by cocin_security_set: "cap-add", "cap-drop",
 * "privileged", "read-only", "security-opt".  Boolean flags get value NULL. */
extern const char *const cocin_security_flags[];
extern const char *const cocin_security_bool_flags[];

int cocin_security_set(struct cocin_security *s, const char *flag, const char *value,
                       cocin_error_t *err);
void cocin_security_free(struct cocin_security *s);
cJSON *cocin_security_to_json(const struct cocin_security *s);
int cocin_security_from_json(const cJSON *j, struct cocin_security *s, cocin_error_t *err);

/* In the container, after pivot_root and after /proc and /sys are mounted:
 * mask and make read-only the docker default paths (not with privileged);
 * masked files are bound from null_src (the container's own /dev/null, by
 * a path that a volume on /dev cannot take away). */
int cocin_security_mask_paths(const struct cocin_security *s, const char *null_src,
                              cocin_error_t *err);

/* Last step before execve, for the container's init and for exec'd
 * processes (is_exec): capabilities, no_new_privs, seccomp.  Runs after the
 * uid/gid switch (which is done with PR_SET_KEEPCAPS). */
int cocin_security_apply(const struct cocin_security *s, bool is_exec, cocin_error_t *err);

#endif
