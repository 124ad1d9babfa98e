/*
 * face_index_check(regclass): structural problems of a facegraph index, one
 * row each; no rows means healthy.  Checks the meta page, every neighbour
 * pointer (to nowhere, to itself, duplicated, to a deleted element, to an
 * element without that level), the entry point and top level, reachability
 * of every live element from the entry point at level 0 (where scans
 * stream), heap TIDs whose line pointers VACUUM has freed (left behind by a
 * VACUUM that missed them), and rows the index should hold but has no
 * element for.
 */
#include "facegraph/fg.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define FG_CHECK_MAX_ROWS 1000

typedef struct CheckElem
{
	ItemPointerData tid;
	ItemPointerData heaptid;
	uint8		level;
	uint8		flags;
	uint32		links;			/* first slot in the links array */
} CheckElem;

typedef struct CheckState
{
	ReturnSetInfo *rsinfo;
	int			rows;
	int			suppressed;
} CheckState;

static void
report(CheckState *cs, const char *problem, const ItemPointerData *tid, const char *fmt,...)
	pg_attribute_printf(4, 5);

static void
report(CheckState *cs, const char *problem, const ItemPointerData *tid, const char *fmt,...)
{
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	StringInfoData buf;
	va_list		ap;

	if (cs->rows >= FG_CHECK_MAX_ROWS)
	{
		cs->suppressed++;
		return;
	}
	cs->rows++;
	initStringInfo(&buf);
	for (;;)
	{
		int			need;

		va_start(ap, fmt);
		need = appendStringInfoVA(&buf, fmt, ap);
		va_end(ap);
		if (need == 0)
			break;
		enlargeStringInfo(&buf, need);
	}
	values[0] = CStringGetTextDatum(problem);
	if (tid)
	{
		ItemPointer t = palloc(sizeof(ItemPointerData));

		*t = *tid;
		values[1] = PointerGetDatum(t);
	}
	else
		nulls[1] = true;
	values[2] = CStringGetTextDatum(buf.data);
	tuplestore_putvalues(cs->rsinfo->setResult, cs->rsinfo->setDesc, values, nulls);
}

/*
 * Whether the heap line pointer tid names is free or was never there.
 * VACUUM frees a dead row's line pointer only after the indexes have
 * dropped their entries for it, so an element naming one was missed.  An
 * element of a dead row whose line pointer is still in use is normal: the
 * next VACUUM that vacuums indexes removes it (one that skips index cleanup,
 * as PostgreSQL does when few rows are dead, after a crash say, leaves it).
 */
static bool
heap_tid_freed(Relation heap, BlockNumber nblocks, ItemPointer tid)
{
	Buffer		buf;
	Page		page;
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);
	bool		freed;

	if (ItemPointerGetBlockNumber(tid) >= nblocks)
		return true;
	buf = ReadBuffer(heap, ItemPointerGetBlockNumber(tid));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	freed = PageIsNew(page) || off > PageGetMaxOffsetNumber(page) ||
		!ItemIdIsUsed(PageGetItemId(page, off));
	UnlockReleaseBuffer(buf);
	return freed;
}

static void
release_map(void *arg)
{
	of_idmap_free((of_idmap *) arg);
}

/* Make map for n keys, freed with the current memory context through cb. */
static void
map_init(of_idmap *map, MemoryContextCallback *cb, size_t n)
{
	if (of_idmap_init(map, n) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	cb->func = release_map;
	cb->arg = map;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
}

/* Every element of the index, with a copy of its links, and where each is. */
typedef struct CheckGraph
{
	int			m;
	CheckElem  *elems;
	int			nelems;
	ItemPointerData *links;
	of_idmap	map;			/* element TID -> index in elems */
	MemoryContextCallback cb;
} CheckGraph;

/* The index OID names a facegraph index: open it and its table. */
static Relation
open_index(Oid indexoid, Relation *heap)
{
	Relation	index;

	if (get_rel_relkind(indexoid) == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", indexoid)));
	if (get_rel_relkind(indexoid) != RELKIND_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(indexoid)),
				 errhint("face_index_check takes a facegraph index, not its table.")));
	/* Table before index, as everywhere else, to avoid lock-order deadlocks. */
	*heap = table_open(IndexGetRelation(indexoid, false), AccessShareLock);
	index = index_open(indexoid, AccessShareLock);
	if (index->rd_indam->ambuild != fgbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a facegraph index", RelationGetRelationName(index))));
	return index;
}

/* The meta page, if it is one a check can go on from. */
static bool
read_meta(CheckState *cs, Relation index, FgMetaPageData *meta)
{
	Buffer		buf;

	if (RelationGetNumberOfBlocks(index) == 0)
	{
		report(cs, "meta page missing", NULL, "the index has no pages");
		return false;
	}
	buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(meta, FgPageGetMeta(BufferGetPage(buf)), sizeof(*meta));
	UnlockReleaseBuffer(buf);
	if (meta->magic != FG_MAGIC || meta->version != FG_VERSION)
	{
		report(cs, "bad meta page", NULL, "magic %08x version %u", meta->magic, meta->version);
		return false;
	}
	if (meta->m < FG_MIN_M || meta->m > FG_MAX_M)
	{
		report(cs, "bad meta page", NULL, "m = %d", meta->m);
		return false;
	}
	return true;
}

/* Copy every well-formed element of one page into g. */
static void
collect_page(CheckState *cs, CheckGraph *g, Page page, BlockNumber blk, int *capelems,
			 uint32 *nlinks, uint32 *caplinks)
{
	for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		FgElement	e;
		int			slots;
		CheckElem  *c;

		if (!ItemIdIsNormal(iid))
			continue;
		e = (FgElement) PageGetItem(page, iid);
		if (e->level > FG_MAX_LEVEL || ItemIdGetLength(iid) != fg_element_size(g->m, e->level))
		{
			ItemPointerData t;

			ItemPointerSet(&t, blk, off);
			report(cs, "bad element", &t, "level %d, length %u", e->level, ItemIdGetLength(iid));
			continue;
		}
		slots = 2 * g->m + e->level * g->m;
		if (g->nelems == *capelems)
		{
			*capelems *= 2;
			g->elems = repalloc_huge(g->elems, sizeof(CheckElem) * *capelems);
		}
		while (*nlinks + slots > *caplinks)
		{
			*caplinks *= 2;
			g->links = repalloc_huge(g->links, sizeof(ItemPointerData) * *caplinks);
		}
		c = &g->elems[g->nelems++];
		ItemPointerSet(&c->tid, blk, off);
		c->heaptid = e->heaptid;
		c->level = e->level;
		c->flags = e->flags;
		c->links = *nlinks;
		memcpy(&g->links[*nlinks], e->links, sizeof(ItemPointerData) * slots);
		*nlinks += slots;
	}
}

/* Read every element page (the check's only pass over the index). */
static void
collect(CheckState *cs, Relation index, CheckGraph *g)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	int			capelems = 1024;
	uint32		nlinks = 0,
				caplinks = 1024 * 32;

	g->elems = palloc(sizeof(CheckElem) * capelems);
	g->links = palloc(sizeof(ItemPointerData) * caplinks);
	for (BlockNumber blk = FG_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!PageIsNew(page))
		{
			if (FgPageGetOpaque(page)->page_id != FG_PAGE_ID ||
				!(FgPageGetOpaque(page)->flags & FG_PAGE_ELEMENTS))
				report(cs, "bad page", NULL, "block %u is not an element page", blk);
			else
				collect_page(cs, g, page, blk, &capelems, &nlinks, &caplinks);
		}
		UnlockReleaseBuffer(buf);
	}

	map_init(&g->map, &g->cb, (size_t) g->nelems + 1);
	for (int i = 0; i < g->nelems; i++)
		fg_seen(&g->map, fg_tid_key(&g->elems[i].tid), (uint32) i);
}

/* Every neighbour list of every live element; returns the highest live level. */
static int
check_links(CheckState *cs, const CheckGraph *g)
{
	int			maxlevel = -1;

	for (int i = 0; i < g->nelems; i++)
	{
		const CheckElem *c = &g->elems[i];
		bool		live = !(c->flags & FG_ELEM_DELETED);

		if (live && c->level > maxlevel)
			maxlevel = c->level;
		if (!live && ItemPointerIsValid(&c->heaptid))
			report(cs, "deleted element keeps heap tid", &c->tid, "heap tid (%u,%u)",
				   ItemPointerGetBlockNumber(&c->heaptid), ItemPointerGetOffsetNumber(&c->heaptid));
		if (!live)
			continue;
		for (int l = 0; l <= c->level; l++)
		{
			ItemPointerData *lst = &g->links[c->links + fg_level_offset(g->m, l)];
			int			slots = fg_level_slots(g->m, l);
			bool		ended = false;

			for (int j = 0; j < slots; j++)
			{
				uint32		t;

				if (!ItemPointerIsValid(&lst[j]))
				{
					ended = true;
					continue;
				}
				if (ended)
					report(cs, "gap in neighbour list", &c->tid, "level %d slot %d follows an empty slot", l, j);
				if (ItemPointerEquals(&lst[j], (ItemPointer) &c->tid))
				{
					report(cs, "self link", &c->tid, "level %d", l);
					continue;
				}
				for (int k = 0; k < j; k++)
					if (ItemPointerEquals(&lst[k], &lst[j]))
						report(cs, "duplicate link", &c->tid, "level %d slot %d repeats slot %d", l, j, k);
				t = of_idmap_get(&g->map, fg_tid_key(&lst[j]));
				if (t == UINT32_MAX)
					report(cs, "link to nowhere", &c->tid, "level %d points to (%u,%u)", l,
						   ItemPointerGetBlockNumberNoCheck(&lst[j]), ItemPointerGetOffsetNumberNoCheck(&lst[j]));
				else if (g->elems[t].flags & FG_ELEM_DELETED)
					report(cs, "link to deleted element", &c->tid, "level %d points to (%u,%u)", l,
						   ItemPointerGetBlockNumber(&lst[j]), ItemPointerGetOffsetNumber(&lst[j]));
				else if (g->elems[t].level < l)
					report(cs, "layer inconsistency", &c->tid, "level %d points to (%u,%u) of level %d", l,
						   ItemPointerGetBlockNumber(&lst[j]), ItemPointerGetOffsetNumber(&lst[j]), g->elems[t].level);
			}
		}
	}
	return maxlevel;
}

/* The entry point names a live element on the top level; returns its index. */
static uint32
check_entry(CheckState *cs, const CheckGraph *g, FgMetaPageData *meta, int maxlevel)
{
	uint32		entry_ix = UINT32_MAX;

	if (ItemPointerIsValid(&meta->entry))
	{
		entry_ix = of_idmap_get(&g->map, fg_tid_key(&meta->entry));
		if (entry_ix == UINT32_MAX)
			report(cs, "bad entry point", NULL, "entry (%u,%u) is not an element",
				   ItemPointerGetBlockNumber(&meta->entry), ItemPointerGetOffsetNumber(&meta->entry));
		else if (g->elems[entry_ix].flags & FG_ELEM_DELETED)
			report(cs, "bad entry point", &meta->entry, "entry element is deleted");
		else if (g->elems[entry_ix].level != meta->top_level)
			report(cs, "layer inconsistency", &meta->entry, "entry level %d, meta top level %d",
				   g->elems[entry_ix].level, meta->top_level);
	}
	else if (maxlevel >= 0)
		report(cs, "bad entry point", NULL, "no entry point but live elements exist");
	if (maxlevel > meta->top_level)
		report(cs, "layer inconsistency", NULL, "an element has level %d above the top level %d",
			   maxlevel, meta->top_level);
	return entry_ix;
}

/*
 * Every live element has a path from the entry point over level-0 links,
 * where scans stream from (deleted elements still forward).
 */
static void
check_reachable(CheckState *cs, const CheckGraph *g, uint32 entry_ix)
{
	uint8	   *reached = palloc0(g->nelems + 1);
	uint32	   *queue = palloc(sizeof(uint32) * (g->nelems + 1));
	uint32		head = 0,
				tail = 0;

	if (entry_ix != UINT32_MAX)
	{
		reached[entry_ix] = 1;
		queue[tail++] = entry_ix;
	}
	while (head < tail)
	{
		const CheckElem *c = &g->elems[queue[head++]];
		int			slots = fg_level_slots(g->m, 0);

		for (int j = 0; j < slots; j++)
		{
			ItemPointerData *t = &g->links[c->links + j];
			uint32		ix;

			if (!ItemPointerIsValid(t))
				continue;
			ix = of_idmap_get(&g->map, fg_tid_key(t));
			if (ix != UINT32_MAX && !reached[ix])
			{
				reached[ix] = 1;
				queue[tail++] = ix;
			}
		}
	}
	for (int i = 0; i < g->nelems; i++)
		if (!reached[i] && !(g->elems[i].flags & FG_ELEM_DELETED))
			report(cs, "unreachable element", &g->elems[i].tid, "no path from the entry point");
}

/* Heap TIDs: a row no snapshot can see any more, whose slot VACUUM freed. */
static void
check_heap_tids(CheckState *cs, const CheckGraph *g, Relation heap)
{
	SnapshotData snap;
	BlockNumber heap_blocks = RelationGetNumberOfBlocks(heap);

	InitNonVacuumableSnapshot(snap, GlobalVisTestFor(heap));
	for (int i = 0; i < g->nelems; i++)
	{
		bool		all_dead = false;
		ItemPointerData ht;

		if (g->elems[i].flags & FG_ELEM_DELETED)
			continue;
		CHECK_FOR_INTERRUPTS();
		ht = g->elems[i].heaptid;
		if (!ItemPointerIsValid(&ht))
		{
			report(cs, "missing heap tid", &g->elems[i].tid, "live element without a heap tid");
			continue;
		}
		if (!table_index_fetch_tuple_check(heap, &ht, &snap, &all_dead) &&
			heap_tid_freed(heap, heap_blocks, &ht))
			report(cs, "dead heap tuple", &g->elems[i].tid, "heap tid (%u,%u) was freed by VACUUM",
				   ItemPointerGetBlockNumber(&ht), ItemPointerGetOffsetNumber(&ht));
	}
}

/* What check_missing's heap scan shares with its callback. */
typedef struct MissingState
{
	CheckState *cs;
	of_idmap	heaptids;		/* heap TIDs of live elements -> 1 */
	int			metric;
	MemoryContextCallback cb;
} MissingState;

static void
missing_row(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg)
{
	MissingState *ms = arg;
	FgVector	v;

	/* Rows the index leaves out: see fginsert. */
	if (isnull[0] || !fg_prepare_vector(ms->metric, DatumGetFaceEmbedding(values[0]), &v))
		return;
	if (of_idmap_get(&ms->heaptids, fg_tid_key(tid)) == UINT32_MAX)
		report(ms->cs, "missing element", NULL, "heap row (%u,%u) has no element",
			   ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid));
}

/*
 * Every row snap sees (the root of its HOT chain) that the index takes has
 * a live element: snap was taken before the elements were read, so each of
 * those rows had its element by then.
 */
static void
check_missing(CheckState *cs, const CheckGraph *g, Relation heap, Relation index, Snapshot snap)
{
	MissingState *ms = palloc0(sizeof(MissingState));

	ms->cs = cs;
	ms->metric = fg_index_info(index)->metric;
	map_init(&ms->heaptids, &ms->cb, (size_t) g->nelems + 1);
	for (int i = 0; i < g->nelems; i++)
		if (!(g->elems[i].flags & FG_ELEM_DELETED) && ItemPointerIsValid(&g->elems[i].heaptid))
			fg_seen(&ms->heaptids, fg_tid_key(&g->elems[i].heaptid), 1);
	table_index_build_scan(heap, index, BuildIndexInfo(index), true, false, missing_row, ms,
						   table_beginscan_strat(heap, snap, 0, NULL, true, false));
}

PG_FUNCTION_INFO_V1(face_index_check);
Datum
face_index_check(PG_FUNCTION_ARGS)
{
	CheckState	cs = {0};
	Relation	index,
				heap;
	FgMetaPageData meta;

	InitMaterializedSRF(fcinfo, 0);
	cs.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	index = open_index(PG_GETARG_OID(0), &heap);
	if (read_meta(&cs, index, &meta))
	{
		CheckGraph *g = palloc0(sizeof(CheckGraph));
		Snapshot	snap = RegisterSnapshot(GetTransactionSnapshot());

		g->m = meta.m;
		collect(&cs, index, g);
		check_reachable(&cs, g, check_entry(&cs, g, &meta, check_links(&cs, g)));
		check_heap_tids(&cs, g, heap);
		/* A concurrent build fills an index before it becomes valid. */
		if (index->rd_index->indisvalid)
			check_missing(&cs, g, heap, index, snap);
		UnregisterSnapshot(snap);
	}
	if (cs.suppressed > 0)
	{
		cs.rows = 0;
		report(&cs, "more problems", NULL, "%d further rows suppressed", cs.suppressed);
	}
	table_close(heap, AccessShareLock);
	index_close(index, AccessShareLock);
	return (Datum) 0;
}
