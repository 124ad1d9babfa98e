/*
 * facegraph: CREATE INDEX.
 *
 * The heap is scanned into an in-memory graph (src/core/graph/hnsw.c, linked
 * on openface.build_threads threads) while it fits in maintenance_work_mem.
 * Then the quantiser is fitted to the vectors, elements are laid out on
 * pages in breadth-first graph order (linked elements share pages, so scans
 * touch fewer buffers) and every page is written through generic WAL.
 *
 * Past FG_COMPACT_ROWS rows, or sooner if the graph fills
 * maintenance_work_mem, it trades its float vectors for the 8-bit codes the
 * index stores anyway (fitted to the rows so far) and drops its links'
 * distances: it goes on in memory at about 0.4 of the bytes a row, as fast
 * (README, Tuning).  If that fills memory too, the graph moves into a
 * temporary file that the build maps (within temp_file_limit), sized for
 * the rows still expected: the backend keeps 14 bytes a row, and the build
 * runs as fast as the kernel can keep the file cached.  Only if no such
 * file can be had, or it fills, is the graph written out as above and the
 * remaining rows go through the ordinary insert path: much slower, but the
 * build completes.
 */
#include "facegraph/fg.h"

#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>

#include "access/tableam.h"
#include "commands/progress.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/fd.h"
#include "storage/smgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "graph/hnsw.h"

#define FG_PHASE_LOAD	2
#define FG_PHASE_WRITE	3
#define FG_PHASE_INSERT	4

/* Link this many appended nodes at a time, so progress and cancels flow. */
#define FG_LINK_CHUNK	2048

/*
 * Rows linked with float vectors before the graph turns to codes whatever
 * the memory: the rows the quantiser's ranges are fitted to.  Codes are
 * read faster than floats, and scans re-rank their answers exactly anyway.
 * Builds of the realistic rows of bench/index_data.c (two threads, 1 GB of
 * maintenance_work_mem, within the same hour): 1M rows in 395 s against
 * 435 s with codes from row 65,536, recall@10 0.904 / 0.949 at ef_search
 * 112 / 192 against 0.905 / 0.951 (two builds of one version differ by as
 * much); 218k rows in 60-63 s against 67-71 s (two pairs, interleaved).
 * With floats throughout, an earlier 1M build took 520 s.
 */
#define FG_COMPACT_ROWS	10000

/*
 * Rows a spill file makes room for beyond the rows the build expects, as a
 * share of them: the planner's count may be out of date.
 */
#define FG_SPILL_MARGIN	0.1

typedef struct FgBuildState
{
	Relation	index;
	int			m;
	int			efc;
	int			metric;
	of_hnsw    *graph;
	ItemPointerData *heaptids;
	size_t		ntids_cap;
	size_t		linked;
	size_t		mem_limit;
	double		reltuples;		/* the planner's estimate of the rows to come */
	BlockNumber heap_blocks;
	bool		inserting;		/* the rest goes through the insert path */
	File		spill_file;		/* the graph's temporary file, or 0 */
	void	   *spill_region;	/* its mapping, spill_bytes long */
	size_t		spill_bytes;
	double		indtuples;
	MemoryContext tmpctx;
} FgBuildState;

char *
fgbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case FG_PHASE_LOAD:
			return "building graph in memory";
		case FG_PHASE_WRITE:
			return "writing graph pages";
		case FG_PHASE_INSERT:
			return "inserting past maintenance_work_mem";
		default:
			return NULL;
	}
}

static void
graph_error(of_status st, const of_error *err)
{
	if (st == OF_ECANCELED)
		CHECK_FOR_INTERRUPTS();
	if (st == OF_ENOMEM)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("%s", err->msg)));
	ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("facegraph build: %s", err->msg)));
}

static void
link_pending(FgBuildState *st, size_t upto)
{
	of_error	err;

	while (st->linked < upto)
	{
		size_t		to = Min(upto, st->linked + FG_LINK_CHUNK);
		of_status	rc;

		CHECK_FOR_INTERRUPTS();
		rc = of_hnsw_link(st->graph, st->linked, to, fg_build_threads, &err);
		if (rc != OF_OK)
			graph_error(rc, &err);
		st->linked = to;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) to);
	}
}

/* Write a whole page image through generic WAL at the next block. */
static void
write_new_page(Relation index, Page image, BlockNumber expect)
{
	Buffer		buf = ReadBuffer(index, P_NEW);
	GenericXLogState *state;
	Page		page;

	if (BufferGetBlockNumber(buf) != expect)
		elog(ERROR, "facegraph build: unexpected block %u (wanted %u)",
			 BufferGetBlockNumber(buf), expect);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	memcpy(page, image, BLCKSZ);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

static Size
page_room(void)
{
	return BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(FgPageOpaqueData));
}

/*
 * Write the in-memory graph: meta page (block 0) then element pages in
 * breadth-first order, each neighbour list sorted by TID.
 */
static void
write_graph(FgBuildState *st)
{
	of_hnsw    *g = st->graph;
	size_t		n = of_hnsw_count(g);
	of_sq8	   *q = palloc(sizeof(of_sq8));
	of_error	err;
	of_status	rc;
	uint32	   *order;
	ItemPointerData *tids;
	PGAlignedBlock image;
	BlockNumber blk;
	Size		used;
	OffsetNumber off;
	int			m = st->m;
	FgElement	e = palloc0(fg_element_size(m, FG_MAX_LEVEL));
	ItemPointerData entry;
	int			top = -1;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FG_PHASE_WRITE);

	{
		size_t		repaired;

		rc = of_hnsw_connect(g, &repaired, &err);
		if (rc != OF_OK)
			graph_error(rc, &err);
		elog(DEBUG1, "facegraph build: %zu links added to reach isolated elements", repaired);
	}

	/*
	 * Full lists find more neighbours for the same pages read (bench/
	 * graph_link), but every insert into a full list prunes it, reading its
	 * elements: not when the rest of the build inserts.
	 */
	if (!st->inserting)
	{
		size_t		added;

		rc = of_hnsw_fill(g, fg_build_threads, &added, &err);
		if (rc != OF_OK)
			graph_error(rc, &err);
		elog(DEBUG1, "facegraph build: %zu links filled in", added);
	}

	/* Fit the quantiser, unless the compact graph has: vectors are contiguous in node order. */
	if (of_hnsw_quantizer(g) != NULL)
		*q = *of_hnsw_quantizer(g);
	else
	{
		rc = of_sq8_train(q, n ? of_hnsw_vector(g, 0) : NULL, n, FG_DIM, &err);
		if (rc != OF_OK)
			graph_error(rc, &err);
	}

	order = palloc(sizeof(uint32) * (n ? n : 1));
	tids = palloc(sizeof(ItemPointerData) * (n ? n : 1));
	rc = of_hnsw_order(g, order, &err);
	if (rc != OF_OK)
		graph_error(rc, &err);

	/* Pass 1: addresses. */
	blk = 1;
	used = 0;
	off = FirstOffsetNumber;
	for (size_t i = 0; i < n; i++)
	{
		uint32		v = order[i];
		Size		need = MAXALIGN(fg_element_size(m, of_hnsw_level(g, v))) + sizeof(ItemIdData);

		if (used + need > page_room())
		{
			blk++;
			used = 0;
			off = FirstOffsetNumber;
		}
		ItemPointerSet(&tids[v], blk, off);
		used += need;
		off++;
	}

	ItemPointerSetInvalid(&entry);
	if (of_hnsw_entry(g) >= 0)
	{
		entry = tids[of_hnsw_entry(g)];
		top = of_hnsw_level(g, of_hnsw_entry(g));
	}

	/* Meta page. */
	fg_fill_meta(image.data, m, st->efc, st->metric, q);
	FgPageGetMeta(image.data)->entry = entry;
	FgPageGetMeta(image.data)->top_level = (int16) top;
	FgPageGetMeta(image.data)->insert_page = n ? blk : InvalidBlockNumber;
	write_new_page(st->index, image.data, FG_METAPAGE_BLKNO);

	/* Pass 2: pages. */
	blk = 1;
	fg_init_page(image.data, FG_PAGE_ELEMENTS);
	for (size_t i = 0; i < n; i++)
	{
		uint32		v = order[i];
		int			level = of_hnsw_level(g, v);
		Size		size = fg_element_size(m, level);

		if (ItemPointerGetBlockNumber(&tids[v]) != blk)
		{
			write_new_page(st->index, image.data, blk);
			blk++;
			fg_init_page(image.data, FG_PAGE_ELEMENTS);
			CHECK_FOR_INTERRUPTS();
		}
		memset(e, 0, size);
		e->heaptid = st->heaptids[v];
		e->level = (uint8) level;
		if (of_hnsw_quantizer(g) != NULL)
			memcpy(e->code, of_hnsw_code(g, v, &e->resid), FG_DIM);
		else
			e->resid = of_sq8_encode(q, of_hnsw_vector(g, v), e->code);
		for (int l = 0; l <= level; l++)
		{
			int			cnt;
			const int32 *nb = of_hnsw_neighbours(g, v, l, &cnt);
			ItemPointerData *dst = e->links + fg_level_offset(m, l);

			for (int j = 0; j < fg_level_slots(m, l); j++)
			{
				if (j < cnt)
					dst[j] = tids[nb[j]];
				else
					ItemPointerSetInvalid(&dst[j]);
			}
			/* In page order, so scans read a list's pages without sorting it. */
			qsort(dst, cnt, sizeof(ItemPointerData), fg_cmp_tid);
		}
		if (PageAddItem(image.data, (Item) e, size, InvalidOffsetNumber, false, false) !=
			ItemPointerGetOffsetNumber(&tids[v]))
			elog(ERROR, "facegraph build: page layout mismatch");
	}
	if (n > 0)
		write_new_page(st->index, image.data, blk);

	pfree(order);
	pfree(tids);
	pfree(e);
	pfree(q);
}

/*
 * The rows the build will see: the planner's estimate, or, for a table
 * never analysed, the rows so far scaled by the heap blocks still to scan.
 */
static double
expected_rows(const FgBuildState *st, ItemPointer tid)
{
	double		scanned = ItemPointerGetBlockNumber(tid) + 1;

	if (st->reltuples > 0)
		return Max(st->reltuples, st->indtuples);
	return st->indtuples * Max(st->heap_blocks / scanned, 1.0);
}

/* Memory a build of n rows takes once the graph keeps 8-bit codes: nodes and heap TIDs. */
static size_t
compact_bytes(const FgBuildState *st, double n)
{
	return (size_t) (n * (of_hnsw_compact_node_bytes(st->graph) + sizeof(ItemPointerData)));
}

/*
 * The least memory that keeps a build of n rows in memory: its codes, and a
 * quarter more, the step the node arrays grow by.
 */
static size_t
needed_bytes(const FgBuildState *st, double n)
{
	return compact_bytes(st, n) / 4 * 5;
}

/* The spill file for a build of n rows: room for them and FG_SPILL_MARGIN more. */
static size_t
spill_rows(double n)
{
	return (size_t) ceil(n * (1 + FG_SPILL_MARGIN));
}

static size_t
megabytes(size_t bytes)
{
	return bytes / (1024 * 1024) + 1;
}

/* Whether one more row would take the graph past maintenance_work_mem. */
static bool
memory_full(const FgBuildState *st)
{
	return of_hnsw_count(st->graph) > 0 &&
		of_hnsw_bytes(st->graph) + of_hnsw_node_bytes(st->graph) + of_hnsw_growth_bytes(st->graph) +
		st->ntids_cap * sizeof(ItemPointerData) > st->mem_limit;
}

/* Free the core graph and unmap its spill file (also when the build errors out). */
static void
release_graph(void *arg)
{
	FgBuildState *st = arg;

	of_hnsw_free(st->graph);
	st->graph = NULL;
	if (st->spill_region != NULL)
		munmap(st->spill_region, st->spill_bytes);
	st->spill_region = NULL;
}

/*
 * release_graph, then close the spill file, which deletes it.  (After an
 * ERROR the resource owner closes the file, and release_graph runs alone.)
 */
static void
release_all(FgBuildState *st)
{
	release_graph(st);
	if (st->spill_file > 0)
		FileClose(st->spill_file);
	st->spill_file = 0;
}

/*
 * The compact graph has filled maintenance_work_mem: move it into a
 * temporary file mapped into memory, with room for the rows still expected
 * (FG_SPILL_MARGIN more) as far as temp_file_limit and the backend's memory
 * allow: the graph keeps each row's list address and the build its heap
 * TID.  False if there is no room for more rows or no file.
 */
static bool
spill_graph(FgBuildState *st, ItemPointer tid)
{
	of_hnsw    *g = st->graph;
	size_t		n = of_hnsw_count(g),
				fixed = of_hnsw_spilled_bytes(g, 0),
				row = of_hnsw_spilled_bytes(g, 1) - fixed + sizeof(ItemPointerData),
				max_nodes = spill_rows(expected_rows(st, tid)),
				bytes;
	File		file;
	int			fd,
				rc;
	void	   *region;
	of_error	err;

	if (st->mem_limit <= fixed)
		return false;
	max_nodes = Min(max_nodes, (st->mem_limit - fixed) / row);
	/* temp_file_limit is in kB; the file is allocated whole at once */
	if (temp_file_limit >= 0)
		max_nodes = Min(max_nodes, (size_t) temp_file_limit * 1024 /
						(of_hnsw_spill_bytes(g, max_nodes) / Max(max_nodes, 1) + 1));
	bytes = of_hnsw_spill_bytes(g, max_nodes);
	if (max_nodes <= n || (temp_file_limit >= 0 && bytes > (size_t) temp_file_limit * 1024))
		return false;
	PrepareTempTablespaces();
	file = OpenTemporaryFile(false);
	fd = FileGetRawDesc(file);
	/* Allocated now, so that writing the mapping never finds the disk full. */
	do
		rc = posix_fallocate(fd, 0, (off_t) bytes);
	while (rc == EINTR && !(ProcDiePending || QueryCancelPending));
	region = rc == 0 ? mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (region == MAP_FAILED)
	{
		if (rc != 0)
			errno = rc;
		elog(DEBUG1, "facegraph build: no temporary file of %zu bytes: %m", bytes);
		FileClose(file);
		return false;
	}
	st->spill_file = file;
	st->spill_region = region;
	st->spill_bytes = bytes;
	if (of_hnsw_spill(g, region, bytes, max_nodes, &err) != OF_OK)
		graph_error(err.code, &err);
	if (st->ntids_cap < max_nodes)
	{
		st->ntids_cap = max_nodes;
		st->heaptids = repalloc_huge(st->heaptids, st->ntids_cap * sizeof(ItemPointerData));
	}
	elog(DEBUG1, "facegraph build: graph moved to a temporary file of %zu MB for up to %zu rows after %zu",
		 megabytes(bytes), max_nodes, n);
	return true;
}

static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *arg)
{
	FgBuildState *st = arg;
	FgVector	v;
	of_error	err;

	if (isnull[0])
		return;
	if (!fg_prepare_vector(st->metric, DatumGetFaceEmbedding(values[0]), &v))
		return;
	st->indtuples += 1;

	if (!st->inserting && (memory_full(st) || of_hnsw_count(st->graph) >= FG_COMPACT_ROWS) &&
		of_hnsw_quantizer(st->graph) == NULL)
	{
		if (of_hnsw_compact(st->graph, &err) != OF_OK)
			graph_error(err.code, &err);
		elog(DEBUG1, "facegraph build: 8-bit vectors from %.0f tuples on", st->indtuples - 1);
	}
	if (!st->inserting && st->spill_file == 0 && memory_full(st))
		spill_graph(st, tid);
	if (!st->inserting && (memory_full(st) || !of_hnsw_room(st->graph)))
	{
		ereport(NOTICE,
				(errmsg("facegraph graph no longer fits into maintenance_work_mem or a temporary file after %.0f tuples",
						st->indtuples - 1),
				 errdetail("The rest of the build inserts into the written graph, which is much slower."),
				 errhint("An in-memory build of the table's %.0f rows needs about %zu MB of maintenance_work_mem, or a temporary file needs about %zu MB within temp_file_limit.",
						 expected_rows(st, tid),
						 megabytes(needed_bytes(st, expected_rows(st, tid))),
						 megabytes(of_hnsw_spill_bytes(st->graph, spill_rows(expected_rows(st, tid)))))));
		link_pending(st, of_hnsw_count(st->graph));
		st->inserting = true;
		write_graph(st);
		release_all(st);
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FG_PHASE_INSERT);
	}
	if (st->inserting)
	{
		MemoryContext old = MemoryContextSwitchTo(st->tmpctx);

		fg_insert_vector(index, &v, tid);
		MemoryContextSwitchTo(old);
		MemoryContextReset(st->tmpctx);
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) st->indtuples);
		return;
	}

	if (of_hnsw_count(st->graph) == st->ntids_cap)
	{
		st->ntids_cap *= 2;
		st->heaptids = repalloc_huge(st->heaptids, st->ntids_cap * sizeof(ItemPointerData));
	}
	st->heaptids[of_hnsw_count(st->graph)] = *tid;
	if (of_hnsw_append(st->graph, v.x, &err) < 0)
		graph_error(err.code, &err);
	if (of_hnsw_count(st->graph) - st->linked >= FG_LINK_CHUNK)
		link_pending(st, of_hnsw_count(st->graph));
}

IndexBuildResult *
fgbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	FgBuildState *stp = palloc0(sizeof(FgBuildState));
	of_error	err;
	double		reltuples;
	MemoryContextCallback *cb = palloc0(sizeof(MemoryContextCallback));

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	stp->index = index;
	fg_get_options(index, &stp->m, &stp->efc);
	stp->metric = fg_metric_of(index);
	stp->mem_limit = (size_t) maintenance_work_mem * 1024;
	stp->ntids_cap = 1024;
	stp->heaptids = palloc(stp->ntids_cap * sizeof(ItemPointerData));
	stp->tmpctx = AllocSetContextCreate(CurrentMemoryContext, "facegraph build insert",
									  ALLOCSET_DEFAULT_SIZES);
	stp->graph = of_hnsw_create(FG_DIM, stp->m, stp->efc, 0x6f70656e66616365ULL, &err);
	if (stp->graph == NULL)
		graph_error(err.code, &err);
	cb->func = release_graph;
	cb->arg = stp;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	/*
	 * Say at once when the build will not fit in memory even with codes
	 * (it then needs a temporary file, and disk), and what would fit.
	 */
	stp->reltuples = Max(heap->rd_rel->reltuples, 0);
	stp->heap_blocks = RelationGetNumberOfBlocks(heap);
	if (needed_bytes(stp, stp->reltuples) > stp->mem_limit)
		ereport(NOTICE,
				(errmsg("facegraph build of about %.0f rows needs about %zu MB of maintenance_work_mem, which is %d MB",
						stp->reltuples, megabytes(needed_bytes(stp, stp->reltuples)),
						maintenance_work_mem / 1024),
				 errdetail("Past what fits, the graph moves to a temporary file of about %zu MB: as fast while the kernel can cache it.",
						   megabytes(of_hnsw_spill_bytes(stp->graph, spill_rows(stp->reltuples)))),
				 errhint("SET maintenance_work_mem = '%zuMB' before CREATE INDEX.",
						 megabytes(needed_bytes(stp, stp->reltuples)))));
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FG_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) stp->reltuples);

	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   build_callback, stp, NULL);

	if (!stp->inserting)
	{
		link_pending(stp, of_hnsw_count(stp->graph));
		write_graph(stp);
	}
	else
		fg_reconnect(index, NULL);
	release_all(stp);
	MemoryContextDelete(stp->tmpctx);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = reltuples;
	result->index_tuples = stp->indtuples;
	return result;
}

/* An empty index for the init fork of an unlogged table: the meta page. */
void
fgbuildempty(Relation index)
{
	PGAlignedBlock page;
	of_sq8		q;
	int			m,
				efc;

	fg_get_options(index, &m, &efc);
	of_sq8_train(&q, NULL, 0, FG_DIM, NULL);
	fg_fill_meta(page.data, m, efc, fg_metric_of(index), &q);
	PageSetChecksumInplace(page.data, FG_METAPAGE_BLKNO);
	smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, FG_METAPAGE_BLKNO, page.data, true);
	log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM,
				FG_METAPAGE_BLKNO, page.data, true);
	smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
}
