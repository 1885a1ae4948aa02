dnl RCAPFS_CHECK_OS: choose the compat backend file from $host_os.
AC_DEFUN([RCAPFS_CHECK_OS], [
	AC_REQUIRE([AC_CANONICAL_HOST])
	AS_CASE([$host_os],
		[linux*], [rcapfs_os=linux],
		[rcapfs_os=stub])
	AM_CONDITIONAL([HOST_LINUX], [test "x$rcapfs_os" = xlinux])
	AC_SUBST([rcapfs_os])
])
