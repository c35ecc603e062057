/* cocin images, import */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"

int cmd_images(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  if (argc > 0)
    return cli_fail("images: unexpected argument \"%s\"", argv[0]);
  /* the embedded default is always available */
  cleanup_free char *rootfs = NULL;
  if (cocin_image_ensure(root, "busybox", &rootfs, &err) < 0)
    return cli_error(&err);
  if (cocin_image_list(root, &names, &err) < 0)
    return cli_error(&err);
  printf("IMAGE\n");
  for (char **n = names; *n; n++)
    printf("%s\n", *n);
  return 0;
}

int cmd_import(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
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
  bool force = false;
  int i = 0;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    if (strcmp(argv[i], "-f") && strcmp(argv[i], "--force"))
      return cli_fail("rmi: unknown flag: %s", argv[i]);
    force = true;
  }
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
