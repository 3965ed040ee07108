#!/bin/sh
# count.sh -o OUT IN...: writes the line count of the inputs into OUT.
[ "$1" = "-o" ] || { echo "count.sh: usage: count.sh -o OUT IN..." >&2; exit 2; }
out=$2
shift 2
cat "$@" | wc -l > "$out"
