/* cocin — the default seccomp filter, built with libseccomp.
 *
 * docker's default profile is an allowlist; this is the equivalent
 * denylist: default ALLOW, and EPERM for every syscall docker's profile does
 * not allow, with docker's capability-dependent relaxations (a process that
 * keeps CAP_SYS_ADMIN may mount, CAP_SYS_MODULE may load modules, ...).
 *
 * Choices, as docker makes them:
 * - ptrace, process_vm_readv/writev are allowed on kernels >= 4.8 (before
 *   4.8 ptrace could bypass seccomp); kcmp, pidfd_getfd, process_madvise
 *   need CAP_SYS_PTRACE.
 * - clone with any namespace flag, unshare and setns need CAP_SYS_ADMIN;
 *   clone3 fails with ENOSYS (its flags live in memory a filter cannot
 *   read) so that libc falls back to clone.
 * - personality only with 0, PER_LINUX32, ADDR_NO_RANDOMIZE, both, and the
 *   0xffffffff query.  socket(AF_VSOCK) is refused.
 * - io_uring is refused (docker since 25.0: it bypasses the filter).
 * Beyond docker: adjtimex/clock_adjtime need CAP_SYS_TIME (the kernel
 * already refuses their writes without it; read-only queries are lost).
 *
 * Limits of a denylist: a syscall newer than this libseccomp is allowed
 * (the kernel's capability checks still apply); on i386 socket(AF_VSOCK) is
 * not refused (socket may come through socketcall, whose arguments the
 * filter cannot see, and socketcall stays allowed); on s390 clone's flags are the
 * second argument and are not inspected (no s390 support). */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "cocin-config.h"
#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "security_internal.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define CAP_NONE (-1)

enum { PRE_4_8 = 1 }; /* the rule applies only on kernels older than 4.8 */

/* A syscall refused unless the process keeps cap or cap2. */
struct deny {
  const char *name;
  int cap, cap2; /* CAP_NONE: refused whatever the capabilities */
  int errnum;
  unsigned flags;
};

#define NEVER(n) {n, CAP_NONE, CAP_NONE, EPERM, 0}
#define UNLESS(n, c) {n, c, CAP_NONE, EPERM, 0}
#define UNLESS2(n, c, c2) {n, c, c2, EPERM, 0}

/* Capability numbers (linux/capability.h), kept numeric so that the table
 * does not depend on how old the libc headers are. */
enum {
  C_DAC_READ_SEARCH = 2,
  C_SYS_MODULE = 16,
  C_SYS_RAWIO = 17,
  C_SYS_PTRACE = 19,
  C_SYS_PACCT = 20,
  C_SYS_ADMIN = 21,
  C_SYS_BOOT = 22,
  C_SYS_NICE = 23,
  C_SYS_TIME = 25,
  C_SYS_TTY_CONFIG = 26,
  C_SYSLOG = 34,
  C_PERFMON = 38,
  C_BPF = 39,
};

static const struct deny deny_table[] = {
    /* never, whatever the capabilities (only --privileged or
     * seccomp=unconfined lift them) */
    NEVER("kexec_load"),
    NEVER("kexec_file_load"),
    NEVER("keyctl"),
    NEVER("add_key"),
    NEVER("request_key"),
    NEVER("userfaultfd"),
    NEVER("swapon"),
    NEVER("swapoff"),
    NEVER("uselib"),
    NEVER("ustat"),
    NEVER("sysfs"),
    NEVER("_sysctl"),
    NEVER("nfsservctl"),
    NEVER("vm86"),
    NEVER("vm86old"),
    NEVER("create_module"),
    NEVER("get_kernel_syms"),
    NEVER("query_module"),
    NEVER("io_uring_setup"),
    NEVER("io_uring_enter"),
    NEVER("io_uring_register"),
    /* mounts, namespaces and other CAP_SYS_ADMIN business */
    UNLESS("mount", C_SYS_ADMIN),
    UNLESS("umount", C_SYS_ADMIN),
    UNLESS("umount2", C_SYS_ADMIN),
    UNLESS("pivot_root", C_SYS_ADMIN),
    UNLESS("fsopen", C_SYS_ADMIN),
    UNLESS("fsconfig", C_SYS_ADMIN),
    UNLESS("fsmount", C_SYS_ADMIN),
    UNLESS("fspick", C_SYS_ADMIN),
    UNLESS("move_mount", C_SYS_ADMIN),
    UNLESS("open_tree", C_SYS_ADMIN),
    UNLESS("mount_setattr", C_SYS_ADMIN),
    UNLESS("unshare", C_SYS_ADMIN),
    UNLESS("setns", C_SYS_ADMIN),
    UNLESS("fanotify_init", C_SYS_ADMIN),
    UNLESS("quotactl", C_SYS_ADMIN),
    UNLESS("quotactl_fd", C_SYS_ADMIN),
    UNLESS("lookup_dcookie", C_SYS_ADMIN),
    UNLESS("name_to_handle_at", C_SYS_ADMIN),
    UNLESS("sethostname", C_SYS_ADMIN),
    UNLESS("setdomainname", C_SYS_ADMIN),
    UNLESS2("bpf", C_SYS_ADMIN, C_BPF),
    UNLESS2("perf_event_open", C_SYS_ADMIN, C_PERFMON),
    UNLESS2("syslog", C_SYS_ADMIN, C_SYSLOG),
    {"clone3", C_SYS_ADMIN, CAP_NONE, ENOSYS, 0},
    /* the rest, each behind its own capability */
    UNLESS("open_by_handle_at", C_DAC_READ_SEARCH),
    UNLESS("reboot", C_SYS_BOOT),
    UNLESS("init_module", C_SYS_MODULE),
    UNLESS("finit_module", C_SYS_MODULE),
    UNLESS("delete_module", C_SYS_MODULE),
    UNLESS("acct", C_SYS_PACCT),
    UNLESS("iopl", C_SYS_RAWIO),
    UNLESS("ioperm", C_SYS_RAWIO),
    UNLESS("settimeofday", C_SYS_TIME),
    UNLESS("stime", C_SYS_TIME),
    UNLESS("clock_settime", C_SYS_TIME),
    UNLESS("clock_settime64", C_SYS_TIME),
    UNLESS("adjtimex", C_SYS_TIME),
    UNLESS("clock_adjtime", C_SYS_TIME),
    UNLESS("clock_adjtime64", C_SYS_TIME),
    UNLESS("vhangup", C_SYS_TTY_CONFIG),
    UNLESS("mbind", C_SYS_NICE),
    UNLESS("set_mempolicy", C_SYS_NICE),
    UNLESS("get_mempolicy", C_SYS_NICE),
    UNLESS("set_mempolicy_home_node", C_SYS_NICE),
    UNLESS("move_pages", C_SYS_NICE),
    UNLESS("migrate_pages", C_SYS_NICE),
    UNLESS("kcmp", C_SYS_PTRACE),
    UNLESS("pidfd_getfd", C_SYS_PTRACE),
    UNLESS("process_madvise", C_SYS_PTRACE),
    {"ptrace", C_SYS_PTRACE, CAP_NONE, EPERM, PRE_4_8},
    {"process_vm_readv", C_SYS_PTRACE, CAP_NONE, EPERM, PRE_4_8},
    {"process_vm_writev", C_SYS_PTRACE, CAP_NONE, EPERM, PRE_4_8},
};

/* clone flags that create namespaces (docker's mask 0x7E020000). */
static const uint64_t clone_ns_flags[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

/* personality values docker allows; sorted.  The kernel reads an unsigned
 * int, so only the low 32 bits of the argument count. */
static const uint64_t personality_ok[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

static void ctx_releasep(scmp_filter_ctx *c)
{
  if (*c)
    seccomp_release(*c);
  *c = NULL;
}
#define cleanup_seccomp __attribute__((cleanup(ctx_releasep)))

static int fail_rc(cocin_error_t *err, int rc, const char *what, const char *name)
{
  errno = rc < 0 ? -rc : EINVAL;
  return cocin_fail_errno(err, "seccomp: %s %s", what, name ? name : "");
}

static bool kernel_older_than(int major, int minor)
{
  struct utsname u;
  int ma = 0, mi = 0;
  if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
    return false; /* unknown: assume a current kernel */
  return ma < major || (ma == major && mi < minor);
}

/* rc of seccomp_rule_add for a syscall that exists on none of the filter's
 * architectures is not an error for us: there is nothing to refuse. */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                    const struct scmp_arg_cmp *cmp, cocin_error_t *err)
{
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) /* unknown to this libseccomp */
    return 0;
  int rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
  if (rc == -EDOM || rc == -EOPNOTSUPP)
    return 0;
  if (rc < 0)
    return fail_rc(err, rc, "add rule for", name);
  return 0;
}

/* Refuse arg `argi` of `name` whenever its low 32 bits lie in [lo, hi]:
 * the interval is cut into aligned power-of-two blocks, each one masked
 * comparison. */
static int deny_range32(scmp_filter_ctx ctx, const char *name, unsigned argi, uint64_t lo,
                        uint64_t hi, cocin_error_t *err)
{
  while (lo <= hi) {
    uint64_t size = lo ? (lo & -lo) : ((uint64_t)1 << 32);
    while (lo + size - 1 > hi)
      size >>= 1;
    struct scmp_arg_cmp c = {argi, SCMP_CMP_MASKED_EQ, 0xffffffffULL & ~(size - 1), lo};
    if (add_rule(ctx, SCMP_ACT_ERRNO(EPERM), name, 1, &c, err) < 0)
      return -1;
    lo += size;
  }
  return 0;
}

static int add_personality(scmp_filter_ctx ctx, cocin_error_t *err)
{
  size_t n = sizeof(personality_ok) / sizeof(personality_ok[0]);
  uint64_t next = 0; /* first value not yet covered */
  for (size_t i = 0; i < n; i++) {
    if (personality_ok[i] > next &&
        deny_range32(ctx, "personality", 0, next, personality_ok[i] - 1, err) < 0)
      return -1;
    next = personality_ok[i] + 1;
  }
  if (next <= 0xffffffffULL && deny_range32(ctx, "personality", 0, next, 0xffffffffULL, err) < 0)
    return -1;
  return 0;
}

static int add_clone(scmp_filter_ctx ctx, cocin_capmask_t caps, cocin_error_t *err)
{
  if (caps & CAPBIT(C_SYS_ADMIN))
    return 0;
  for (size_t i = 0; i < sizeof(clone_ns_flags) / sizeof(clone_ns_flags[0]); i++) {
    struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, clone_ns_flags[i], clone_ns_flags[i]};
    if (add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &c, err) < 0)
      return -1;
  }
  return 0;
}

static int add_socket(scmp_filter_ctx ctx, cocin_error_t *err)
{
  struct scmp_arg_cmp c = {0, SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_VSOCK};
  return add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 1, &c, err);
}

/* The native architecture's 32-bit companions run on the same kernel and
 * must get the same rules (otherwise the filter kills them).  socketcall:
 * those whose socket(2) may come multiplexed through socketcall(2) (i386),
 * where a rule on socket's arguments becomes a refusal of every socket,
 * its arguments being out of the filter's sight: they are added only after
 * that rule (a rule binds the architectures present when it is added), and
 * socketcall is allowed, as docker allows it. */
static int add_arches(scmp_filter_ctx ctx, bool socketcall, cocin_error_t *err)
{
  static const struct {
    uint32_t native, extra;
    bool socketcall;
  } companions[] = {
      {SCMP_ARCH_X86_64, SCMP_ARCH_X86, true},
      {SCMP_ARCH_X86_64, SCMP_ARCH_X32, false},
      {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, false},
  };
  uint32_t native = seccomp_arch_native();
  for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
    if (companions[i].native != native || companions[i].socketcall != socketcall)
      continue;
    int rc = seccomp_arch_add(ctx, companions[i].extra);
    if (rc < 0 && rc != -EEXIST)
      return fail_rc(err, rc, "add architecture", NULL);
  }
  return 0;
}

static int build(scmp_filter_ctx *out, cocin_capmask_t caps, bool set_nnp, cocin_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == NULL)
    return cocin_fail(err, ENOMEM, "seccomp: cannot create a filter");
  /* libseccomp sets no_new_privs itself unless told not to. */
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, set_nnp ? 1 : 0);
  if (rc < 0)
    return fail_rc(err, rc, "set attribute", "no_new_privs");
  /* A binary tree of syscall numbers instead of a linear chain: the kernel
   * runs (and, to build its per-syscall cache, emulates) far fewer
   * instructions per syscall. */
  rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc < 0)
    return fail_rc(err, rc, "set attribute", "binary tree");
  if (add_arches(ctx, false, err) < 0 || add_socket(ctx, err) < 0 ||
      add_arches(ctx, true, err) < 0)
    return -1;

  bool old_kernel = kernel_older_than(4, 8);
  for (size_t i = 0; i < sizeof(deny_table) / sizeof(deny_table[0]); i++) {
    const struct deny *d = &deny_table[i];
    if ((d->flags & PRE_4_8) && !old_kernel)
      continue;
    if ((d->cap != CAP_NONE && (caps & CAPBIT(d->cap))) ||
        (d->cap2 != CAP_NONE && (caps & CAPBIT(d->cap2))))
      continue;
    if (add_rule(ctx, SCMP_ACT_ERRNO((uint32_t)d->errnum), d->name, 0, NULL, err) < 0)
      return -1;
  }
  if (add_clone(ctx, caps, err) < 0 || add_personality(ctx, err) < 0)
    return -1;
  *out = ctx;
  ctx = NULL;
  return 0;
}

int cocin_seccomp_load_default(cocin_capmask_t caps, bool set_nnp, cocin_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = NULL;
  if (build(&ctx, caps, set_nnp, err) < 0)
    return -1;
  int rc = seccomp_load(ctx);
  if (rc < 0)
    return fail_rc(err, rc, "load the default filter",
                   set_nnp ? NULL : "(without no_new_privs this needs CAP_SYS_ADMIN)");
  return 0;
}

int cocin_seccomp_export_default(cocin_capmask_t caps, int fd, cocin_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = NULL;
  if (build(&ctx, caps, false, err) < 0)
    return -1;
  int rc = seccomp_export_pfc(ctx, fd);
  if (rc < 0)
    return fail_rc(err, rc, "export", NULL);
  return 0;
}

/* ---- compiled programs and their cache ---------------------------------- */

void cocin_seccomp_prog_free(struct cocin_seccomp_prog *p)
{
  if (p == NULL)
    return;
  free(p->insns);
  free(p);
}

int cocin_seccomp_load_prog(const struct cocin_seccomp_prog *p, cocin_error_t *err)
{
  struct sock_fprog prog = {.len = (unsigned short)p->len, .filter = p->insns};
  /* Without no_new_privs this needs CAP_SYS_ADMIN, still held at this point
   * (apply() drops it after). */
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    return cocin_fail_errno(err, "seccomp: load the default filter");
  return 0;
}

/* Everything the program depends on: cocin's and libseccomp's versions, the
 * rules themselves (a cocin built with other rules never loads an old
 * program), the machine, the kernel-age rule, the capability set. */
static uint64_t prog_key(cocin_capmask_t caps)
{
  const struct scmp_version *v = seccomp_version();
  struct utsname u;
  uint64_t h = COCIN_FNV_INIT;
  h = cocin_fnv1a(h, COCIN_VERSION, strlen(COCIN_VERSION));
  /* how the program is put together: bump the word when build() changes */
  h = cocin_fnv1a(h, "tree,socket-native", 18);
  for (size_t i = 0; i < sizeof(deny_table) / sizeof(deny_table[0]); i++) {
    const struct deny *d = &deny_table[i];
    h = cocin_fnv1a(h, d->name, strlen(d->name) + 1);
    int nums[] = {d->errnum, (int)d->cap, (int)d->cap2, (int)d->flags};
    h = cocin_fnv1a(h, nums, sizeof(nums));
  }
  h = cocin_fnv1a(h, clone_ns_flags, sizeof(clone_ns_flags));
  h = cocin_fnv1a(h, personality_ok, sizeof(personality_ok));
  if (v)
    h = cocin_fnv1a(h, v, sizeof(*v));
  if (uname(&u) == 0)
    h = cocin_fnv1a(h, u.machine, strlen(u.machine));
  bool old = kernel_older_than(4, 8);
  h = cocin_fnv1a(h, &old, sizeof(old));
  return cocin_fnv1a(h, &caps, sizeof(caps));
}

#define MAX_INSNS 4096

static struct cocin_seccomp_prog *prog_from(char *buf, size_t len)
{
  if (len == 0 || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > MAX_INSNS)
    return NULL;
  struct cocin_seccomp_prog *p = xmalloc0(sizeof(*p));
  p->insns = buf;
  p->len = len / sizeof(struct sock_filter);
  return p;
}

int cocin_seccomp_prepare(cocin_capmask_t caps, const char *cache_dir,
                          struct cocin_seccomp_prog **out, cocin_error_t *err)
{
  cleanup_free char *path = NULL;
  *out = NULL;
  if (cache_dir) {
    path = xasprintf("%s/seccomp-%016llx.bpf", cache_dir, (unsigned long long)prog_key(caps));
    char *buf = NULL;
    size_t len = 0;
    if (read_all_file(path, &buf, &len, NULL) == 0) {
      *out = prog_from(buf, len);
      if (*out)
        return 0;
      free(buf); /* damaged: compile again */
    }
  }
  cleanup_seccomp scmp_filter_ctx ctx = NULL;
  if (build(&ctx, caps, false, err) < 0)
    return -1;
  cleanup_close int fd = memfd_create("cocin-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return cocin_fail_errno(err, "seccomp: memfd");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return fail_rc(err, rc, "export", NULL);
  off_t len = lseek(fd, 0, SEEK_END);
  if (len <= 0)
    return cocin_fail(err, EIO, "seccomp: the exported filter is empty");
  char *buf = xmalloc0((size_t)len);
  if (pread(fd, buf, (size_t)len, 0) != len) {
    free(buf);
    return cocin_fail_errno(err, "seccomp: read the exported filter");
  }
  *out = prog_from(buf, (size_t)len);
  if (*out == NULL) {
    free(buf);
    return cocin_fail(err, EIO, "seccomp: the exported filter has a bad size");
  }
  if (path && mkdir_p(cache_dir, 0700, NULL) == 0) /* best effort */
    write_file_atomic_flags(path, buf, (size_t)len, 0600, WRITE_PLAIN, NULL);
  return 0;
}
