/*
 * facegraph: index scans.
 *
 * ORDER BY emb <-> q (or <=>) and WHERE emb <@ face_sphere(c, r) are served
 * by one streaming best-first search over level 0.  A batch is the classic
 * HNSW search of width openface.ef_search; every element seen but not
 * returned stays in a pool (and unexpanded ones in the candidate queue), so
 * when the executor asks for more rows than a batch held -- a filter
 * rejected them -- the next batch continues from where the last stopped
 * instead of starting over.  Filtered queries therefore get the full LIMIT
 * as long as enough rows match.
 *
 * Distances come from the 8-bit codes as lower bounds of the exact distance;
 * with xs_recheckorderby the executor re-ranks rows on the exact values.
 * That re-ranking needs the bounds returned in nondecreasing order, so
 * under openface.strict_order (the default) a scan returns the nearer part
 * of each batch, drops rows found below a bound it already returned, and
 * widens as it streams; with it off, later batches return such rows anyway
 * (better recall under filters, slightly out of order).
 * Radius scans search twice as wide, return candidates whose bound lies
 * inside the radius and stop after the first settled batch that reaches
 * outside it (or, while nothing inside was found, a few batches later); the
 * executor rechecks the exact condition.
 *
 * Scans keep no buffer pinned between calls, so VACUUM never waits for
 * them; a heap TID returned after VACUUM freed it can only point to a row
 * newer than an MVCC snapshot, which the heap fetch then hides.  (Scans
 * with non-MVCC snapshots are not protected against that, as in other
 * graph indexes.)
 */
#include "facegraph/fg.h"

#include <math.h>

#include "access/genam.h"
#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "graph/beam.h"

typedef struct FgScanItem
{
	ItemPointerData tid;
	ItemPointerData heaptid;
	float		d2;				/* squared code distance to the search query */
	float		lb;				/* lower bound of the exact L2 distance */
	float		lb_sphere;		/* same, to the sphere centre */
	uint8		level;			/* the element's top level */
	uint8		state;			/* FG_ITEM_* */
} FgScanItem;

/* Batches wholly outside the radius a radius scan reads before giving up. */
#define FG_RADIUS_RETRIES	2

/*
 * Width of the level-1 beam that seeds level 0.  Measured on 1M realistic
 * rows (300 queries, recall@10 / q/s in one backend): at ef_search 128,
 * width 16 gives 0.917 at 456 q/s, width ef_search (as before) 0.922 at
 * 337 -- that beam read a third of all the elements a search read -- and a
 * greedy entry (width 1) 0.915 at 461; at 320, all three 0.975, at 203 /
 * 152 / 207 q/s.  At 200k rows width 16 keeps 0.926 at ef 64 (ef wide:
 * 0.927, greedy: 0.922).  Radius recall at r 0.43 is the same at all three.
 */
#define FG_LEVEL1_WIDTH		16

#define FG_ITEM_READ		(1 << 0)
#define FG_ITEM_EXPANDED	(1 << 1)
#define FG_ITEM_EMITTED		(1 << 2)
#define FG_ITEM_DEAD		(1 << 3)	/* deleted or unreadable */

typedef struct FgScanOpaqueData
{
	FgIndexInfo *info;
	MemoryContext ctx;
	bool		started;
	bool		done;
	bool		valid;			/* query usable (not NULL, cosine of non-zero) */
	bool		has_sphere;
	bool		sphere_same;	/* sphere centre is the search query */
	bool		last_batch;		/* radius scan: nothing more can be inside */
	bool		found_inside;	/* radius scan: a batch had rows inside */
	int			empty_batches;	/* radius scan: batches wholly outside so far */
	float		returned_lb;	/* ordered scan: bound of the last row returned */
	uint32		returned;		/* rows returned so far */
	bool		strict;			/* ordered scan under openface.strict_order */
	int			width;			/* search width of the next batch */
	float		radius;
	int			ef;
	of_sq8_query qq;
	of_sq8_query sq;
	FgScratch  *s;				/* cand: unexpanded, res: batch, pool: left over */
	FgScanItem *items;
	uint32		nitems;
	uint32		capitems;
	uint32	   *batch;
	int			nbatch;
	int			batchpos;
} FgScanOpaqueData;

typedef FgScanOpaqueData *FgScanOpaque;

IndexScanDesc
fgbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	FgScanOpaque so = palloc0(sizeof(FgScanOpaqueData));

	so->info = fg_index_info(index);
	/* The AM owns these arrays (the executor only reads them). */
	if (norderbys > 0)
	{
		scan->xs_orderbyvals = palloc0(sizeof(Datum) * norderbys);
		scan->xs_orderbynulls = palloc(sizeof(bool) * norderbys);
		memset(scan->xs_orderbynulls, true, sizeof(bool) * norderbys);
	}
	so->ctx = AllocSetContextCreate(CurrentMemoryContext, "facegraph scan",
									ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

void
fgrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	MemoryContext old;
	FgVector	query;
	bool		have_query = false;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));

	MemoryContextReset(so->ctx);
	old = MemoryContextSwitchTo(so->ctx);
	so->started = false;
	so->done = false;
	so->valid = true;
	so->has_sphere = false;
	so->sphere_same = false;
	so->last_batch = false;
	so->found_inside = false;
	so->empty_batches = 0;
	so->returned_lb = 0;
	so->returned = 0;
	so->strict = scan->numberOfOrderBys > 0 && fg_strict_order;
	so->ef = fg_ef_search;
	so->nitems = 0;
	so->capitems = 1024;
	so->items = palloc(sizeof(FgScanItem) * so->capitems);
	so->batch = palloc(sizeof(uint32) * (so->ef + 1));
	so->nbatch = so->batchpos = 0;
	so->s = fg_scratch_create((size_t) so->ef * 32);

	for (int i = 0; i < scan->numberOfOrderBys; i++)
	{
		ScanKey		k = &scan->orderByData[i];

		if (k->sk_flags & SK_ISNULL)
			so->valid = false;
		else if (!have_query)
		{
			have_query = fg_prepare_vector(so->info->metric, DatumGetFaceEmbedding(k->sk_argument), &query);
			if (!have_query)
				so->valid = false;
			else
				of_sq8_prepare(&so->info->quantizer, query.x, &so->qq);
		}
	}
	for (int i = 0; i < scan->numberOfKeys; i++)
	{
		ScanKey		k = &scan->keyData[i];
		FaceSphere *sp;

		if (k->sk_flags & SK_ISNULL)
		{
			so->valid = false;
			continue;
		}
		sp = DatumGetFaceSphere(k->sk_argument);
		if (so->has_sphere)
		{
			/* Several spheres: search the first, the executor checks all. */
			continue;
		}
		so->has_sphere = true;
		so->radius = sp->radius;
		of_sq8_prepare(&so->info->quantizer, sp->center.x, &so->sq);
		if (!have_query)
		{
			memcpy(&so->qq, &so->sq, sizeof(of_sq8_query));
			have_query = true;
			so->sphere_same = true;
		}
		else
			so->sphere_same = memcmp(&so->qq, &so->sq, sizeof(of_sq8_query)) == 0;
	}
	if (!have_query)
		so->valid = false;
	/*
	 * A radius scan must return every row inside: twice the width costs
	 * little next to the exact scan and lifts recall over 0.99 (measured).
	 */
	if (so->has_sphere && scan->numberOfOrderBys == 0)
	{
		so->ef = Min(2 * so->ef, 2000);
		so->batch = repalloc(so->batch, sizeof(uint32) * (so->ef + 1));
	}
	so->width = so->ef;
	MemoryContextSwitchTo(old);
}

/* Register element tid as seen; returns its item index or UINT32_MAX if known. */
static uint32
new_item(FgScanOpaque so, ItemPointer tid)
{
	if (fg_seen(&so->s->seen, fg_tid_key(tid), so->nitems))
		return UINT32_MAX;
	if (so->nitems == so->capitems)
	{
		so->capitems *= 2;
		so->items = repalloc_huge(so->items, sizeof(FgScanItem) * so->capitems);
	}
	memset(&so->items[so->nitems], 0, sizeof(FgScanItem));
	so->items[so->nitems].tid = *tid;
	return so->nitems++;
}

static int
cmp_item_tid(const void *a, const void *b, void *arg)
{
	FgScanItem *items = arg;

	return ItemPointerCompare(&items[*(const uint32 *) a].tid, &items[*(const uint32 *) b].tid);
}

/*
 * Whether the items are in TID order already: neighbour lists are written
 * sorted (see write_graph), so a search mostly skips the sort.
 */
static bool
items_sorted(FgScanOpaque so, const uint32 *ids, int n)
{
	for (int i = 1; i < n; i++)
		if (ItemPointerCompare(&so->items[ids[i - 1]].tid, &so->items[ids[i]].tid) > 0)
			return false;
	return true;
}

/* Lock a pinned page, turn its items' codes into distances, release it. */
static void
read_page(IndexScanDesc scan, Buffer buf, const uint32 *ids, int n)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	for (int i = 0; i < n; i++)
	{
		FgScanItem *it = &so->items[ids[i]];
		FgElement	e = fg_element_at(page, &it->tid);

		it->state |= FG_ITEM_READ;
		if (e == NULL)
		{
			it->state |= FG_ITEM_DEAD | FG_ITEM_EXPANDED;
			continue;
		}
		if (e->flags & FG_ELEM_DELETED)
			it->state |= FG_ITEM_DEAD;
		it->heaptid = e->heaptid;
		it->level = e->level;
		it->d2 = of_sq8_l2_squared(&so->qq, e->code);
		it->lb = of_sq8_l2_lower_bound(it->d2, e->resid);
		if (so->has_sphere)
			it->lb_sphere = so->sphere_same ? it->lb :
				of_sq8_l2_lower_bound(of_sq8_l2_squared(&so->sq, e->code), e->resid);
	}
	UnlockReleaseBuffer(buf);
}

/*
 * Read the given items (at most 2m) from their pages, one buffer lock per
 * page: codes become distances.  Only the code is touched: most items are
 * never expanded, so their links are read when (if) they are.
 */
static void
read_items(IndexScanDesc scan, uint32 *ids, int n)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;

	Assert(n <= 2 * FG_MAX_M);
	if (!items_sorted(so, ids, n))
		qsort_arg(ids, n, sizeof(uint32), cmp_item_tid, so->items);
	for (int i = 0, next; i < n; i = next)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&so->items[ids[i]].tid);

		next = i + 1;
		while (next < n && ItemPointerGetBlockNumber(&so->items[ids[next]].tid) == blk)
			next++;
		read_page(scan, fg_read_buffer(scan->indexRelation, blk), ids + i, next - i);
	}
}

/* Greedy descent from the top down to level "to"; returns the element reached. */
static void
descend(IndexScanDesc scan, ItemPointer entry, int top, int to)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	int			m = so->info->m;
	FgElement	e = palloc(fg_element_size(m, FG_MAX_LEVEL));
	ItemPointerData cur = *entry;
	float		best;

	if (!fg_read_element(scan->indexRelation, &cur, e, fg_element_size(m, FG_MAX_LEVEL)))
		elog(ERROR, "facegraph index \"%s\" has a bad entry point",
			 RelationGetRelationName(scan->indexRelation));
	best = of_sq8_l2_squared(&so->qq, e->code);
	for (int l = top; l > to; l--)
	{
		bool		moved = true;

		while (moved)
		{
			ItemPointerData links[FG_MAX_M];
			int			nl = 0;

			moved = false;
			if (!fg_read_element(scan->indexRelation, &cur, e, fg_element_size(m, FG_MAX_LEVEL)) ||
				e->level < l)
				break;
			while (nl < m && ItemPointerIsValid(&e->links[fg_level_offset(m, l) + nl]))
			{
				links[nl] = e->links[fg_level_offset(m, l) + nl];
				nl++;
			}
			for (int i = 0; i < nl; i++)
			{
				float		d;

				if (!fg_read_element(scan->indexRelation, &links[i], e, FG_ELEMENT_FIXED))
					continue;
				d = of_sq8_l2_squared(&so->qq, e->code);
				if (d < best)
				{
					best = d;
					cur = links[i];
					moved = true;
				}
			}
		}
	}
	pfree(e);
	*entry = cur;
}

/*
 * Read the links of item id at level and the items they lead to that were
 * not seen yet; their ids go to fresh.  Returns how many.
 */
static int
follow(IndexScanDesc scan, uint32 id, int level, uint32 *fresh)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	ItemPointerData links[2 * FG_MAX_M];
	int			nf = 0,
				nl = 0,
				m = so->info->m,
				slots = fg_level_slots(m, level);
	ItemPointer tid = &so->items[id].tid;
	Buffer		buf;
	FgElement	e;

	buf = fg_read_buffer(scan->indexRelation, ItemPointerGetBlockNumber(tid));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	e = fg_element_at(BufferGetPage(buf), tid);
	if (e != NULL)
	{
		const ItemPointerData *l = e->links + fg_level_offset(m, level);

		if (e->level >= level)
			while (nl < slots && ItemPointerIsValid(&l[nl]))
			{
				links[nl] = l[nl];
				nl++;
			}
	}
	UnlockReleaseBuffer(buf);

	/*
	 * Each link's slot in the seen map, all asked for before the first is
	 * looked up: a 1M-row scan's map outgrows the caches, and its lookups
	 * took 13% of the time.  1M realistic rows at ef_search 224 (three
	 * rounds interleaved): 388-409 queries a second against 345-387.
	 */
	for (int i = 0; i < nl; i++)
		OF_IDMAP_PREFETCH(&so->s->seen, fg_tid_key(&links[i]));
	/* The unseen links, all asked for at once: each is a cache miss or more. */
	for (int i = 0; i < nl; i++)
	{
		uint32		nid = new_item(so, &links[i]);

		if (nid != UINT32_MAX)
		{
			links[nf] = links[i];
			fresh[nf++] = nid;
		}
	}
	fg_prefetch_elements(scan->indexRelation, links, nf);
	if (nf > 0)
		read_items(scan, fresh, nf);
	return nf;
}

/* One level of the index as of_beam_search walks it in a scan. */
typedef struct FgScanWalk
{
	IndexScanDesc scan;
	int			level;
} FgScanWalk;

/*
 * of_beam_expand: expand item id at the walk's level (level 0 expands each
 * item once: the candidate queue of a stream may hold one twice).
 */
static int
scan_expand(void *arg, uint32 id, of_beam_step *out)
{
	FgScanWalk *w = arg;
	FgScanOpaque so = (FgScanOpaque) w->scan->opaque;
	uint32		fresh[2 * FG_MAX_M];
	int			nf,
				nout = 0;

	if (w->level == 0)
	{
		if (so->items[id].state & FG_ITEM_EXPANDED)
			return 0;
		so->items[id].state |= FG_ITEM_EXPANDED;
	}
	CHECK_FOR_INTERRUPTS();
	nf = follow(w->scan, id, w->level, fresh);
	for (int i = 0; i < nf; i++)
	{
		FgScanItem *it = &so->items[fresh[i]];

		/* Unreadable items lead nowhere; deleted ones still lead on. */
		if (it->level < w->level ||
			(it->state & (FG_ITEM_DEAD | FG_ITEM_EXPANDED)) == (FG_ITEM_DEAD | FG_ITEM_EXPANDED))
			continue;
		out[nout].d = it->d2;
		out[nout].id = fresh[i];
		out[nout].dead = (it->state & FG_ITEM_DEAD) != 0;
		nout++;
	}
	return nout;
}

/* Run the beam search at level from the seeds in cand and res. */
static void
walk_level(IndexScanDesc scan, int level, int width, of_heap *pool)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	of_beam_step steps[2 * FG_MAX_M];
	FgScanWalk	w = {scan, level};
	of_beam		b = {
		.cand = &so->s->cand, .res = &so->s->res, .pool = pool, .width = (size_t) width,
		.steps = steps, .expand = scan_expand, .arg = &w
	};

	if (of_beam_search(&b) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}

static int
cmp_batch(const void *a, const void *b, void *arg)
{
	FgScanItem *items = arg;
	float		x = items[*(const uint32 *) a].lb;
	float		y = items[*(const uint32 *) b].lb;

	return x < y ? -1 : x > y;
}

static void
grow_width(FgScanOpaque so, uint32 width)
{
	if (width <= (uint32) so->width)
		return;
	so->width = width;
	so->batch = repalloc_huge(so->batch, sizeof(uint32) * (width + 1));
}

/* Run the search until the next batch is settled; false when exhausted. */
static bool
next_batch(IndexScanDesc scan)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	FgScratch  *s = so->s;

	/*
	 * A strict scan asked for more rows than its batches held (a filter
	 * rejects most of them) searches twice as wide as the rows it has
	 * returned: at a fixed width the rows it returns drift ever further
	 * from the exact order, and it drops ever more of them.
	 */
	if (so->strict)
		grow_width(so, so->ef + 2 * so->returned);
	of_heap_clear(&s->res);
	while (s->res.n < (size_t) so->width && s->pool.n)
	{
		of_heap_item it = of_heap_pop(&s->pool);

		if (so->items[it.id].state & FG_ITEM_EMITTED)
			continue;
		fg_heap_push(&s->res, it.d, it.id);
		if (!(so->items[it.id].state & FG_ITEM_EXPANDED))
			fg_heap_push(&s->cand, it.d, it.id);
	}
	walk_level(scan, 0, so->width, &s->pool);
	so->nbatch = 0;
	so->batchpos = 0;
	while (s->res.n)
		so->batch[so->nbatch++] = of_heap_pop(&s->res).id;
	if (so->nbatch == 0)
		return false;
	qsort_arg(so->batch, so->nbatch, sizeof(uint32), cmp_batch, so->items);
	if (so->strict)
	{
		int			keep = 0,
					share = so->returned == 0 ? (3 * so->nbatch + 3) / 4 : (so->nbatch + 1) / 2;

		/*
		 * The executor takes every distance returned as a bound on all later
		 * rows, so rows must come out in nondecreasing order of their
		 * bounds.  Return the nearer part of the batch and put the rest
		 * back: the next batch searches further and may still find rows
		 * that belong between them.  Rows found below a bound already
		 * returned are dropped, as misses of the earlier search.  The first
		 * batch returns three quarters, so a plain LIMIT mostly needs one
		 * search (half made LIMIT 10 at ef_search 20 search twice: 1.7x the
		 * time); deeper into a stream the search keeps further ahead.
		 */
		for (int i = 0; i < so->nbatch; i++)
		{
			uint32		id = so->batch[i];
			FgScanItem *it = &so->items[id];

			if (it->lb < so->returned_lb)
				it->state |= FG_ITEM_EMITTED;
			else if (keep < share)
				so->batch[keep++] = id;
			else
				fg_heap_append(&s->pool, it->d2, id);
		}
		so->nbatch = keep;
	}
	if (so->has_sphere)
	{
		int			keep = 0;
		float		least = INFINITY,
					most = 0;

		for (int i = 0; i < so->nbatch; i++)
		{
			FgScanItem *it = &so->items[so->batch[i]];

			least = Min(least, it->lb_sphere);
			most = Max(most, it->lb_sphere);
			if (it->lb_sphere <= so->radius)
				so->batch[keep++] = so->batch[i];
			else
				it->state |= FG_ITEM_EMITTED;
		}
		so->nbatch = keep;
		/*
		 * The batch is settled: every candidate nearer than its farthest
		 * member has been expanded.  Once that member lies outside the
		 * radius, the rest of the graph lies farther still -- unless the
		 * search has not reached the rows inside at all: a batch wholly
		 * outside before any row inside may be a search that went astray,
		 * so a few more batches look further (at 1M rows this found the
		 * faces of 4 queries in 200 that one batch missed).
		 */
		if (so->sphere_same && least > so->radius)
			return !so->found_inside && ++so->empty_batches <= FG_RADIUS_RETRIES;
		if (keep > 0)
			so->found_inside = true;
		if (so->sphere_same && most > so->radius)
			so->last_batch = true;
	}
	return true;
}

/*
 * Find where level 0 starts: greedy through the sparse top levels, then a
 * beam of width FG_LEVEL1_WIDTH (or ef_search, if narrower) at level 1.
 * Every element that beam saw seeds level 0: seeds spread over the level-1
 * neighbourhood find tight clusters (one person's faces) that a single
 * greedy entry misses.  Upper-level elements are stored together (see
 * of_hnsw_order), so the beam reads few pages.
 */
static void
start(IndexScanDesc scan)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	FgScratch  *s = so->s;
	ItemPointerData entry,
				level1;
	int			top;
	uint32		id;

	so->started = true;
	fg_read_meta(scan->indexRelation, &entry, &top, NULL);
	if (!ItemPointerIsValid(&entry))
	{
		so->done = true;
		return;
	}
	level1 = entry;
	descend(scan, &level1, top, top >= 1 ? 1 : 0);
	id = new_item(so, &level1);
	read_items(scan, &id, 1);
	if (top >= 1)
	{
		fg_heap_push(&s->cand, so->items[id].d2, id);
		fg_heap_push(&s->res, so->items[id].d2, id);
		walk_level(scan, 1, Min(so->ef, FG_LEVEL1_WIDTH), NULL);
		of_heap_clear(&s->cand);
		of_heap_clear(&s->res);
	}

	/*
	 * The entry point seeds level 0 too: VACUUM keeps every live element
	 * reachable from it there, not from the level-1 beam's elements, so only
	 * with it does a stream that goes on long enough return every row.  It
	 * lies far from most queries and is rarely expanded before the end.
	 */
	id = new_item(so, &entry);
	if (id != UINT32_MAX)
		read_items(scan, &id, 1);
	for (uint32 i = 0; i < so->nitems; i++)
	{
		FgScanItem *it = &so->items[i];

		if (!(it->state & FG_ITEM_READ))
			continue;
		fg_heap_push(&s->cand, it->d2, i);
		if (!(it->state & FG_ITEM_DEAD))
			fg_heap_push(&s->pool, it->d2, i);
	}
}

bool
fggettuple(IndexScanDesc scan, ScanDirection dir)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	MemoryContext old;

	if (!so->valid || so->done)
		return false;
	old = MemoryContextSwitchTo(so->ctx);
	if (!so->started)
	{
		start(scan);
		pgstat_count_index_scan(scan->indexRelation);
	}
	while (!so->done && so->batchpos >= so->nbatch)
	{
		if (so->last_batch || !next_batch(scan))
			so->done = true;
	}
	MemoryContextSwitchTo(old);
	if (so->done && so->batchpos >= so->nbatch)
		return false;
	{
		FgScanItem *it = &so->items[so->batch[so->batchpos++]];

		it->state |= FG_ITEM_EMITTED;
		scan->xs_heaptid = it->heaptid;
		scan->xs_recheck = so->has_sphere;
		if (scan->numberOfOrderBys > 0)
		{
			so->returned_lb = it->lb;
			so->returned++;
			scan->xs_recheckorderby = true;
			scan->xs_orderbyvals[0] = Float8GetDatum(fg_distance_from_lb(so->info->metric, it->lb));
			scan->xs_orderbynulls[0] = false;
		}
	}
	return true;
}

void
fgendscan(IndexScanDesc scan)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;

	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
