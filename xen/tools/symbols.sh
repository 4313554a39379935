#!/bin/sh
# Turn `nm -n` output (or nothing) into an assembler file holding the text
# symbol table used by the stack-trace printer: sorted addresses, then offsets
# into a string blob. Reads the nm listing from the file named by $1 ("-" for stdin).
set -e
in=$1
[ "$in" = "-" ] && in=/dev/stdin
tmp=$(mktemp)
grep -E '^[0-9a-f]+ [tT] ' "$in" | grep -v -E ' \.L' > "$tmp" || true
echo '    .section .xensyms, "a"'
echo '    .balign 8'
echo '    .globl symbols_count, symbols_addr, symbols_name_off, symbols_names'
echo 'symbols_count:'
echo "    .quad $(wc -l < "$tmp")"
echo 'symbols_addr:'
awk '{ print "    .quad 0x" $1 }' "$tmp"
echo 'symbols_name_off:'
awk 'BEGIN { off = 0 } { print "    .long " off; off += length($3) + 1 }' "$tmp"
echo 'symbols_names:'
awk '{ print "    .asciz \"" $3 "\"" }' "$tmp"
rm -f "$tmp"
