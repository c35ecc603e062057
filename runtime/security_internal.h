/* cocin — private interface between security.c (flags, JSON, masked paths,
 * the order of apply), caps.c (capability names and sets, libcap) and
 * seccomp.c (the default filter, libseccomp). */
#ifndef COCIN_SECURITY_INTERNAL_H
#define COCIN_SECURITY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cocin/error.h"
#include "cocin/security.h"

/* A capability set as a bit mask: bit n is capability n (CAP_CHOWN = 0). */
typedef uint64_t cocin_capmask_t;
#define CAPBIT(n) ((cocin_capmask_t)1 << (n))

/* caps.c ------------------------------------------------------------------ */

/* "chown", "CAP_CHOWN", "Cap_Chown" -> 0; "all" -> COCIN_CAP_ALL;
 * unknown -> -1. */
#define COCIN_CAP_ALL 64
int cocin_cap_from_name(const char *name);
/* "CAP_CHOWN" for 0; NULL if the number has no name. */
const char *cocin_cap_name(int cap);

/* docker's default set (CHOWN, DAC_OVERRIDE, ... AUDIT_WRITE). */
cocin_capmask_t cocin_caps_default(void);
/* Every capability the running kernel knows (0 .. cap_last_cap). */
cocin_capmask_t cocin_caps_kernel(void);

/* The capabilities named in a list ("ALL" and unknown names ignored). */
cocin_capmask_t cocin_caps_named(char **v);
/* The set a container process keeps, docker's TweakCapabilities:
 * privileged -> all; cap-add ALL -> all minus cap-drop; cap-drop ALL ->
 * cap-add only; otherwise default minus cap-drop plus cap-add.  Masked to
 * what the kernel knows. */
cocin_capmask_t cocin_caps_wanted(const struct cocin_security *s);

/* Steps of apply, in the order security.c calls them. */
/* effective := permitted (the uid switch under KEEPCAPS cleared effective);
 * *held receives the permitted set. */
int cocin_caps_raise(cocin_capmask_t *held, cocin_error_t *err);
/* Drop every capability not in keep from the bounding set (needs SETPCAP). */
int cocin_caps_bound(cocin_capmask_t keep, cocin_error_t *err);
/* permitted = effective = keep, inheritable = empty, ambient cleared. */
int cocin_caps_set(cocin_capmask_t keep, cocin_error_t *err);

/* seccomp.c --------------------------------------------------------------- */

/* Build and load the default filter.  caps is the set the process will keep
 * (relaxations like docker's: SYS_ADMIN allows mount, ...).  With
 * set_nnp false the filter is loaded without no_new_privs, which needs
 * CAP_SYS_ADMIN in the effective set at this moment. */
int cocin_seccomp_load_default(cocin_capmask_t caps, bool set_nnp, cocin_error_t *err);

/* Same filter exported as libseccomp pseudo code on fd (for debugging and
 * tests); no filter is loaded. */
int cocin_seccomp_export_default(cocin_capmask_t caps, int fd, cocin_error_t *err);

/* A compiled filter: `len` struct sock_filter instructions. */
struct cocin_seccomp_prog {
  size_t len;
  void *insns;
};
/* Compile (or read from cache_dir) the default filter for caps. */
int cocin_seccomp_prepare(cocin_capmask_t caps, const char *cache_dir,
                          struct cocin_seccomp_prog **out, cocin_error_t *err);
int cocin_seccomp_load_prog(const struct cocin_seccomp_prog *p, cocin_error_t *err);
void cocin_seccomp_prog_free(struct cocin_seccomp_prog *p);
/* The permitted set of the calling process. */
cocin_capmask_t cocin_caps_permitted(void);

#endif
