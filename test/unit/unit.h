/*
 * A tiny TAP producer for the C unit tests: each test program prints
 * "ok N - name" / "not ok N - name" lines and a plan, so prove(1) and the
 * summary script can count them.
 */
#ifndef OF_UNIT_H
#define OF_UNIT_H

#include <stdarg.h>
#include <stdio.h>

static int	unit_run;
static int	unit_failed;

static inline int unit_ok(int cond, const char *fmt,...) __attribute__((format(printf, 2, 3)));
static inline void unit_diag(const char *fmt,...) __attribute__((format(printf, 1, 2)));

static inline int
unit_ok(int cond, const char *fmt,...)
{
	va_list		ap;

	unit_run++;
	if (!cond)
		unit_failed++;
	printf("%sok %d - ", cond ? "" : "not ", unit_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* Print a diagnostic line (TAP comment). */
static inline void
unit_diag(const char *fmt,...)
{
	va_list		ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Print the plan and return the process exit status. */
static inline int
unit_done(void)
{
	printf("1..%d\n", unit_run);
	return unit_failed ? 1 : 0;
}

#define ok(cond, ...) unit_ok((cond), __VA_ARGS__)

#endif
