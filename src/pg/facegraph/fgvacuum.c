/*
 * facegraph: VACUUM.
 *
 * ambulkdelete:
 * 1. Find the elements whose heap rows are dead (plus elements deleted by an
 *    earlier vacuum that something still links to).
 * 2. Repair: every live element that links to one of them gets a new list,
 *    chosen with the selection heuristic among its surviving links and the
 *    links of the removed ones (their two-hop neighbourhood), then filled up
 *    to its length with the nearest of the rest.
 * 3. Move the entry point off a removed element.
 * 4. Mark the removed elements deleted and forget their heap TIDs.  They
 *    keep their own links so that a concurrent scan standing on one still
 *    gets somewhere.  Then wait for the inserts that were running: they may
 *    have chosen one of them as a neighbour before it was marked.
 * 5. Free the elements an earlier VACUUM deleted: step 2 has just removed
 *    the last links to them (inserts never link to deleted elements), so
 *    their slots go back to the page and the free space map, and inserts
 *    reuse them.  Line pointers keep their numbers, so element TIDs stay
 *    valid; a scan still holding a freed TID reads an unused slot (skipped)
 *    or a newer element (a row its snapshot does not see).
 *
 * amvacuumcleanup, which every VACUUM runs (without a bulk delete when
 * there were no dead rows, or too few for PostgreSQL to vacuum indexes):
 * steps 1-3 again for the elements already deleted, so lists that inserts
 * running beside step 2 pointed at them are repaired, and step 5 when no
 * bulk delete ran in this VACUUM; then
 * 6. Reconnect: a live element that nothing reachable links to (removed
 *    elements were its only way in, or inserts pruned its last in-link) is
 *    linked from its nearest reachable element, until every live element
 *    is reachable.
 */
#include "facegraph/fg.h"

#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* reconnect passes (each one repairs what the previous one cut off) */
#define FG_RECONNECT_PASSES 8

typedef struct FgVacState
{
	Relation	index;
	FgIndexInfo *info;
	of_idmap	gone;			/* element TID -> 1 */
	of_idmap	reached;		/* step 6 */
	ItemPointerData *newly;		/* to be marked deleted in step 4 */
	int			nnewly;
	int			capnewly;
	ItemPointerData *stale;		/* deleted by an earlier vacuum: freed in step 5 */
	int			nstale;
	int			capstale;
	bool		unrepaired;		/* a list kept changing under repair */
	ItemPointerData best;		/* highest live element: entry candidate */
	int			best_level;
	double		live;
	MemoryContextCallback cb;
} FgVacState;

static void
release_gone(void *arg)
{
	of_idmap_free(&((FgVacState *) arg)->gone);
	of_idmap_free(&((FgVacState *) arg)->reached);
}

static bool
is_gone(FgVacState *vs, ItemPointer tid)
{
	return of_idmap_get(&vs->gone, fg_tid_key(tid)) != UINT32_MAX;
}

/*
 * The number of line pointers of block blk when it is an element page, else
 * 0: a pass over the index reads it again, one element at a time.
 */
static OffsetNumber
element_slots(FgVacState *vs, BlockNumber blk, BufferAccessStrategy bas)
{
	Buffer		buf;
	Page		page;
	OffsetNumber maxoff;

	vacuum_delay_point();
	buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blk, RBM_NORMAL, bas);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	maxoff = fg_is_element_page(page, blk) ? PageGetMaxOffsetNumber(page) : 0;
	UnlockReleaseBuffer(buf);
	return maxoff;
}

static void
append_tid(ItemPointerData **arr, int *n, int *cap, ItemPointer tid)
{
	if (*n == *cap)
	{
		*cap *= 2;
		*arr = repalloc_huge(*arr, sizeof(ItemPointerData) * *cap);
	}
	(*arr)[(*n)++] = *tid;
}

/* Step 1; without a callback only elements already deleted are gone. */
static void
collect(FgVacState *vs, IndexBulkDeleteCallback callback, void *cbstate,
		IndexBulkDeleteResult *stats, BufferAccessStrategy bas)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);

	for (BlockNumber blk = FG_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;

		vacuum_delay_point();
		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blk, RBM_NORMAL, bas);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!fg_is_element_page(page, blk))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			FgElement	e = fg_page_element(page, off);
			ItemPointerData tid;
			bool		dead;

			if (e == NULL)
				continue;
			ItemPointerSet(&tid, blk, off);
			dead = (e->flags & FG_ELEM_DELETED) != 0;
			if (dead)
				append_tid(&vs->stale, &vs->nstale, &vs->capstale, &tid);
			else if (callback != NULL && callback(&e->heaptid, cbstate))
			{
				dead = true;
				append_tid(&vs->newly, &vs->nnewly, &vs->capnewly, &tid);
			}
			if (dead)
			{
				fg_seen(&vs->gone, fg_tid_key(&tid), 1);
				continue;
			}
			vs->live += 1;
			if (e->level > vs->best_level)
			{
				vs->best_level = e->level;
				vs->best = tid;
			}
		}
		UnlockReleaseBuffer(buf);
	}
	stats->num_pages = nblocks;
}

/* New list for element (code base) at level, without the removed links. */
static int
repair_list(FgVacState *vs, const uint8 *basecode, const ItemPointerData *old, int nold,
			int level, ItemPointer self, ItemPointerData *out)
{
	FgIndexInfo *info = vs->info;
	int			m = info->m;
	FgElement	e = palloc(FG_ELEMENT_MAX);
	int			cap = nold * (2 * m + 1) + 1,
				n = 0,
				k;
	FgNeighbour *cands = palloc(sizeof(FgNeighbour) * cap);
	int		   *chosen = palloc(sizeof(int) * cap);
	of_idmap	seen;
	float		base[FG_DIM];
	int			found;
	uint32	   *slot;

	if (of_idmap_init(&seen, (size_t) cap) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	of_idmap_put(&seen, fg_tid_key(self), 0, &found, &slot);
	of_sq8_decode(&info->quantizer, basecode, base);

	for (int i = 0; i < nold; i++)
	{
		ItemPointerData hop[2 * FG_MAX_M + 1];
		int			nh = 0;

		if (!fg_read_element(vs->index, (ItemPointer) &old[i], e, FG_ELEMENT_MAX) || e->level < level)
			continue;
		if (is_gone(vs, (ItemPointer) &old[i]))
		{
			/* Replace a removed link by what it linked to. */
			const ItemPointerData *l = e->links + fg_level_offset(m, level);

			while (nh < fg_level_slots(m, level) && ItemPointerIsValid(&l[nh]))
			{
				hop[nh] = l[nh];
				nh++;
			}
		}
		else
			hop[nh++] = old[i];
		for (int j = 0; j < nh; j++)
		{
			if (is_gone(vs, &hop[j]))
				continue;
			if (of_idmap_put(&seen, fg_tid_key(&hop[j]), 0, &found, &slot) != OF_OK)
			{
				of_idmap_free(&seen);
				ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
			}
			if (found)
				continue;
			if (!fg_read_element(vs->index, &hop[j], e, FG_ELEMENT_FIXED) || e->level < level ||
				(e->flags & FG_ELEM_DELETED))
				continue;
			cands[n].tid = hop[j];
			memcpy(cands[n].code, e->code, FG_DIM);
			cands[n].d2 = 0;
			n++;
		}
	}
	of_idmap_free(&seen);
	k = fg_select(info, base, cands, n, fg_level_slots(m, level), true, chosen);
	for (int i = 0; i < k; i++)
		out[i] = cands[chosen[i]].tid;
	pfree(e);
	pfree(cands);
	pfree(chosen);
	return k;
}

/* Step 2. */
static void
repair(FgVacState *vs, BufferAccessStrategy bas)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	int			m = vs->info->m;
	FgElement	e = palloc(FG_ELEMENT_MAX);
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "facegraph repair",
											  ALLOCSET_DEFAULT_SIZES);

	for (BlockNumber blk = FG_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		OffsetNumber maxoff = element_slots(vs, blk, bas);

		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemPointerData tid;

			ItemPointerSet(&tid, blk, off);
			if (is_gone(vs, &tid))
				continue;
			for (int attempt = 0; attempt < 4; attempt++)
			{
				bool		changed = false;

				if (!fg_read_element(vs->index, &tid, e, FG_ELEMENT_MAX) ||
					(e->flags & FG_ELEM_DELETED))
					break;
				for (int level = 0; level <= e->level; level++)
				{
					const ItemPointerData *l = e->links + fg_level_offset(m, level);
					ItemPointerData old[2 * FG_MAX_M];
					ItemPointerData fresh[2 * FG_MAX_M];
					int			n = 0,
								k;
					bool		hit = false;
					MemoryContext oldctx;

					while (n < fg_level_slots(m, level) && ItemPointerIsValid(&l[n]))
					{
						old[n] = l[n];
						hit |= is_gone(vs, &old[n]);
						n++;
					}
					if (!hit)
						continue;
					oldctx = MemoryContextSwitchTo(tmp);
					k = repair_list(vs, e->code, old, n, level, &tid, fresh);
					MemoryContextSwitchTo(oldctx);
					MemoryContextReset(tmp);
					if (!fg_set_links(vs->index, &tid, level, old, n, fresh, k))
					{
						changed = true;
						break;
					}
				}
				if (!changed)
					break;
				if (attempt == 3)
					vs->unrepaired = true;
			}
		}
	}
	MemoryContextDelete(tmp);
	pfree(e);
}

/*
 * Whether the entry point must move: it is removed, or a live element lies
 * above the top level (an insert cut short by a crash placed it but did not
 * get to make it the entry).
 */
static bool
entry_misplaced(FgVacState *vs, ItemPointer entry, int top)
{
	if (!ItemPointerIsValid(entry))
		return vs->best_level >= 0;
	return is_gone(vs, entry) || vs->best_level > top;
}

/* Step 3. */
static void
move_entry(FgVacState *vs)
{
	ItemPointerData entry;
	int			top;

	fg_read_meta(vs->index, &entry, &top, NULL);
	if (!entry_misplaced(vs, &entry, top))
		return;
	/* Inserts that change the entry hold this lock: read it again under it. */
	LockPage(vs->index, FG_UPDATE_LOCK, ExclusiveLock);
	fg_read_meta(vs->index, &entry, &top, NULL);
	if (entry_misplaced(vs, &entry, top))
	{
		Buffer		buf = ReadBuffer(vs->index, FG_METAPAGE_BLKNO);
		GenericXLogState *state;
		FgMetaPage	meta;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(vs->index);
		meta = FgPageGetMeta(GenericXLogRegisterBuffer(state, buf, 0));
		if (vs->best_level >= 0)
		{
			meta->entry = vs->best;
			meta->top_level = (int16) vs->best_level;
		}
		else
		{
			ItemPointerSetInvalid(&meta->entry);
			meta->top_level = -1;
		}
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}
	UnlockPage(vs->index, FG_UPDATE_LOCK, ExclusiveLock);
}

/* Step 4. */
static void
mark_deleted(FgVacState *vs, IndexBulkDeleteResult *stats)
{
	int			i = 0;

	qsort(vs->newly, vs->nnewly, sizeof(ItemPointerData), fg_cmp_tid);
	while (i < vs->nnewly)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&vs->newly[i]);
		Buffer		buf = ReadBuffer(vs->index, blk);
		GenericXLogState *state;
		Page		page;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(vs->index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		for (; i < vs->nnewly && ItemPointerGetBlockNumber(&vs->newly[i]) == blk; i++)
		{
			FgElement	e = (FgElement) PageGetItem(page,
													PageGetItemId(page, ItemPointerGetOffsetNumber(&vs->newly[i])));

			e->flags |= FG_ELEM_DELETED;
			ItemPointerSetInvalid(&e->heaptid);
			stats->tuples_removed += 1;
		}
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}

	/*
	 * Inserts hold the update lock while they run: once it is free, those
	 * that chose a neighbour before it was marked have written their links,
	 * where the next repair pass sees them, and later ones skip it.
	 */
	LockPage(vs->index, FG_UPDATE_LOCK, ExclusiveLock);
	UnlockPage(vs->index, FG_UPDATE_LOCK, ExclusiveLock);
}

/* Step 5. */
static void
free_stale(FgVacState *vs, BufferAccessStrategy bas)
{
	int			i = 0;

	qsort(vs->stale, vs->nstale, sizeof(ItemPointerData), fg_cmp_tid);
	while (i < vs->nstale)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&vs->stale[i]);
		Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blk, RBM_NORMAL, bas);
		GenericXLogState *state;
		Page		page;
		Size		avail;

		vacuum_delay_point();
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(vs->index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		for (; i < vs->nstale && ItemPointerGetBlockNumber(&vs->stale[i]) == blk; i++)
		{
			OffsetNumber off = ItemPointerGetOffsetNumber(&vs->stale[i]);
			FgElement	e = fg_page_element(page, off);

			if (e != NULL && (e->flags & FG_ELEM_DELETED))
				PageIndexTupleDeleteNoCompact(page, off);
		}
		/* PageAddItem looks for unused line pointers only when told to. */
		PageSetHasFreeLinePointers(page);
		GenericXLogFinish(state);
		avail = PageGetFreeSpace(BufferGetPage(buf));
		UnlockReleaseBuffer(buf);
		RecordPageWithFreeSpace(vs->index, blk, avail);
	}
	if (vs->nstale > 0)
		FreeSpaceMapVacuum(vs->index);
}

/*
 * Mark everything reachable from start over live elements at level 0, where
 * scans stream from: an element that only upper-level links lead to is
 * found only if a scan's level-1 beam happens upon it.  Each reached
 * element counts the links from reached elements into it (start: one, the
 * link just made to it).
 */
static void
flood(FgVacState *vs, ItemPointer start)
{
	int			m = vs->info->m;
	FgElement	e = palloc(FG_ELEMENT_MAX);
	int			cap = 1024,
				n = 0;
	ItemPointerData *stack = palloc(sizeof(ItemPointerData) * cap);

	if (fg_seen(&vs->reached, fg_tid_key(start), 1))
		return;
	stack[n++] = *start;
	while (n > 0)
	{
		ItemPointerData t = stack[--n];
		int			slots;
		bool		found;
		uint32	   *slot;

		if (!fg_read_element(vs->index, &t, e, FG_ELEMENT_MAX))
			continue;
		slots = fg_level_slots(m, 0);
		for (int i = 0; i < slots; i++)
		{
			if (!ItemPointerIsValid(&e->links[i]) || is_gone(vs, &e->links[i]))
				continue;
			slot = fg_map_slot(&vs->reached, fg_tid_key(&e->links[i]), 1, &found);
			if (found)
			{
				(*slot)++;
				continue;
			}
			if (n == cap)
			{
				cap *= 2;
				stack = repalloc_huge(stack, sizeof(ItemPointerData) * cap);
			}
			stack[n++] = e->links[i];
		}
		vacuum_delay_point();
	}
	pfree(stack);
	pfree(e);
}

/*
 * Link from -> add at level 0 if from's list has room or a link to give up:
 * one to a removed element, else the one into the element that the most
 * reached elements link to, if others than from do.  False when every link
 * is its target's only known way in (giving one up would cut that off:
 * with m = 4, 30% of the rows deleted twice cut off over 600 of 3,500
 * elements that way, faster than eight passes relinked them).
 */
static bool
link_into(FgVacState *vs, ItemPointer from, ItemPointer add)
{
	int			m = vs->info->m,
				slots = fg_level_slots(m, 0),
				n,
				at = -1;
	uint32		most = 1;
	Buffer		buf;
	FgElement	e = fg_lock_element(vs->index, from, 0, &buf);
	GenericXLogState *state;

	if (e == NULL)
		return false;
	if (e->flags & FG_ELEM_DELETED)
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	if (fg_has_link(e, m, 0, add))
	{
		UnlockReleaseBuffer(buf);
		return true;
	}
	n = fg_count_links(e, m, 0);
	if (n < slots)
		at = n;
	for (int i = 0; i < n && at != n; i++)
	{
		uint32		c;

		if (is_gone(vs, &e->links[i]))
		{
			at = i;
			most = UINT32_MAX;
			continue;
		}
		c = of_idmap_get(&vs->reached, fg_tid_key(&e->links[i]));
		if (c != UINT32_MAX && c > most)
		{
			most = c;
			at = i;
		}
	}
	if (at < 0)
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	if (at < n && most != UINT32_MAX)
	{
		bool		found;

		/* One way fewer into the element given up (it has others). */
		(*fg_map_slot(&vs->reached, fg_tid_key(&e->links[at]), 1, &found))--;
	}
	fg_log_element(vs->index, buf, from, &state)->links[at] = *add;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	return true;
}

/*
 * One reconnect pass: link each live element that a flood from the entry
 * point over live elements does not reach from the nearest reached element
 * that can take the link without cutting another off (else from the
 * nearest, else the entry point, pushing out its last link).  Returns how
 * many it linked.
 */
static int
reconnect_pass(FgVacState *vs, ItemPointer entry, BufferAccessStrategy bas)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	FgElement	e = palloc(FG_ELEMENT_MAX);
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "facegraph reconnect",
											  ALLOCSET_DEFAULT_SIZES);
	int			linked = 0;

	of_idmap_free(&vs->reached);
	if (of_idmap_init(&vs->reached, (size_t) vs->live + 16) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	flood(vs, entry);
	for (BlockNumber blk = FG_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		OffsetNumber maxoff = element_slots(vs, blk, bas);

		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemPointerData tid;
			ItemPointer from = entry;
			bool		done = false;
			float		v[FG_DIM];
			FgNeighbour *near;
			int			nn;
			MemoryContext old;

			ItemPointerSet(&tid, blk, off);
			if (is_gone(vs, &tid) || of_idmap_get(&vs->reached, fg_tid_key(&tid)) != UINT32_MAX)
				continue;
			if (!fg_read_element(vs->index, &tid, e, FG_ELEMENT_MAX) || (e->flags & FG_ELEM_DELETED))
				continue;
			of_sq8_decode(&vs->info->quantizer, e->code, v);
			old = MemoryContextSwitchTo(tmp);
			nn = fg_find_nearest(vs->index, v, vs->info->ef_construction, &near);
			for (int i = 0; i < nn && !done; i++)
				if (!ItemPointerEquals(&near[i].tid, &tid) && !is_gone(vs, &near[i].tid) &&
					of_idmap_get(&vs->reached, fg_tid_key(&near[i].tid)) != UINT32_MAX)
				{
					if (from == entry)
						from = &near[i].tid;
					done = link_into(vs, &near[i].tid, &tid);
				}
			if (!done)
				fg_force_link(vs->index, from, &tid, 0);
			MemoryContextSwitchTo(old);
			MemoryContextReset(tmp);
			linked++;
			flood(vs, &tid);
		}
	}
	MemoryContextDelete(tmp);
	pfree(e);
	return linked;
}

/*
 * Step 6.  A forced link can push the last link out of a full list, and so
 * cut off an element already counted reached: passes repeat until one finds
 * nothing to link.
 */
static void
reconnect(FgVacState *vs, BufferAccessStrategy bas)
{
	ItemPointerData entry;
	int			top;

	fg_read_meta(vs->index, &entry, &top, NULL);
	if (!ItemPointerIsValid(&entry) || is_gone(vs, &entry))
		return;
	for (int pass = 0; pass < FG_RECONNECT_PASSES; pass++)
	{
		CHECK_FOR_INTERRUPTS();
		if (reconnect_pass(vs, &entry, bas) == 0)
			break;
	}
}

static FgVacState *
vac_state_create(Relation index)
{
	FgVacState *vs = palloc0(sizeof(FgVacState));

	vs->index = index;
	vs->info = fg_index_info(index);
	vs->capnewly = 1024;
	vs->newly = palloc(sizeof(ItemPointerData) * vs->capnewly);
	vs->capstale = 1024;
	vs->stale = palloc(sizeof(ItemPointerData) * vs->capstale);
	vs->best_level = -1;
	if (of_idmap_init(&vs->gone, 1024) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	vs->cb.func = release_gone;
	vs->cb.arg = vs;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &vs->cb);
	return vs;
}

static void
vac_state_free(FgVacState *vs)
{
	/* vs stays: its callback is registered in this context. */
	release_gone(vs);
	pfree(vs->newly);
	pfree(vs->stale);
}

/*
 * Link every live element that cannot be reached from the entry point
 * from its nearest reachable element.  Run at the end of a build that went
 * past maintenance_work_mem (inserts can prune away the last link into one).
 */
void
fg_reconnect(Relation index, BufferAccessStrategy bas)
{
	FgVacState *vs = vac_state_create(index);

	vs->live = (double) RelationGetNumberOfBlocks(index) * 16;
	reconnect(vs, bas);
	vac_state_free(vs);
}

IndexBulkDeleteResult *
fgbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			 IndexBulkDeleteCallback callback, void *callback_state)
{
	FgVacState *vs = vac_state_create(info->index);

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	collect(vs, callback, callback_state, stats, info->strategy);
	if (vs->gone.n > 0)
	{
		repair(vs, info->strategy);
		move_entry(vs);
		mark_deleted(vs, stats);
		/* A list that may still link to stale elements keeps them for now. */
		if (!vs->unrepaired)
			free_stale(vs, info->strategy);
	}
	stats->num_index_tuples = vs->live;
	vac_state_free(vs);
	return stats;
}

IndexBulkDeleteResult *
fgvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	FgVacState *vs;
	bool		bulk_deleted = stats != NULL;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	vs = vac_state_create(info->index);
	collect(vs, NULL, NULL, stats, info->strategy);
	if (vs->gone.n > 0)
		repair(vs, info->strategy);
	move_entry(vs);

	/*
	 * Elements a bulk delete of this VACUUM marked stay for the scans that
	 * may stand on them; older ones have no links left to them.
	 */
	if (vs->gone.n > 0 && !bulk_deleted && !vs->unrepaired)
		free_stale(vs, info->strategy);
	reconnect(vs, info->strategy);
	stats->num_index_tuples = vs->live;
	vac_state_free(vs);
	return stats;
}
