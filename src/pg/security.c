/*
 * Statements openface runs with rights the caller does not have.
 *
 * The SVM functions keep their models in a table only the extension owner
 * may read or write (models hold training embeddings: biometric data), so
 * they read and write it as that owner; the embed queue's trigger and
 * workers likewise write face_embed_queue as that owner, and the workers
 * do each job as the owner of the job's table (embed_worker.c).  Every such
 * statement goes through openface_spi_as_owner(), which
 *   - switches to the owner with SECURITY_RESTRICTED_OPERATION (no SET ROLE,
 *     no temporary objects, as PostgreSQL does for maintenance commands);
 *   - runs under search_path = pg_catalog, pg_temp in a GUC nest level of
 *     its own, so nothing the caller put on their search_path is found, and
 *     no setting changed inside (by a table's trigger, say) outlives it;
 *   - expects SQL that names every relation, function, type and operator
 *     schema-qualified (OPERATOR(pg_catalog.=)), as a second wall.
 * An ERROR inside leaves the cleanup to (sub)transaction abort, which
 * restores both the user id and the GUC nest level.
 *
 * The callers, and why each needs it, are listed in the README's "Security
 * model" section; everything else in openface runs with the caller's rights.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "openface.h"

#define OWNER_SEARCH_PATH "pg_catalog, pg_temp"

int
openface_spi_as_owner(Oid owner, const char *sql, int nargs, Oid *argtypes,
					  Datum *values, const char *nulls, bool read_only)
{
	Oid			save_user;
	int			save_sec;
	int			nestlevel;
	int			rc;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", OWNER_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, read_only, 0);
	/* as ANALYZE does: not even a session-level SET made inside outlives the statement */
	AtEOXact_GUC(false, nestlevel);
	SetUserIdAndSecContext(save_user, save_sec);
	return rc;
}

bool
openface_find_table(Oid nsp, const char *name, openface_table *t)
{
	HeapTuple	tup;

	t->relid = get_relname_relid(name, nsp);
	if (!OidIsValid(t->relid))
		return false;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(t->relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", t->relid);
	t->owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	t->qualified = quote_qualified_identifier(get_namespace_name(nsp), name);
	return true;
}
