# Shared by the examples: where cocinfs is mounted, and quoting words for
# the ctl files (they split like a shell, with no shell: 'quote' each word).
MNT=${COCIN_MNT:-/cocin}

# ctl_words WORD...: the words, each in single quotes, on one line
ctl_words() {
  local w out=""
  for w in "$@"; do
    out="$out '${w//\'/\'\\\'\'}'"
  done
  printf '%s\n' "${out# }"
}
