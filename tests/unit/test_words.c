#include <string.h>

#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "cocin/words.h"
#include "tap.h"

static char *split_join(const char *line)
{
  cleanup_strv char **w = NULL;
  cocin_error_t err = NULL;
  if (cocin_split_words(line, strlen(line), &w, &err) < 0) {
    cocin_error_release(&err);
    return NULL;
  }
  return strv_join(w, "|");
}

static int split_fails(const char *line, size_t len)
{
  cleanup_strv char **w = NULL;
  cleanup_error cocin_error_t err = NULL;
  int r = cocin_split_words(line, len, &w, &err);
  return r < 0 && cocin_error_status(&err) == EINVAL;
}

#define EQ(line, want)                                                                     \
  do {                                                                                     \
    cleanup_free char *got = split_join(line);                                             \
    CHECK(got && !strcmp(got, want), "split [%s] -> [%s] (got [%s])", line, want,          \
          got ? got : "(error)");                                                          \
  } while (0)

int main(void)
{
  EQ("run -d --name web busybox httpd -f", "run|-d|--name|web|busybox|httpd|-f");
  EQ("  a   b\t c\n", "a|b|c");
  EQ("echo 'hello world'", "echo|hello world");
  EQ("echo \"a b\" c", "echo|a b|c");
  EQ("echo a\\ b", "echo|a b");
  EQ("echo \"x\\\"y\"", "echo|x\"y");
  EQ("echo 'it''s'", "echo|its");
  EQ("echo ''", "echo|");
  EQ("echo \"$HOME\"", "echo|$HOME");
  EQ("a'b'\"c\"d", "abcd");
  EQ("", "");
  CHECK(split_fails("echo 'unbalanced", 16), "unbalanced single quote fails");
  CHECK(split_fails("echo \"unbalanced", 16), "unbalanced double quote fails");
  CHECK(split_fails("echo \\", 6), "trailing backslash fails");
  CHECK(split_fails("echo a\0b", 8), "NUL byte fails");
  return tap_done();
}
