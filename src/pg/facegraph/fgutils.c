/*
 * facegraph: handler, options, GUCs, page and meta-page helpers.
 */
#include "facegraph/fg.h"

#include <math.h>

#include "access/reloptions.h"
#include "commands/vacuum.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "graph/hnsw.h"

int			fg_ef_search = FG_DEFAULT_EF_SEARCH;
bool		fg_strict_order = true;
int			fg_build_threads = FG_DEFAULT_BUILD_THREADS;

static relopt_kind fg_relopt_kind;

/* Register the GUCs, reloptions and planner hook; called once, from _PG_init. */
void
fg_init(void)
{
	fg_relopt_kind = add_reloption_kind();
	add_int_reloption(fg_relopt_kind, "m",
					  "Links per graph element above level 0 (twice as many at level 0)",
					  FG_DEFAULT_M, FG_MIN_M, FG_MAX_M, AccessExclusiveLock);
	add_int_reloption(fg_relopt_kind, "ef_construction",
					  "Search width used while building the graph",
					  FG_DEFAULT_EF_CONSTRUCTION, FG_MIN_EF_CONSTRUCTION,
					  FG_MAX_EF_CONSTRUCTION, AccessExclusiveLock);

	DefineCustomIntVariable("openface.ef_search",
							"Search width of facegraph index scans.",
							"Larger values raise recall and cost time; scans keep going "
							"past the first candidates when a filter rejects rows.",
							&fg_ef_search, FG_DEFAULT_EF_SEARCH, 1, FG_MAX_EF_SEARCH, PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("openface.strict_order",
							 "Whether facegraph scans return rows in exact distance order.",
							 "When a filter makes a scan stream past its first batch, later "
							 "batches may find rows nearer than rows already returned.  On, "
							 "those rows are skipped and the search widens as it goes; off, "
							 "they are returned anyway: higher recall and speed, slightly out "
							 "of order (sort the rows again, e.g. in a MATERIALIZED CTE).",
							 &fg_strict_order, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("openface.build_threads",
							"Threads linking the graph during a facegraph index build.",
							NULL,
							&fg_build_threads, FG_DEFAULT_BUILD_THREADS, 1, FG_MAX_BUILD_THREADS,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	fg_plan_init();
}

PG_FUNCTION_INFO_V1(face_fg_handler);
Datum
face_fg_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *am = makeNode(IndexAmRoutine);

	am->amstrategies = FG_NSTRATEGIES;
	am->amsupport = FG_NPROCS;
	am->amoptsprocnum = 0;
	am->amcanorder = false;
	am->amcanorderbyop = true;
	am->amcanbackward = false;
	am->amcanunique = false;
	am->amcanmulticol = false;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = false;
	am->ampredlocks = false;
	am->amcanparallel = false;
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = true;
	am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	am->amkeytype = InvalidOid;

	am->ambuild = fgbuild;
	am->ambuildempty = fgbuildempty;
	am->aminsert = fginsert;
	am->ambulkdelete = fgbulkdelete;
	am->amvacuumcleanup = fgvacuumcleanup;
	am->amcanreturn = NULL;
	am->amcostestimate = fgcostestimate;
	am->amoptions = fgoptions;
	am->amproperty = NULL;
	am->ambuildphasename = fgbuildphasename;
	am->amvalidate = fgvalidate;
	am->amadjustmembers = NULL;
	am->ambeginscan = fgbeginscan;
	am->amrescan = fgrescan;
	am->amgettuple = fggettuple;
	am->amgetbitmap = NULL;
	am->amendscan = fgendscan;
	am->ammarkpos = NULL;
	am->amrestrpos = NULL;
	am->amestimateparallelscan = NULL;
	am->aminitparallelscan = NULL;
	am->amparallelrescan = NULL;

	PG_RETURN_POINTER(am);
}

/* Support function 1 of each operator class: which metric the graph uses. */
PG_FUNCTION_INFO_V1(face_fg_metric_l2);
Datum
face_fg_metric_l2(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(FG_METRIC_L2);
}

PG_FUNCTION_INFO_V1(face_fg_metric_cosine);
Datum
face_fg_metric_cosine(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(FG_METRIC_COSINE);
}

bytea *
fgoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(FgOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(FgOptions, ef_construction)},
	};
	FgOptions  *opts;

	opts = (FgOptions *) build_reloptions(reloptions, validate, fg_relopt_kind,
										  sizeof(FgOptions), tab, lengthof(tab));
	if (validate && opts != NULL && opts->ef_construction < opts->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction (%d) must be at least m (%d)",
						opts->ef_construction, opts->m),
				 errhint("Raise ef_construction or lower m.")));
	return (bytea *) opts;
}

void
fg_get_options(Relation index, int *m, int *efc)
{
	FgOptions  *opts = (FgOptions *) index->rd_options;

	*m = opts ? opts->m : FG_DEFAULT_M;
	*efc = opts ? opts->ef_construction : FG_DEFAULT_EF_CONSTRUCTION;
}

int
fg_metric_of(Relation index)
{
	FmgrInfo   *proc = index_getprocinfo(index, 1, FG_METRIC_PROC);

	return DatumGetInt32(FunctionCall1Coll(proc, InvalidOid, PointerGetDatum(NULL)));
}

/*
 * The build-time constants from the meta page, cached in the relcache entry.
 */
FgIndexInfo *
fg_index_info(Relation index)
{
	if (index->rd_amcache == NULL)
	{
		FgIndexInfo *info = MemoryContextAlloc(index->rd_indexcxt, sizeof(FgIndexInfo));
		Buffer		buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
		FgMetaPage	meta;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		meta = FgPageGetMeta(BufferGetPage(buf));
		if (meta->magic != FG_MAGIC || meta->version != FG_VERSION)
		{
			UnlockReleaseBuffer(buf);
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" is not a facegraph index of version %d",
							RelationGetRelationName(index), FG_VERSION),
					 errhint("REINDEX the index.")));
		}
		info->m = meta->m;
		info->ef_construction = meta->ef_construction;
		info->metric = meta->metric;
		memcpy(&info->quantizer, &meta->quantizer, sizeof(of_sq8));
		UnlockReleaseBuffer(buf);
		index->rd_amcache = info;
	}
	return (FgIndexInfo *) index->rd_amcache;
}

/* The vector the graph stores for e; false when it cannot be indexed. */
bool
fg_prepare_vector(int metric, const FaceEmbedding *e, FgVector *out)
{
	memcpy(out->x, e->x, sizeof(out->x));
	if (metric == FG_METRIC_COSINE)
	{
		double		s = 0.0;

		for (int i = 0; i < FG_DIM; i++)
			s += (double) out->x[i] * out->x[i];
		/* Cosine is undefined for a zero vector: such rows stay out. */
		if (!(s > 0.0))
			return false;
		s = sqrt(s);
		for (int i = 0; i < FG_DIM; i++)
			out->x[i] = (float) (out->x[i] / s);
	}
	return true;
}

void
fg_init_page(Page page, uint16 flags)
{
	FgPageOpaque op;

	PageInit(page, BLCKSZ, sizeof(FgPageOpaqueData));
	op = FgPageGetOpaque(page);
	op->flags = flags;
	op->page_id = FG_PAGE_ID;
}

void
fg_fill_meta(Page page, int m, int efc, int metric, const of_sq8 *q)
{
	FgMetaPage	meta;

	fg_init_page(page, FG_PAGE_META);
	meta = FgPageGetMeta(page);
	memset(meta, 0, sizeof(FgMetaPageData));
	meta->magic = FG_MAGIC;
	meta->version = FG_VERSION;
	meta->m = (uint16) m;
	meta->ef_construction = (uint16) efc;
	meta->metric = (uint16) metric;
	meta->top_level = -1;
	ItemPointerSetInvalid(&meta->entry);
	meta->insert_page = InvalidBlockNumber;
	memcpy(&meta->quantizer, q, sizeof(of_sq8));
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(FgMetaPageData)) - (char *) page;
}

void
fg_read_meta(Relation index, ItemPointer entry, int *top, BlockNumber *insert_page)
{
	Buffer		buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	FgMetaPage	meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = FgPageGetMeta(BufferGetPage(buf));
	if (entry)
		*entry = meta->entry;
	if (top)
		*top = meta->top_level;
	if (insert_page)
		*insert_page = meta->insert_page;
	UnlockReleaseBuffer(buf);
}

int
fg_random_level(int m)
{
	return of_hnsw_random_level(pg_prng_uint64(&pg_global_prng_state), m);
}

uint64
fg_tid_key(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumberNoCheck(tid) << 16) |
		ItemPointerGetOffsetNumberNoCheck(tid);
}

/* qsort comparator for arrays of ItemPointerData */
int
fg_cmp_tid(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/*
 * The ORDER BY value handed to the executor: a lower bound of the exact
 * distance (the executor re-ranks with exact values).
 */
double
fg_distance_from_lb(int metric, float lb)
{
	if (metric == FG_METRIC_COSINE)
	{
		/* Unit vectors: cosine distance = |a - b|^2 / 2. */
		double		c = (double) lb * lb * 0.5 * (1.0 - 1e-5) - 1e-6;

		return c > 0.0 ? c : 0.0;
	}
	return lb;
}

/*
 * The element at off of a locked element page, or NULL when off names no
 * element (out of range, or a slot VACUUM freed).
 */
FgElement
fg_page_element(Page page, OffsetNumber off)
{
	ItemId		iid;

	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) < FG_ELEMENT_FIXED)
		return NULL;
	return (FgElement) PageGetItem(page, iid);
}

/*
 * The element tid names on its locked page, whatever kind of page that is:
 * NULL on the meta page, a new page or a freed slot.  For readers that
 * follow links; writers know their page holds elements.
 */
FgElement
fg_element_at(Page page, ItemPointer tid)
{
	if (!fg_is_element_page(page, ItemPointerGetBlockNumber(tid)))
		return NULL;
	return fg_page_element(page, ItemPointerGetOffsetNumber(tid));
}

/*
 * Copy the element at tid into copy, at most cap bytes (FG_ELEMENT_FIXED
 * when only the code is wanted); false when tid does not name an element.
 */
bool
fg_read_element(Relation index, ItemPointer tid, FgElement copy, Size cap)
{
	BlockNumber blk = ItemPointerGetBlockNumber(tid);
	Buffer		buf;
	Page		page;
	FgElement	e;
	bool		ok = false;

	if (blk == FG_METAPAGE_BLKNO || blk == InvalidBlockNumber)
		return false;
	buf = fg_read_buffer(index, blk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	e = fg_element_at(page, tid);
	if (e != NULL)
	{
		memcpy(copy, e, Min(ItemIdGetLength(PageGetItemId(page, ItemPointerGetOffsetNumber(tid))), cap));
		ok = true;
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * The core memory of the last scratch freed, kept for the next one: a scan
 * that mallocs its visited map and heaps afresh has the kernel fault and
 * zero new pages on every query.  At 1M realistic rows keeping it served
 * 419-460 queries a second at ef_search 112 against 325-384, and 222-270
 * at 224 against 175-226 (pgbench, one client, builds interleaved three
 * times; the same answers).  Kept only while it stays under
 * FG_SPARE_MAX_BYTES, a bound on what a backend holds, and reused only for a
 * map between the size asked for and FG_SPARE_MAX_GROWTH times it, since a
 * reused map is cleared whole; other sizes get fresh memory, as before.
 */
#define FG_SPARE_MAX_BYTES	((Size) 2 * 1024 * 1024)
#define FG_SPARE_MAX_GROWTH	4

/* The spare; it holds memory while its map does. */
static FgScratch spare;

static Size
scratch_bytes(const FgScratch *s)
{
	return (s->cand.cap + s->res.cap + s->pool.cap) * sizeof(of_heap_item) +
		(s->seen.mask + 1) * (sizeof(uint64) + sizeof(uint32));
}

static void
scratch_free_core(FgScratch *s)
{
	of_heap_free(&s->cand);
	of_heap_free(&s->res);
	of_heap_free(&s->pool);
	of_idmap_free(&s->seen);
}

/* Move the core memory of from to to, leaving from with none. */
static void
move_core(FgScratch *to, FgScratch *from)
{
	to->cand = from->cand;
	to->res = from->res;
	to->pool = from->pool;
	to->seen = from->seen;
	memset(&from->cand, 0, sizeof(from->cand));
	memset(&from->res, 0, sizeof(from->res));
	memset(&from->pool, 0, sizeof(from->pool));
	memset(&from->seen, 0, sizeof(from->seen));
}

/*
 * Keep the scratch's core memory as the spare if there is none or it is
 * larger (an insert's search at level 0 outlasts its searches of the upper
 * levels), else free it; a second call does nothing.
 */
static void
fg_scratch_release(void *arg)
{
	FgScratch  *s = arg;

	if (s->seen.keys == NULL)
		return;
	if (scratch_bytes(s) <= FG_SPARE_MAX_BYTES &&
		(spare.seen.keys == NULL || scratch_bytes(s) > scratch_bytes(&spare)))
	{
		if (spare.seen.keys != NULL)
			scratch_free_core(&spare);
		move_core(&spare, s);
	}
	else
		scratch_free_core(s);
}

FgScratch *
fg_scratch_create(size_t expected)
{
	FgScratch  *s = palloc0(sizeof(FgScratch));
	size_t		want = 2 * Max(expected, 1);

	if (spare.seen.keys != NULL && spare.seen.mask + 1 >= want &&
		spare.seen.mask + 1 <= FG_SPARE_MAX_GROWTH * want)
	{
		move_core(s, &spare);
		of_heap_clear(&s->cand);
		of_heap_clear(&s->res);
		of_heap_clear(&s->pool);
		of_idmap_clear(&s->seen);
	}
	else
	{
		of_heap_init(&s->cand, 0);
		of_heap_init(&s->res, 1);
		of_heap_init(&s->pool, 0);
		if (of_idmap_init(&s->seen, expected) != OF_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	s->cb.func = fg_scratch_release;
	s->cb.arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &s->cb);
	return s;
}

void
fg_scratch_free(FgScratch *s)
{
	fg_scratch_release(s);
}

/* Push onto a core heap or fail with out of memory. */
void
fg_heap_push(of_heap *h, float d, uint32 id)
{
	if (of_heap_push(h, d, id) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}

/* Append to a core heap (of_heap_append) or fail with out of memory. */
void
fg_heap_append(of_heap *h, float d, uint32 id)
{
	if (of_heap_append(h, d, id) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}

/*
 * The value slot of key in the map, inserting it with val if it was not
 * there (*found says which), or fail with out of memory.
 */
uint32 *
fg_map_slot(of_idmap *m, uint64 key, uint32 val, bool *found)
{
	int			f;
	uint32	   *slot;

	if (of_idmap_put(m, key, val, &f, &slot) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	*found = f != 0;
	return slot;
}

/* Insert key into the map; true when it was already there. */
bool
fg_seen(of_idmap *m, uint64 key, uint32 val)
{
	bool		found;

	fg_map_slot(m, key, val, &found);
	return found;
}
