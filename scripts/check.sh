#!/bin/sh
# `make check`: formatting (clang-format with the checked-in .clang-format) and
# static analysis (cppcheck) over every C file in the tree; any finding fails.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' | grep -v -E '^(test/fixtures|build)/' || true)
fail=0
for f in $files; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "check: $f is not clang-formatted (run: clang-format -i $f)"
        fail=1
    fi
done
# The hypervisor is freestanding: give cppcheck its include paths, not libc's.
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
    --inline-suppr --suppress=missingIncludeSystem --suppress=comparePointers --std=c11 \
    -D__XEN__ -D__x86_64__ -Ixen/include \
    $(git ls-files 'xen/*.c') || fail=1
if [ -n "$(git ls-files 'dom0-tools/*.c')" ]; then
    # shellcheck disable=SC2046
    cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
        --inline-suppr --suppress=missingIncludeSystem --suppress=comparePointers --std=c11 \
        $(git ls-files 'dom0-tools/*.c') || fail=1
fi
[ "$fail" -eq 0 ] && echo "check: clean"
exit "$fail"
