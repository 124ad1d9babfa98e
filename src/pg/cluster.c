/*
 * Clustering window functions, computed once per window partition:
 *
 *   face_cluster_dbscan(embedding, eps, minpoints [, key]) OVER (...)  -> NULL = noise
 *   face_cluster_kmeans(embedding, k [, key]) OVER (...)
 *   face_cluster_chinese_whispers(embedding, threshold [, key]) OVER (...)
 *
 * and face_cluster_radii(embeddings[], radii[], ...), the shape of the
 * clusterings at several radii, to choose one by.
 *
 * The first call of a partition reads every embedding of the partition
 * (WinGetFuncArgInPartition), clusters them in src/core/cluster.c, and keeps
 * the ids in the partition's local memory; each row then returns its id.
 * Rows with a NULL embedding get NULL.  The parameters are read on the
 * partition's first row and must be the same for all its rows.
 *
 * Cluster ids, the contract:
 *  - with a key (bigint, unique among the partition's rows with an
 *    embedding): a cluster's id is the smallest key of its members.  It
 *    names the cluster after a face of it, so rows added, deleted or
 *    reordered anywhere else never rename it; only a change of the
 *    cluster's own members can (a face that joins it with a smaller key,
 *    or one that merges two clusters).  The id is also a row to look at.
 *  - without a key: 0, 1, 2, ... in the window order of each cluster's
 *    first row.  Adding a row after the others in that order renames
 *    nothing, but a new cluster whose first row comes earlier renumbers
 *    every cluster after it; without ORDER BY in OVER (...) the order, and
 *    so the ids, may differ between runs.
 * The clustering itself reads the rows in window order: DBSCAN gives a
 * border row to the first cluster reaching it, k-means seeds from a fixed
 * seed over row positions, chinese whispers visits rows in an order hashed
 * from their keys (positions without a key, so a face added before others
 * shifts them), so for the same clusters between runs put the same
 * ORDER BY in OVER (...).
 *
 * Memory: the partition's embeddings (512 bytes a row, plus 8 for a key)
 * plus, for DBSCAN and chinese whispers, the neighbour graph, which is
 * limited to work_mem (at most openface.max_call_memory, as the rows
 * themselves are).
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "windowapi.h"

#include "cluster.h"
#include "embedding.h"
#include "openface.h"

PG_FUNCTION_INFO_V1(face_cluster_dbscan);
PG_FUNCTION_INFO_V1(face_cluster_kmeans);
PG_FUNCTION_INFO_V1(face_cluster_chinese_whispers);
PG_FUNCTION_INFO_V1(face_cluster_radii);

/* Fixed seeds: the same partition always gets the same clusters. */
#define KMEANS_SEED		UINT64_C(0x6f70656e66616365)
#define WHISPERS_SEED	UINT64_C(0x77686973706572)

#define LABEL_NULL		(-2)

#define KEY_HINT "Pass a unique key, such as the table's primary key."

/* A partition's result, in its local memory; the arrays in its context. */
typedef struct partition_labels
{
	bool		done;
	int		   *labels;			/* per row; -1 noise, -2 NULL */
	int64	   *ids;			/* per row, with a key: its cluster's smallest key */
} partition_labels;

typedef enum cluster_kind
{
	CLUSTER_DBSCAN,
	CLUSTER_KMEANS,
	CLUSTER_WHISPERS
} cluster_kind;

/* Argument argno of the current (first) row; ERROR if NULL. */
static Datum
param(WindowObject winobj, int argno, const char *name)
{
	bool		isnull;
	Datum		d = WinGetFuncArgCurrent(winobj, argno, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	return d;
}

static void
report_limit(const of_error *err, const char *fn)
{
	openface_report(err, fn, err->code == OF_ELIMIT ?
					"The neighbour graph is limited to work_mem (at most openface.max_call_memory): raise work_mem, "
					"lower the radius, or cluster smaller partitions." : NULL);
}

/* Where the optional key argument sits. */
static int
key_argno(cluster_kind kind)
{
	return kind == CLUSTER_DBSCAN ? 3 : 2;
}

static void
cluster_partition(WindowObject winobj, partition_labels *pl, int64 nrows,
				  cluster_kind kind, bool keyed, const char *fn)
{
	float	   *x;
	int		   *rowof;
	int		   *lab;
	int64	   *keys = NULL;
	MemoryContext partcxt = GetMemoryChunkContext(pl);
	int64		m = 0;
	of_error	err = {0};
	of_status	rc = OF_OK;
	size_t		max_bytes = Min((size_t) work_mem * 1024, openface_call_memory());
	double		radius = 0;
	int			minpts = 0,
				k = 0;

	/* parameters first: a bad one fails before any work */
	switch (kind)
	{
		case CLUSTER_DBSCAN:
			radius = DatumGetFloat8(param(winobj, 1, "eps"));
			minpts = DatumGetInt32(param(winobj, 2, "minpoints"));
			if (!(radius >= 0) || isinf(radius))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("eps must be >= 0 and finite, got %g", radius)));
			if (minpts < 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("minpoints must be >= 1, got %d", minpts)));
			break;
		case CLUSTER_KMEANS:
			k = DatumGetInt32(param(winobj, 1, "k"));
			if (k < 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("k must be >= 1, got %d", k)));
			break;
		case CLUSTER_WHISPERS:
			radius = DatumGetFloat8(param(winobj, 1, "threshold"));
			if (!(radius >= 0) || isinf(radius))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("threshold must be >= 0 and finite, got %g", radius)));
			break;
	}
	if (nrows > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: too many rows in one partition (" INT64_FORMAT ")", fn, nrows)));

	openface_check_call_memory((double) nrows * (sizeof(float) * FACE_EMBEDDING_DIM + 3 * sizeof(int) +
												 (keyed ? 3 * sizeof(int64) : 0)),
							   fn);
	x = palloc_extended(sizeof(float) * FACE_EMBEDDING_DIM * (nrows ? nrows : 1), MCXT_ALLOC_HUGE);
	rowof = palloc(sizeof(int) * (nrows ? nrows : 1));
	pl->labels = MemoryContextAllocHuge(partcxt, sizeof(int) * (nrows ? nrows : 1));
	if (keyed)
	{
		keys = palloc_extended(sizeof(int64) * (nrows ? nrows : 1), MCXT_ALLOC_HUGE);
		pl->ids = MemoryContextAllocHuge(partcxt, sizeof(int64) * (nrows ? nrows : 1));
	}
	for (int64 i = 0; i < nrows; i++)
	{
		bool		isnull,
					isout;
		Datum		d = WinGetFuncArgInPartition(winobj, 0, (int) i, WINDOW_SEEK_HEAD,
												 false, &isnull, &isout);

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (isnull || isout)
		{
			pl->labels[i] = LABEL_NULL;
			continue;
		}
		memcpy(x + m * FACE_EMBEDDING_DIM, DatumGetFaceEmbedding(d)->x,
			   sizeof(float) * FACE_EMBEDDING_DIM);
		if (keyed)
		{
			d = WinGetFuncArgInPartition(winobj, key_argno(kind), (int) i, WINDOW_SEEK_HEAD,
										 false, &isnull, &isout);
			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s: key must not be NULL for a row with an embedding", fn),
						 errhint(KEY_HINT)));
			keys[m] = DatumGetInt64(d);
		}
		rowof[m++] = (int) i;
	}
	if (kind == CLUSTER_KMEANS && k > m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k (%d) is larger than the number of non-NULL embeddings in the partition ("
						INT64_FORMAT ")", k, m),
				 errhint("Use a smaller k, or larger partitions.")));
	lab = palloc(sizeof(int) * (m ? m : 1));
	if (m > 0)
	{
		switch (kind)
		{
			case CLUSTER_DBSCAN:
				rc = of_cluster_dbscan(x, (size_t) m, FACE_EMBEDDING_DIM, radius, minpts,
									   max_bytes, lab, NULL, &err);
				break;
			case CLUSTER_KMEANS:
				rc = of_cluster_kmeans(x, (size_t) m, FACE_EMBEDDING_DIM, k, KMEANS_SEED, 0, 0,
									   lab, &err);
				break;
			case CLUSTER_WHISPERS:
				rc = of_cluster_chinese_whispers(x, (size_t) m, FACE_EMBEDDING_DIM, radius, 0,
												 WHISPERS_SEED, keys, max_bytes, lab, NULL, &err);
				break;
		}
	}
	if (rc != OF_OK)
		report_limit(&err, fn);
	if (keyed)
	{
		/* ids in place of the keys: each row's cluster's smallest key */
		if (of_cluster_ids_by_key(lab, keys, (size_t) m, keys, &err) != OF_OK)
			openface_report(&err, fn, KEY_HINT);
		for (int64 j = 0; j < m; j++)
			pl->ids[rowof[j]] = keys[j];
		pfree(keys);
	}
	for (int64 j = 0; j < m; j++)
		pl->labels[rowof[j]] = lab[j];
	pl->done = true;
	pfree(x);
	pfree(rowof);
	pfree(lab);
}

static Datum
cluster_window(FunctionCallInfo fcinfo, cluster_kind kind, const char *fn)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		nrows = WinGetPartitionRowCount(winobj);
	int64		pos = WinGetCurrentPosition(winobj);
	bool		keyed = PG_NARGS() > key_argno(kind);
	partition_labels *pl;
	int			label;

	pl = WinGetPartitionLocalMemory(winobj, sizeof(partition_labels));
	if (!pl->done)
		cluster_partition(winobj, pl, nrows, kind, keyed, fn);
	label = pl->labels[pos];
	if (label < 0)
		PG_RETURN_NULL();
	if (keyed)
		PG_RETURN_INT64(pl->ids[pos]);
	PG_RETURN_INT32(label);
}

Datum
face_cluster_dbscan(PG_FUNCTION_ARGS)
{
	return cluster_window(fcinfo, CLUSTER_DBSCAN, "face_cluster_dbscan");
}

Datum
face_cluster_kmeans(PG_FUNCTION_ARGS)
{
	return cluster_window(fcinfo, CLUSTER_KMEANS, "face_cluster_kmeans");
}

Datum
face_cluster_chinese_whispers(PG_FUNCTION_ARGS)
{
	return cluster_window(fcinfo, CLUSTER_WHISPERS, "face_cluster_chinese_whispers");
}

/*
 * face_cluster_radii(embeddings face_embedding[], radii float8[],
 *                    method text, minpoints int)
 *   -> (radius, clusters, singletons, largest, mean_size)
 *
 * Clusters the same faces at each radius, as the window function of that
 * method would, and says what came out: clusters of two faces or more,
 * faces alone (DBSCAN's noise included), the largest cluster, the mean
 * size of the clusters.  The faces come as an argument (array_agg), so
 * the caller's rights decide what is read.  NULL elements are skipped.
 */
Datum
face_cluster_radii(PG_FUNCTION_ARGS)
{
	ArrayType  *emb = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *rad = PG_GETARG_ARRAYTYPE_P(1);
	char	   *method = text_to_cstring(PG_GETARG_TEXT_PP(2));
	int			minpts = PG_GETARG_INT32(3);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	size_t		max_bytes = Min((size_t) work_mem * 1024, openface_call_memory());
	bool		dbscan;
	Datum	   *edat,
			   *rdat;
	bool	   *enul,
			   *rnul;
	int			ne,
				nr;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	float	   *x;
	int		   *lab;
	size_t		m = 0;

	if (strcmp(method, "chinese_whispers") == 0)
		dbscan = false;
	else if (strcmp(method, "dbscan") == 0)
		dbscan = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face_cluster_radii: unknown method \"%s\"", method),
				 errhint("The methods are 'chinese_whispers' and 'dbscan'.")));
	if (dbscan && minpts < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("minpoints must be >= 1, got %d", minpts)));
	if (ARR_NDIM(emb) > 1 || ARR_NDIM(rad) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("face_cluster_radii takes one-dimensional arrays")));

	deconstruct_array(rad, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &rdat, &rnul, &nr);
	for (int r = 0; r < nr; r++)
	{
		double		radius = rnul[r] ? NAN : DatumGetFloat8(rdat[r]);

		if (!(radius >= 0) || isinf(radius))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("every radius must be >= 0 and finite, got %s",
							rnul[r] ? "NULL" : psprintf("%g", radius))));
	}

	get_typlenbyvalalign(ARR_ELEMTYPE(emb), &typlen, &typbyval, &typalign);
	deconstruct_array(emb, ARR_ELEMTYPE(emb), typlen, typbyval, typalign, &edat, &enul, &ne);
	openface_check_call_memory((double) ne * (sizeof(float) * FACE_EMBEDDING_DIM + sizeof(int)),
							   "face_cluster_radii");
	x = palloc_extended(sizeof(float) * FACE_EMBEDDING_DIM * (ne ? ne : 1), MCXT_ALLOC_HUGE);
	lab = palloc(sizeof(int) * (ne ? ne : 1));
	for (int i = 0; i < ne; i++)
	{
		if (enul[i])
			continue;
		memcpy(x + m * FACE_EMBEDDING_DIM, DatumGetFaceEmbedding(edat[i])->x,
			   sizeof(float) * FACE_EMBEDDING_DIM);
		m++;
	}

	InitMaterializedSRF(fcinfo, 0);
	for (int r = 0; r < nr; r++)
	{
		double		radius = DatumGetFloat8(rdat[r]);
		of_cluster_shape shape;
		of_error	err = {0};
		of_status	rc = OF_OK;
		Datum		values[5];
		bool		nulls[5] = {false};

		CHECK_FOR_INTERRUPTS();
		if (m > 0)
			rc = dbscan ?
				of_cluster_dbscan(x, m, FACE_EMBEDDING_DIM, radius, minpts, max_bytes, lab, NULL, &err) :
				of_cluster_chinese_whispers(x, m, FACE_EMBEDDING_DIM, radius, 0, WHISPERS_SEED, NULL,
											max_bytes, lab, NULL, &err);
		if (rc == OF_OK)
			rc = of_cluster_shape_of(lab, m, &shape, &err);
		if (rc != OF_OK)
			report_limit(&err, "face_cluster_radii");
		values[0] = Float8GetDatum(radius);
		values[1] = Int32GetDatum((int32) shape.clusters);
		values[2] = Int32GetDatum((int32) shape.singletons);
		values[3] = Int32GetDatum((int32) shape.largest);
		if (shape.clusters > 0)
			values[4] = Float8GetDatum((double) (m - shape.singletons) / shape.clusters);
		else
			nulls[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(x);
	pfree(lab);
	return (Datum) 0;
}
