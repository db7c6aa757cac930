#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *progname = "forkecho";
static int use_syslog;

void
diag_use_syslog(void)
{
	/* LOG_NDELAY: connect now, while the process may still open files;
	 * children inherit the connection. */
	openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

void
diag_set_progname(const char *name)
{
	progname = name;
}

const char *
diag_progname(void)
{
	return progname;
}

void
diag_vmsg(int err, const char *fmt, va_list ap)
{
	char line[1024];
	int saved = errno;
	int n, m, start;

	n = snprintf(line, sizeof line, "%s: ", progname);
	start = n;
	/* The analyzer loses track of ap across the callers' va_start. */
	m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	if (m > 0)
		n += m;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	if (err != 0) {
		m = snprintf(line + n, sizeof line - (size_t)n, ": %s",
		    strerror(err));
		if (m > 0)
			n += m;
		if (n > (int)sizeof line - 2)
			n = (int)sizeof line - 2;
	}
	if (use_syslog) {
		line[n] = '\0';
		syslog(err != 0 ? LOG_ERR : LOG_NOTICE, "%s", line + start);
	}
	line[n++] = '\n';
	/* One write per line: atomic on a pipe or terminal up to PIPE_BUF. */
	while (write(STDERR_FILENO, line, (size_t)n) < 0 && errno == EINTR)
		;
	errno = saved;
}

void
diag_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(0, fmt, ap);
	va_end(ap);
}

void
diag_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vmsg(err, fmt, ap);
	va_end(ap);
}
