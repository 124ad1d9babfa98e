#include "common.h"

#include <stdarg.h>
#include <stdio.h>

static of_cancel_fn cancel_hook;

of_status
of_fail(of_error *err, of_status code, const char *fmt,...)
{
	if (err)
	{
		va_list		ap;

		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *
of_status_name(of_status code)
{
	switch (code)
	{
		case OF_OK:
			return "ok";
		case OF_ENOMEM:
			return "out of memory";
		case OF_EINVAL:
			return "invalid argument";
		case OF_EFORMAT:
			return "unsupported format";
		case OF_ECORRUPT:
			return "corrupt data";
		case OF_ELIMIT:
			return "limit exceeded";
		case OF_ECANCELED:
			return "canceled";
		case OF_EIO:
			return "i/o error";
	}
	return "unknown error";
}

void
of_set_cancel_hook(of_cancel_fn fn)
{
	cancel_hook = fn;
}

int
of_cancelled(void)
{
	return cancel_hook != NULL && cancel_hook();
}
