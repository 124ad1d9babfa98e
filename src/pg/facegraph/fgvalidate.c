/*
 * facegraph: amvalidate -- checks an operator class's members.
 */
#include "facegraph/fg.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

bool
fgvalidate(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	Oid			opfamilyoid,
				opcintype;
	char	   *opclassname;
	CatCList   *proclist,
			   *oprlist;
	bool		has_metric = false,
				has_order = false;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	opclassname = NameStr(classform->opcname);

	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));
	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));

	for (int i = 0; i < proclist->n_members; i++)
	{
		Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(&proclist->members[i]->tuple);

		if (procform->amproclefttype != opcintype || procform->amprocrighttype != opcintype)
			continue;
		if (procform->amprocnum != FG_METRIC_PROC)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("facegraph operator class \"%s\" contains function %s with invalid support number %d",
							opclassname, format_procedure(procform->amproc), procform->amprocnum)));
			result = false;
			continue;
		}
		if (!check_amproc_signature(procform->amproc, INT4OID, true, 1, 1, INTERNALOID))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("facegraph operator class \"%s\" contains function %s with wrong signature for support number %d",
							opclassname, format_procedure(procform->amproc), procform->amprocnum)));
			result = false;
			continue;
		}
		has_metric = true;
	}

	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amopstrategy == FG_DISTANCE_STRATEGY)
		{
			if (oprform->amoppurpose != AMOP_ORDER ||
				!check_amop_signature(oprform->amopopr, FLOAT8OID, opcintype, opcintype))
			{
				ereport(INFO,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("facegraph operator class \"%s\": operator %s must be an ORDER BY operator (%s, %s) returning double precision",
								opclassname, format_operator(oprform->amopopr),
								format_type_be(opcintype), format_type_be(opcintype))));
				result = false;
			}
			else
				has_order = true;
		}
		else if (oprform->amopstrategy == FG_SPHERE_STRATEGY)
		{
			if (oprform->amoppurpose != AMOP_SEARCH ||
				oprform->amoplefttype != opcintype ||
				!check_amop_signature(oprform->amopopr, BOOLOID, opcintype, oprform->amoprighttype))
			{
				ereport(INFO,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("facegraph operator class \"%s\": operator %s must be a search operator on %s returning boolean",
								opclassname, format_operator(oprform->amopopr),
								format_type_be(opcintype))));
				result = false;
			}
		}
		else
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("facegraph operator class \"%s\" contains operator %s with invalid strategy number %d",
							opclassname, format_operator(oprform->amopopr), oprform->amopstrategy)));
			result = false;
		}
	}

	if (!has_metric)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("facegraph operator class \"%s\" is missing support function %d",
						opclassname, FG_METRIC_PROC)));
		result = false;
	}
	if (!has_order)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("facegraph operator class \"%s\" is missing its distance operator (strategy %d)",
						opclassname, FG_DISTANCE_STRATEGY)));
		result = false;
	}

	ReleaseCatCacheList(proclist);
	ReleaseCatCacheList(oprlist);
	ReleaseSysCache(classtup);
	return result;
}
