/*
 * Triggers that keep embeddings next to the photos they come from.
 *
 *   face_embed_trigger(image_column, embedding_column [, on_no_face [, on_undecodable]])
 *       BEFORE INSERT OR UPDATE FOR EACH ROW: fills embedding_column with
 *       face_embed(image_column).  on_no_face: 'null' (default) stores NULL,
 *       'error' raises an ERROR, 'skip' drops the row.  on_undecodable, for
 *       a photo in an unsupported format, damaged or over the pixel limit:
 *       'error' (default) raises the decoder's ERROR, 'null' stores NULL,
 *       'skip' drops the row, both with a NOTICE naming the row and the
 *       decoder's message.  An UPDATE recomputes only when the image changed
 *       (to NULL: the embedding becomes NULL); an INSERT without an image
 *       keeps the embedding it was given.
 *   face_extract_trigger(image_column, target_table [, key_column [, on_undecodable]])
 *       AFTER INSERT FOR EACH ROW: one row per detected face in target_table,
 *       whose columns are (source, face, box, score, embedding); source gets
 *       key_column (default 'id') of the photo row.  on_undecodable as
 *       above, except that an AFTER trigger cannot change or drop the photo
 *       row: 'null' and 'skip' both keep it and write no faces.  An unqualified
 *       target_table is looked up in the photo table's schema, never through
 *       the inserting session's search_path, so no session can redirect the
 *       faces (to a temporary table of the same name, say); a temporary
 *       target is refused unless the photo table is temporary too.
 *   face_embed_queue_trigger(image_column, embedding_column [, key_column])
 *       BEFORE INSERT OR UPDATE FOR EACH ROW: where face_embed_trigger would
 *       embed, clears embedding_column and queues the row's key_column
 *       (default 'id') in face_embed_queue instead; the background workers
 *       (embed_worker.c) fill the embedding in later.  The job is inserted
 *       as the queue's owner, since the inserting role may not write the
 *       queue; it names only the table, this trigger and the key, so the
 *       worker takes the columns from the trigger, never from the job.
 *   face_embed_queue_drop_trigger()
 *       sql_drop event trigger: a dropped table takes its jobs along (a
 *       dangling regclass would be dumped as a bare OID, which a restore
 *       could attach to another table).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "embed_queue.h"
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

Oid
openface_embedding_type(Oid nsp)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("face_embedding"),
						   ObjectIdGetDatum(nsp));
}

static Oid
embedding_type(FunctionCallInfo fcinfo)
{
	return openface_embedding_type(extension_schema(fcinfo));
}

/* What a row written under an embedding trigger needs. */
typedef enum
{
	PHOTO_KEEP,					/* nothing: keep the row's embedding */
	PHOTO_CLEAR,				/* the photo became NULL: so does the embedding */
	PHOTO_EMBED					/* a new photo to embed */
} photo_action;

/*
 * An UPDATE needs a new embedding only when the image bytes changed (NULL
 * or byte-equal is no change); an INSERT without an image keeps whatever
 * embedding it was given.
 */
static photo_action
photo_action_of(TriggerData *td, int imgcol, Datum *img)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	bool		isnull;

	*img = heap_getattr(tuple, imgcol, desc, &isnull);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		bool		oldnull;
		Datum		old = heap_getattr(td->tg_trigtuple, imgcol, desc, &oldnull);

		if (isnull == oldnull &&
			(isnull || datumIsEqual(PointerGetDatum(PG_DETOAST_DATUM_PACKED(old)),
									PointerGetDatum(PG_DETOAST_DATUM_PACKED(*img)), false, -1)))
			return PHOTO_KEEP;
	}
	if (isnull)
		return TRIGGER_FIRED_BY_INSERT(td->tg_event) ? PHOTO_KEEP : PHOTO_CLEAR;
	return PHOTO_EMBED;
}

static void
check_before_insert_or_update(TriggerData *td, const char *name)
{
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be a BEFORE INSERT OR UPDATE trigger", name)));
}

/* tuple with column col set to e (NULL when e is) */
static HeapTuple
with_embedding(Relation rel, HeapTuple tuple, int col, FaceEmbedding *e)
{
	Datum		value = PointerGetDatum(e);
	bool		isnull = (e == NULL);

	return heap_modify_tuple_by_cols(tuple, RelationGetDescr(rel), 1, &col, &value, &isnull);
}

/* What a trigger does with a photo it cannot use: its 'null', 'error' or 'skip' argument. */
typedef enum
{
	POLICY_NULL,
	POLICY_ERROR,
	POLICY_SKIP
} photo_policy;

static photo_policy
policy_arg(const char *trigger, const char *what, const char *arg)
{
	if (strcmp(arg, "null") == 0)
		return POLICY_NULL;
	if (strcmp(arg, "error") == 0)
		return POLICY_ERROR;
	if (strcmp(arg, "skip") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: unknown %s policy \"%s\"", trigger, what, arg),
				 errhint("Use 'null', 'error' or 'skip'.")));
	return POLICY_SKIP;
}

/*
 * The row for a message: its primary key as a unique violation shows it,
 * when the table has one and the user may read it, else its ctid (none yet
 * for a row a BEFORE INSERT trigger sees).
 */
static char *
row_identity(Relation rel, HeapTuple tuple, ItemPointer ctid)
{
	Oid			pk = RelationGetPrimaryKeyIndex(rel);

	if (OidIsValid(pk))
	{
		Relation	idx = index_open(pk, AccessShareLock);
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];
		char	   *desc;

		for (int i = 0; i < idx->rd_index->indnkeyatts; i++)
			values[i] = heap_getattr(tuple, idx->rd_index->indkey.values[i], RelationGetDescr(rel),
									 &isnull[i]);
		desc = BuildIndexValueDescription(idx, values, isnull);
		index_close(idx, AccessShareLock);
		if (desc != NULL)
			return psprintf("row %s", desc);
	}
	if (ctid != NULL && ItemPointerIsValid(ctid))
		return psprintf("row (%u,%u)", ItemPointerGetBlockNumber(ctid), ItemPointerGetOffsetNumber(ctid));
	return pstrdup("the new row");
}

PG_FUNCTION_INFO_V1(face_embed_trigger);
Datum
face_embed_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "face_embed_trigger", 2, 4);
	char	  **args = td->tg_trigger->tgargs;
	int			nargs = td->tg_trigger->tgnargs;
	Relation	rel = td->tg_relation;
	bool		update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	tuple = update ? td->tg_newtuple : td->tg_trigtuple;
	photo_policy on_no_face,
				on_undecodable;
	int			imgcol,
				embcol;
	Datum		img;
	FaceEmbedding *e = NULL;
	of_error	derr = {0};

	check_before_insert_or_update(td, "face_embed_trigger");
	on_no_face = policy_arg("face_embed_trigger", "no-face", nargs > 2 ? args[2] : "null");
	on_undecodable = policy_arg("face_embed_trigger", "undecodable-photo", nargs > 3 ? args[3] : "error");
	imgcol = column_of_type(rel, args[0], BYTEAOID, "face_embed_trigger");
	embcol = column_of_type(rel, args[1], embedding_type(fcinfo), "face_embed_trigger");

	switch (photo_action_of(td, imgcol, &img))
	{
		case PHOTO_KEEP:
			return PointerGetDatum(tuple);
		case PHOTO_CLEAR:
			break;
		case PHOTO_EMBED:
			e = openface_embed_photo(DatumGetByteaPP(img), on_undecodable == POLICY_ERROR ? NULL : &derr);
			if (derr.code != OF_OK)
			{
				ereport(NOTICE,
						(errmsg("face_embed_trigger: %s %s: could not decode the photo in column \"%s\": %s",
								on_undecodable == POLICY_SKIP ? "skipped" : "no embedding for",
								row_identity(rel, tuple, update ? &td->tg_trigtuple->t_self : NULL),
								args[0], derr.msg)));
				if (on_undecodable == POLICY_SKIP)
					return PointerGetDatum(NULL);
				break;
			}
			if (e == NULL && on_no_face == POLICY_ERROR)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("face_embed_trigger: no face found in column \"%s\" of the new row", args[0]),
						 errhint("Use the 'null' or 'skip' policy to accept photos without faces.")));
			if (e == NULL && on_no_face == POLICY_SKIP)
				return PointerGetDatum(NULL);
			break;
	}
	return PointerGetDatum(with_embedding(rel, tuple, embcol, e));
}

/*
 * Key types whose text form reads back to the same value whatever the
 * session's settings (DateStyle, extra_float_digits ...): the worker parses
 * the key the trigger printed, in another session.
 */
static bool
stable_key_type(Oid type)
{
	switch (getBaseType(type))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case TEXTOID:
		case VARCHAROID:
		case UUIDOID:
			return true;
		default:
			return false;
	}
}

void
openface_queue_columns(Relation rel, const Trigger *trigger, Oid embedding_type, queue_columns *cols)
{
	char	  **args = trigger->tgargs;
	const char *keyname = trigger->tgnargs > 2 ? args[2] : QUEUE_DEFAULT_KEY;
	TupleDesc	desc = RelationGetDescr(rel);
	Form_pg_attribute key;

	if (trigger->tgnargs < 2 || trigger->tgnargs > 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s() takes 2 to 3 arguments, not %d", QUEUE_TRIGGER, trigger->tgnargs),
				 errhint("See the trigger's documentation in the openface README.")));
	cols->image = column_of_type(rel, args[0], BYTEAOID, QUEUE_TRIGGER);
	cols->embedding = column_of_type(rel, args[1], embedding_type, QUEUE_TRIGGER);
	cols->key = SPI_fnumber(desc, keyname);
	if (cols->key <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s: key column \"%s\" of table \"%s\" does not exist",
						QUEUE_TRIGGER, keyname, RelationGetRelationName(rel)),
				 errhint("The third argument names a column that identifies the row (default \"%s\").",
						 QUEUE_DEFAULT_KEY)));
	key = TupleDescAttr(desc, cols->key - 1);
	if (!stable_key_type(key->atttypid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: key column \"%s\" has type %s", QUEUE_TRIGGER, keyname,
						format_type_be(key->atttypid)),
				 errhint("The key must be a smallint, integer, bigint, text, varchar or uuid column.")));
	/* a domain's checks are the owner's code: reading the key back must not run them */
	cols->key_typmod = key->atttypmod;
	cols->key_type = getBaseTypeAndTypmod(key->atttypid, &cols->key_typmod);
}

/* The key's text form (stable_key_type: the same in every session). */
static char *
key_text(HeapTuple tuple, TupleDesc desc, const queue_columns *cols)
{
	bool		isnull;
	Datum		key = heap_getattr(tuple, cols->key, desc, &isnull);
	Oid			output;
	bool		varlena;

	if (isnull)
		return NULL;
	getTypeOutputInfo(cols->key_type, &output, &varlena);
	return OidOutputFunctionCall(output, key);
}

PG_FUNCTION_INFO_V1(face_embed_queue_trigger);
Datum
face_embed_queue_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, QUEUE_TRIGGER, 2, 3);
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	tuple = update ? td->tg_newtuple : td->tg_trigtuple;
	queue_columns cols;
	openface_table q;
	photo_action action;
	bool		photo_changed;
	Datum		img;
	char	   *key;
	Oid			types[3] = {OIDOID, TEXTOID, TEXTOID};
	Datum		values[3];
	int			rc;

	check_before_insert_or_update(td, QUEUE_TRIGGER);
	openface_queue_columns(rel, td->tg_trigger, embedding_type(fcinfo), &cols);
	action = photo_action_of(td, cols.image, &img);
	photo_changed = action != PHOTO_KEEP;
	key = key_text(tuple, desc, &cols);

	/* A new key with the same photo: the job queued under the old key finds no row. */
	if (action == PHOTO_KEEP && update && key != NULL &&
		!heap_attisnull(tuple, cols.image, desc))
	{
		char	   *oldkey = key_text(td->tg_trigtuple, desc, &cols);

		if (oldkey == NULL || strcmp(oldkey, key) != 0)
			action = PHOTO_EMBED;
	}
	if (action == PHOTO_KEEP)
		return PointerGetDatum(tuple);
	if (action == PHOTO_EMBED)
	{
		if (key == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("%s: key column \"%s\" of the new row is NULL", QUEUE_TRIGGER,
							NameStr(TupleDescAttr(desc, cols.key - 1)->attname)),
					 errhint("The background worker finds the row by its key: give every row one.")));
		if (!openface_find_table(extension_schema(fcinfo), QUEUE_TABLE, &q))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("openface queue table \"%s\" is missing", QUEUE_TABLE),
					 errhint("ALTER EXTENSION openface UPDATE brings it.")));
		values[0] = ObjectIdGetDatum(RelationGetRelid(rel));
		values[1] = CStringGetTextDatum(td->tg_trigger->tgname);
		values[2] = CStringGetTextDatum(key);
		SPI_connect();
		rc = openface_spi_as_owner(q.owner,
								   psprintf("INSERT INTO %s (source, trigger_name, row_key) "
											"VALUES ($1, $2, $3)", q.qualified),
								   3, types, values, NULL, false);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "%s: queueing the row failed: %s", QUEUE_TRIGGER, SPI_result_code_string(rc));
		SPI_finish();
		openface_embed_wake_at_commit();
	}
	/* The row's embedding belongs to the old photo (or was given with the new one). */
	if (photo_changed)
		tuple = with_embedding(rel, tuple, cols.embedding, NULL);
	return PointerGetDatum(tuple);
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
	TriggerData *td = trigger_data(fcinfo, "face_extract_trigger", 2, 4);
	char	  **args = td->tg_trigger->tgargs;
	Relation	rel = td->tg_relation;
	const char *keyname = td->tg_trigger->tgnargs > 2 ? args[2] : "id";
	photo_policy on_undecodable;
	of_error	derr = {0};
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
	on_undecodable = policy_arg("face_extract_trigger", "undecodable-photo",
								td->tg_trigger->tgnargs > 3 ? args[3] : "error");
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
	nfaces = openface_face_rows(DatumGetByteaPP(photo), &rows, &rownulls,
								on_undecodable == POLICY_ERROR ? NULL : &derr);
	if (derr.code != OF_OK)
		ereport(NOTICE,
				(errmsg("face_extract_trigger: no faces for %s: could not decode the photo in column \"%s\": %s",
						row_identity(rel, td->tg_trigtuple, &td->tg_trigtuple->t_self), args[0], derr.msg)));
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

PG_FUNCTION_INFO_V1(face_embed_queue_drop_trigger);
Datum
face_embed_queue_drop_trigger(PG_FUNCTION_ARGS)
{
	openface_table q;
	int			rc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("face_embed_queue_drop_trigger must be called as an event trigger")));
	/* DROP EXTENSION: the queue is already gone */
	if (!openface_find_table(extension_schema(fcinfo), QUEUE_TABLE, &q))
		PG_RETURN_VOID();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = openface_spi_as_owner(q.owner,
							   psprintf("DELETE FROM %s q USING pg_catalog.pg_event_trigger_dropped_objects() d "
										"WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid "
										"AND d.objsubid OPERATOR(pg_catalog.=) 0 "
										"AND q.source::pg_catalog.oid OPERATOR(pg_catalog.=) d.objid",
										q.qualified),
							   0, NULL, NULL, NULL, false);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "removing the queued jobs of dropped tables failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	PG_RETURN_VOID();
}
