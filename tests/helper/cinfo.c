/* cinfo — a tiny static helper placed inside test containers (crun's
 * tests/init idea): prints exact facts from the inside.
 *   cinfo hostname | pid | uid | env | cwd | fds | caps | mounts | cgroup
 *   cinfo exit N | sleep N | trap-term   (sleep ignoring nothing / handling TERM)
 *   cinfo seals PATH   (the memfd seals of the file at PATH, opened read-only) */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int cat(const char *path, const char *prefix)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return perror(path), 1;
  char line[4096];
  while (fgets(line, sizeof(line), f))
    if (!prefix || !strncmp(line, prefix, strlen(prefix)))
      fputs(line, stdout);
  fclose(f);
  return 0;
}

static void on_term(int s)
{
  (void)s;
  _exit(42);
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: cinfo WHAT\n");
    return 2;
  }
  const char *w = argv[1];
  if (!strcmp(w, "hostname")) {
    char h[256];
    gethostname(h, sizeof(h));
    printf("%s\n", h);
  } else if (!strcmp(w, "pid")) {
    printf("%d %d\n", getpid(), getppid());
  } else if (!strcmp(w, "uid")) {
    printf("%d %d\n", getuid(), getgid());
  } else if (!strcmp(w, "env")) {
    for (char **e = environ; *e; e++)
      printf("%s\n", *e);
  } else if (!strcmp(w, "cwd")) {
    char c[4096];
    printf("%s\n", getcwd(c, sizeof(c)) ? c : "?");
  } else if (!strcmp(w, "fds")) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int self = d ? dirfd(d) : -1;
    while (d && (de = readdir(d)))
      if (de->d_name[0] != '.' && atoi(de->d_name) != self)
        printf("%s\n", de->d_name);
    if (d)
      closedir(d);
  } else if (!strcmp(w, "caps")) {
    return cat("/proc/self/status", "Cap") || cat("/proc/self/status", "Seccomp:") ||
           cat("/proc/self/status", "NoNewPrivs");
  } else if (!strcmp(w, "mounts")) {
    return cat("/proc/self/mounts", NULL);
  } else if (!strcmp(w, "cgroup")) {
    return cat("/proc/self/cgroup", NULL);
  } else if (!strcmp(w, "exit") && argc > 2) {
    return atoi(argv[2]);
  } else if (!strcmp(w, "sleep") && argc > 2) {
    sleep((unsigned)atoi(argv[2]));
  } else if (!strcmp(w, "seals") && argc > 2) {
    int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
    int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;
    if (seals < 0)
      return perror(argv[2]), 1;
    printf("%s%s%s%s\n", seals & F_SEAL_SEAL ? "seal " : "", seals & F_SEAL_SHRINK ? "shrink " : "",
           seals & F_SEAL_GROW ? "grow " : "", seals & F_SEAL_WRITE ? "write" : "");
  } else if (!strcmp(w, "trap-term")) {
    signal(SIGTERM, on_term);
    printf("ready\n");
    fflush(stdout);
    for (;;)
      pause();
  } else {
    fprintf(stderr, "cinfo: unknown %s\n", w);
    return 2;
  }
  return 0;
}
