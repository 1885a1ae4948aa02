dnl RCAPFS_CHECK_OS: choose the one compat backend to build, from
dnl --with-backend=linux|stub, by default from $host_os (linux on Linux,
dnl the stub elsewhere). The stub builds anywhere; Linux's only for Linux.
AC_DEFUN([RCAPFS_CHECK_OS], [
	AC_REQUIRE([AC_CANONICAL_HOST])
	AC_ARG_WITH([backend],
		[AS_HELP_STRING([--with-backend=linux|stub],
			[the OS backend to build (default: this host's)])],
		[], [with_backend=auto])
	AS_CASE([$host_os],
		[linux*], [rcapfs_host_backend=linux],
		[rcapfs_host_backend=stub])
	AS_CASE([$with_backend],
		[auto|yes], [rcapfs_backend=$rcapfs_host_backend],
		[stub], [rcapfs_backend=stub],
		[linux], [AS_IF([test "x$rcapfs_host_backend" = xlinux],
			[rcapfs_backend=linux],
			[AC_MSG_ERROR([the linux backend builds for Linux only, not $host_os])])],
		[AC_MSG_ERROR([unknown backend "$with_backend": linux or stub])])
	AC_MSG_CHECKING([the OS backend])
	AC_MSG_RESULT([$rcapfs_backend])
	AM_CONDITIONAL([BACKEND_LINUX], [test "x$rcapfs_backend" = xlinux])
	AC_SUBST([rcapfs_backend])
])
