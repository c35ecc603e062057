/* cocin — shell-like word splitting with no shell (see words.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "cocin/words.h"

int cocin_split_words(const char *line, size_t len, char ***out, cocin_error_t *err)
{
  cleanup_strv char **words = xmalloc0(sizeof(char *));
  cleanup_free char *cur = xmalloc0(len + 1);
  size_t n = 0;
  bool in_word = false;
  size_t i = 0;

  if (memchr(line, '\0', len))
    return cocin_fail(err, EINVAL, "command line contains a NUL byte");
  while (i < len) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) {
        cur[n] = '\0';
        strv_append(&words, cur);
        n = 0;
        in_word = false;
      }
      i++;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 >= len)
        return cocin_fail(err, EINVAL, "trailing backslash");
      if (line[i + 1] != '\n') /* backslash-newline joins lines */
        cur[n++] = line[i + 1];
      i += 2;
    } else if (c == '\'') {
      const char *end = memchr(line + i + 1, '\'', len - i - 1);
      if (end == NULL)
        return cocin_fail(err, EINVAL, "unbalanced single quote");
      size_t l = (size_t)(end - (line + i + 1));
      memcpy(cur + n, line + i + 1, l);
      n += l;
      i += l + 2;
    } else if (c == '"') {
      i++;
      for (;;) {
        if (i >= len)
          return cocin_fail(err, EINVAL, "unbalanced double quote");
        if (line[i] == '"') {
          i++;
          break;
        }
        if (line[i] == '\\' && i + 1 < len &&
            strchr("\\\"$`\n", line[i + 1]) != NULL) {
          if (line[i + 1] != '\n')
            cur[n++] = line[i + 1];
          i += 2;
          continue;
        }
        cur[n++] = line[i++];
      }
    } else {
      cur[n++] = c;
      i++;
    }
  }
  if (in_word) {
    cur[n] = '\0';
    strv_append(&words, cur);
  }
  *out = steal_ptr(words);
  return 0;
}
