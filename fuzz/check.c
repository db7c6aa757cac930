#include "check.h"

#include <stdarg.h>
#include <stdlib.h>

#include "diag.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	diag_set_progname("fuzz");
	va_start(ap, fmt);
	diag_vmsg(0, fmt, ap);
	va_end(ap);
	abort();
}

void
fuzz_expect_message(const char *call, const char *err)
{
	if (err[0] == '\0')
		fuzz_fail("%s failed without a message", call);
}
