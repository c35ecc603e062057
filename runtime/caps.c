/* cocin — capabilities: names, docker's default set, and the libcap calls
 * that reduce a process to it (see security.c for the order). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "security_internal.h"

/* One row per capability number, as the kernel numbers them. */
static const char *const cap_names[] = {
    [0] = "CAP_CHOWN",
    [1] = "CAP_DAC_OVERRIDE",
    [2] = "CAP_DAC_READ_SEARCH",
    [3] = "CAP_FOWNER",
    [4] = "CAP_FSETID",
    [5] = "CAP_KILL",
    [6] = "CAP_SETGID",
    [7] = "CAP_SETUID",
    [8] = "CAP_SETPCAP",
    [9] = "CAP_LINUX_IMMUTABLE",
    [10] = "CAP_NET_BIND_SERVICE",
    [11] = "CAP_NET_BROADCAST",
    [12] = "CAP_NET_ADMIN",
    [13] = "CAP_NET_RAW",
    [14] = "CAP_IPC_LOCK",
    [15] = "CAP_IPC_OWNER",
    [16] = "CAP_SYS_MODULE",
    [17] = "CAP_SYS_RAWIO",
    [18] = "CAP_SYS_CHROOT",
    [19] = "CAP_SYS_PTRACE",
    [20] = "CAP_SYS_PACCT",
    [21] = "CAP_SYS_ADMIN",
    [22] = "CAP_SYS_BOOT",
    [23] = "CAP_SYS_NICE",
    [24] = "CAP_SYS_RESOURCE",
    [25] = "CAP_SYS_TIME",
    [26] = "CAP_SYS_TTY_CONFIG",
    [27] = "CAP_MKNOD",
    [28] = "CAP_LEASE",
    [29] = "CAP_AUDIT_WRITE",
    [30] = "CAP_AUDIT_CONTROL",
    [31] = "CAP_SETFCAP",
    [32] = "CAP_MAC_OVERRIDE",
    [33] = "CAP_MAC_ADMIN",
    [34] = "CAP_SYSLOG",
    [35] = "CAP_WAKE_ALARM",
    [36] = "CAP_BLOCK_SUSPEND",
    [37] = "CAP_AUDIT_READ",
    [38] = "CAP_PERFMON",
    [39] = "CAP_BPF",
    [40] = "CAP_CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

/* docker's default capabilities (moby oci/caps/defaults.go). */
static const int default_caps[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,  CAP_FOWNER,           CAP_MKNOD,
    CAP_NET_RAW, CAP_SETGID,      CAP_SETUID,  CAP_SETFCAP,          CAP_SETPCAP,
    CAP_NET_BIND_SERVICE,         CAP_SYS_CHROOT, CAP_KILL,          CAP_AUDIT_WRITE,
};

int cocin_cap_from_name(const char *name)
{
  if (name == NULL)
    return -1;
  if (strncasecmp(name, "CAP_", 4) == 0)
    name += 4;
  if (strcasecmp(name, "ALL") == 0)
    return COCIN_CAP_ALL;
  for (int i = 0; i < N_CAP_NAMES; i++)
    if (cap_names[i] && strcasecmp(name, cap_names[i] + 4) == 0)
      return i;
  return -1;
}

const char *cocin_cap_name(int cap)
{
  if (cap < 0 || cap >= N_CAP_NAMES)
    return NULL;
  return cap_names[cap];
}

cocin_capmask_t cocin_caps_default(void)
{
  cocin_capmask_t m = 0;
  for (size_t i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++)
    m |= CAPBIT(default_caps[i]);
  return m;
}

cocin_capmask_t cocin_caps_kernel(void)
{
  int n = (int)cap_max_bits(); /* libcap probes PR_CAPBSET_READ */
  if (n <= 0 || n > 64)
    n = CAP_LAST_CAP + 1;
  return n == 64 ? ~(cocin_capmask_t)0 : CAPBIT(n) - 1;
}

static bool strv_has_all(char **v)
{
  for (; v && *v; v++)
    if (cocin_cap_from_name(*v) == COCIN_CAP_ALL)
      return true;
  return false;
}

cocin_capmask_t cocin_caps_named(char **v)
{
  cocin_capmask_t m = 0;
  for (; v && *v; v++) {
    int c = cocin_cap_from_name(*v);
    if (c >= 0 && c < 64)
      m |= CAPBIT(c);
  }
  return m;
}

cocin_capmask_t cocin_caps_wanted(const struct cocin_security *s)
{
  cocin_capmask_t all = cocin_caps_kernel();
  cocin_capmask_t add = cocin_caps_named(s->cap_add), drop = cocin_caps_named(s->cap_drop);
  cocin_capmask_t m;

  if (s->privileged)
    m = all;
  else if (strv_has_all(s->cap_add))
    m = all & ~drop;
  else if (strv_has_all(s->cap_drop))
    m = add;
  else
    m = (cocin_capmask_t)((cocin_caps_default() & ~drop) | add);
  return m & all;
}

/* ---- libcap -------------------------------------------------------------- */

static void cap_freep(cap_t *c)
{
  if (*c)
    cap_free(*c);
  *c = NULL;
}
#define cleanup_cap __attribute__((cleanup(cap_freep)))

static cocin_capmask_t flag_mask(cap_t c, cap_flag_t flag)
{
  cocin_capmask_t m = 0;
  int n = (int)cap_max_bits();
  for (int i = 0; i < n && i < 64; i++) {
    cap_flag_value_t v = CAP_CLEAR;
    if (cap_get_flag(c, (cap_value_t)i, flag, &v) == 0 && v == CAP_SET)
      m |= CAPBIT(i);
  }
  return m;
}

static int set_flag_mask(cap_t c, cap_flag_t flag, cocin_capmask_t m)
{
  int n = (int)cap_max_bits();
  for (int i = 0; i < n && i < 64; i++) {
    if (!(m & CAPBIT(i)))
      continue;
    cap_value_t v = (cap_value_t)i;
    if (cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
      return -1;
  }
  return 0;
}

cocin_capmask_t cocin_caps_permitted(void)
{
  cleanup_cap cap_t c = cap_get_proc();
  return c ? flag_mask(c, CAP_PERMITTED) : 0;
}

int cocin_caps_raise(cocin_capmask_t *held, cocin_error_t *err)
{
  cleanup_cap cap_t c = cap_get_proc();
  if (c == NULL)
    return cocin_fail_errno(err, "capabilities: read");
  cocin_capmask_t prm = flag_mask(c, CAP_PERMITTED);
  if (set_flag_mask(c, CAP_EFFECTIVE, prm) < 0 || cap_set_proc(c) < 0)
    return cocin_fail_errno(err, "capabilities: raise effective set");
  *held = prm;
  return 0;
}

int cocin_caps_bound(cocin_capmask_t keep, cocin_error_t *err)
{
  int n = (int)cap_max_bits();
  for (int i = 0; i < n && i < 64; i++) {
    if (keep & CAPBIT(i))
      continue;
    int r = cap_get_bound((cap_value_t)i);
    if (r < 0) /* the kernel does not know it: nothing to drop */
      continue;
    if (r == 1 && cap_drop_bound((cap_value_t)i) < 0) {
      const char *name = cocin_cap_name(i);
      return name ? cocin_fail_errno(err, "capabilities: drop %s from the bounding set", name)
                  : cocin_fail_errno(err, "capabilities: drop %d from the bounding set", i);
    }
  }
  return 0;
}

int cocin_caps_set(cocin_capmask_t keep, cocin_error_t *err)
{
  cleanup_cap cap_t c = cap_init(); /* all three sets empty */
  if (c == NULL)
    return cocin_fail_errno(err, "capabilities: allocate");
  if (set_flag_mask(c, CAP_PERMITTED, keep) < 0 || set_flag_mask(c, CAP_EFFECTIVE, keep) < 0)
    return cocin_fail_errno(err, "capabilities: build set");
  if (cap_set_proc(c) < 0)
    return cocin_fail_errno(err, "capabilities: set");
  /* Ambient: cleared.  EINVAL only from kernels without ambient caps. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return cocin_fail_errno(err, "capabilities: clear ambient set");
  return 0;
}
