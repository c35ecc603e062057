/* escape — try one privileged operation and say whether the kernel (and the
 * seccomp filter) let it through.  Static, copied into test containers by
 * tests/scripts/50-security.sh with -v.
 *
 *   escape OP [ARG]
 *
 * Prints "OP: allowed" or "OP: refused: <errno name> (<message>)".
 * Exit 0: allowed (the call succeeded, or failed in the kernel *after* the
 * permission gate, e.g. EINVAL for the deliberately bad arguments below);
 * 1: refused (EPERM, EACCES, or ENOSYS from clone3's filter); 3: ENOSYS for
 * other calls (the kernel lacks it); 2: usage or setup error.
 * Every operation is harmless even where allowed: bad magic for reboot,
 * bad flags for kexec, empty images for modules, a fork for namespaces. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *arg; /* optional ARG */

/* Run fn in a forked child so that namespace changes stay there; returns
 * its result (-1 with errno) as if called here. */
static long in_child(long (*fn)(void))
{
  int fds[2];
  if (pipe(fds) < 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    long r = fn();
    int e = r < 0 ? errno : 0;
    if (write(fds[1], &e, sizeof(e)) < 0)
      _exit(2);
    _exit(0);
  }
  close(fds[1]);
  int e = EIO;
  if (read(fds[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
    e = EIO;
  close(fds[0]);
  waitpid(pid, NULL, 0);
  errno = e;
  return e ? -1 : 0;
}

static long do_unshare_user(void) { return unshare(CLONE_NEWUSER); }
static long do_unshare_mount(void) { return unshare(CLONE_NEWNS); }
static long do_unshare_net(void) { return unshare(CLONE_NEWNET); }

static long op_unshare_user(void) { return in_child(do_unshare_user); }
static long op_unshare_mount(void) { return in_child(do_unshare_mount); }
static long op_unshare_net(void) { return in_child(do_unshare_net); }

static long op_clone_newuser(void)
{
  long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, NULL);
  if (pid == 0)
    _exit(0);
  if (pid > 0)
    waitpid((pid_t)pid, NULL, 0);
  return pid < 0 ? -1 : 0;
}

static long op_clone3(void)
{
#ifdef SYS_clone3
  uint64_t args[11] = {0};
  args[4] = SIGCHLD; /* exit_signal */
  long pid = syscall(SYS_clone3, args, sizeof(args));
  if (pid == 0)
    _exit(0);
  if (pid > 0)
    waitpid((pid_t)pid, NULL, 0);
  return pid < 0 ? -1 : 0;
#else
  errno = ENOSYS;
  return -1;
#endif
}

static long op_setns(void)
{
  int fd = open("/proc/self/ns/uts", O_RDONLY);
  if (fd < 0)
    return -1;
  long r = setns(fd, CLONE_NEWUTS);
  close(fd);
  return r;
}

/* A fresh directory in /tmp, or in /dev (a tmpfs in every container). */
static char *scratch_dir(char *buf, size_t len)
{
  static const char *const bases[] = {"/tmp", "/dev"};
  for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
    snprintf(buf, len, "%s/escape-XXXXXX", bases[i]);
    if (mkdtemp(buf))
      return buf;
  }
  return NULL;
}

static long op_mount(void)
{
  char dir[64];
  const char *d = arg ? arg : scratch_dir(dir, sizeof(dir));
  if (d == NULL)
    return -1;
  long r = mount("escape", d, "tmpfs", 0, "size=64k");
  int e = errno;
  if (r == 0)
    umount2(d, MNT_DETACH);
  if (d == dir)
    rmdir(dir);
  errno = e;
  return r;
}

static long op_pivot_root(void) { return syscall(SYS_pivot_root, "/nonexistent-escape", "/nonexistent-escape"); }
static long op_kexec_load(void) { return syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL); }
static long op_kexec_file_load(void)
{
#ifdef SYS_kexec_file_load
  return syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0xdead0000UL);
#else
  errno = ENOSYS;
  return -1;
#endif
}
static long op_init_module(void) { return syscall(SYS_init_module, NULL, 0UL, ""); }
static long op_finit_module(void) { return syscall(SYS_finit_module, -1, "", 0); }
static long op_delete_module(void) { return syscall(SYS_delete_module, "escape_no_such_module", O_NONBLOCK); }
static long op_reboot(void) { return syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic */ }
static long op_swapon(void) { return syscall(SYS_swapon, "/nonexistent-escape", 0); }
static long op_keyctl(void)
{
  return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}
static long op_add_key(void)
{
  return syscall(SYS_add_key, "user", "escape", "x", 1UL, KEY_SPEC_PROCESS_KEYRING);
}
static long op_request_key(void)
{
  return syscall(SYS_request_key, "user", "escape-no-such-key", NULL, KEY_SPEC_PROCESS_KEYRING);
}

/* Shocker (2014): open a file of the host by a guessed handle. */
static long op_open_by_handle_at(void)
{
  struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[8];
  } h = {8, 1, {2, 0, 0, 0, 0, 0, 0, 0}}; /* ino 2 = the root of most fs */
  int mfd = open("/", O_RDONLY | O_DIRECTORY);
  if (mfd < 0)
    return -1;
  long r = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY);
  int e = errno;
  close(mfd);
  if (r >= 0)
    close((int)r);
  errno = e;
  return r < 0 ? -1 : 0;
}

static long op_name_to_handle_at(void)
{
  struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
  } h = {128, 0, {0}};
  int mount_id;
  return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h, &mount_id, 0);
}

static long op_bpf(void)
{
  char attr[128] = {0}; /* BPF_MAP_CREATE of map type 0: EINVAL if allowed */
  return syscall(SYS_bpf, 0, attr, sizeof(attr));
}

static long op_perf_event_open(void)
{
  uint32_t attr[32] = {0};
  attr[0] = 1;            /* PERF_TYPE_SOFTWARE */
  attr[1] = sizeof(attr); /* size */
  /* config (u64 at offset 8) = 0: PERF_COUNT_SW_CPU_CLOCK */
  long fd = syscall(SYS_perf_event_open, attr, 0, -1, -1, 0UL);
  if (fd >= 0)
    close((int)fd);
  return fd < 0 ? -1 : 0;
}

static long op_userfaultfd(void)
{
  long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
  if (fd >= 0)
    close((int)fd);
  return fd < 0 ? -1 : 0;
}

static long op_io_uring(void)
{
#ifdef SYS_io_uring_setup
  uint32_t params[30] = {0};
  long fd = syscall(SYS_io_uring_setup, 1, params);
  if (fd >= 0)
    close((int)fd);
  return fd < 0 ? -1 : 0;
#else
  errno = ENOSYS;
  return -1;
#endif
}

static long op_syslog(void) { return syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0); }
static long op_kcmp(void) { return syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0); }
static long op_vsock(void)
{
  int fd = socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);
  if (fd >= 0)
    close(fd);
  return fd < 0 ? -1 : 0;
}
/* An i386 program's socket(AF_INET): socketcall(SYS_SOCKET) through int
 * 0x80, its arguments below 4 GiB.  "allowed": a socket came. */
static long op_i386_socket(void)
{
#if defined(__x86_64__)
  unsigned int *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (args == MAP_FAILED)
    return -1;
  args[0] = 2; /* AF_INET */
  args[1] = 1; /* SOCK_STREAM */
  args[2] = 0;
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(102L), "b"(1L), "c"(args) : "memory");
  munmap(args, 4096);
  if (r < 0) {
    errno = (int)-r;
    return -1;
  }
  close((int)r);
  return 0;
#else
  errno = ENOSYS;
  return -1;
#endif
}
static long op_personality(void) { return syscall(SYS_personality, 0x0400000UL) < 0 ? -1 : 0; }

static long op_ptrace(void)
{
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  if (pid < 0)
    return -1;
  long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
  int e = errno;
  if (r == 0) {
    waitpid(pid, NULL, 0);
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  errno = e;
  return r;
}

/* The classic chroot escape (needs CAP_SYS_CHROOT, which docker keeps):
 * chroot into a subdirectory, walk ".." from outside it, chroot ".".
 * "allowed" means ARG (a host path) became reachable. */
static long op_chroot_escape(void)
{
  char dir[64];
  if (arg == NULL) {
    errno = EINVAL;
    return -1;
  }
  if (scratch_dir(dir, sizeof(dir)) == NULL || chroot(dir) < 0)
    return -1;
  for (int i = 0; i < 64; i++)
    if (chdir("..") < 0)
      return -1;
  if (chroot(".") < 0)
    return -1;
  rmdir(dir); /* from the root the walk reached: no scratch dir left behind */
  if (access(arg, F_OK) == 0)
    return 0;
  errno = EPERM; /* not reachable: the walk stopped at the container's root */
  return -1;
}

/* Any fd above 2 that is not ours (the host leaking into the container). */
static long op_host_fds(void)
{
  char link[4096], p[64];
  for (int fd = 3; fd < 1024; fd++) {
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(p, link, sizeof(link) - 1);
    if (n < 0)
      continue;
    link[n] = '\0';
    printf("fd %d -> %s\n", fd, link);
    return 0;
  }
  errno = EPERM;
  return -1;
}

/* CVE-2019-5736: for ARG seconds (default 5), look for a process whose
 * /proc/PID/exe is not the container's own binary (a process of the host
 * joining by exec) and can be read.  "allowed" = one could; the counts say
 * how many such processes were seen at all (unreadable = non-dumpable). */
static long op_watch_exe(void)
{
  char self[4096], p[300], link[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n < 0)
    return -1;
  self[n] = '\0';
  time_t end = time(NULL) + (arg ? atoi(arg) : 5);
  unsigned long seen = 0, readable = 0, scans = 0;
  while (time(NULL) < end) {
    DIR *d = opendir("/proc");
    struct dirent *de;
    scans++;
    while (d && (de = readdir(d))) {
      if (de->d_name[0] < '1' || de->d_name[0] > '9')
        continue;
      snprintf(p, sizeof(p), "/proc/%s/exe", de->d_name);
      n = readlink(p, link, sizeof(link) - 1);
      if (n < 0) {
        if (errno == EACCES || errno == EPERM)
          seen++;
        continue;
      }
      link[n] = '\0';
      if (strcmp(link, self) != 0 && strstr(link, "busybox") == NULL) {
        seen++;
        readable++;
        printf("LEAK pid %s exe %s\n", de->d_name, link);
      }
    }
    if (d)
      closedir(d);
  }
  printf("watch-exe: %lu scans, %lu foreign processes seen, %lu readable\n", scans, seen,
         readable);
  if (readable)
    return 0;
  errno = EPERM;
  return -1;
}

static const struct op {
  const char *name;
  long (*fn)(void);
} ops[] = {
    {"unshare-user", op_unshare_user},   {"unshare-mount", op_unshare_mount},
    {"unshare-net", op_unshare_net},     {"clone-newuser", op_clone_newuser},
    {"clone3", op_clone3},               {"setns", op_setns},
    {"mount", op_mount},                 {"pivot_root", op_pivot_root},
    {"kexec_load", op_kexec_load},       {"kexec_file_load", op_kexec_file_load},
    {"init_module", op_init_module},     {"finit_module", op_finit_module},
    {"delete_module", op_delete_module}, {"reboot", op_reboot},
    {"swapon", op_swapon},               {"keyctl", op_keyctl},
    {"add_key", op_add_key},             {"request_key", op_request_key},
    {"open_by_handle_at", op_open_by_handle_at},
    {"name_to_handle_at", op_name_to_handle_at},
    {"bpf", op_bpf},                     {"perf_event_open", op_perf_event_open},
    {"userfaultfd", op_userfaultfd},     {"io_uring", op_io_uring},
    {"syslog", op_syslog},               {"kcmp", op_kcmp},
    {"vsock", op_vsock},                 {"personality", op_personality},
    {"i386_socket", op_i386_socket},
    {"ptrace", op_ptrace},               {"chroot-escape", op_chroot_escape},
    {"host-fds", op_host_fds},           {"watch-exe", op_watch_exe},
};

/* errnos that mean the operation reached the kernel past its permission
 * check; anything else that is not EPERM/EACCES/ENOSYS also counts. */
static int verdict(const char *name, long r, int e)
{
  if (r >= 0) {
    printf("%s: allowed\n", name);
    return 0;
  }
  if (e == EPERM || e == EACCES || (e == ENOSYS && strcmp(name, "clone3") == 0)) {
    printf("%s: refused: %s (%s)\n", name, strerrorname_np(e), strerror(e));
    return 1;
  }
  if (e == ENOSYS) {
    printf("%s: not available: %s\n", name, strerror(e));
    return 3;
  }
  printf("%s: allowed (the kernel then said %s)\n", name, strerrorname_np(e));
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: escape OP [ARG]\nops:");
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
      fprintf(stderr, " %s", ops[i].name);
    fprintf(stderr, "\n");
    return 2;
  }
  arg = argc == 3 ? argv[2] : NULL;
  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
    if (strcmp(argv[1], ops[i].name) != 0)
      continue;
    errno = 0;
    long r = ops[i].fn();
    int rc = verdict(ops[i].name, r, errno);
    fflush(stdout);
    return rc;
  }
  fprintf(stderr, "escape: unknown op %s\n", argv[1]);
  return 2;
}
