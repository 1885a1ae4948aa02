dnl RCAPFS_CC_WARNINGS: probe each warning flag, add the ones the compiler
dnl accepts to WARN_CFLAGS; --enable-werror turns warnings into errors.
AC_DEFUN([RCAPFS_CC_WARNINGS], [
	AC_ARG_ENABLE([werror],
		[AS_HELP_STRING([--enable-werror], [treat warnings as errors])],
		[], [enable_werror=no])
	WARN_CFLAGS=""
	for flag in -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
		-Wmissing-declarations -Wshadow -Wvla -Wformat=2 -Wwrite-strings \
		-Wpointer-arith -Wno-unused-parameter \
		-Werror=implicit-function-declaration -Werror=return-type \
		-fno-common; do
		AX_SAVE_CFLAGS="$CFLAGS"
		CFLAGS="$CFLAGS -Werror $flag"
		AC_MSG_CHECKING([whether $CC accepts $flag])
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
			[AC_MSG_RESULT([yes]); WARN_CFLAGS="$WARN_CFLAGS $flag"],
			[AC_MSG_RESULT([no])])
		CFLAGS="$AX_SAVE_CFLAGS"
	done
	AS_IF([test "x$enable_werror" = xyes], [WARN_CFLAGS="$WARN_CFLAGS -Werror"])
	AC_SUBST([WARN_CFLAGS])
])
