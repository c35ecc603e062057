/* cocin images, import, rmi, export */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

void cli_human_size(uint64_t n, char *buf, size_t len)
{
  static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = (double)n;
  size_t u = 0;
  while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0]))
    v /= 1000, u++;
  snprintf(buf, len, "%.3g%s", v, units[u]);
}

int cmd_images(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  bool quiet = false;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
      quiet = true;
    else if (argv[i][0] == '-')
      return cli_usage_fail("images: unknown flag: %s", argv[i]);
    else
      return cli_fail("images: unexpected argument \"%s\"", argv[i]);
  }
  /* the embedded default is always available */
  cleanup_free char *rootfs = NULL;
  if (cocin_image_ensure(root, "busybox", &rootfs, &err) < 0)
    return cli_error(&err);
  if (cocin_image_list(root, &names, &err) < 0)
    return cli_error(&err);
  if (quiet) {
    for (char **n = names; *n; n++)
      printf("%s\n", *n);
    return 0;
  }
  /* IMAGE CREATED SIZE, each column as wide as its widest cell */
  size_t n = strv_len(names), w = strlen("IMAGE");
  char (*created)[48] = xmalloc0((n + 1) * sizeof(*created));
  char (*size)[16] = xmalloc0((n + 1) * sizeof(*size));
  size_t wc = strlen("CREATED");
  for (size_t i = 0; i < n; i++) {
    struct cocin_image_info info;
    if (strlen(names[i]) > w)
      w = strlen(names[i]);
    if (cocin_image_info(root, names[i], &info, NULL) < 0) { /* removed meanwhile */
      snprintf(created[i], sizeof(created[i]), "-");
      snprintf(size[i], sizeof(size[i]), "-");
    } else {
      cleanup_free char *ago = info.created < 0 ? NULL : cocin_time_ago(info.created);
      snprintf(created[i], sizeof(created[i]), "%s%s", ago ? ago : "-", ago ? " ago" : "");
      cli_human_size(info.size, size[i], sizeof(size[i]));
    }
    if (strlen(created[i]) > wc)
      wc = strlen(created[i]);
  }
  printf("%-*s  %-*s  %s\n", (int)w, "IMAGE", (int)wc, "CREATED", "SIZE");
  for (size_t i = 0; i < n; i++)
    printf("%-*s  %-*s  %s\n", (int)w, names[i], (int)wc, created[i], size[i]);
  free(created);
  free(size);
  return 0;
}

int cmd_import(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  static const struct cocin_opt none[] = {{0, NULL, OPT_NONE, 0}};
  int pos = cli_flags("import", none, argc, argv, NULL); /* ("-" is standard input) */
  if (pos < 0)
    return 1;
  argc -= pos;
  argv += pos;
  if (argc != 2)
    return cli_fail("import: usage: cocin import TARBALL|- NAME");
  if (cocin_image_import(root, argv[0], argv[1], &err) < 0)
    return cli_error(&err);
  printf("%s\n", argv[1]);
  return 0;
}

/* docker's rmi: refused while a container uses the image (-f: unless it
 * may run); prints each name removed */
int cmd_rmi(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'f', "force", OPT_NONE, 0}, {0, NULL, OPT_NONE, 0}};
  const char *forced = NULL;
  int i = cli_flags("rmi", t, argc, argv, &forced);
  if (i < 0)
    return 1;
  bool force = forced != NULL;
  if (i == argc)
    return cli_fail("rmi: requires at least one image name");
  int rc = 0;
  for (; i < argc; i++) {
    cleanup_error cocin_error_t err = NULL;
    if (cocin_image_remove(root, argv[i], force, &err) < 0)
      rc = cli_error(&err);
    else
      printf("%s\n", argv[i]);
  }
  return rc;
}

/* An unnamed file beside path, for the whole of it to appear at once
 * (put_in_place); O_TMPFILE, or on a file system without it a named one
 * (*named, removed by the caller on failure).  Mode 0666 less the umask. */
static int file_aside(const char *path, char **named)
{
  *named = NULL;
  cleanup_free char *dir = xstrdup(path);
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    strcpy(dir, ".");
  int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
    return fd;
  *named = xasprintf("%s.cocin-XXXXXX", path);
  fd = mkostemp(*named, O_CLOEXEC);
  mode_t mask = umask(0);
  umask(mask);
  if (fd < 0 || fchmod(fd, 0666 & ~mask) < 0) {
    int e = errno;
    if (fd >= 0)
      close(fd), unlink(*named);
    free(*named);
    *named = NULL;
    errno = e;
    return -1;
  }
  return fd;
}

/* fd (from file_aside) at path, replacing what was there */
static int put_in_place(int fd, const char *named, const char *path)
{
  if (named)
    return rename(named, path);
  char self[64], rnd[65];
  snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
  if (cocin_random_id(rnd, NULL) < 0)
    return -1;
  cleanup_free char *tmp = xasprintf("%s.cocin-%.12s", path, rnd);
  if (linkat(AT_FDCWD, self, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0)
    return -1;
  if (rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    errno = e;
    return -1;
  }
  return 0;
}

/* docker's export: the container's root filesystem as a tarball, on
 * standard output (never a terminal) or in FILE (-o: a regular file is
 * written aside and appears whole, so a failure, or an interrupt, leaves
 * FILE as it was; anything else, a FIFO or a device, is written to) */
int cmd_export(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'o', "output", OPT_REQUIRED, 0}, {0, NULL, OPT_NONE, 0}};
  const char *file = NULL;
  int i = cli_flags("export", t, argc, argv, &file);
  if (i < 0)
    return 1;
  if (argc - i != 1)
    return cli_fail("export: requires exactly one container name");
  if (file && !file[0])
    return cli_fail("export: -o needs a file");
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *name = cocin_state_resolve(root, argv[i], &err);
  if (name == NULL)
    return cli_error(&err);
  struct stat st;
  bool direct = !file || (stat(file, &st) == 0 && !S_ISREG(st.st_mode));
  cleanup_free char *named = NULL;
  cleanup_close int fd = !file    ? dup(1)
                         : direct ? open(file, O_WRONLY | O_NOCTTY | O_CLOEXEC)
                                  : file_aside(file, &named);
  if (fd < 0)
    return cli_fail("export: %s: %s", file ? file : "standard output", strerror(errno));
  if (isatty(fd))
    return cli_fail("export: refusing to write a tarball to a terminal: use -o FILE, or "
                    "redirect standard output");
  if (cocin_export(root, name, NULL, fd, &err) < 0) {
    if (named)
      unlink(named);
    return cli_error(&err);
  }
  if (!direct && (fsync(fd) < 0 || put_in_place(fd, named, file) < 0)) {
    int e = errno;
    if (named)
      unlink(named);
    return cli_fail("export: %s: %s", file, strerror(e));
  }
  return 0;
}

/* image inspect [-f FORMAT] NAME...: an array of what is known of each */
static int image_inspect(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'f', "format", OPT_REQUIRED, 0},
                                       {0, NULL, OPT_NONE, 0}};
  const char *format = NULL;
  int i = cli_flags("image inspect", t, argc, argv, &format);
  if (i < 0)
    return 1;
  if (i == argc)
    return cli_fail("image inspect: requires at least one image name");
  static const char keys[] = "the keys image inspect prints: .Name, .Created, .Size, .RootFS";
  if (format && cli_json_format("image inspect", keys, format, NULL, NULL) != 0)
    return 1;
  int rc = 0;
  cJSON *all = cJSON_CreateArray();
  for (; i < argc; i++) {
    cleanup_error cocin_error_t err = NULL;
    cleanup_free char *name = cocin_image_name(argv[i], &err);
    struct cocin_image_info info;
    cleanup_free char *rootfs = name ? xasprintf("%s/images/%s/rootfs", root, name) : NULL;
    if (name == NULL || cocin_image_info(root, name, &info, &err) < 0) {
      if (name && cocin_error_status(&err) == ENOENT) { /* rmi's words */
        cocin_error_release(&err);
        cocin_fail(&err, ENOENT, "no such image: %s", name);
      }
      rc = cli_error(&err);
      continue;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "Name", name);
    cleanup_free char *tag = xasprintf("%s:latest", name);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "RepoTags"), cJSON_CreateString(tag));
    if (info.created >= 0) {
      char when[32];
      time_t tt = (time_t)info.created;
      struct tm tm;
      strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
      cJSON_AddStringToObject(j, "Created", when);
    } else {
      cJSON_AddNullToObject(j, "Created");
    }
    cJSON_AddNumberToObject(j, "Size", (double)info.size);
    cJSON_AddStringToObject(j, "RootFS", rootfs);
    if (format) {
      cli_json_format("image inspect", keys, format, j, stdout);
      cJSON_Delete(j);
    } else {
      cJSON_AddItemToArray(all, j);
    }
  }
  if (!format) {
    cleanup_free char *text = cJSON_Print(all);
    printf("%s\n", text);
  }
  cJSON_Delete(all);
  return rc;
}

/* image prune [-a] [-f]: cocin's images are never dangling (no tags to
 * lose): without -a nothing goes; with -a every image no container uses */
static int image_prune(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {
      {'a', "all", OPT_NONE, 0}, {'f', "force", OPT_NONE, 1}, {0, NULL, OPT_NONE, 0}};
  const char *vals[2] = {NULL, NULL};
  int i = cli_flags("image prune", t, argc, argv, vals);
  if (i < 0)
    return 1;
  if (i < argc)
    return cli_fail("image prune: takes no names: %s", argv[i]);
  if (!vals[1] && !cli_confirm(vals[0] ? "WARNING! This will remove all images without at least "
                                         "one container associated to them."
                                       : "WARNING! This will remove all dangling images."))
    return 0; /* docker's answer to anything but yes: nothing done */
  uint64_t freed = 0;
  bool any = false;
  int rc = vals[0] ? cli_prune_images(root, &freed, &any) : 0;
  cli_print_reclaimed(freed, any);
  return rc;
}

int cmd_image(const char *root, int argc, char **argv)
{
  if (argc < 1)
    return cli_fail("image: give a command: ls, rm, import, inspect or prune");
  const char *sub = argv[0];
  if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
    return cli_run_verb(root, "images", argc - 1, argv + 1);
  if (!strcmp(sub, "rm") || !strcmp(sub, "remove"))
    return cli_run_verb(root, "rmi", argc - 1, argv + 1);
  if (!strcmp(sub, "import"))
    return cli_run_verb(root, "import", argc - 1, argv + 1);
  if (!strcmp(sub, "inspect") && cli_wants_help(argc - 1, argv + 1))
    return puts("Usage: cocin image inspect [-f FORMAT] IMAGE...   name, tag, creation, size, rootfs"), 0;
  if (!strcmp(sub, "inspect"))
    return image_inspect(root, argc - 1, argv + 1);
  if (!strcmp(sub, "prune") && cli_wants_help(argc - 1, argv + 1))
    return puts("Usage: cocin image prune [-a] [-f]   -a: every image no container uses"), 0;
  if (!strcmp(sub, "prune"))
    return image_prune(root, argc - 1, argv + 1);
  return cli_fail("image: unknown command \"%s\" (ls, rm, import, inspect, prune)", sub);
}
