/* bare — the floor for container start-up: clone into new namespaces,
 * bind the rootfs, pivot_root, mount /proc, exec.  No state, no monitor,
 * no overlay, no /dev.  Usage: bare ROOTFS CMD [ARG...] */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char **args;
static const char *rootfs;

static int child(void *arg)
{
  (void)arg;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
      mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(rootfs) < 0 ||
      syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0 ||
      mount("proc", "/proc", "proc", 0, NULL) < 0) {
    perror("bare: setup");
    return 1;
  }
  execvp(args[0], args);
  perror("bare: exec");
  return 127;
}

int main(int argc, char **argv)
{
  static char stack[64 * 1024];
  if (argc < 3) {
    fprintf(stderr, "usage: bare ROOTFS CMD...\n");
    return 2;
  }
  rootfs = argv[1];
  args = argv + 2;
  pid_t pid = clone(child, stack + sizeof(stack),
                    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                        SIGCHLD,
                    NULL);
  if (pid < 0)
    return perror("clone"), 1;
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
