/* libFuzzer harness for the ctl line parser of cocinfs: bytes go through
 * the per-open-file line buffer (split into several writes, as a shell or
 * a program may do), and every complete line through the words splitter
 * and the verb table of both scopes.  Nothing is run: parsing alone.
 *
 * The first input byte picks the scope and how the rest is cut into
 * writes; the rest is the data written to the file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cocin/cleanup.h"
#include "cocinfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse_line(const char *line, size_t len, void *arg, cocin_error_t *err)
{
  enum fs_scope scope = *(enum fs_scope *)arg;
  struct fs_cmd cmd;
  int r = fs_cmd_parse(scope, scope == FS_SCOPE_CONTAINER ? "web" : NULL, line, len, &cmd, err);
  if (r == 0 && cmd.verb == NULL && cmd.names)
    abort(); /* an empty line parses to nothing */
  if (r < 0 && cocin_error_status(err) == 0)
    abort(); /* every failure carries an errno */
  fs_cmd_free(&cmd);
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  enum fs_scope scope = (data[0] & 1) ? FS_SCOPE_CONTAINER : FS_SCOPE_TOP;
  size_t chunk = (size_t)(data[0] >> 1) + 1; /* 1..128 bytes per write */
  data++;
  size--;
  struct fs_linebuf lb = {0};
  for (size_t off = 0; off < size; off += chunk) {
    size_t n = size - off < chunk ? size - off : chunk;
    cocin_error_t err = NULL;
    fs_line_feed(&lb, (const char *)data + off, n, parse_line, &scope, &err);
    cocin_error_release(&err);
  }
  size_t len = 0;
  char *rest = fs_line_take(&lb, &len);
  if (rest) {
    cocin_error_t err = NULL;
    parse_line(rest, len, &scope, &err);
    cocin_error_release(&err);
    free(rest);
  }
  fs_line_free(&lb);
  return 0;
}
