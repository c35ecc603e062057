/* cocin images, import */
#include <stdio.h>

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
