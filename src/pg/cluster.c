/*
 * Clustering window functions, computed once per window partition:
 *
 *   face_cluster_dbscan(embedding, eps, minpoints) OVER (...)  -> int, NULL = noise
 *   face_cluster_kmeans(embedding, k) OVER (...)               -> int
 *   face_cluster_chinese_whispers(embedding, threshold) OVER (...) -> int
 *
 * The first call of a partition reads every embedding of the partition
 * (WinGetFuncArgInPartition), clusters them in src/core/cluster.c, and keeps
 * the labels in the partition's local memory; each row then returns its
 * label.  Ids are dense and 0-based within the partition, numbered in the
 * order of each cluster's first row, so ORDER BY inside OVER (...) fixes
 * them.  Rows with a NULL embedding get NULL.  The parameters are read on
 * the partition's first row and must be the same for all its rows.
 *
 * Memory: the partition's embeddings (512 bytes a row) plus, for DBSCAN and
 * chinese whispers, the neighbour graph, which is limited to work_mem (at
 * most openface.max_call_memory, as the rows themselves are).
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "windowapi.h"

#include "cluster.h"
#include "embedding.h"
#include "openface.h"

PG_FUNCTION_INFO_V1(face_cluster_dbscan);
PG_FUNCTION_INFO_V1(face_cluster_kmeans);
PG_FUNCTION_INFO_V1(face_cluster_chinese_whispers);

/* Fixed seeds: the same partition always gets the same clusters. */
#define KMEANS_SEED		UINT64_C(0x6f70656e66616365)
#define WHISPERS_SEED	UINT64_C(0x77686973706572)

#define LABEL_NULL		(-2)

typedef struct partition_labels
{
	bool		done;
	int			labels[FLEXIBLE_ARRAY_MEMBER];	/* per row; -1 noise, -2 NULL */
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

static void
cluster_partition(WindowObject winobj, partition_labels *pl, int64 nrows,
				  cluster_kind kind, const char *fn)
{
	float	   *x;
	int		   *rowof;
	int		   *lab;
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

	openface_check_call_memory((double) nrows * (sizeof(float) * FACE_EMBEDDING_DIM + 2 * sizeof(int)),
							   fn);
	x = palloc_extended(sizeof(float) * FACE_EMBEDDING_DIM * (nrows ? nrows : 1), MCXT_ALLOC_HUGE);
	rowof = palloc(sizeof(int) * (nrows ? nrows : 1));
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
												 WHISPERS_SEED, max_bytes, lab, NULL, &err);
				break;
		}
	}
	if (rc != OF_OK)
		report_limit(&err, fn);
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
	partition_labels *pl;
	int			label;

	pl = WinGetPartitionLocalMemory(winobj, offsetof(partition_labels, labels) +
									sizeof(int) * (nrows ? nrows : 1));
	if (!pl->done)
		cluster_partition(winobj, pl, nrows, kind, fn);
	label = pl->labels[pos];
	if (label < 0)
		PG_RETURN_NULL();
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
