/* cocin system df, system prune, info, version: docker's views of the
 * whole state store and of the host */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "cocin-config.h"
#include "cocin/cgroup.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

/* One look at every container's record: how many, in which state, what
 * their layers hold, and the images and volumes they use. */
struct census {
  size_t total, running, paused, stopped;
  uint64_t size, idle_size; /* their layers; of those not running */
  char **images, **volumes; /* used by one at least */
};

static void census_free(struct census *c)
{
  strv_free(c->images);
  strv_free(c->volumes);
}

static int take_census(const char *root, struct census *c, cocin_error_t *err)
{
  *c = (struct census){0};
  c->images = xmalloc0(sizeof(char *));
  c->volumes = xmalloc0(sizeof(char *));
  cleanup_strv char **names = NULL;
  if (cocin_state_list(root, &names, err) < 0)
    return -1;
  for (char **n = names; *n; n++) {
    cJSON *cfg = NULL;
    if (cocin_state_load(root, *n, &cfg, NULL) < 0)
      continue; /* gone meanwhile */
    struct cocin_info info;
    cocin_info_from_json(cfg, &info);
    const char *image = cj_str(cfg, "image");
    if (image && !strv_contains(c->images, image))
      strv_append(&c->images, image);
    cleanup_strv char **vols = cocin_record_volumes(cfg, false);
    for (char **v = vols; *v; v++)
      if (!strv_contains(c->volumes, *v))
        strv_append(&c->volumes, *v);
    bool idle = cli_container_idle(cfg, &info); /* (what container prune removes) */
    cJSON_Delete(cfg);
    cleanup_free char *upper = cocin_container_file(root, *n, "upper");
    uint64_t size = cocin_dir_size(upper);
    c->total++;
    c->size += size;
    c->idle_size += idle ? size : 0;
    if (info.state == COCIN_STATE_RUNNING) {
      c->running++;
      c->paused += info.paused;
    } else {
      c->stopped++; /* (created ones too, as docker counts them) */
    }
  }
  return 0;
}

static void df_row(const char *type, size_t total, size_t active, uint64_t size,
                   uint64_t reclaimable)
{
  char s[32], r[32];
  cli_human_size(size, s, sizeof(s));
  cli_human_size(reclaimable, r, sizeof(r));
  cleanup_free char *rec =
      xasprintf("%s (%d%%)", r, size ? (int)(reclaimable * 100 / size) : 0);
  printf("%-15s %-9zu %-9zu %-9s %s\n", type, total, active, s, rec);
}

int cli_prune_images(const char *root, uint64_t *freed, bool *any)
{
  cleanup_error cocin_error_t err = NULL;
  struct census c;
  cleanup_strv char **images = NULL;
  int rc = 0;
  if (take_census(root, &c, &err) < 0 || cocin_image_list(root, &images, &err) < 0) {
    census_free(&c);
    return cli_error(&err);
  }
  bool said = false;
  for (char **n = images; *n; n++) {
    if (strv_contains(c.images, *n))
      continue;
    struct cocin_image_info info;
    uint64_t size = cocin_image_info(root, *n, &info, NULL) == 0 ? info.size : 0;
    /* (rmi without -f: one a run took meanwhile is refused, and left) */
    if (cocin_image_remove(root, *n, false, &err) < 0) {
      if (cocin_error_status(&err) == EBUSY || cocin_error_status(&err) == ENOENT)
        cocin_error_release(&err);
      else
        rc = cli_error(&err);
      continue;
    }
    if (!said)
      printf("%sDeleted Images:\n", *any ? "\n" : "");
    puts(*n);
    said = *any = true;
    *freed += size;
  }
  census_free(&c);
  return rc;
}

/* system df: docker's TYPE TOTAL ACTIVE SIZE RECLAIMABLE */
static int system_df(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{0, NULL, OPT_NONE, 0}};
  int i = cli_flags("system df", t, argc, argv, NULL);
  if (i < 0)
    return 1;
  if (i < argc)
    return cli_fail("system df: takes no arguments: %s", argv[i]);
  cleanup_error cocin_error_t err = NULL;
  struct census c;
  if (take_census(root, &c, &err) < 0) {
    census_free(&c);
    return cli_error(&err);
  }
  cleanup_strv char **images = NULL, **volumes = NULL;
  if (cocin_image_list(root, &images, &err) < 0 || cocin_volume_list(root, &volumes, &err) < 0) {
    census_free(&c);
    return cli_error(&err);
  }
  size_t active_images = 0, active_volumes = 0;
  uint64_t isize = 0, ireclaim = 0, vsize = 0, vreclaim = 0;
  for (char **n = images; *n; n++) {
    struct cocin_image_info info;
    uint64_t size = cocin_image_info(root, *n, &info, NULL) == 0 ? info.size : 0;
    bool used = strv_contains(c.images, *n);
    active_images += used;
    isize += size;
    ireclaim += used ? 0 : size;
  }
  for (char **n = volumes; *n; n++) {
    struct cocin_volume_info info;
    uint64_t size = 0;
    if (cocin_volume_info(root, *n, &info, NULL) == 0) {
      size = cocin_dir_size(info.mountpoint);
      cocin_volume_info_free(&info);
    }
    bool used = strv_contains(c.volumes, *n);
    active_volumes += used;
    vsize += size;
    vreclaim += used ? 0 : size;
  }
  printf("%-15s %-9s %-9s %-9s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
  df_row("Images", strv_len(images), active_images, isize, ireclaim);
  df_row("Containers", c.total, c.running, c.size, c.idle_size);
  df_row("Local Volumes", strv_len(volumes), active_volumes, vsize, vreclaim);
  census_free(&c);
  return 0;
}

/* system prune [-a] [--volumes] [-f]: the containers that do not run;
 * with -a the images no container uses; with --volumes the anonymous
 * volumes no container uses (docker 23's rules; cocin has no networks,
 * no dangling images, no build cache) */
static int system_prune(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'a', "all", OPT_NONE, 0},
                                       {0, "volumes", OPT_NONE, 1},
                                       {'f', "force", OPT_NONE, 2},
                                       {0, NULL, OPT_NONE, 0}};
  const char *vals[3] = {NULL, NULL, NULL};
  int i = cli_flags("system prune", t, argc, argv, vals);
  if (i < 0)
    return 1;
  if (i < argc)
    return cli_fail("system prune: takes no arguments: %s", argv[i]);
  bool all = vals[0], volumes = vals[1];
  if (!vals[2]) {
    cleanup_free char *warning =
        xasprintf("WARNING! This will remove:\n  - all stopped containers%s%s",
                  all ? "\n  - all images without at least one container associated to them" : "",
                  volumes ? "\n  - all anonymous volumes not used by at least one container" : "");
    if (!cli_confirm(warning))
      return 0; /* docker's answer to anything but yes: nothing done */
  }
  uint64_t freed = 0;
  bool any = false;
  int rc = cli_prune_containers(root, &freed, &any);
  if (all && cli_prune_images(root, &freed, &any) != 0)
    rc = 1;
  if (volumes && cli_prune_volumes(root, false, &freed, &any) != 0)
    rc = 1;
  cli_print_reclaimed(freed, any);
  return rc;
}

int cmd_system(const char *root, int argc, char **argv)
{
  if (argc < 1)
    return cli_fail("system: give a command: df or prune");
  if (!strcmp(argv[0], "df"))
    return system_df(root, argc - 1, argv + 1);
  if (!strcmp(argv[0], "prune"))
    return system_prune(root, argc - 1, argv + 1);
  return cli_fail("system: unknown command \"%s\" (df, prune)", argv[0]);
}

/* "Debian GNU/Linux 12 (bookworm)": os-release's PRETTY_NAME */
static char *os_name(void)
{
  cleanup_free char *text = NULL;
  if (read_all_file("/etc/os-release", &text, NULL, NULL) < 0 &&
      read_all_file("/usr/lib/os-release", &text, NULL, NULL) < 0)
    return xstrdup("unknown");
  for (char *l = text, *next; l && *l; l = next) {
    next = strchr(l, '\n');
    if (next)
      *next++ = '\0';
    if (strncmp(l, "PRETTY_NAME=", 12))
      continue;
    char *v = l + 12;
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
      v[n - 1] = '\0';
      v++;
    }
    return xstrdup(v);
  }
  return xstrdup("unknown");
}

/* info's facts, under docker's keys (info -f '{{.ContainersRunning}}') */
static cJSON *info_json(const char *root, cocin_error_t *err)
{
  struct census c;
  if (take_census(root, &c, err) < 0) {
    census_free(&c);
    return NULL;
  }
  cleanup_strv char **images = NULL, **volumes = NULL;
  if (cocin_image_list(root, &images, err) < 0 || cocin_volume_list(root, &volumes, err) < 0) {
    census_free(&c);
    return NULL;
  }
  cJSON *j = cJSON_CreateObject();
  cJSON_AddNumberToObject(j, "Containers", (double)c.total);
  cJSON_AddNumberToObject(j, "ContainersRunning", (double)(c.running - c.paused));
  cJSON_AddNumberToObject(j, "ContainersPaused", (double)c.paused);
  cJSON_AddNumberToObject(j, "ContainersStopped", (double)c.stopped);
  cJSON_AddNumberToObject(j, "Images", (double)strv_len(images));
  cJSON_AddNumberToObject(j, "Volumes", (double)strv_len(volumes));
  census_free(&c);
  cJSON_AddStringToObject(j, "ServerVersion", COCIN_VERSION);
  cJSON_AddStringToObject(j, "RootDir", root);
  enum cocin_cgroup_mode mode;
  cocin_error_t cerr = NULL;
  const char *cg = cocin_cgroup_detect(NULL, &mode, &cerr) < 0 ? "none"
                   : mode == COCIN_CGROUP_UNIFIED             ? "2"
                   : mode == COCIN_CGROUP_HYBRID               ? "1 (hybrid)"
                                                               : "1";
  cocin_error_release(&cerr);
  cJSON_AddStringToObject(j, "CgroupVersion", cg);
  struct utsname u;
  bool un = uname(&u) == 0;
  cJSON_AddStringToObject(j, "KernelVersion", un ? u.release : "unknown");
  cleanup_free char *os = os_name();
  cJSON_AddStringToObject(j, "OperatingSystem", os);
  cJSON_AddStringToObject(j, "Architecture", un ? u.machine : "unknown");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  cJSON_AddNumberToObject(j, "NCPU", (double)(cpus > 0 ? cpus : 0));
  cJSON_AddNumberToObject(j, "MemTotal", pages > 0 && page > 0 ? (double)pages * (double)page : 0);
  cJSON *sec = cJSON_AddArrayToObject(j, "SecurityOptions");
  cJSON_AddItemToArray(sec, cJSON_CreateString("name=seccomp,profile=builtin"));
  return j;
}

/* info [-f FORMAT]: docker's summary of the store and the host */
int cmd_info(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'f', "format", OPT_REQUIRED, 0},
                                       {0, NULL, OPT_NONE, 0}};
  const char *format = NULL;
  int i = cli_flags("info", t, argc, argv, &format);
  if (i < 0)
    return 1;
  if (i < argc)
    return cli_fail("info: takes no arguments: %s", argv[i]);
  if (format && cli_json_format("info", "docker's info keys: .Containers, .Images, ...", format,
                                NULL, NULL) != 0)
    return 1;
  cleanup_error cocin_error_t err = NULL;
  cJSON *j = info_json(root, &err);
  if (j == NULL)
    return cli_error(&err);
  if (format) {
    cli_json_format("info", "", format, j, stdout);
    cJSON_Delete(j);
    return 0;
  }
  char mem[32];
  cli_human_size((uint64_t)cJSON_GetObjectItem(j, "MemTotal")->valuedouble, mem, sizeof(mem));
  printf("Containers: %d\n Running: %d\n Paused: %d\n Stopped: %d\n",
         (int)cJSON_GetObjectItem(j, "Containers")->valuedouble,
         (int)cJSON_GetObjectItem(j, "ContainersRunning")->valuedouble,
         (int)cJSON_GetObjectItem(j, "ContainersPaused")->valuedouble,
         (int)cJSON_GetObjectItem(j, "ContainersStopped")->valuedouble);
  printf("Images: %d\nVolumes: %d\nServer Version: %s\nRoot Dir: %s\nCgroup Version: %s\n",
         (int)cJSON_GetObjectItem(j, "Images")->valuedouble,
         (int)cJSON_GetObjectItem(j, "Volumes")->valuedouble, COCIN_VERSION, root,
         cj_str(j, "CgroupVersion"));
  printf("Security Options:\n seccomp\n  Profile: builtin (docker's default)\n");
  printf("Kernel Version: %s\nOperating System: %s\nArchitecture: %s\nCPUs: %d\nTotal Memory: "
         "%s\n",
         cj_str(j, "KernelVersion"), cj_str(j, "OperatingSystem"), cj_str(j, "Architecture"),
         (int)cJSON_GetObjectItem(j, "NCPU")->valuedouble, mem);
  cJSON_Delete(j);
  return 0;
}

/* version: cocin's, and what it runs on */
int cmd_version(const char *root, int argc, char **argv)
{
  (void)root;
  static const struct cocin_opt t[] = {{0, NULL, OPT_NONE, 0}};
  int i = cli_flags("version", t, argc, argv, NULL);
  if (i < 0)
    return 1;
  if (i < argc)
    return cli_fail("version: takes no arguments: %s", argv[i]);
  struct utsname u;
  bool un = uname(&u) == 0;
  printf("cocin version %s\n Kernel: %s\n OS/Arch: linux/%s\n cJSON: %s\n", COCIN_VERSION,
         un ? u.release : "unknown", un ? u.machine : "unknown", cJSON_Version());
  return 0;
}
