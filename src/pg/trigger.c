/*
 * Triggers that keep embeddings next to the photos they come from.
 *
 *   face_embed_trigger(image_column, embedding_column [, on_no_face])
 *       BEFORE INSERT OR UPDATE FOR EACH ROW: fills embedding_column with
 *       face_embed(image_column).  on_no_face: 'null' (default) stores NULL,
 *       'error' raises an ERROR, 'skip' drops the row.  An UPDATE recomputes
 *       only when the image changed (to NULL: the embedding becomes NULL); an
 *       INSERT without an image keeps the embedding it was given.
 *   face_extract_trigger(image_column, target_table [, key_column])
 *       AFTER INSERT FOR EACH ROW: one row per detected face in target_table,
 *       whose columns are (source, face, box, score, embedding); source gets
 *       key_column (default 'id') of the photo row.  An unqualified
 *       target_table is looked up in the photo table's schema, never through
 *       the inserting session's search_path, so no session can redirect the
 *       faces (to a temporary table of the same name, say); a temporary
 *       target is refused unless the photo table is temporary too.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "embedding.h"
#include "openface.h"

static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *name, int minargs, int maxargs)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be called as a trigger", name)));
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be a FOR EACH ROW trigger", name)));
	if (td->tg_trigger->tgnargs < minargs || td->tg_trigger->tgnargs > maxargs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s() takes %d to %d arguments, not %d", name, minargs, maxargs,
						td->tg_trigger->tgnargs),
				 errhint("See the trigger's documentation in the openface README.")));
	return td;
}

/* Attribute number of column, which must exist and have type typid. */
static int
column_of_type(Relation rel, const char *column, Oid typid, const char *trigger)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), column);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s: column \"%s\" of table \"%s\" does not exist",
						trigger, column, RelationGetRelationName(rel))));
	if (SPI_gettypeid(RelationGetDescr(rel), attnum) != typid)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: column \"%s\" has type %s, not %s",
						trigger, column, format_type_be(SPI_gettypeid(RelationGetDescr(rel), attnum)),
						format_type_be(typid))));
	return attnum;
}

/* The extension's schema: the one this trigger function lives in. */
static Oid
extension_schema(FunctionCallInfo fcinfo)
{
	return get_func_namespace(fcinfo->flinfo->fn_oid);
}

static Oid
embedding_type(FunctionCallInfo fcinfo)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("face_embedding"),
						   ObjectIdGetDatum(extension_schema(fcinfo)));
}

PG_FUNCTION_INFO_V1(face_embed_trigger);
Datum
face_embed_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "face_embed_trigger", 2, 3);
	char	  **args = td->tg_trigger->tgargs;
	Relation	rel = td->tg_relation;
	const char *policy = td->tg_trigger->tgnargs > 2 ? args[2] : "null";
	HeapTuple	tuple;
	int			imgcol,
				embcol;
	bool		isnull;
	Datum		img;
	FaceEmbedding *e = NULL;
	Datum		newval;
	bool		newnull;

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("face_embed_trigger() must be a BEFORE INSERT OR UPDATE trigger")));
	if (strcmp(policy, "null") != 0 && strcmp(policy, "error") != 0 && strcmp(policy, "skip") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face_embed_trigger: unknown no-face policy \"%s\"", policy),
				 errhint("Use 'null', 'error' or 'skip'.")));
	imgcol = column_of_type(rel, args[0], BYTEAOID, "face_embed_trigger");
	embcol = column_of_type(rel, args[1], embedding_type(fcinfo), "face_embed_trigger");

	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	img = heap_getattr(tuple, imgcol, RelationGetDescr(rel), &isnull);

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		bool		oldnull;
		Datum		old = heap_getattr(td->tg_trigtuple, imgcol, RelationGetDescr(rel), &oldnull);

		/* Same image (NULL or byte-equal): keep whatever embedding the row has. */
		if (isnull == oldnull &&
			(isnull || datumIsEqual(PointerGetDatum(PG_DETOAST_DATUM_PACKED(old)),
									PointerGetDatum(PG_DETOAST_DATUM_PACKED(img)), false, -1)))
			return PointerGetDatum(tuple);
	}

	/* No photo on INSERT: keep whatever embedding the row was given. */
	if (isnull && TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return PointerGetDatum(tuple);
	if (!isnull)
	{
		e = openface_embed_photo(DatumGetByteaPP(img));
		if (e == NULL && policy[0] == 'e')
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("face_embed_trigger: no face found in column \"%s\" of the new row", args[0]),
					 errhint("Use the 'null' or 'skip' policy to accept photos without faces.")));
		if (e == NULL && policy[0] == 's')
			return PointerGetDatum(NULL);
	}
	newval = PointerGetDatum(e);
	newnull = (e == NULL);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, RelationGetDescr(rel), 1, &embcol,
													 &newval, &newnull));
}

/*
 * The target table of face_extract_trigger on rel: name as written in the
 * trigger's arguments, unqualified names in rel's own schema.
 */
static Oid
extract_target(Relation rel, const char *name)
{
	RangeVar   *rv = makeRangeVarFromNameList(stringToQualifiedNameList(name));
	Oid			target;

	if (rv->schemaname == NULL)
		rv->schemaname = get_namespace_name(RelationGetNamespace(rel));
	target = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(target))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("face_extract_trigger: target table %s does not exist",
						quote_qualified_identifier(rv->schemaname, rv->relname)),
				 errhint("An unqualified target is looked up in the schema of table \"%s\"; "
						 "schema-qualify it in CREATE TRIGGER to use another schema.",
						 RelationGetRelationName(rel))));
	if (isAnyTempNamespace(get_rel_namespace(target)) &&
		rel->rd_rel->relpersistence != RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face_extract_trigger: target table %s is temporary, but table \"%s\" is not",
						quote_qualified_identifier(rv->schemaname, rv->relname),
						RelationGetRelationName(rel)),
				 errhint("Faces of a permanent table's photos go to a permanent table.")));
	return target;
}

/* the target's columns: source, then face_embed_all's */
#define EXTRACT_COLUMNS (1 + FACE_ROW_COLUMNS)

PG_FUNCTION_INFO_V1(face_extract_trigger);
Datum
face_extract_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "face_extract_trigger", 2, 3);
	char	  **args = td->tg_trigger->tgargs;
	Relation	rel = td->tg_relation;
	const char *keyname = td->tg_trigger->tgnargs > 2 ? args[2] : "id";
	TupleDesc	desc = RelationGetDescr(rel);
	int			imgcol,
				keycol;
	Oid			target;
	char	   *sql;
	Datum		key,
				photo;
	bool		keynull,
				isnull;
	Datum	   *rows;
	bool	   *rownulls;
	int			nfaces;
	Oid			types[EXTRACT_COLUMNS];
	SPIPlanPtr	plan;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("face_extract_trigger() must be an AFTER INSERT trigger")));
	imgcol = column_of_type(rel, args[0], BYTEAOID, "face_extract_trigger");
	keycol = SPI_fnumber(desc, keyname);
	if (keycol <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("face_extract_trigger: key column \"%s\" of table \"%s\" does not exist",
						keyname, RelationGetRelationName(rel))));
	target = extract_target(rel, args[1]);

	key = heap_getattr(td->tg_trigtuple, keycol, desc, &keynull);
	photo = heap_getattr(td->tg_trigtuple, imgcol, desc, &isnull);
	if (isnull)
		return PointerGetDatum(NULL);
	nfaces = openface_face_rows(DatumGetByteaPP(photo), &rows, &rownulls);
	if (nfaces == 0)
		return PointerGetDatum(NULL);
	types[0] = SPI_gettypeid(desc, keycol);
	types[1] = INT4OID;
	types[2] = INT4ARRAYOID;
	types[3] = FLOAT4OID;
	types[4] = embedding_type(fcinfo);

	/*
	 * The INSERT runs with the rights of the role whose INSERT fired the
	 * trigger (a trigger function is not SECURITY DEFINER), under its
	 * search_path: the statement names the target schema-qualified and uses
	 * no operator or function.
	 */
	sql = psprintf("INSERT INTO %s (source, face, box, score, embedding) VALUES ($1, $2, $3, $4, $5)",
				   quote_qualified_identifier(get_namespace_name(get_rel_namespace(target)),
											  get_rel_name(target)));
	SPI_connect();
	plan = SPI_prepare(sql, EXTRACT_COLUMNS, types);
	if (plan == NULL)
		elog(ERROR, "face_extract_trigger: could not prepare \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	for (int i = 0; i < nfaces; i++)
	{
		Datum		values[EXTRACT_COLUMNS];
		char		nulls[EXTRACT_COLUMNS];

		values[0] = key;
		nulls[0] = keynull ? 'n' : ' ';
		for (int c = 0; c < FACE_ROW_COLUMNS; c++)
		{
			values[1 + c] = rows[FACE_ROW_COLUMNS * i + c];
			nulls[1 + c] = rownulls[FACE_ROW_COLUMNS * i + c] ? 'n' : ' ';
		}
		if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "face_extract_trigger: INSERT into %s failed", args[1]);
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
