/*
 * openface: module entry point.  Feature files register their own GUCs
 * through the *_init functions called here.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
}
