/* cocin volume: docker's create, ls, inspect, rm and prune, over the
 * runtime's local volumes (runtime/volume.c) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

#define VOLUME_KEYS "the keys volume inspect prints: .Name, .Mountpoint, .CreatedAt, ..."

/* volume create [NAME]: without one, an anonymous volume of a random
 * name (docker's); an existing NAME is no error.  Prints the name.
 * --name NAME is docker's older spelling; -d local the only driver. */
static int volume_create(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {
      {0, "name", OPT_REQUIRED, 0}, {'d', "driver", OPT_REQUIRED, 1}, {0, NULL, OPT_NONE, 0}};
  const char *vals[2] = {NULL, NULL};
  int i = cli_flags("volume create", t, argc, argv, vals);
  if (i < 0)
    return 1;
  if (vals[1] && strcmp(vals[1], "local"))
    return cli_fail("volume create: driver \"%s\": cocin has the local driver only", vals[1]);
  if (argc - i + (vals[0] != NULL) > 1)
    return cli_fail("volume create: takes at most one name");
  cleanup_error cocin_error_t err = NULL;
  char id[65];
  const char *name = i < argc ? argv[i] : vals[0];
  if (name == NULL && cocin_random_id(id, &err) < 0)
    return cli_error(&err);
  bool made;
  if (cocin_volume_create(root, name ? name : id, name == NULL, &made, &err) < 0)
    return cli_error(&err);
  printf("%s\n", name ? name : id);
  return 0;
}

/* volume ls's flags: -q, and each -f (all must hold, as docker's) */
struct ls_args {
  bool quiet;
  int dangling;  /* -1: either */
  char **names;  /* name=PART: any of them */
};

static int ls_flag(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  struct ls_args *a = data;
  if (o->id == 0) {
    a->quiet = true;
  } else if (!strcmp(v, "dangling=true") || !strcmp(v, "dangling=1")) {
    a->dangling = 1;
  } else if (!strcmp(v, "dangling=false") || !strcmp(v, "dangling=0")) {
    a->dangling = 0;
  } else if (!strncmp(v, "name=", 5)) {
    strv_append(&a->names, v + 5);
  } else {
    return cocin_fail(err, EINVAL,
                      "volume ls: invalid filter \"%s\": cocin takes dangling=true|false and "
                      "name=PART",
                      v);
  }
  return 0;
}

/* volume ls [-q] [-f dangling=true|false] [-f name=PART]... */
static int volume_ls(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {
      {'q', "quiet", OPT_NONE, 0}, {'f', "filter", OPT_REQUIRED, 1}, {0, NULL, OPT_NONE, 0}};
  struct ls_args a = {false, -1, xmalloc0(sizeof(char *))};
  cleanup_strv char **parts = NULL;
  int i = 0;
  cleanup_error cocin_error_t err = NULL;
  int r = cocin_opts_parse_mixed(t, argc, argv, &i, ls_flag, &a, "volume ls", &err);
  parts = a.names;
  if (r < 0)
    return cli_error(&err);
  if (i < argc)
    return cli_fail("volume ls: takes no names: %s", argv[i]);
  cleanup_strv char **names = NULL;
  if (cocin_volume_list(root, &names, &err) < 0)
    return cli_error(&err);
  if (!a.quiet)
    printf("%-8s  %s\n", "DRIVER", "VOLUME NAME");
  for (char **n = names; *n; n++) {
    bool match = parts[0] == NULL;
    for (char **p = parts; *p && !match; p++)
      match = strstr(*n, *p) != NULL;
    if (!match)
      continue;
    int dangling = a.dangling;
    if (dangling >= 0) {
      cleanup_strv char **users = NULL;
      if (cocin_volume_users(root, *n, &users, &err) < 0)
        return cli_error(&err);
      if ((users[0] == NULL) != (dangling == 1))
        continue;
    }
    if (a.quiet)
      printf("%s\n", *n);
    else
      printf("%-8s  %s\n", "local", *n);
  }
  return 0;
}

/* docker's volume inspect object */
static cJSON *volume_json(const struct cocin_volume_info *v)
{
  cJSON *j = cJSON_CreateObject();
  if (v->created)
    cJSON_AddStringToObject(j, "CreatedAt", v->created);
  else
    cJSON_AddNullToObject(j, "CreatedAt");
  cJSON_AddStringToObject(j, "Driver", "local");
  if (v->anonymous) /* docker's mark of one */
    cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "Labels"), "com.docker.volume.anonymous",
                            "");
  else
    cJSON_AddNullToObject(j, "Labels");
  cJSON_AddStringToObject(j, "Mountpoint", v->mountpoint);
  cJSON_AddStringToObject(j, "Name", v->name);
  cJSON_AddNullToObject(j, "Options");
  cJSON_AddStringToObject(j, "Scope", "local");
  return j;
}

/* volume inspect [-f FORMAT] NAME...: docker's array, or the template for
 * each */
static int volume_inspect(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'f', "format", OPT_REQUIRED, 0},
                                       {0, NULL, OPT_NONE, 0}};
  const char *format = NULL;
  int i = cli_flags("volume inspect", t, argc, argv, &format);
  if (i < 0)
    return 1;
  if (i == argc)
    return cli_fail("volume inspect: requires at least one volume name");
  if (format && cli_json_format("volume inspect", VOLUME_KEYS, format, NULL, NULL) != 0)
    return 1;
  int rc = 0;
  cJSON *all = cJSON_CreateArray();
  for (; i < argc; i++) {
    cleanup_error cocin_error_t err = NULL;
    struct cocin_volume_info v;
    if (cocin_volume_info(root, argv[i], &v, &err) < 0) {
      rc = cli_error(&err);
      continue;
    }
    cJSON *j = volume_json(&v);
    cocin_volume_info_free(&v);
    if (format) {
      cli_json_format("volume inspect", VOLUME_KEYS, format, j, stdout);
      cJSON_Delete(j);
    } else {
      cJSON_AddItemToArray(all, j);
    }
  }
  if (!format) { /* (docker prints [] too, when none was found) */
    cleanup_free char *text = cJSON_Print(all);
    printf("%s\n", text);
  }
  cJSON_Delete(all);
  return rc;
}

/* volume rm [-f] NAME...: -f, no error for one that is not there */
static int volume_rm(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'f', "force", OPT_NONE, 0}, {0, NULL, OPT_NONE, 0}};
  const char *force = NULL;
  int i = cli_flags("volume rm", t, argc, argv, &force);
  if (i < 0)
    return 1;
  if (i == argc)
    return cli_fail("volume rm: requires at least one volume name");
  int rc = 0;
  for (; i < argc; i++) {
    cleanup_error cocin_error_t err = NULL;
    if (cocin_volume_remove(root, argv[i], &err) == 0)
      printf("%s\n", argv[i]);
    else if (!(force && cocin_error_status(&err) == ENOENT))
      rc = cli_error(&err);
  }
  return rc;
}

/* volume prune [-a] [-f]: the volumes no container uses, anonymous ones
 * only unless -a (docker 23's rule), after a yes unless -f */
static int volume_prune(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {
      {'a', "all", OPT_NONE, 0}, {'f', "force", OPT_NONE, 1}, {0, NULL, OPT_NONE, 0}};
  const char *vals[2] = {NULL, NULL};
  int i = cli_flags("volume prune", t, argc, argv, vals);
  if (i < 0)
    return 1;
  if (i < argc)
    return cli_fail("volume prune: takes no names: %s", argv[i]);
  if (!vals[1] && !cli_confirm(vals[0] ? "WARNING! This will remove all local volumes not used "
                                           "by at least one container."
                                         : "WARNING! This will remove anonymous local volumes not "
                                           "used by at least one container."))
    return 0; /* docker's answer to anything but yes: nothing done */
  uint64_t freed = 0;
  bool any = false;
  int rc = cli_prune_volumes(root, vals[0] != NULL, &freed, &any);
  cli_print_reclaimed(freed, any);
  return rc;
}

int cli_prune_volumes(const char *root, bool all, uint64_t *freed, bool *any)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **gone = NULL;
  uint64_t vfreed = 0;
  int rc = 0;
  /* (what was removed before a failure is said too) */
  if (cocin_volume_prune(root, all, &gone, &vfreed, &err) < 0)
    rc = cli_error(&err);
  if (gone && gone[0])
    printf("%sDeleted Volumes:\n", *any ? "\n" : "");
  for (char **n = gone; n && *n; n++)
    puts(*n);
  *any = *any || (gone && gone[0]);
  *freed += vfreed;
  return rc;
}

int cmd_volume(const char *root, int argc, char **argv)
{
  static const struct {
    const char *name;
    int (*fn)(const char *root, int argc, char **argv);
  } subs[] = {{"create", volume_create}, {"ls", volume_ls},      {"list", volume_ls},
              {"inspect", volume_inspect}, {"rm", volume_rm},    {"remove", volume_rm},
              {"prune", volume_prune}};
  if (argc < 1)
    return cli_fail("volume: give a command: create, ls, inspect, rm or prune");
  for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
    if (!strcmp(argv[0], subs[i].name))
      return subs[i].fn(root, argc - 1, argv + 1);
  return cli_fail("volume: unknown command \"%s\" (create, ls, inspect, rm, prune)", argv[0]);
}
