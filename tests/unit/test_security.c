/* Unit tests for runtime/security.c, caps.c, seccomp.c: flag parsing, the
 * JSON round trip, docker's capability arithmetic, and — in forked children,
 * each in a private mount namespace — what apply() and mask_paths() leave in
 * /proc/self/status and which syscalls still work.  The live part needs
 * root; without it, it is skipped with the reason printed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/security.h"
#include "tap.h"
#include "../../runtime/security_internal.h"

#define DOCKER_DEFAULT_CAPS 0x00000000a80425fbULL

static void reset(struct cocin_security *s)
{
  cocin_security_free(s);
  memset(s, 0, sizeof(*s));
}

static int set(struct cocin_security *s, const char *flag, const char *value, int *status,
               char **msg)
{
  cocin_error_t err = NULL;
  int r = cocin_security_set(s, flag, value, &err);
  if (status)
    *status = cocin_error_status(&err);
  if (msg)
    *msg = err ? strdup(cocin_error_msg(&err)) : NULL;
  cocin_error_release(&err);
  return r;
}

static bool strv_eq(char **v, const char *const *want)
{
  size_t i = 0;
  for (; v && v[i] && want[i]; i++)
    if (strcmp(v[i], want[i]) != 0)
      return false;
  return (v == NULL || v[i] == NULL) && want[i] == NULL;
}

static void test_flags(void)
{
  struct cocin_security s = {0};
  int st = 0;
  char *msg = NULL;

  CHECK(set(&s, "cap-add", "sys_admin", NULL, NULL) == 0, "cap-add lowercase without CAP_");
  CHECK(set(&s, "cap-add", "CAP_NET_ADMIN", NULL, NULL) == 0, "cap-add with CAP_");
  CHECK(set(&s, "cap-add", "Cap_Sys_Admin", NULL, NULL) == 0, "cap-add mixed case");
  CHECK(strv_eq(s.cap_add, (const char *const[]){"CAP_SYS_ADMIN", "CAP_NET_ADMIN", NULL}),
        "cap-add normalised to CAP_X and de-duplicated");
  CHECK(set(&s, "cap-drop", "all", NULL, NULL) == 0 &&
            strv_eq(s.cap_drop, (const char *const[]){"ALL", NULL}),
        "cap-drop all -> ALL");
  CHECK(set(&s, "cap-add", "FOO", &st, &msg) < 0 && st == EINVAL && msg &&
            strcmp(msg, "unknown capability: FOO") == 0,
        "unknown capability refused: %s", msg ? msg : "(none)");
  free(msg);
  CHECK(set(&s, "cap-drop", "CAP_", &st, NULL) < 0 && st == EINVAL, "bare CAP_ refused");
  CHECK(set(&s, "cap-add", "", &st, NULL) < 0 && st == EINVAL, "empty capability refused");
  CHECK(set(&s, "cap-add", "checkpoint_restore", NULL, NULL) == 0, "newest capability known");

  reset(&s);
  CHECK(set(&s, "security-opt", "no-new-privileges", NULL, NULL) == 0 && s.no_new_privs,
        "security-opt no-new-privileges");
  CHECK(set(&s, "security-opt", "no-new-privileges=false", NULL, NULL) == 0 && !s.no_new_privs,
        "security-opt no-new-privileges=false");
  CHECK(set(&s, "security-opt", "no-new-privileges:true", NULL, NULL) == 0 && s.no_new_privs,
        "security-opt no-new-privileges:true (old colon form)");
  CHECK(set(&s, "security-opt", "no-new-privileges=maybe", &st, NULL) < 0 && st == EINVAL,
        "security-opt no-new-privileges=maybe refused");
  CHECK(set(&s, "security-opt", "seccomp=unconfined", NULL, NULL) == 0 && s.seccomp_unconfined,
        "security-opt seccomp=unconfined");
  CHECK(set(&s, "security-opt", "seccomp=/etc/profile.json", &st, NULL) < 0 && st == EINVAL,
        "security-opt seccomp=FILE refused");
  CHECK(set(&s, "security-opt", "apparmor=unconfined", &st, NULL) < 0 && st == EINVAL,
        "security-opt apparmor refused");
  CHECK(set(&s, "security-opt", "", &st, NULL) < 0 && st == EINVAL, "empty security-opt refused");
  CHECK(set(&s, "security-opt", "no-new-privilegesX", &st, NULL) < 0 && st == EINVAL,
        "security-opt prefix match refused");
  CHECK(set(&s, "privileged", NULL, NULL, NULL) == 0 && s.privileged, "privileged");
  CHECK(set(&s, "read-only", NULL, NULL, NULL) == 0 && s.read_only, "read-only");
  CHECK(set(&s, "read-only", "false", NULL, NULL) == 0 && !s.read_only, "read-only=false");
  CHECK(set(&s, "nosuch", NULL, &st, NULL) < 0 && st == EINVAL, "unknown flag refused");

  bool found_sopt = false, found_ro = false;
  for (const char *const *f = cocin_security_flags; *f; f++)
    found_sopt |= strcmp(*f, "security-opt") == 0;
  for (const char *const *f = cocin_security_bool_flags; *f; f++)
    found_ro |= strcmp(*f, "read-only") == 0;
  CHECK(found_sopt && found_ro, "flag tables list the flags");
  cocin_security_free(&s);
}

static void test_json(void)
{
  struct cocin_security s = {0}, r = {0};
  cocin_error_t err = NULL;
  set(&s, "cap-add", "sys_admin", NULL, NULL);
  set(&s, "cap-drop", "net_raw", NULL, NULL);
  set(&s, "cap-drop", "ALL", NULL, NULL);
  set(&s, "read-only", NULL, NULL, NULL);
  set(&s, "security-opt", "no-new-privileges", NULL, NULL);
  set(&s, "security-opt", "seccomp=unconfined", NULL, NULL);
  cJSON *j = cocin_security_to_json(&s);
  char *text = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  cJSON *back = cJSON_Parse(text);
  CHECK(cocin_security_from_json(back, &r, &err) == 0, "from_json of to_json: %s", text);
  CHECK(strv_eq(r.cap_add, (const char *const[]){"CAP_SYS_ADMIN", NULL}) &&
            strv_eq(r.cap_drop, (const char *const[]){"CAP_NET_RAW", "ALL", NULL}),
        "round trip keeps capabilities");
  CHECK(r.read_only && r.no_new_privs && r.seccomp_unconfined && !r.privileged,
        "round trip keeps booleans");
  cJSON_Delete(back);
  free(text);
  cocin_security_free(&r);
  cocin_security_free(&s);

  CHECK(cocin_security_from_json(NULL, &r, &err) == 0 && !r.privileged && !r.cap_add,
        "missing security object means defaults");
  static const char *const bad[] = {
      "{\"capAdd\":[\"FOO\"]}", "{\"capAdd\":\"CHOWN\"}", "{\"privileged\":1}",
      "{\"seccomp\":\"strict\"}", "[]",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cJSON *b = cJSON_Parse(bad[i]);
    int rc = cocin_security_from_json(b, &r, &err);
    CHECK(rc < 0 && cocin_error_status(&err) == EINVAL, "bad config refused: %s (%s)", bad[i],
          cocin_error_msg(&err));
    cocin_error_release(&err);
    cJSON_Delete(b);
  }
}

static cocin_capmask_t wanted(const char *add1, const char *add2, const char *drop1,
                              const char *drop2, bool priv)
{
  struct cocin_security s = {0};
  if (add1)
    set(&s, "cap-add", add1, NULL, NULL);
  if (add2)
    set(&s, "cap-add", add2, NULL, NULL);
  if (drop1)
    set(&s, "cap-drop", drop1, NULL, NULL);
  if (drop2)
    set(&s, "cap-drop", drop2, NULL, NULL);
  s.privileged = priv;
  cocin_capmask_t m = cocin_caps_wanted(&s);
  cocin_security_free(&s);
  return m;
}

static void test_cap_arithmetic(void)
{
  cocin_capmask_t all = cocin_caps_kernel();
  CHECK(cocin_caps_default() == DOCKER_DEFAULT_CAPS, "default set is docker's a80425fb");
  CHECK(wanted(NULL, NULL, NULL, NULL, false) == DOCKER_DEFAULT_CAPS, "no flags: default");
  CHECK(wanted("SYS_ADMIN", NULL, "NET_RAW", NULL, false) ==
            ((DOCKER_DEFAULT_CAPS | CAPBIT(21)) & ~CAPBIT(13)),
        "add SYS_ADMIN, drop NET_RAW");
  CHECK(wanted("CHOWN", NULL, "CHOWN", NULL, false) == DOCKER_DEFAULT_CAPS,
        "add wins over drop of the same capability (docker)");
  CHECK(wanted("CHOWN", NULL, "ALL", NULL, false) == CAPBIT(0), "drop ALL, add CHOWN");
  CHECK(wanted("ALL", NULL, "SYS_ADMIN", NULL, false) == (all & ~CAPBIT(21)),
        "add ALL, drop SYS_ADMIN");
  CHECK(wanted(NULL, NULL, "ALL", NULL, true) == all, "privileged ignores drops");
  CHECK(cocin_cap_from_name("cap_bpf") == 39 && cocin_cap_from_name("ALL") == COCIN_CAP_ALL &&
            cocin_cap_from_name("nope") < 0 && strcmp(cocin_cap_name(21), "CAP_SYS_ADMIN") == 0,
        "names <-> numbers");
}

/* ---- live: apply() in a forked child -------------------------------------- */

struct probe {
  uint64_t bnd, eff, prm, inh, amb;
  int seccomp, nnp;
  int rc;         /* apply's result */
  char msg[256];  /* apply's error */
  int mount_e, unshare_user_e, unshare_ns_e, clone3_e, keyctl_e, kexec_e, vsock_e;
  int pers_bad_e, pers_hi_e, pers_query_e, module_e, reboot_e, ptrace_kcmp_e;
};

static int probe_errno(long r) { return r < 0 ? errno : 0; }

static void read_status(struct probe *p)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof(line), f)) {
    unsigned long long v;
    int i;
    if (sscanf(line, "CapBnd: %llx", &v) == 1) p->bnd = v;
    if (sscanf(line, "CapEff: %llx", &v) == 1) p->eff = v;
    if (sscanf(line, "CapPrm: %llx", &v) == 1) p->prm = v;
    if (sscanf(line, "CapInh: %llx", &v) == 1) p->inh = v;
    if (sscanf(line, "CapAmb: %llx", &v) == 1) p->amb = v;
    if (sscanf(line, "Seccomp: %d", &i) == 1) p->seccomp = i;
    if (sscanf(line, "NoNewPrivs: %d", &i) == 1) p->nnp = i;
  }
  if (f)
    fclose(f);
}

/* In the child: private mount and uts namespaces so that whatever a probe
 * is allowed to do stays in the child. */
static void child(const struct cocin_security *s, uid_t uid, const char *mnt, int fd)
{
  struct probe p = {0};
  cocin_error_t err = NULL;
  if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    _exit(3);
  if (uid != 0) {
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(uid, uid, uid) < 0 ||
        setresuid(uid, uid, uid) < 0)
      _exit(4);
  }
  p.rc = cocin_security_apply(s, false, &err);
  if (err)
    snprintf(p.msg, sizeof(p.msg), "%s", cocin_error_msg(&err));
  read_status(&p);
  p.mount_e = probe_errno(mount("tmpfs", mnt, "tmpfs", 0, NULL));
  p.unshare_ns_e = probe_errno(unshare(CLONE_NEWNS));
  p.unshare_user_e = probe_errno(unshare(CLONE_NEWUSER));
  p.keyctl_e = probe_errno(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  p.kexec_e = probe_errno(syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL));
  p.vsock_e = probe_errno(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
  p.pers_bad_e = probe_errno(syscall(SYS_personality, 0x0400000UL /* READ_IMPLIES_EXEC */));
  p.pers_query_e = probe_errno(syscall(SYS_personality, 0xffffffffUL));
  /* the kernel reads an unsigned int: high bits must not hide the value */
  p.pers_hi_e = probe_errno(syscall(SYS_personality, 0x100400000UL));
  p.module_e = probe_errno(syscall(SYS_init_module, NULL, 0UL, ""));
  p.reboot_e = probe_errno(syscall(SYS_reboot, 0, 0, 0, NULL)); /* bad magic: never reboots */
  p.ptrace_kcmp_e = probe_errno(syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0));
#ifdef SYS_clone3
  {
    /* a zero-sized clone_args is refused by the kernel before any clone */
    p.clone3_e = probe_errno(syscall(SYS_clone3, NULL, 0));
  }
#endif
  cocin_error_release(&err);
  if (write(fd, &p, sizeof(p)) != (ssize_t)sizeof(p))
    _exit(5);
  _exit(0);
}

static int run_probe(const struct cocin_security *s, uid_t uid, struct probe *p)
{
  char mnt[] = "/tmp/cocin-sec-XXXXXX";
  int fds[2];
  if (mkdtemp(mnt) == NULL || pipe(fds) < 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    child(s, uid, mnt, fds[1]);
  }
  close(fds[1]);
  memset(p, 0, sizeof(*p));
  ssize_t n = read(fds[0], p, sizeof(*p));
  close(fds[0]);
  int wst = 0;
  waitpid(pid, &wst, 0);
  rmdir(mnt);
  return (n == (ssize_t)sizeof(*p) && WIFEXITED(wst) && WEXITSTATUS(wst) == 0) ? 0 : -1;
}

static void test_live(void)
{
  struct cocin_security s = {0};
  struct probe p;
  uint64_t all = cocin_caps_kernel(), host_bnd = 0;
  {
    struct probe me = {0};
    read_status(&me);
    host_bnd = me.bnd;
  }

  /* default */
  CHECK(run_probe(&s, 0, &p) == 0 && p.rc == 0, "default: apply succeeds %s", p.msg);
  CHECK(p.bnd == DOCKER_DEFAULT_CAPS && p.eff == DOCKER_DEFAULT_CAPS && p.prm == DOCKER_DEFAULT_CAPS,
        "default: CapBnd/CapEff/CapPrm = a80425fb (bnd %llx eff %llx)",
        (unsigned long long)p.bnd, (unsigned long long)p.eff);
  CHECK(p.inh == 0 && p.amb == 0, "default: CapInh and CapAmb empty");
  CHECK(p.seccomp == 2 && p.nnp == 0, "default: Seccomp 2, NoNewPrivs 0 (got %d %d)", p.seccomp,
        p.nnp);
  CHECK(p.mount_e == EPERM, "default: mount refused (%s)", strerror(p.mount_e));
  CHECK(p.unshare_ns_e == EPERM && p.unshare_user_e == EPERM, "default: unshare refused");
  CHECK(p.keyctl_e == EPERM, "default: keyctl refused");
  CHECK(p.kexec_e == EPERM, "default: kexec_load refused");
  CHECK(p.vsock_e == EPERM, "default: socket(AF_VSOCK) refused (%s)", strerror(p.vsock_e));
  CHECK(p.pers_bad_e == EPERM && p.pers_hi_e == EPERM && p.pers_query_e == 0,
        "default: personality READ_IMPLIES_EXEC refused, query allowed");
  CHECK(p.module_e == EPERM && p.reboot_e == EPERM, "default: init_module, reboot refused");
  CHECK(p.ptrace_kcmp_e == EPERM, "default: kcmp refused");
#ifdef SYS_clone3
  CHECK(p.clone3_e == ENOSYS, "default: clone3 -> ENOSYS (%s)", strerror(p.clone3_e));
#endif

  /* --cap-add SYS_ADMIN: mount and namespaces come back */
  set(&s, "cap-add", "SYS_ADMIN", NULL, NULL);
  CHECK(run_probe(&s, 0, &p) == 0 && p.rc == 0, "cap-add SYS_ADMIN: apply %s", p.msg);
  CHECK(p.eff == (DOCKER_DEFAULT_CAPS | CAPBIT(21)) && p.seccomp == 2,
        "cap-add SYS_ADMIN: CapEff %llx, Seccomp 2", (unsigned long long)p.eff);
  CHECK(p.mount_e == 0 && p.unshare_ns_e == 0, "cap-add SYS_ADMIN: mount, unshare -m work (%s)",
        strerror(p.mount_e));
  CHECK(p.keyctl_e == EPERM, "cap-add SYS_ADMIN: keyctl still refused");
#ifdef SYS_clone3
  CHECK(p.clone3_e == EINVAL, "cap-add SYS_ADMIN: clone3 reaches the kernel (%s)",
        strerror(p.clone3_e));
#endif
  reset(&s);

  /* --cap-add SYS_MODULE / SYS_BOOT / SYS_PTRACE: the gate opens, the
   * harmless arguments fail in the kernel instead */
  set(&s, "cap-add", "SYS_MODULE", NULL, NULL);
  set(&s, "cap-add", "SYS_BOOT", NULL, NULL);
  set(&s, "cap-add", "SYS_PTRACE", NULL, NULL);
  CHECK(run_probe(&s, 0, &p) == 0 && p.rc == 0, "cap-add SYS_MODULE,SYS_BOOT,SYS_PTRACE: apply");
  CHECK(p.module_e != EPERM && p.reboot_e == EINVAL && p.ptrace_kcmp_e == 0,
        "cap-add: init_module (%s), reboot (%s), kcmp (%s) pass the gate", strerror(p.module_e),
        strerror(p.reboot_e), strerror(p.ptrace_kcmp_e));
  reset(&s);

  /* --cap-drop ALL --cap-add CHOWN */
  set(&s, "cap-drop", "ALL", NULL, NULL);
  set(&s, "cap-add", "chown", NULL, NULL);
  CHECK(run_probe(&s, 0, &p) == 0 && p.rc == 0 && p.bnd == 1 && p.eff == 1 && p.seccomp == 2,
        "cap-drop ALL cap-add CHOWN: CapBnd 1 (got %llx) %s", (unsigned long long)p.bnd, p.msg);
  reset(&s);

  /* no-new-privileges */
  set(&s, "security-opt", "no-new-privileges", NULL, NULL);
  CHECK(run_probe(&s, 0, &p) == 0 && p.rc == 0 && p.nnp == 1 && p.seccomp == 2,
        "no-new-privileges: NoNewPrivs 1, Seccomp 2");
  reset(&s);

  /* seccomp=unconfined: caps as default, no filter */
  set(&s, "security-opt", "seccomp=unconfined", NULL, NULL);
  CHECK(run_probe(&s, 0, &p) == 0 && p.rc == 0 && p.seccomp == 0 &&
            p.eff == DOCKER_DEFAULT_CAPS && p.keyctl_e != EPERM,
        "seccomp=unconfined: Seccomp 0, keyctl reaches the kernel");
  reset(&s);

  /* privileged: everything the runtime holds, no filter */
  set(&s, "privileged", NULL, NULL, NULL);
  CHECK(run_probe(&s, 0, &p) == 0 && p.rc == 0 && p.seccomp == 0 && p.bnd == (host_bnd & all) &&
            p.eff == p.bnd && p.mount_e == 0,
        "privileged: CapBnd %llx = host's %llx, Seccomp 0, mount works",
        (unsigned long long)p.bnd, (unsigned long long)host_bnd);
  reset(&s);

  /* a non-root user, switched under KEEPCAPS as the lead's code does */
  CHECK(run_probe(&s, 1000, &p) == 0 && p.rc == 0 && p.bnd == DOCKER_DEFAULT_CAPS &&
            p.seccomp == 2 && p.mount_e == EPERM,
        "uid 1000 with KEEPCAPS: apply succeeds, same bounding set and filter %s", p.msg);

  /* cap-add of a capability the runtime does not hold fails clearly */
  for (int c = 0; c < 64; c++) {
    if (!(all & CAPBIT(c)) || (host_bnd & CAPBIT(c)))
      continue;
    set(&s, "cap-add", cocin_cap_name(c), NULL, NULL);
    CHECK(run_probe(&s, 0, &p) == 0 && p.rc < 0 && strstr(p.msg, cocin_cap_name(c)),
          "cap-add %s that cocin lacks: %s", cocin_cap_name(c), p.msg);
    reset(&s);
    break;
  }
  cocin_security_free(&s);
}

/* ---- live: mask_paths() in a private mount namespace ---------------------- */

static int mask_child(const struct cocin_security *s)
{
  cocin_error_t err = NULL;
  char buf[16];
  if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return 10;
  if (cocin_security_mask_paths(s, "/dev/null", &err) < 0) {
    fprintf(stderr, "# mask_paths: %s\n", cocin_error_msg(&err));
    return 11;
  }
  /* masked files read empty (those this kernel has); a masked dir is empty */
  static const char *const files[] = {"/proc/kcore", "/proc/timer_list", "/proc/keys"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    int f = open(files[i], O_RDONLY);
    if (f < 0 && errno != ENOENT)
      return 20 + (int)i;
    if (f >= 0 && read(f, buf, sizeof(buf)) != 0)
      return 30 + (int)i; /* not masked */
    if (f >= 0)
      close(f);
  }
  DIR *d = opendir("/sys/firmware");
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.')
      return 12;
  if (d)
    closedir(d);
  /* read-only paths refuse writes (sysrq-trigger only if the kernel has it) */
  int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
  if (fd >= 0 || errno != EROFS)
    return 13;
  fd = open("/proc/sysrq-trigger", O_WRONLY);
  if (fd >= 0 || (errno != EROFS && errno != ENOENT))
    return 14;
  if (s->read_only) {
    fd = open("/cocin-ro-probe", O_CREAT | O_WRONLY, 0600);
    if (fd >= 0) {
      close(fd);
      unlink("/cocin-ro-probe");
      return 15;
    }
    if (errno != EROFS)
      return 16;
    if (access("/proc/self/status", R_OK) < 0)
      return 17;
  }
  return 0;
}

static void test_mask(void)
{
  struct cocin_security s = {0};
  for (int ro = 0; ro < 2; ro++) {
    s.read_only = ro;
    pid_t pid = fork();
    if (pid == 0)
      _exit(mask_child(&s));
    int wst = 0;
    waitpid(pid, &wst, 0);
    CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0,
          "mask_paths%s: kcore empty, /proc/sys and sysrq-trigger EROFS (code %d)",
          ro ? " + read-only root" : "", WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
  }
}

static void test_filter_export(void)
{
  char path[] = "/tmp/cocin-pfc-XXXXXX";
  int fd = mkstemp(path);
  cocin_error_t err = NULL;
  CHECK(fd >= 0 && cocin_seccomp_export_default(cocin_caps_default(), fd, &err) == 0,
        "default filter builds: %s", err ? cocin_error_msg(&err) : "ok");
  cocin_error_release(&err);
  if (fd >= 0) {
    close(fd);
    unlink(path);
  }
}

int main(void)
{
  test_flags();
  test_json();
  test_cap_arithmetic();
  test_filter_export();
  if (geteuid() != 0) {
    printf("# SKIP live tests: need root (apply, mask_paths)\n");
  } else {
    test_live();
    test_mask();
  }
  return tap_done();
}
