/* cocin — split a command line into words the way a POSIX shell does for
 * quoting (single quotes, double quotes, backslash), with no expansion and
 * no shell.  Used by the ctl and exec files. */
#ifndef COCIN_WORDS_H
#define COCIN_WORDS_H

#include <stddef.h>

#include "error.h"

/* Splits line[0..len).  NUL bytes, unbalanced quotes and a trailing
 * backslash are EINVAL.  *out is NULL-terminated; an empty line gives {NULL}. */
int cocin_split_words(const char *line, size_t len, char ***out, cocin_error_t *err);

#endif
