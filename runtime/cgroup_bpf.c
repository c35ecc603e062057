/* cocin — the devices policy on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE
 * program attached to the container's cgroup (what crun and runc do; v2
 * has no devices.allow file).  It allows docker's default list and refuses
 * everything else.  Written as raw instructions: no libbpf needed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cocin/cleanup.h"
#include "cocin/util.h"

/* docker's default rules: type ('c', 'b'), major, minor (-1 = any), access */
struct dev_rule {
  int type;
  int64_t major, minor;
  unsigned access; /* BPF_DEVCG_ACC_* */
};

#define RWM (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)
static const struct dev_rule rules[] = {
    {BPF_DEVCG_DEV_CHAR, 1, 3, RWM},     /* null */
    {BPF_DEVCG_DEV_CHAR, 1, 5, RWM},     /* zero */
    {BPF_DEVCG_DEV_CHAR, 1, 7, RWM},     /* full */
    {BPF_DEVCG_DEV_CHAR, 1, 8, RWM},     /* random */
    {BPF_DEVCG_DEV_CHAR, 1, 9, RWM},     /* urandom */
    {BPF_DEVCG_DEV_CHAR, 5, 0, RWM},     /* tty */
    {BPF_DEVCG_DEV_CHAR, 5, 1, RWM},     /* console */
    {BPF_DEVCG_DEV_CHAR, 5, 2, RWM},     /* ptmx */
    {BPF_DEVCG_DEV_CHAR, 136, -1, RWM},  /* pts */
    {BPF_DEVCG_DEV_CHAR, -1, -1, BPF_DEVCG_ACC_MKNOD}, /* mknod, not use */
    {BPF_DEVCG_DEV_BLOCK, -1, -1, BPF_DEVCG_ACC_MKNOD},
};

/* The few instruction shapes the program needs. */
#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_R(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, k) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define AND_K(d, k) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define RSH_K(d, k) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)
#define JNE_K(d, k, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, k)
#define JSET_K(d, k, o) INSN(BPF_JMP | BPF_JSET | BPF_K, d, 0, o, k)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* --device's rule in the program's terms */
static struct dev_rule rule_of(const struct cocin_device_rule *d)
{
  unsigned access = (strchr(d->access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
                    (strchr(d->access, 'w') ? BPF_DEVCG_ACC_WRITE : 0) |
                    (strchr(d->access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0);
  return (struct dev_rule){d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, d->major,
                           d->minor, access};
}

#define N_RULES (sizeof(rules) / sizeof(rules[0]))
/* instructions for n rules: 6 to read the context, 2 to end, 6 a rule */
#define PROG_LEN(n) (8 + 6 * (n))

/* r2 = type, r3 = access, r4 = major, r5 = minor; each rule falls through
 * to the next when it does not match, and returns 1 when it does: docker's
 * list, then extra's (n of them). */
static size_t build(struct bpf_insn *p, const struct cocin_device_rule *extra, size_t n_extra)
{
  size_t n = 0;
  p[n++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
  p[n++] = MOV_R(BPF_REG_3, BPF_REG_2);
  p[n++] = AND_K(BPF_REG_2, 0xffff);
  p[n++] = RSH_K(BPF_REG_3, 16);
  p[n++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
  p[n++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
  for (size_t i = 0; i < N_RULES + n_extra; i++) {
    struct dev_rule extra_rule = i < N_RULES ? rules[i] : rule_of(&extra[i - N_RULES]);
    const struct dev_rule *r = &extra_rule;
    /* the rule's block: up to 4 tests, then r0 = 1; exit */
    int tests = 2 + (r->major >= 0) + (r->minor >= 0);
    int left = tests + 2; /* instructions after the first test to the block's end */
    p[n++] = JNE_K(BPF_REG_2, r->type, (short)(left - 1));
    left--;
    if (r->major >= 0) {
      p[n++] = JNE_K(BPF_REG_4, (int)r->major, (short)(left - 1));
      left--;
    }
    if (r->minor >= 0) {
      p[n++] = JNE_K(BPF_REG_5, (int)r->minor, (short)(left - 1));
      left--;
    }
    /* any access bit outside the rule's: not this rule */
    p[n++] = JSET_K(BPF_REG_3, (int)(~r->access & 0xffff), (short)(left - 1));
    p[n++] = MOV_K(BPF_REG_0, 1);
    p[n++] = EXIT();
  }
  p[n++] = MOV_K(BPF_REG_0, 0);
  p[n++] = EXIT();
  return n;
}

static int load_prog(struct bpf_insn *prog, const struct cocin_device_rule *extra,
                     size_t n_extra, union bpf_attr *load)
{
  size_t n = build(prog, extra, n_extra);
  memset(load, 0, sizeof(*load));
  load->prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load->insns = (uint64_t)(uintptr_t)prog;
  load->insn_cnt = (uint32_t)n;
  load->license = (uint64_t)(uintptr_t) "GPL";
  return (int)syscall(SYS_bpf, BPF_PROG_LOAD, load, sizeof(*load));
}

bool cg_bpf_devices_loadable(void)
{
  struct bpf_insn prog[PROG_LEN(N_RULES)];
  union bpf_attr load;
  cleanup_close int pfd = load_prog(prog, NULL, 0, &load);
  return pfd >= 0;
}

int cg_bpf_devices_attach(const char *dir, const struct cocin_device_rule *extra, size_t n_extra,
                          cocin_error_t *err)
{
  cleanup_free struct bpf_insn *prog = xmalloc0(PROG_LEN(N_RULES + n_extra) * sizeof(*prog));
  char log[4096] = "";
  union bpf_attr load;
  cleanup_close int pfd = load_prog(prog, extra, n_extra, &load);
  if (pfd < 0) {
    int e = errno;
    /* again with the verifier's verdict, for the message */
    load.log_buf = (uint64_t)(uintptr_t)log;
    load.log_size = sizeof(log);
    load.log_level = 1;
    (void)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
    log[sizeof(log) - 1] = '\0';
    errno = e;
    return cocin_fail_errno(err, "load the devices program (%.200s)", log);
  }
  cleanup_close int cfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0)
    return cocin_fail_errno(err, "open %s", dir);
  union bpf_attr at;
  memset(&at, 0, sizeof(at));
  at.target_fd = (uint32_t)cfd;
  at.attach_bpf_fd = (uint32_t)pfd;
  at.attach_type = BPF_CGROUP_DEVICE;
  at.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &at, sizeof(at)) < 0)
    return cocin_fail_errno(err, "attach the devices program to %s", dir);
  return 0; /* the cgroup keeps the program until it is removed */
}
