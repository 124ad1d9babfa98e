/*
 * face_identify: who is this face, or nobody, from a labelled table, with
 * no training: the query's k nearest faces (through the table's facegraph
 * index when it has one) decided by the rule of src/core/identify.h.
 *
 * Rights: the k nearest rows are read with the caller's privileges and
 * row-level security, by an ordinary query as the caller: the answer comes
 * only from rows the caller could select themselves.  Nothing runs with
 * other rights, so no search_path is fixed; the one operator is still named
 * by the extension's schema, so the caller's own operators cannot stand in.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "embedding.h"
#include "identify.h"
#include "openface.h"

/* The k nearest rows' labels as ids into labels[], their embeddings in x. */
typedef struct neighbours
{
	int			k;
	float	   *x;
	int		   *label;
	char	  **labels;
} neighbours;

/* The embedding column must exist and be a face_embedding of this extension. */
static void
check_columns(Oid relid, const char *label_col, const char *emb_col, Oid face_type)
{
	AttrNumber	la = get_attnum(relid, label_col),
				ea = get_attnum(relid, emb_col);
	const char *missing = la == InvalidAttrNumber ? label_col : ea == InvalidAttrNumber ? emb_col : NULL;

	if (missing)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist", missing, openface_qualified_relname(relid)),
				 errhint("Name the columns with label_column and embedding_column.")));
	if (la < 0 || ea < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a system column cannot be the label or embedding column")));
	if (get_atttype(relid, ea) != face_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" is of type %s, not face_embedding", emb_col,
						format_type_be(get_atttype(relid, ea))),
				 errhint("Cast it, e.g. through a view: embedding::face_embedding.")));
}

static void
read_neighbours(Oid relid, const char *label_col, const char *emb_col, Oid nsp, Oid face_type,
				FaceEmbedding *q, int k, neighbours *nb)
{
	char	   *sql = psprintf("SELECT %s::pg_catalog.text, %s FROM %s WHERE %s IS NOT NULL AND %s IS NOT NULL "
							   "ORDER BY %s OPERATOR(%s.<->) $1 LIMIT $2",
							   quote_identifier(label_col), quote_identifier(emb_col),
							   openface_qualified_relname(relid), quote_identifier(label_col),
							   quote_identifier(emb_col), quote_identifier(emb_col),
							   quote_identifier(get_namespace_name(nsp)));
	Oid			types[2] = {face_type, INT4OID};
	Datum		values[2] = {PointerGetDatum(q), Int32GetDatum(k)};
	MemoryContext caller = CurrentMemoryContext;
	int			nlabels = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 2, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "face_identify: query failed: %s", sql);
	nb->k = (int) SPI_processed;
	nb->x = MemoryContextAlloc(caller, sizeof(float) * FACE_EMBEDDING_DIM * Max(nb->k, 1));
	nb->label = MemoryContextAlloc(caller, sizeof(int) * Max(nb->k, 1));
	nb->labels = MemoryContextAlloc(caller, sizeof(char *) * Max(nb->k, 1));
	for (int i = 0; i < nb->k; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		char	   *l = TextDatumGetCString(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		FaceEmbedding *e = DatumGetFaceEmbedding(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
		int			id = 0;

		while (id < nlabels && strcmp(nb->labels[id], l) != 0)
			id++;
		if (id == nlabels)
			nb->labels[nlabels++] = MemoryContextStrdup(caller, l);
		nb->label[i] = id;
		memcpy(nb->x + (size_t) i * FACE_EMBEDDING_DIM, e->x, sizeof(float) * FACE_EMBEDDING_DIM);
	}
	SPI_finish();
}

/*
 * face_identify(source regclass, query face_embedding, label_column text,
 *               embedding_column text, k int, threshold float8,
 *               OUT label text, OUT distance float8, OUT confidence float8)
 */
PG_FUNCTION_INFO_V1(face_identify);
Datum
face_identify(PG_FUNCTION_ARGS)
{
	Oid			relid;
	FaceEmbedding *q;
	char	   *label_col,
			   *emb_col;
	int			k;
	double		threshold;
	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	Oid			face_type = openface_embedding_type(nsp);
	TupleDesc	td;
	Datum		values[3];
	bool		nulls[3] = {true, true, true};
	neighbours	nb;
	of_identity id;
	of_error	err;

	for (int i = 0; i < 6; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("face_identify's arguments must not be NULL"),
					 errhint("Leave out label_column, embedding_column, k and threshold for their defaults.")));
	relid = PG_GETARG_OID(0);
	q = PG_GETARG_FACE_EMBEDDING(1);
	label_col = text_to_cstring(PG_GETARG_TEXT_PP(2));
	emb_col = text_to_cstring(PG_GETARG_TEXT_PP(3));
	k = PG_GETARG_INT32(4);
	threshold = PG_GETARG_FLOAT8(5);
	if (k < 1 || k > OF_IDENTIFY_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d, got %d", OF_IDENTIFY_MAX_K, k)));
	if (!(threshold >= 0) || isinf(threshold))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threshold must be a finite number >= 0, got %g", threshold)));
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "face_identify must return a record");

	check_columns(relid, label_col, emb_col, face_type);
	read_neighbours(relid, label_col, emb_col, nsp, face_type, q, k, &nb);
	if (of_identify(q->x, nb.x, nb.label, nb.k, FACE_EMBEDDING_DIM, threshold, &id, &err) != OF_OK)
		openface_report(&err, "face_identify", NULL);
	if (id.label >= 0)
	{
		if (id.named)
		{
			values[0] = CStringGetTextDatum(nb.labels[id.label]);
			nulls[0] = false;
		}
		values[1] = Float8GetDatum(id.distance);
		values[2] = Float8GetDatum(id.confidence);
		nulls[1] = nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), values, nulls)));
}
