dnl RCAPFS_CHECK_M32: whether $CC links 32-bit x86 programs with -m32 (on
dnl Debian: lib32gcc-N-dev, libc6-dev-i386 and linux-libc-dev:i386). If so,
dnl the readers of pagedata and xmap are also built as 32-bit programs, and
dnl tests/integration/procfs32.sh checks that they read the 64-bit daemon's
dnl files as the 64-bit readers do. Sets HAVE_M32.
AC_DEFUN([RCAPFS_CHECK_M32], [
	AC_REQUIRE([AC_CANONICAL_HOST])
	AC_MSG_CHECKING([whether $CC -m32 links 32-bit programs])
	have_m32=no
	AS_CASE([$host_cpu], [x86_64], [
		rcapfs_save_CFLAGS=$CFLAGS
		CFLAGS="$CFLAGS -m32"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
]], [[
_Static_assert(sizeof(void *) == 4, "a 32-bit program");
struct stat st;
return fstat(0, &st) ? errno : printf("%" PRIu64 "\n", (uint64_t)st.st_size);
]])], [have_m32=yes])
		CFLAGS=$rcapfs_save_CFLAGS
	])
	AC_MSG_RESULT([$have_m32])
	AM_CONDITIONAL([HAVE_M32], [test "x$have_m32" = xyes])
])
