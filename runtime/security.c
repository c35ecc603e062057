/* cocin — confinement like docker's defaults: the run flags that choose it,
 * its JSON form in config.json, the masked and read-only paths, and the
 * order in which apply() reduces a process before execve.
 * Capabilities live in caps.c, the seccomp filter in seccomp.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cocin/cleanup.h"
#include "cocin/security.h"
#include "security_internal.h"

const char *const cocin_security_flags[] = {"cap-add", "cap-drop", "security-opt", NULL};
const char *const cocin_security_bool_flags[] = {"privileged", "read-only", NULL};

/* ---- small string vectors (no dependency on the rest of runtime/) -------- */

static bool strv_contains(char **v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp(*v, s) == 0)
      return true;
  return false;
}

static int strv_add(char ***v, const char *s, cocin_error_t *err)
{
  if (strv_contains(*v, s))
    return 0;
  size_t n = 0;
  while (*v && (*v)[n])
    n++;
  char **nv = realloc(*v, (n + 2) * sizeof(char *));
  if (nv == NULL)
    return cocin_fail(err, ENOMEM, "out of memory");
  *v = nv;
  if ((nv[n] = strdup(s)) == NULL)
    return cocin_fail(err, ENOMEM, "out of memory");
  nv[n + 1] = NULL;
  return 0;
}

static void strv_release(char ***v)
{
  for (char **p = *v; p && *p; p++)
    free(*p);
  free(*v);
  *v = NULL;
}

/* ---- flags --------------------------------------------------------------- */

static int set_cap(char ***list, const char *flag, const char *value, cocin_error_t *err)
{
  if (value == NULL || *value == '\0')
    return cocin_fail(err, EINVAL, "--%s needs a capability name", flag);
  int c = cocin_cap_from_name(value);
  if (c < 0)
    return cocin_fail(err, EINVAL, "unknown capability: %s", value);
  return strv_add(list, c == COCIN_CAP_ALL ? "ALL" : cocin_cap_name(c), err);
}

static int parse_bool(const char *v, bool *out)
{
  static const char *const yes[] = {"true", "1", "yes", "on"};
  static const char *const no[] = {"false", "0", "no", "off"};
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    if (strcasecmp(v, yes[i]) == 0)
      return *out = true, 0;
    if (strcasecmp(v, no[i]) == 0)
      return *out = false, 0;
  }
  return -1;
}

/* --security-opt KEY[=|:]VALUE, docker's spellings. */
static int set_security_opt(struct cocin_security *s, const char *opt, cocin_error_t *err)
{
  if (opt == NULL || *opt == '\0')
    return cocin_fail(err, EINVAL, "--security-opt needs a value");
  size_t klen = strcspn(opt, "=:");
  const char *val = opt[klen] ? opt + klen + 1 : NULL;

  if (klen == strlen("no-new-privileges") && strncmp(opt, "no-new-privileges", klen) == 0) {
    bool b = true;
    if (val && parse_bool(val, &b) < 0)
      return cocin_fail(err, EINVAL, "--security-opt %s: not a boolean", opt);
    s->no_new_privs = b;
    return 0;
  }
  if (klen == strlen("seccomp") && strncmp(opt, "seccomp", klen) == 0) {
    if (val && strcmp(val, "unconfined") == 0) {
      s->seccomp_unconfined = true;
      return 0;
    }
    if (val && strcmp(val, "default") == 0) {
      s->seccomp_unconfined = false;
      return 0;
    }
    return cocin_fail(err, EINVAL,
                      "--security-opt %s: only seccomp=unconfined is supported "
                      "(profiles from a file are not)", opt);
  }
  return cocin_fail(err, EINVAL, "--security-opt %s: unsupported security option", opt);
}

int cocin_security_set(struct cocin_security *s, const char *flag, const char *value,
                       cocin_error_t *err)
{
  if (strcmp(flag, "cap-add") == 0)
    return set_cap(&s->cap_add, flag, value, err);
  if (strcmp(flag, "cap-drop") == 0)
    return set_cap(&s->cap_drop, flag, value, err);
  if (strcmp(flag, "security-opt") == 0)
    return set_security_opt(s, value, err);

  bool *b = strcmp(flag, "privileged") == 0  ? &s->privileged
            : strcmp(flag, "read-only") == 0 ? &s->read_only
                                             : NULL;
  if (b == NULL)
    return cocin_fail(err, EINVAL, "unknown flag: --%s", flag);
  if (value == NULL) {
    *b = true;
    return 0;
  }
  if (parse_bool(value, b) < 0)
    return cocin_fail(err, EINVAL, "--%s=%s: not a boolean", flag, value);
  return 0;
}

void cocin_security_free(struct cocin_security *s)
{
  if (s == NULL)
    return;
  strv_release(&s->cap_add);
  strv_release(&s->cap_drop);
  cocin_seccomp_prog_free(s->prepared);
  s->prepared = NULL;
}

/* ---- JSON: {"capAdd":[..], "capDrop":[..], "privileged":b, "readOnly":b,
 *             "noNewPrivileges":b, "seccomp":"default"|"unconfined"} ------ */

static cJSON *strv_json(char **v)
{
  cJSON *a = cJSON_CreateArray();
  for (; a && v && *v; v++)
    cJSON_AddItemToArray(a, cJSON_CreateString(*v));
  return a;
}

cJSON *cocin_security_to_json(const struct cocin_security *s)
{
  cJSON *j = cJSON_CreateObject();
  if (j == NULL)
    return NULL;
  cJSON_AddItemToObject(j, "capAdd", strv_json(s->cap_add));
  cJSON_AddItemToObject(j, "capDrop", strv_json(s->cap_drop));
  cJSON_AddBoolToObject(j, "privileged", s->privileged);
  cJSON_AddBoolToObject(j, "readOnly", s->read_only);
  cJSON_AddBoolToObject(j, "noNewPrivileges", s->no_new_privs);
  cJSON_AddStringToObject(j, "seccomp", s->seccomp_unconfined ? "unconfined" : "default");
  return j;
}

static int json_caps(const cJSON *j, const char *key, char ***list, cocin_error_t *err)
{
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, key);
  const cJSON *e;
  if (a == NULL || cJSON_IsNull(a))
    return 0;
  if (!cJSON_IsArray(a))
    return cocin_fail(err, EINVAL, "security.%s: not an array", key);
  cJSON_ArrayForEach(e, a)
  {
    if (!cJSON_IsString(e))
      return cocin_fail(err, EINVAL, "security.%s: not a string", key);
    if (set_cap(list, key, e->valuestring, err) < 0)
      return cocin_error_wrap(err, "security.%s", key);
  }
  return 0;
}

static int json_bool(const cJSON *j, const char *key, bool *out, cocin_error_t *err)
{
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, key);
  if (b == NULL || cJSON_IsNull(b))
    return 0;
  if (!cJSON_IsBool(b))
    return cocin_fail(err, EINVAL, "security.%s: not a boolean", key);
  *out = cJSON_IsTrue(b);
  return 0;
}

int cocin_security_from_json(const cJSON *j, struct cocin_security *s, cocin_error_t *err)
{
  memset(s, 0, sizeof(*s));
  if (j == NULL || cJSON_IsNull(j))
    return 0; /* an old config.json: the defaults */
  if (!cJSON_IsObject(j))
    return cocin_fail(err, EINVAL, "security: not an object");
  const cJSON *sc = cJSON_GetObjectItemCaseSensitive(j, "seccomp");
  if (json_caps(j, "capAdd", &s->cap_add, err) < 0 ||
      json_caps(j, "capDrop", &s->cap_drop, err) < 0 ||
      json_bool(j, "privileged", &s->privileged, err) < 0 ||
      json_bool(j, "readOnly", &s->read_only, err) < 0 ||
      json_bool(j, "noNewPrivileges", &s->no_new_privs, err) < 0)
    goto fail;
  if (sc && !cJSON_IsNull(sc)) {
    if (cJSON_IsString(sc) && strcmp(sc->valuestring, "unconfined") == 0)
      s->seccomp_unconfined = true;
    else if (!cJSON_IsString(sc) || strcmp(sc->valuestring, "default") != 0) {
      cocin_fail(err, EINVAL, "security.seccomp: want \"default\" or \"unconfined\"");
      goto fail;
    }
  }
  return 0;
fail:
  cocin_security_free(s);
  return -1;
}

/* ---- masked and read-only paths (docker's defaults) ---------------------- */

/* Each with the kind it is on today's kernels (a directory gets an empty
 * read-only tmpfs, a file /dev/null); the other kind is tried when the
 * kernel disagrees (ENOTDIR), so a wrong guess costs a syscall, not a hole. */
static const struct {
  const char *path;
  bool dir;
} masked_paths[] = {
    {"/proc/asound", true},         {"/proc/acpi", true},        {"/proc/kcore", false},
    {"/proc/keys", false},          {"/proc/latency_stats", false},
    {"/proc/timer_list", false},    {"/proc/timer_stats", false},
    {"/proc/sched_debug", false},   {"/proc/scsi", true},        {"/sys/firmware", true},
    {"/sys/devices/virtual/powercap", true},
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* statvfs flags that a bind remount must repeat, or it clears them. */
static const struct {
  unsigned long st, ms;
} keep_flags[] = {
    {ST_RDONLY, MS_RDONLY},       {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
    {ST_NOEXEC, MS_NOEXEC},       {ST_SYNCHRONOUS, MS_SYNCHRONOUS}, {ST_MANDLOCK, MS_MANDLOCK},
    {ST_NOATIME, MS_NOATIME},     {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
};

/* Remount the mount at path read-only, keeping its other flags (read
 * with statvfs unless the caller knows them: `known`). */
static int remount_ro(const char *path, unsigned long known, bool have_known, cocin_error_t *err)
{
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | known;
  if (!have_known) {
    struct statvfs sv;
    if (statvfs(path, &sv) < 0)
      return cocin_fail_errno(err, "read-only %s: statvfs", path);
    for (size_t i = 0; i < sizeof(keep_flags) / sizeof(keep_flags[0]); i++)
      if (sv.f_flag & keep_flags[i].st)
        flags |= keep_flags[i].ms;
  }
  if (mount(NULL, path, NULL, flags, NULL) < 0)
    return cocin_fail_errno(err, "read-only %s: remount", path);
  return 0;
}

/* Hide path: an empty read-only tmpfs on a directory, /dev/null on a file.
 * The directories share one tmpfs: the first one masked (*empty) is bound
 * on the others (a bind keeps its read-only flags), one superblock to make
 * and tear down instead of one per directory.  Absent paths are left. */
static int mask_path(const char *path, bool dir, const char *null_src, const char **empty,
                     cocin_error_t *err)
{
  for (int attempt = 0; attempt < 2; attempt++, dir = !dir) {
    int r;
    if (!dir)
      r = mount(null_src, path, NULL, MS_BIND, NULL);
    else if (*empty)
      r = mount(*empty, path, NULL, MS_BIND, NULL);
    else
      r = mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "size=0,mode=0555");
    if (r == 0) {
      if (dir && *empty == NULL)
        *empty = path;
      return 0;
    }
    if (errno == ENOENT)
      return 0; /* not on this kernel */
    if (errno != ENOTDIR)
      break;
  }
  return cocin_fail_errno(err, "mask %s", path);
}

/* The read-only paths are all in the container's own /proc, mounted
 * nosuid, nodev, noexec (and relatime, a remount's default): flags known,
 * no statvfs. */
static int readonly_path(const char *path, cocin_error_t *err)
{
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT)
      return 0;
    return cocin_fail_errno(err, "read-only %s: bind", path);
  }
  return remount_ro(path, MS_NOSUID | MS_NODEV | MS_NOEXEC, true, err);
}

int cocin_security_mask_paths(const struct cocin_security *s, const char *null_src,
                              cocin_error_t *err)
{
  /* --read-only: only the root mount; /proc, /dev, /dev/shm, /sys and the
   * volumes are mounts of their own and keep their modes. */
  if (s->read_only && remount_ro("/", 0, false, err) < 0)
    return cocin_error_wrap(err, "--read-only");
  if (s->privileged)
    return 0;
  const char *empty = NULL;
  for (size_t i = 0; i < sizeof(masked_paths) / sizeof(masked_paths[0]); i++)
    if (mask_path(masked_paths[i].path, masked_paths[i].dir, null_src, &empty, err) < 0)
      return -1;
  for (size_t i = 0; i < sizeof(readonly_paths) / sizeof(readonly_paths[0]); i++)
    if (readonly_path(readonly_paths[i], err) < 0)
      return -1;
  return 0;
}

/* ---- apply: the last step before execve ---------------------------------- */

/* The order matters:
 *  1. effective := permitted: the uid switch (under PR_SET_KEEPCAPS) cleared
 *     the effective set, and the next steps need SETPCAP and SYS_ADMIN;
 *  2. bounding set reduced to what the container keeps;
 *  3. no_new_privs, when asked;
 *  4. seccomp: without no_new_privs the kernel wants CAP_SYS_ADMIN, which
 *     is still effective here; the filter allows capset, prctl and execve;
 *  5. permitted = effective = kept set, inheritable empty (as docker since
 *     CVE-2022-24769), ambient cleared.  A non-root user loses them all at
 *     execve, as with docker. */
int cocin_security_prepare(struct cocin_security *s, const char *cache_dir, cocin_error_t *err)
{
  cocin_seccomp_prog_free(s->prepared);
  s->prepared = NULL;
  if (s->privileged || s->seccomp_unconfined)
    return 0;
  /* the same set apply() ends up with: wanted, reduced to what we hold */
  cocin_capmask_t want = cocin_caps_wanted(s) & cocin_caps_permitted();
  return cocin_seccomp_prepare(want, cache_dir, &s->prepared, err);
}

int cocin_security_apply(const struct cocin_security *s, bool is_exec, cocin_error_t *err)
{
  (void)is_exec; /* exec'd processes get exactly the container's confinement */
  cocin_capmask_t want = cocin_caps_wanted(s), held = 0;

  if (cocin_caps_raise(&held, err) < 0)
    return -1;
  /* A capability named in --cap-add must be there; the others (privileged,
   * ALL, the defaults) are reduced to what cocin itself holds. */
  cocin_capmask_t missing = cocin_caps_named(s->cap_add) & ~held;
  for (int c = 0; c < 64; c++)
    if (missing & CAPBIT(c))
      return cocin_fail(err, EPERM, "--cap-add %s: cocin itself does not hold it",
                        cocin_cap_name(c) ? cocin_cap_name(c) : "?");
  want &= held;
  if (cocin_caps_bound(want, err) < 0)
    return -1;
  if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return cocin_fail_errno(err, "no_new_privs");
  if (!s->privileged && !s->seccomp_unconfined) {
    if (s->prepared ? cocin_seccomp_load_prog(s->prepared, err) < 0
                    : cocin_seccomp_load_default(want, s->no_new_privs, err) < 0)
      return -1;
  }
  return cocin_caps_set(want, err);
}
