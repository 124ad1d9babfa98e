/*
 * Per-table SVM models: face_svm_train, face_svm_predict, face_svm_scores,
 * face_svm_drop and the sql_drop event trigger that removes a dropped
 * table's model.
 *
 * Storage: one row per table in the extension's configuration table
 * face_svm_model, keyed by a regclass column.  A regclass is stored as an
 * OID, so the model follows ALTER TABLE ... RENAME / SET SCHEMA; pg_dump
 * writes it as the qualified table name, so pg_restore maps it onto the
 * restored table's new OID.  The table is readable and writable only by the
 * extension owner: these functions read and write it as that role through
 * openface_spi_as_owner() (src/pg/security.c: fixed search_path, every name
 * schema-qualified), after checking the caller's rights on the source table
 * (models hold training embeddings, i.e. biometric data).
 *
 * Rights: training requires ownership of the source table (as ANALYZE and
 * CREATE INDEX do, since it replaces derived data everyone else relies on)
 * and reads the rows with the caller's privileges, so column privileges and
 * row-level security apply to what the model learns.  Predicting requires
 * SELECT on the table, or on both of its label and embedding columns, and
 * that the caller see every row the model may have learnt from: a caller
 * whom row-level security limits on the table is refused (the scores and
 * exemplar distances would reveal hidden rows), unless they own the table
 * (an owner can always lift its policies).  Rights are checked before the
 * model is looked up, so a caller without them cannot learn whether a
 * model exists.
 *
 * Cache: deserialised models are kept per backend, keyed by table OID, and
 * revalidated once per statement against the row's model_id, a random
 * 128-bit id drawn at every training: unique for all time, so a model
 * dropped with the extension and a new one trained after can never be
 * mistaken for each other.  Scoring 10k rows loads the model once, and a
 * retrain committed by anyone is seen by the next statement.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/rls.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "embedding.h"
#include "openface.h"
#include "svm/svm.h"

PG_FUNCTION_INFO_V1(face_svm_train);
PG_FUNCTION_INFO_V1(face_svm_predict);
PG_FUNCTION_INFO_V1(face_svm_scores);
PG_FUNCTION_INFO_V1(face_svm_drop);
PG_FUNCTION_INFO_V1(face_svm_drop_trigger);

#define MODEL_TABLE		"face_svm_model"
#define FETCH_ROWS		1000

/*
 * The extension's schema is the schema of the calling function (all of
 * them are created by the extension script), which avoids looking the
 * extension up by name.
 */
static bool
find_model_table(FunctionCallInfo fcinfo, openface_table *mt, bool missing_ok)
{
	if (openface_find_table(get_func_namespace(fcinfo->flinfo->fn_oid), MODEL_TABLE, mt))
		return true;
	if (!missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("openface model table \"%s\" is missing", MODEL_TABLE),
				 errhint("Recreate the extension.")));
	return false;
}

static double
arg_double(FunctionCallInfo fcinfo, int n, double dflt)
{
	return PG_ARGISNULL(n) ? dflt : PG_GETARG_FLOAT8(n);
}

static void
require_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
}

/*
 * A rejection threshold from the caller: NULL keeps dflt; otherwise it must
 * lie in [lo, hi] (NaN never does: it would turn the test off unseen).
 */
static double
threshold_arg(FunctionCallInfo fcinfo, int n, const char *name, double dflt, double lo, double hi)
{
	double		v;

	if (PG_ARGISNULL(n))
		return dflt;
	v = PG_GETARG_FLOAT8(n);
	if (!(v >= lo && v <= hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %g and %g, not %g", name, lo, hi, v),
				 errhint("Pass NULL for the default; Infinity (max_distance), 0 (min_probability) "
						 "or -Infinity (min_margin) turn a test off.")));
	return v;
}

/* A fresh model id: 122 random bits in a version-4 UUID. */
static pg_uuid_t *
new_model_id(void)
{
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

	if (!pg_strong_random(id->data, UUID_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random model id")));
	id->data[6] = (id->data[6] & 0x0f) | 0x40;
	id->data[8] = (id->data[8] & 0x3f) | 0x80;
	return id;
}

/* A column of relid by name: its number, or ERROR. */
static AttrNumber
column_of(Oid relid, const char *col, const char *what)
{
	AttrNumber	att = get_attnum(relid, col);

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist", col, openface_qualified_relname(relid)),
				 errhint("The %s column is named by the %s argument.", what,
						 strcmp(what, "label") == 0 ? "label_column" : "embedding_column")));
	if (att < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("system column \"%s\" cannot be the %s column", col, what)));
	return att;
}

typedef struct train_row
{
	char	   *label;
	int			row;
} train_row;

/* The rows face_svm_train learns from, in its own memory context. */
typedef struct training_set
{
	MemoryContext ctx;
	float	   *x;				/* n x FACE_EMBEDDING_DIM */
	train_row  *rows;
	int64		n;
	int64		cap;
	int64		skipped;		/* rows with a NULL label or embedding */
	int64		label_bytes;
	int		   *y;				/* class of each row */
	char	  **labels;			/* class k's label */
	int			nclass;
} training_set;

#define TRAIN_INITIAL_ROWS 1024

static int
cmp_train_row(const void *a, const void *b)
{
	const train_row *x = a,
			   *y = b;
	int			c = strcmp(x->label, y->label);

	return c != 0 ? c : (x->row > y->row) - (x->row < y->row);
}

/* face_svm_train's arguments 3..7 as training parameters, validated. */
static void
train_params(FunctionCallInfo fcinfo, of_svm_params *params)
{
	of_svm_params_default(params);
	params->C = arg_double(fcinfo, 3, params->C);
	params->thresholds.max_distance = threshold_arg(fcinfo, 4, "max_distance", INFINITY, 0, INFINITY);
	params->thresholds.min_probability = threshold_arg(fcinfo, 5, "min_probability", NAN, 0, 1);
	params->thresholds.min_margin = threshold_arg(fcinfo, 6, "min_margin", NAN, -INFINITY, INFINITY);
	if (!PG_ARGISNULL(7))
		params->max_exemplars = PG_GETARG_INT32(7);
	if (!(params->C > 0) || isinf(params->C))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("c must be positive and finite, got %g", params->C)));
	if (params->max_exemplars < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_exemplars must be >= 0 (0 keeps every training row)")));
}

/*
 * The source must have both columns, the embedding one of type
 * face_embedding, and be owned by the caller: only the owner replaces the
 * model everyone's predictions rely on.
 */
static void
check_train_source(Oid relid, const char *label_col, const char *emb_col, const openface_table *mt)
{
	AttrNumber	emb_att;
	Oid			emb_type;
	Oid			face_type;

	(void) openface_qualified_relname(relid);
	column_of(relid, label_col, "label");
	emb_att = column_of(relid, emb_col, "embedding");
	face_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								CStringGetDatum("face_embedding"),
								ObjectIdGetDatum(get_rel_namespace(mt->relid)));
	emb_type = get_atttype(relid, emb_att);
	if (emb_type != face_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" is of type %s, not face_embedding", emb_col,
						format_type_be(emb_type)),
				 errhint("Cast it, e.g. through a view: embedding::face_embedding.")));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
}

/* Append one row, growing within openface.max_call_memory. */
static void
add_training_row(training_set *ts, const char *label, const FaceEmbedding *e)
{
	if (ts->n == ts->cap)
	{
		ts->cap *= 2;
		openface_check_call_memory((double) ts->cap * (sizeof(float) * FACE_EMBEDDING_DIM +
													   sizeof(train_row) + sizeof(int) +
													   OF_SVM_TRAIN_BYTES(FACE_EMBEDDING_DIM)) +
								   (double) ts->label_bytes * 2, "face_svm_train");
		ts->x = repalloc_huge(ts->x, sizeof(float) * FACE_EMBEDDING_DIM * ts->cap);
		ts->rows = repalloc_huge(ts->rows, sizeof(train_row) * ts->cap);
	}
	memcpy(ts->x + ts->n * FACE_EMBEDDING_DIM, e->x, sizeof(float) * FACE_EMBEDDING_DIM);
	ts->rows[ts->n].label = MemoryContextStrdup(ts->ctx, label);
	ts->label_bytes += strlen(label) + 1;
	ts->rows[ts->n].row = (int) ts->n;
	ts->n++;
	if (ts->n > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows to train an SVM on")));
}

/*
 * Read the rows with the caller's privileges, so grants and row-level
 * security decide what the model learns.
 */
static void
read_training_rows(Oid relid, const char *label_col, const char *emb_col, training_set *ts)
{
	char	   *query;
	SPIPlanPtr	plan;
	Portal		portal;

	ts->cap = TRAIN_INITIAL_ROWS;
	ts->x = MemoryContextAllocHuge(ts->ctx, sizeof(float) * FACE_EMBEDDING_DIM * ts->cap);
	ts->rows = MemoryContextAllocHuge(ts->ctx, sizeof(train_row) * ts->cap);
	query = psprintf("SELECT %s::pg_catalog.text, %s FROM %s",
					 quote_identifier(label_col), quote_identifier(emb_col),
					 openface_qualified_relname(relid));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare(\"%s\") failed: %s", query, SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			bool		lnull,
						enull;
			Datum		ld = SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &lnull);
			Datum		ed = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &enull);

			if (lnull || enull)
				ts->skipped++;
			else
				add_training_row(ts, TextDatumGetCString(ld), DatumGetFaceEmbedding(ed));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	if (ts->skipped > 0)
		ereport(NOTICE,
				(errmsg_plural("skipped " INT64_FORMAT " row with a NULL label or embedding",
							   "skipped " INT64_FORMAT " rows with a NULL label or embedding",
							   ts->skipped, ts->skipped)));
	if (ts->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no rows to train on in %s", openface_qualified_relname(relid)),
				 errhint("Training needs rows with a non-NULL label and embedding visible to you.")));
}

/* Classes in byte order of their labels, so ids are reproducible. */
static void
assign_classes(training_set *ts)
{
	MemoryContext old = MemoryContextSwitchTo(ts->ctx);

	qsort(ts->rows, ts->n, sizeof(train_row), cmp_train_row);
	ts->y = palloc_extended(sizeof(int) * ts->n, MCXT_ALLOC_HUGE);
	ts->labels = palloc(sizeof(char *) * ts->n);
	for (int64 i = 0; i < ts->n; i++)
	{
		if (i == 0 || strcmp(ts->rows[i].label, ts->rows[i - 1].label) != 0)
			ts->labels[ts->nclass++] = ts->rows[i].label;
		ts->y[ts->rows[i].row] = ts->nclass - 1;
	}
	MemoryContextSwitchTo(old);
	if (ts->nclass < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an SVM needs at least 2 distinct labels, found %d (\"%s\")",
						ts->nclass, ts->labels[0]),
				 errhint("Use face_embedding distance for a single identity.")));
}

/* Replace relid's model in one statement: atomic with the transaction. */
static void
store_model(const openface_table *mt, Oid relid, const char *label_col, const char *emb_col,
			const training_set *ts, bytea *blob, double C)
{
	Datum	   *ldat = palloc(sizeof(Datum) * ts->nclass);
	Oid			argtypes[8] = {REGCLASSOID, TEXTOID, TEXTOID, TEXTARRAYOID, BYTEAOID,
	INT8OID, FLOAT8OID, UUIDOID};
	Datum		args[8];
	char	   *query;
	int			rc;

	for (int k = 0; k < ts->nclass; k++)
		ldat[k] = CStringGetTextDatum(ts->labels[k]);
	args[0] = ObjectIdGetDatum(relid);
	args[1] = CStringGetTextDatum(label_col);
	args[2] = CStringGetTextDatum(emb_col);
	args[3] = PointerGetDatum(construct_array(ldat, ts->nclass, TEXTOID, -1, false, TYPALIGN_INT));
	args[4] = PointerGetDatum(blob);
	args[5] = Int64GetDatum(ts->n);
	args[6] = Float8GetDatum(C);
	args[7] = UUIDPGetDatum(new_model_id());
	query = psprintf("INSERT INTO %s AS m (source, label_column, embedding_column, labels, "
					 "model, samples, c, model_id, trained_at) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, pg_catalog.now()) "
					 "ON CONFLICT (source) DO UPDATE SET label_column = EXCLUDED.label_column, "
					 "embedding_column = EXCLUDED.embedding_column, labels = EXCLUDED.labels, "
					 "model = EXCLUDED.model, samples = EXCLUDED.samples, c = EXCLUDED.c, "
					 "model_id = EXCLUDED.model_id, trained_at = EXCLUDED.trained_at",
					 mt->qualified);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = openface_spi_as_owner(mt->owner, query, 8, argtypes, args, NULL, false);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "storing the SVM model failed: %s", SPI_result_code_string(rc));
	SPI_finish();
}

/*
 * face_svm_train(source regclass, label_column text, embedding_column text,
 *                c float8, max_distance float8, min_probability float8,
 *                min_margin float8, max_exemplars int)
 *   -> (classes int, samples bigint, skipped bigint, training_ms float8,
 *       training_accuracy float8)
 */
Datum
face_svm_train(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *label_col,
			   *emb_col;
	openface_table mt;
	of_svm_params params;
	training_set ts = {0};
	of_svm_model *model = NULL;
	of_svm_train_info info;
	of_error	err = {0};
	TimestampTz t0;
	double		train_ms;
	bytea	   *blob;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	require_arg(fcinfo, 0, "source");
	require_arg(fcinfo, 1, "label_column");
	require_arg(fcinfo, 2, "embedding_column");
	relid = PG_GETARG_OID(0);
	label_col = text_to_cstring(PG_GETARG_TEXT_PP(1));
	emb_col = text_to_cstring(PG_GETARG_TEXT_PP(2));
	train_params(fcinfo, &params);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "face_svm_train must return a record");
	find_model_table(fcinfo, &mt, false);
	check_train_source(relid, label_col, emb_col, &mt);

	ts.ctx = AllocSetContextCreate(CurrentMemoryContext, "face_svm_train", ALLOCSET_DEFAULT_SIZES);
	read_training_rows(relid, label_col, emb_col, &ts);
	assign_classes(&ts);

	t0 = GetCurrentTimestamp();
	if (of_svm_train(ts.x, ts.y, (size_t) ts.n, FACE_EMBEDDING_DIM, ts.nclass, &params, &model,
					 &info, &err) != OF_OK)
		openface_report(&err, "could not train the SVM", NULL);
	train_ms = (double) (GetCurrentTimestamp() - t0) / 1000.0;

	/* serialise, then free the core model before anything else can fail */
	blob = palloc(VARHDRSZ + of_svm_serialized_size(model));
	SET_VARSIZE(blob, VARHDRSZ + of_svm_serialized_size(model));
	of_svm_serialize(model, (unsigned char *) VARDATA(blob));
	of_svm_free(model);
	store_model(&mt, relid, label_col, emb_col, &ts, blob, params.C);

	values[0] = Int32GetDatum(ts.nclass);
	values[1] = Int64GetDatum(ts.n);
	values[2] = Int64GetDatum(ts.skipped);
	values[3] = Float8GetDatum(train_ms);
	values[4] = Float8GetDatum(info.training_accuracy);
	MemoryContextDelete(ts.ctx);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/* ---------------------------------------------------------------- cache */

typedef struct model_entry
{
	Oid			relid;			/* hash key */
	bool		loaded;
	pg_uuid_t	model_id;		/* of the loaded model */
	of_svm_model *model;		/* malloc'd by core */
	MemoryContext cxt;			/* labels, column names */
	char	  **labels;
	char	   *label_col;
	char	   *emb_col;
	/* statement the entry was last checked in */
	LocalTransactionId lxid;
	SubTransactionId subxid;
	CommandId	cid;
	Oid			userid;
} model_entry;

static HTAB *model_cache;

static void
entry_reset(model_entry *e)
{
	of_svm_free(e->model);
	e->model = NULL;
	if (e->cxt)
		MemoryContextDelete(e->cxt);
	e->cxt = NULL;
	e->loaded = false;
	e->labels = NULL;
}

/*
 * May the current user predict with the model of relid, trained on columns
 * label_col and emb_col (NULL: no model is stored)?  ERROR if not.  The
 * answer does not depend on whether a model exists.
 */
static void
check_predict_privilege(Oid relid, const char *label_col, const char *emb_col)
{
	Oid			user = GetUserId();
	bool		allowed = pg_class_aclcheck(relid, user, ACL_SELECT) == ACLCHECK_OK;

	if (!allowed && label_col != NULL)
	{
		AttrNumber	la = get_attnum(relid, label_col);
		AttrNumber	ea = get_attnum(relid, emb_col);

		allowed = la != InvalidAttrNumber && ea != InvalidAttrNumber &&
			pg_attribute_aclcheck(relid, la, user, ACL_SELECT) == ACLCHECK_OK &&
			pg_attribute_aclcheck(relid, ea, user, ACL_SELECT) == ACLCHECK_OK;
	}
	if (!allowed)
		aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	if (check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED &&
		!pg_class_ownercheck(relid, user))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("row-level security limits what you can see of %s, but its SVM model "
						"may have learnt from any of its rows", openface_qualified_relname(relid)),
				 errhint("Predicting needs a role that row-level security does not limit on the "
						 "table, or its owner.")));
}

/* Replace e's model with the one stored in row tup of td (columns as read by get_model). */
static void
load_entry(model_entry *e, HeapTuple tup, TupleDesc td, const pg_uuid_t *id, const char *name)
{
	bool		isnull;
	bytea	   *blob = DatumGetByteaPP(SPI_getbinval(tup, td, 3, &isnull));
	ArrayType  *larr = DatumGetArrayTypeP(SPI_getbinval(tup, td, 2, &isnull));
	Datum	   *ldat;
	int			nl;
	of_svm_model *m = NULL;
	of_error	err = {0};
	MemoryContext old;

	entry_reset(e);
	if (of_svm_deserialize((const unsigned char *) VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob),
						   &m, &err) != OF_OK)
		openface_report(&err, "could not load the SVM model", NULL);
	deconstruct_array(larr, TEXTOID, -1, false, TYPALIGN_INT, &ldat, NULL, &nl);
	if (nl != of_svm_nclass(m) || of_svm_dim(m) != FACE_EMBEDDING_DIM)
	{
		of_svm_free(m);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("SVM model of %s does not match its labels", name)));
	}
	e->model = m;
	e->cxt = AllocSetContextCreate(TopMemoryContext, "openface SVM labels",
								   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(e->cxt);
	e->labels = palloc(sizeof(char *) * nl);
	for (int k = 0; k < nl; k++)
		e->labels[k] = TextDatumGetCString(ldat[k]);
	e->label_col = TextDatumGetCString(SPI_getbinval(tup, td, 4, &isnull));
	e->emb_col = TextDatumGetCString(SPI_getbinval(tup, td, 5, &isnull));
	MemoryContextSwitchTo(old);
	e->model_id = *id;
	e->loaded = true;
}

/*
 * The model of relid, (re)loaded when its stored id changed.  Checked once
 * per statement (transaction, subtransaction, command, user); within one
 * the stored row cannot change under us.
 */
static model_entry *
get_model(FunctionCallInfo fcinfo, Oid relid)
{
	model_entry *e;
	bool		found;
	openface_table mt;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	char	   *query;
	int			rc;
	bool		isnull;
	const char *name;
	HeapTuple	tup = NULL;
	TupleDesc	td = NULL;

	if (model_cache == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(model_entry);
		model_cache = hash_create("openface SVM models", 16, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	e = hash_search(model_cache, &relid, HASH_ENTER, &found);
	if (!found)
	{
		e->loaded = false;
		e->model = NULL;
		e->cxt = NULL;
		e->lxid = InvalidLocalTransactionId;
	}
	if (e->loaded && e->lxid == MyProc->lxid && e->subxid == GetCurrentSubTransactionId() &&
		e->cid == GetCurrentCommandId(false) && e->userid == GetUserId())
		return e;

	name = openface_qualified_relname(relid);
	find_model_table(fcinfo, &mt, false);
	args[0] = ObjectIdGetDatum(relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	query = psprintf("SELECT model_id, labels, model, label_column, embedding_column "
					 "FROM %s WHERE source::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
					 mt.qualified);
	rc = openface_spi_as_owner(mt.owner, query, 1, argtypes, args, NULL, true);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the SVM model failed: %s", SPI_result_code_string(rc));
	if (SPI_processed > 0)
	{
		tup = SPI_tuptable->vals[0];
		td = SPI_tuptable->tupdesc;
	}
	check_predict_privilege(relid,
							tup ? TextDatumGetCString(SPI_getbinval(tup, td, 4, &isnull)) : NULL,
							tup ? TextDatumGetCString(SPI_getbinval(tup, td, 5, &isnull)) : NULL);
	if (tup == NULL)
	{
		SPI_finish();
		entry_reset(e);
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no SVM model for %s", name),
				 errhint("Train one with face_svm_train('%s', 'label column').", name)));
	}
	{
		pg_uuid_t  *id = DatumGetUUIDP(SPI_getbinval(tup, td, 1, &isnull));

		if (!e->loaded || memcmp(e->model_id.data, id->data, UUID_LEN) != 0)
			load_entry(e, tup, td, id, name);
	}
	SPI_finish();

	e->lxid = MyProc->lxid;
	e->subxid = GetCurrentSubTransactionId();
	e->cid = GetCurrentCommandId(false);
	e->userid = GetUserId();
	return e;
}

/* Thresholds: the model's, overridden by non-NULL arguments 2..4. */
static of_svm_thresholds
thresholds_from_args(FunctionCallInfo fcinfo, const model_entry *e)
{
	of_svm_thresholds t = of_svm_model_thresholds(e->model);

	t.max_distance = threshold_arg(fcinfo, 2, "max_distance", t.max_distance, 0, INFINITY);
	t.min_probability = threshold_arg(fcinfo, 3, "min_probability", t.min_probability, 0, 1);
	t.min_margin = threshold_arg(fcinfo, 4, "min_margin", t.min_margin, -INFINITY, INFINITY);
	return t;
}

/*
 * face_svm_predict(source regclass, embedding face_embedding,
 *                  max_distance, min_probability, min_margin) -> text
 */
Datum
face_svm_predict(PG_FUNCTION_ARGS)
{
	model_entry *e;
	of_svm_thresholds t;
	of_svm_decision d;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	e = get_model(fcinfo, PG_GETARG_OID(0));
	t = thresholds_from_args(fcinfo, e);
	of_svm_predict(e->model, PG_GETARG_FACE_EMBEDDING(1)->x, &t, &d);
	if (!d.accepted)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(e->labels[d.cls]));
}

typedef struct scored
{
	int			cls;
	double		score;
} scored;

static int
cmp_scored_desc(const void *a, const void *b)
{
	const scored *x = a,
			   *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->cls - y->cls;
}

/*
 * face_svm_scores(source regclass, embedding face_embedding)
 *   -> SETOF (label text, score float8, probability float8, distance float8)
 * best first; distance is to the nearest stored exemplar of that label.
 */
Datum
face_svm_scores(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	model_entry *e;
	const float *x;
	int			K;
	double	   *sc,
			   *pr;
	scored	   *order;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	e = get_model(fcinfo, PG_GETARG_OID(0));
	x = PG_GETARG_FACE_EMBEDDING(1)->x;
	K = of_svm_nclass(e->model);
	sc = palloc(sizeof(double) * K);
	pr = palloc(sizeof(double) * K);
	order = palloc(sizeof(scored) * K);
	of_svm_scores(e->model, x, sc, pr);
	for (int k = 0; k < K; k++)
	{
		order[k].cls = k;
		order[k].score = sc[k];
	}
	qsort(order, K, sizeof(scored), cmp_scored_desc);
	for (int i = 0; i < K; i++)
	{
		int			k = order[i].cls;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(e->labels[k]);
		values[1] = Float8GetDatum(sc[k]);
		values[2] = Float8GetDatum(pr[k]);
		values[3] = Float8GetDatum(of_svm_class_distance(e->model, x, k));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* face_svm_drop(source regclass) -> bool: true if a model was removed. */
Datum
face_svm_drop(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	openface_table mt;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	char	   *query;
	int			rc;
	uint64		n;

	/* a dangling OID (table dropped while event triggers were off) is allowed */
	if (get_rel_name(relid) != NULL && !pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	if (get_rel_name(relid) == NULL && !superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only a superuser can drop the model of a table that no longer exists")));
	find_model_table(fcinfo, &mt, false);
	args[0] = ObjectIdGetDatum(relid);
	query = psprintf("DELETE FROM %s WHERE source::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
					 mt.qualified);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = openface_spi_as_owner(mt.owner, query, 1, argtypes, args, NULL, false);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "dropping the SVM model failed: %s", SPI_result_code_string(rc));
	n = SPI_processed;
	SPI_finish();
	PG_RETURN_BOOL(n > 0);
}

/* sql_drop event trigger: a dropped table or view takes its model along. */
Datum
face_svm_drop_trigger(PG_FUNCTION_ARGS)
{
	openface_table mt;
	char	   *query;
	int			rc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("face_svm_drop_trigger must be called as an event trigger")));
	/* DROP EXTENSION: the model table is already gone */
	if (!find_model_table(fcinfo, &mt, true))
		PG_RETURN_VOID();
	query = psprintf("DELETE FROM %s m USING pg_catalog.pg_event_trigger_dropped_objects() d "
					 "WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid "
					 "AND d.objsubid OPERATOR(pg_catalog.=) 0 "
					 "AND m.source::pg_catalog.oid OPERATOR(pg_catalog.=) d.objid",
					 mt.qualified);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = openface_spi_as_owner(mt.owner, query, 0, NULL, NULL, NULL, false);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "removing SVM models of dropped tables failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	PG_RETURN_VOID();
}
