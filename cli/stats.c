/* cocin stats — wired to the cgroup backends (issue 3). */
#include "cli.h"

int cmd_stats(const char *root, int argc, char **argv)
{
  return cli_fail("stats: not available yet: cgroup statistics are not wired in");
}
