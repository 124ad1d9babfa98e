/*
 * face_index_check(regclass): structural problems of a facegraph index, one
 * row each; no rows means healthy.  Checks the meta page, every neighbour
 * pointer (to nowhere, to itself, duplicated, to a deleted element, to an
 * element without that level), the entry point and top level, reachability
 * of every live element from the entry point, and heap TIDs whose line
 * pointers VACUUM has freed (left behind by a VACUUM that missed them).
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
report(CheckState *cs, const char *problem, ItemPointer tid, const char *fmt,...)
	pg_attribute_printf(4, 5);

static void
report(CheckState *cs, const char *problem, ItemPointer tid, const char *fmt,...)
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

PG_FUNCTION_INFO_V1(face_index_check);
Datum
face_index_check(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	CheckState	cs;
	Relation	index,
				heap;
	FgMetaPageData meta;
	BlockNumber nblocks;
	CheckElem  *elems;
	int			nelems = 0,
				capelems = 1024;
	ItemPointerData *links;
	uint32		nlinks = 0,
				caplinks = 1024 * 32;
	of_idmap   *map = palloc0(sizeof(of_idmap));
	MemoryContextCallback *mapcb = palloc0(sizeof(MemoryContextCallback));
	int			m;
	uint32		entry_ix = UINT32_MAX;

	InitMaterializedSRF(fcinfo, 0);
	cs.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cs.rows = 0;
	cs.suppressed = 0;

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
	heap = table_open(IndexGetRelation(indexoid, false), AccessShareLock);
	index = index_open(indexoid, AccessShareLock);
	if (index->rd_indam->ambuild != fgbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a facegraph index", RelationGetRelationName(index))));

	nblocks = RelationGetNumberOfBlocks(index);
	if (nblocks == 0)
	{
		report(&cs, "meta page missing", NULL, "the index has no pages");
		goto done;
	}
	{
		Buffer		buf = ReadBuffer(index, FG_METAPAGE_BLKNO);

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		memcpy(&meta, FgPageGetMeta(BufferGetPage(buf)), sizeof(meta));
		UnlockReleaseBuffer(buf);
	}
	if (meta.magic != FG_MAGIC || meta.version != FG_VERSION)
	{
		report(&cs, "bad meta page", NULL, "magic %08x version %u", meta.magic, meta.version);
		goto done;
	}
	m = meta.m;
	if (m < FG_MIN_M || m > FG_MAX_M)
	{
		report(&cs, "bad meta page", NULL, "m = %d", m);
		goto done;
	}

	/* Collect every element. */
	elems = palloc(sizeof(CheckElem) * capelems);
	links = palloc(sizeof(ItemPointerData) * caplinks);
	for (BlockNumber blk = FG_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (PageIsNew(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		if (FgPageGetOpaque(page)->page_id != FG_PAGE_ID ||
			!(FgPageGetOpaque(page)->flags & FG_PAGE_ELEMENTS))
		{
			UnlockReleaseBuffer(buf);
			report(&cs, "bad page", NULL, "block %u is not an element page", blk);
			continue;
		}
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			FgElement	e;
			int			slots;
			CheckElem  *c;

			if (!ItemIdIsNormal(iid))
				continue;
			e = (FgElement) PageGetItem(page, iid);
			if (e->level > FG_MAX_LEVEL ||
				ItemIdGetLength(iid) != fg_element_size(m, e->level))
			{
				ItemPointerData t;

				ItemPointerSet(&t, blk, off);
				report(&cs, "bad element", &t, "level %d, length %u", e->level, ItemIdGetLength(iid));
				continue;
			}
			slots = 2 * m + e->level * m;
			if (nelems == capelems)
			{
				capelems *= 2;
				elems = repalloc_huge(elems, sizeof(CheckElem) * capelems);
			}
			while (nlinks + slots > caplinks)
			{
				caplinks *= 2;
				links = repalloc_huge(links, sizeof(ItemPointerData) * caplinks);
			}
			c = &elems[nelems++];
			ItemPointerSet(&c->tid, blk, off);
			c->heaptid = e->heaptid;
			c->level = e->level;
			c->flags = e->flags;
			c->links = nlinks;
			memcpy(&links[nlinks], e->links, sizeof(ItemPointerData) * slots);
			nlinks += slots;
		}
		UnlockReleaseBuffer(buf);
	}

	if (of_idmap_init(map, (size_t) nelems + 1) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	mapcb->func = release_map;
	mapcb->arg = map;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, mapcb);
	{
		int			found;
		uint32	   *slot;
		int			maxlevel = -1;
		uint8	   *reached;
		uint32	   *queue;
		uint32		head = 0,
					tail = 0;
		int			unreachable = 0;
		SnapshotData snap;
		BlockNumber heap_blocks;

		for (int i = 0; i < nelems; i++)
			if (of_idmap_put(map, fg_tid_key(&elems[i].tid), (uint32) i, &found, &slot) != OF_OK)
				ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

		/* Links. */
		for (int i = 0; i < nelems; i++)
		{
			CheckElem  *c = &elems[i];
			bool		live = !(c->flags & FG_ELEM_DELETED);

			if (live && c->level > maxlevel)
				maxlevel = c->level;
			if (!live && ItemPointerIsValid(&c->heaptid))
				report(&cs, "deleted element keeps heap tid", &c->tid, "heap tid (%u,%u)",
					   ItemPointerGetBlockNumber(&c->heaptid), ItemPointerGetOffsetNumber(&c->heaptid));
			if (!live)
				continue;
			for (int l = 0; l <= c->level; l++)
			{
				ItemPointerData *lst = &links[c->links + fg_level_offset(m, l)];
				int			slots = fg_level_slots(m, l);
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
						report(&cs, "gap in neighbour list", &c->tid, "level %d slot %d follows an empty slot", l, j);
					if (ItemPointerEquals(&lst[j], &c->tid))
					{
						report(&cs, "self link", &c->tid, "level %d", l);
						continue;
					}
					for (int k = 0; k < j; k++)
						if (ItemPointerEquals(&lst[k], &lst[j]))
							report(&cs, "duplicate link", &c->tid, "level %d slot %d repeats slot %d", l, j, k);
					t = of_idmap_get(map, fg_tid_key(&lst[j]));
					if (t == UINT32_MAX)
						report(&cs, "link to nowhere", &c->tid, "level %d points to (%u,%u)", l,
							   ItemPointerGetBlockNumberNoCheck(&lst[j]), ItemPointerGetOffsetNumberNoCheck(&lst[j]));
					else if (elems[t].flags & FG_ELEM_DELETED)
						report(&cs, "link to deleted element", &c->tid, "level %d points to (%u,%u)", l,
							   ItemPointerGetBlockNumber(&lst[j]), ItemPointerGetOffsetNumber(&lst[j]));
					else if (elems[t].level < l)
						report(&cs, "layer inconsistency", &c->tid, "level %d points to (%u,%u) of level %d", l,
							   ItemPointerGetBlockNumber(&lst[j]), ItemPointerGetOffsetNumber(&lst[j]), elems[t].level);
				}
			}
		}

		/* Entry point. */
		if (ItemPointerIsValid(&meta.entry))
		{
			entry_ix = of_idmap_get(map, fg_tid_key(&meta.entry));
			if (entry_ix == UINT32_MAX)
				report(&cs, "bad entry point", NULL, "entry (%u,%u) is not an element",
					   ItemPointerGetBlockNumber(&meta.entry), ItemPointerGetOffsetNumber(&meta.entry));
			else if (elems[entry_ix].flags & FG_ELEM_DELETED)
				report(&cs, "bad entry point", &meta.entry, "entry element is deleted");
			else if (elems[entry_ix].level != meta.top_level)
				report(&cs, "layer inconsistency", &meta.entry, "entry level %d, meta top level %d",
					   elems[entry_ix].level, meta.top_level);
		}
		else if (maxlevel >= 0)
			report(&cs, "bad entry point", NULL, "no entry point but live elements exist");
		if (maxlevel > meta.top_level)
			report(&cs, "layer inconsistency", NULL, "an element has level %d above the top level %d",
				   maxlevel, meta.top_level);

		/* Reachability over all levels (deleted elements still forward). */
		reached = palloc0(nelems + 1);
		queue = palloc(sizeof(uint32) * (nelems + 1));
		if (entry_ix != UINT32_MAX)
		{
			reached[entry_ix] = 1;
			queue[tail++] = entry_ix;
		}
		while (head < tail)
		{
			CheckElem  *c = &elems[queue[head++]];
			int			slots = 2 * m + c->level * m;

			for (int j = 0; j < slots; j++)
			{
				ItemPointerData *t = &links[c->links + j];
				uint32		ix;

				if (!ItemPointerIsValid(t))
					continue;
				ix = of_idmap_get(map, fg_tid_key(t));
				if (ix != UINT32_MAX && !reached[ix])
				{
					reached[ix] = 1;
					queue[tail++] = ix;
				}
			}
		}
		for (int i = 0; i < nelems; i++)
			if (!reached[i] && !(elems[i].flags & FG_ELEM_DELETED))
			{
				unreachable++;
				report(&cs, "unreachable element", &elems[i].tid, "no path from the entry point");
			}

		/* Heap TIDs: a row no snapshot can see any more may be gone. */
		InitNonVacuumableSnapshot(snap, GlobalVisTestFor(heap));
		heap_blocks = RelationGetNumberOfBlocks(heap);
		for (int i = 0; i < nelems; i++)
		{
			bool		all_dead = false;
			ItemPointerData ht;

			if (elems[i].flags & FG_ELEM_DELETED)
				continue;
			CHECK_FOR_INTERRUPTS();
			ht = elems[i].heaptid;
			if (!ItemPointerIsValid(&ht))
			{
				report(&cs, "missing heap tid", &elems[i].tid, "live element without a heap tid");
				continue;
			}
			if (!table_index_fetch_tuple_check(heap, &ht, &snap, &all_dead) &&
				heap_tid_freed(heap, heap_blocks, &ht))
				report(&cs, "dead heap tuple", &elems[i].tid, "heap tid (%u,%u) was freed by VACUUM",
					   ItemPointerGetBlockNumber(&elems[i].heaptid),
					   ItemPointerGetOffsetNumber(&elems[i].heaptid));
		}
	}
	release_map(map);

done:
	if (cs.suppressed > 0)
	{
		cs.rows = 0;
		report(&cs, "more problems", NULL, "%d further rows suppressed", cs.suppressed);
	}
	table_close(heap, AccessShareLock);
	index_close(index, AccessShareLock);
	return (Datum) 0;
}
