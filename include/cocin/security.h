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
};

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
 * mask and make read-only the docker default paths (not with privileged). */
int cocin_security_mask_paths(const struct cocin_security *s, cocin_error_t *err);

/* Last step before execve, for the container's init and for exec'd
 * processes (is_exec): capabilities, no_new_privs, seccomp.  Runs after the
 * uid/gid switch (which is done with PR_SET_KEEPCAPS). */
int cocin_security_apply(const struct cocin_security *s, bool is_exec, cocin_error_t *err);

#endif
