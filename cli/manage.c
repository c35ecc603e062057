/* cocin stop, kill, rm: one pass over the names; every failure is one
 * line on stderr and makes the exit status non-zero. */
#include <stdio.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"

int cmd_stop(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  int timeout, rc = 0;
  if (cocin_parse_stop(argc, argv, &timeout, &names, &err) < 0)
    return cli_error(&err);
  for (char **n = names; *n; n++) {
    if (cocin_stop(root, *n, timeout, &err) < 0)
      rc = cli_error(&err);
    else
      printf("%s\n", *n);
  }
  return rc;
}

int cmd_kill(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  int sig, rc = 0;
  if (cocin_parse_kill(argc, argv, &sig, &names, &err) < 0)
    return cli_error(&err);
  for (char **n = names; *n; n++) {
    if (cocin_kill(root, *n, sig, &err) < 0)
      rc = cli_error(&err);
    else
      printf("%s\n", *n);
  }
  return rc;
}

int cmd_rm(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  bool force;
  int rc = 0;
  if (cocin_parse_rm(argc, argv, &force, &names, &err) < 0)
    return cli_error(&err);
  for (char **n = names; *n; n++) {
    if (cocin_rm(root, *n, force, &err) < 0)
      rc = cli_error(&err);
    else
      printf("%s\n", *n);
  }
  return rc;
}
