#!/bin/sh
# Prints, on one line, the C sources a cross build compiles. Starting from
# ROOT, every X.h a file includes brings in X.c and X_*.c, until nothing new
# comes in. X_win32.c and X_none.c are never taken that way: they are a
# platform's variants and stand-ins, which -w and -m name.
#
#   sources.sh [-c 'CC FLAGS' | -I 'DIRS'] [-w SUFFIX] [-m 'X.c=Y.c ...']... ROOT
#
#   -c 'CC FLAGS'  a source's headers as the compiler sees them (CC FLAGS -MM):
#                  every header, conditional includes resolved
#   -I 'DIRS'      a file's headers from its #include lines, each found in the
#                  first of DIRS that holds it; a header's own includes are
#                  followed in turn (for sources that include nothing
#                  conditionally, and a much faster walk than the compiler's)
#   -w SUFFIX      each X.c taken is X_SUFFIX.c where there is one
#   -m 'X.c=...'   X.h brings in the files listed instead of X.c and X_*.c
set -eu

cc=
dirs=
variant=
maps=
while getopts c:I:w:m: opt; do
	case $opt in
	c) cc=$OPTARG ;;
	I) dirs=$OPTARG ;;
	w) variant=$OPTARG ;;
	m) maps="$maps
$OPTARG" ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: sources.sh [-c CC | -I DIRS] [-w SUFFIX] [-m X.c=Y.c]... ROOT" >&2; exit 2; }

# The headers f includes: paths from the top of the tree.
headers() {
	if [ -n "$cc" ]; then
		case $1 in *.h) return 0 ;; esac # the compiler's list of a source has them all
		# shellcheck disable=SC2086 # cc is a command and its flags
		deps=$($cc -MM "$1")
		for w in $deps; do
			case $w in *.h) echo "$w" ;; esac
		done
		return 0
	fi
	# shellcheck disable=SC2013 # include names hold no spaces
	for i in $(sed -n 's/^#include ["<]\([^">]*\)[">].*/\1/p' "$1"); do
		for d in $dirs; do
			if [ -f "$d/$i" ]; then
				h=$d/$i
				echo "${h#./}"
				break
			fi
		done
	done
}

# The sources X.h brings in.
sources_of() {
	b=${1%.h}
	m=$(printf '%s\n' "$maps" | sed -n "s|^$b\\.c=||p")
	if [ -n "$m" ]; then
		echo "$m"
	else
		echo "$b.c"
		for x in "${b}"_*.c; do
			case $x in *_win32.c | *_none.c) ;; *) [ ! -f "$x" ] || echo "$x" ;; esac
		done
	fi
}

todo=$1
seen=
src=
while [ -n "$todo" ]; do
	# shellcheck disable=SC2086 # todo is a list of paths without spaces
	set -- $todo
	f=$1
	shift
	todo="$*"
	case " $seen " in *" $f "*) continue ;; esac
	seen="$seen $f"
	case $f in *.c) src="$src $f" ;; esac
	hs=$(headers "$f") || exit 1
	for h in $hs; do
		if [ -z "$cc" ]; then
			todo="$todo $h"
		fi
		for x in $(sources_of "$h"); do
			if [ -n "$variant" ] && [ -f "${x%.c}_$variant.c" ]; then
				x=${x%.c}_$variant.c
			fi
			if [ -f "$x" ]; then
				todo="$todo $x"
			fi
		done
	done
done
echo "$src"
