/*
 * facegraph: openface's index access method for face_embedding.
 *
 * An HNSW-class navigable graph stored in PostgreSQL pages.  Each element is
 * one page item holding the heap TID, the 8-bit quantised vector (with the
 * norm of its quantisation residual) and the element's neighbour lists for
 * all its levels.  Distances computed on the codes are turned into true
 * lower bounds of the exact distance, and scans hand them to the executor
 * with xs_recheckorderby so rows come out in exact order after re-ranking
 * against the heap values.  Every page change goes through generic WAL.
 *
 * Files: fgutils.c (pages, meta, options, handler), fgbuild.c, fginsert.c,
 * fggraph.c (graph operations of insert and VACUUM), fgscan.c, fgcost.c (planner), fgvacuum.c, fgvalidate.c, fgcheck.c
 * (face_index_check), fgsphere.c (the face_sphere type for radius search),
 * fgrecent.c (pins pages through the buffer that last held them, prefetches
 * elements).
 */
#ifndef OPENFACE_FG_H
#define OPENFACE_FG_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"

#include "embedding.h"
#include "heap.h"
#include "graph/hnsw.h"
#include "graph/idmap.h"
#include "graph/sq8.h"

#define FG_DIM				FACE_EMBEDDING_DIM
#define FG_MAGIC			0x46474958	/* "FGIX" */
#define FG_VERSION			1
#define FG_METAPAGE_BLKNO	0
#define FG_PAGE_ID			0xFF8A

/* heavyweight page lock on the meta block taken by inserts and vacuum */
#define FG_UPDATE_LOCK		0

/* strategies and support functions */
#define FG_DISTANCE_STRATEGY	1	/* ORDER BY <-> or <=> */
#define FG_SPHERE_STRATEGY		2	/* WHERE emb <@ face_sphere */
#define FG_NSTRATEGIES			2
#define FG_METRIC_PROC			1	/* (internal) -> int4: FG_METRIC_* */
#define FG_NPROCS				1

#define FG_METRIC_L2		1
#define FG_METRIC_COSINE	2

/*
 * Build options and their defaults, measured with bench/index_bench.sh on
 * face-like data (gen/facelike.h: unit vectors, 8 per identity, same
 * identity ~0.41 apart, different ~1.08), ef_search 40 unless noted:
 *   m = 24, ef_construction = 100 (the default before 0.3), 100k rows:
 *     build 13.3 s, 44 MiB; recall@10 0.961 / 0.977 / 0.989 at ef_search
 *     20 / 40 / 80.  1M rows: build 272 s, 440 MiB; recall@10 0.878 /
 *     0.929 / 0.956 at ef_search 40 / 80 / 160.
 *   m = 16, ef_construction = 64: half the build time, but at 1M rows
 *     recall fell to 0.71 at ef_search 40 and radius recall to 0.92.
 *   m = 24, ef_construction = 200: recall@10 0.977 at ef_search 20 for a
 *     build 2.4 times as long.
 * On rows shaped like real descriptors (gen/realfaces.h; bench/graph_link,
 * the in-memory graph alone, 2 threads, 1,000 queries, one run each):
 *   100k rows, link time and recall@10 at ef_search 112: m 24 /
 *     ef_construction 100 19.6 s, 0.985; 24 / 64 13.8 s, 0.981; 24 / 40
 *     7.9 s, 0.970; 16 / 64 9.8 s, 0.955.  A cheaper build costs every
 *     search a wider ef_search for the same recall.
 *   200k rows, ef_construction 100, recall@10 against distances computed
 *     a query: m 32 0.985 at 5,434; m 24 0.985 at 5,781 and 0.993 at
 *     7,615; m 16 0.974 at 5,435 and 0.984 at 7,298.  m 32 saves about 6%
 *     of a search's distances for a fifth more index (96 bytes of links a
 *     row); m 16 loses recall.
 * ef_construction 80 and openface.ef_search 128 are the defaults since
 * the build and the scans got their prefetches back: measured on 1M rows
 * shaped like real descriptors (gen/realfaces.h, bench/index_data.c seed 1,
 * 300 queries; two build threads at 1 GB, private server, pgbench with one
 * client), ef_construction 100 built in 179 s and found 0.909 / 0.953 /
 * 0.978 of the true 10 nearest at ef_search 112 / 192 / 320 (860 / 568 /
 * 370 q/s); 80 built in 149 and 151 s (0.47x pgvector's defaults, 319 s
 * that day) and found 0.893-0.894 / 0.941-0.943 / 0.972-0.973 (780 / 506
 * / 362 q/s) and 0.983 at 448; 64 built in 121 s but found 0.885 / 0.934 /
 * 0.968; m 20 with 100 built in 167 s and found 0.886 / 0.935 / 0.966.  A
 * second build at 100 found 0.973 at 320 and 0.984 at 448 as well: at wide
 * searches 80 loses nothing beyond the spread of builds, at narrow ones
 * about a point and a half.  128 is then the narrowest ef_search that
 * finds 0.90 of the true 10 nearest at 1M rows (0.906 and 0.908 in the two
 * builds at 80, at 749-774 q/s); at 100k rows it finds about 0.98.  Builds
 * use 2 threads unless openface.build_threads says otherwise.
 */
#define FG_DEFAULT_EF_SEARCH		128
#define FG_MAX_EF_SEARCH			1000
#define FG_DEFAULT_BUILD_THREADS	2
#define FG_MAX_BUILD_THREADS		16
#define FG_DEFAULT_M		24
#define FG_MIN_M			4
#define FG_MAX_M			64
#define FG_DEFAULT_EF_CONSTRUCTION	80
#define FG_MIN_EF_CONSTRUCTION		10
#define FG_MAX_EF_CONSTRUCTION		1000
#define FG_MAX_LEVEL		OF_HNSW_MAX_LEVEL	/* levels on disk = levels built */

/* page flags */
#define FG_PAGE_META		(1 << 0)
#define FG_PAGE_ELEMENTS	(1 << 1)

typedef struct FgPageOpaqueData
{
	uint16		flags;
	uint16		page_id;		/* FG_PAGE_ID, for tools such as pg_filedump */
} FgPageOpaqueData;

typedef FgPageOpaqueData *FgPageOpaque;

#define FgPageGetOpaque(page) ((FgPageOpaque) PageGetSpecialPointer(page))

/*
 * Whether a page holds elements, judged from its header alone: scans ask
 * this of every page they read, and the flags at the far end of the page
 * would cost them one more cache miss each.  Block 0 is the meta page; every
 * other initialised page is an element page.
 */
static inline bool
fg_is_element_page(Page page, BlockNumber blkno)
{
	return blkno != FG_METAPAGE_BLKNO && !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(FgPageOpaqueData));
}

typedef struct FgMetaPageData
{
	uint32		magic;
	uint32		version;
	uint16		m;
	uint16		ef_construction;
	uint16		metric;
	int16		top_level;		/* -1 while the graph is empty */
	ItemPointerData entry;		/* entry element, invalid while empty */
	BlockNumber insert_page;	/* last page an element was added to */
	of_sq8		quantizer;		/* fixed at build time */
} FgMetaPageData;

typedef FgMetaPageData *FgMetaPage;

#define FgPageGetMeta(page) ((FgMetaPage) PageGetContents(page))

/* element flags */
#define FG_ELEM_DELETED		(1 << 0)

/*
 * One graph element.  Neighbour lists follow the fixed part: 2m slots for
 * level 0, then m per level up to "level".  Unused slots are invalid TIDs
 * and always come after the used ones.
 */
typedef struct FgElementData
{
	ItemPointerData heaptid;
	uint8		level;
	uint8		flags;
	float4		resid;			/* |x - decoded(code)|, rounded up */
	uint8		code[FG_DIM];
	ItemPointerData links[FLEXIBLE_ARRAY_MEMBER];
} FgElementData;

typedef FgElementData *FgElement;

#define FG_ELEMENT_FIXED	offsetof(FgElementData, links)

static inline int
fg_level_slots(int m, int level)
{
	return level == 0 ? 2 * m : m;
}

static inline int
fg_level_offset(int m, int level)
{
	return level == 0 ? 0 : 2 * m + (level - 1) * m;
}

static inline Size
fg_element_size(int m, int level)
{
	return FG_ELEMENT_FIXED + sizeof(ItemPointerData) * (2 * m + level * m);
}

/* The largest element any index can hold: room for a copy of any one. */
#define FG_ELEMENT_MAX (fg_element_size(FG_MAX_M, FG_MAX_LEVEL))

/* Per-index values that never change after the build (kept in rd_amcache). */
typedef struct FgIndexInfo
{
	int			m;
	int			ef_construction;
	int			metric;
	of_sq8		quantizer;
} FgIndexInfo;

typedef struct FgOptions
{
	int32		vl_len_;
	int			m;
	int			ef_construction;
} FgOptions;

/* A vector ready for the graph (normalised for cosine), or skipped. */
typedef struct FgVector
{
	float		x[FG_DIM];
} FgVector;

/*
 * Search scratch whose malloc'd parts (core heaps and id map) a
 * memory-context callback hands back, so an ERROR in the middle leaks
 * nothing: kept as the backend's spare for the next scratch, or freed.
 */
typedef struct FgScratch
{
	of_heap		cand;
	of_heap		res;
	of_heap		pool;			/* used by scans only */
	of_idmap	seen;
	MemoryContextCallback cb;
} FgScratch;

extern FgScratch *fg_scratch_create(size_t expected);
extern void fg_scratch_free(FgScratch *s);
extern void fg_heap_append(of_heap *h, float d, uint32 id);
extern void fg_heap_push(of_heap *h, float d, uint32 id);
extern uint32 *fg_map_slot(of_idmap *m, uint64 key, uint32 val, bool *found);
extern bool fg_seen(of_idmap *m, uint64 key, uint32 val);

/* GUCs */
extern int	fg_ef_search;
extern bool fg_strict_order;
extern int	fg_build_threads;

/* fgplan.c */
extern void fg_plan_init(void);

/* fgutils.c */
extern void fg_init(void);
extern FgIndexInfo *fg_index_info(Relation index);
extern int	fg_metric_of(Relation index);
extern bool fg_prepare_vector(int metric, const FaceEmbedding *e, FgVector *out);
extern void fg_init_page(Page page, uint16 flags);
extern void fg_fill_meta(Page page, int m, int efc, int metric, const of_sq8 *q);
extern void fg_read_meta(Relation index, ItemPointer entry, int *top, BlockNumber *insert_page);
extern int	fg_random_level(int m);
extern uint64 fg_tid_key(ItemPointer tid);
extern int	fg_cmp_tid(const void *a, const void *b);
extern double fg_distance_from_lb(int metric, float lb);
extern FgElement fg_page_element(Page page, OffsetNumber off);
extern FgElement fg_element_at(Page page, ItemPointer tid);
extern bool fg_read_element(Relation index, ItemPointer tid, FgElement copy, Size cap);
extern bytea *fgoptions(Datum reloptions, bool validate);
extern void fg_get_options(Relation index, int *m, int *efc);

/* fgrecent.c */
extern Buffer fg_read_buffer(Relation index, BlockNumber blkno);
extern void fg_prefetch_elements(Relation index, const ItemPointerData *tids, int n);

/* fgbuild.c */
extern IndexBuildResult *fgbuild(Relation heap, Relation index, IndexInfo *indexInfo);
extern void fgbuildempty(Relation index);
extern char *fgbuildphasename(int64 phasenum);

/* fginsert.c */
extern bool fginsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
					 Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
					 IndexInfo *indexInfo);
extern void fg_insert_vector(Relation index, const FgVector *v, ItemPointer heaptid);

/* fggraph.c: the graph operations inserts and VACUUM share */

/* A candidate found by a graph search. */
typedef struct FgNeighbour
{
	ItemPointerData tid;
	float		d2;				/* squared code distance to the base */
	uint8		level;
	uint8		code[FG_DIM];
} FgNeighbour;

extern int	fg_count_links(const FgElementData *e, int m, int level);
extern int	fg_search_level(Relation index, FgIndexInfo *info, const of_sq8_query *qq,
							FgNeighbour *entries, int nentries, int level, int ef,
							FgNeighbour **out);
extern int	fg_select(FgIndexInfo *info, const float *base, FgNeighbour *cands, int n,
					  int keep, bool fill, int *chosen);
extern int	fg_find_nearest(Relation index, const float *v, int ef, FgNeighbour **out);
extern FgElement fg_lock_element(Relation index, ItemPointer tid, int level, Buffer *buf);
extern FgElement fg_log_element(Relation index, Buffer buf, ItemPointer tid,
								GenericXLogState **state);
extern bool fg_has_link(const FgElementData *e, int m, int level, ItemPointer tid);
extern void fg_force_link(Relation index, ItemPointer nb, ItemPointer add, int level);
extern int	fg_append_links(Relation index, ItemPointer tid, int level,
							const ItemPointerData *adds, int nadds);
extern bool fg_set_links(Relation index, ItemPointer tid, int level,
						 const ItemPointerData *expect, int nexpect,
						 const ItemPointerData *links, int nlinks);

/* fgscan.c */
extern IndexScanDesc fgbeginscan(Relation index, int nkeys, int norderbys);
extern void fgrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
extern bool fggettuple(IndexScanDesc scan, ScanDirection dir);
extern void fgendscan(IndexScanDesc scan);

/* fgcost.c */
extern void fgcostestimate(struct PlannerInfo *root, struct IndexPath *path, double loop_count,
						   Cost *indexStartupCost, Cost *indexTotalCost,
						   Selectivity *indexSelectivity, double *indexCorrelation,
						   double *indexPages);

/* fgvacuum.c */
extern IndexBulkDeleteResult *fgbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
										   IndexBulkDeleteCallback callback, void *callback_state);
extern IndexBulkDeleteResult *fgvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);
extern void fg_reconnect(Relation index, BufferAccessStrategy bas);

/* fgvalidate.c */
extern bool fgvalidate(Oid opclassoid);

/* fgsphere.c */
typedef struct FaceSphere
{
	FaceEmbedding center;
	float4		radius;
} FaceSphere;

#define DatumGetFaceSphere(d) ((FaceSphere *) DatumGetPointer(d))

#endif
