/*
 * facegraph: inserting one element into the on-disk graph, and the graph
 * searches and link updates that vacuum shares.
 *
 * Locking: a search holds at most one buffer lock at a time; an element's
 * neighbour list is rewritten under an exclusive lock only if it still
 * equals the list the new one was computed from (else it is recomputed), so
 * concurrent inserts never lose each other's links and never deadlock.  The
 * heavyweight FG_UPDATE_LOCK serialises changes of the entry point: inserts
 * hold it shared, an insert that becomes the new top element (or the first
 * one) holds it exclusively.
 */
#include "facegraph/fg.h"

#include <float.h>

#include "miscadmin.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "distance.h"
#include "graph/select.h"

#define FG_ELEMENT_MAX (fg_element_size(FG_MAX_M, FG_MAX_LEVEL))

/* Number of used slots at level in an element. */
static int
count_links(const FgElementData *e, int m, int level)
{
	const ItemPointerData *l = e->links + fg_level_offset(m, level);
	int			n = 0;

	while (n < fg_level_slots(m, level) && ItemPointerIsValid(&l[n]))
		n++;
	return n;
}

/*
 * Beam search of width ef at one level from the given entries; returns the
 * nearest live elements found (ascending, in *out, palloc'd).
 */
int
fg_search_level(Relation index, FgIndexInfo *info, const of_sq8_query *qq,
				FgNeighbour *entries, int nentries, int level, int ef,
				FgNeighbour **out)
{
	FgScratch  *s = fg_scratch_create((size_t) ef * 8);
	int			cap = 64 + nentries,
				n = 0,
				nres;
	FgNeighbour *all = palloc(sizeof(FgNeighbour) * cap);
	uint8	   *dead = palloc0(cap);
	FgElement	e = palloc(FG_ELEMENT_MAX);
	FgNeighbour *res;

	for (int i = 0; i < nentries; i++)
	{
		if (fg_seen(&s->seen, fg_tid_key(&entries[i].tid), n))
			continue;
		all[n] = entries[i];
		fg_heap_push(&s->cand, all[n].d2, n);
		fg_heap_push(&s->res, all[n].d2, n);
		n++;
	}
	while (s->res.n > (size_t) ef)
		of_heap_pop(&s->res);

	while (s->cand.n)
	{
		of_heap_item c = of_heap_pop(&s->cand);
		ItemPointerData links[2 * FG_MAX_M];
		int			nl;

		if (s->res.n >= (size_t) ef && c.d > of_heap_top(&s->res)->d)
			break;
		CHECK_FOR_INTERRUPTS();
		if (!fg_read_element(index, &all[c.id].tid, e,
							 FG_ELEMENT_FIXED + sizeof(ItemPointerData) * fg_level_offset(info->m, level + 1)) ||
			e->level < level)
			continue;
		nl = count_links(e, info->m, level);
		memcpy(links, e->links + fg_level_offset(info->m, level), nl * sizeof(ItemPointerData));
		for (int i = 0; i < nl; i++)
		{
			float		d2;

			if (fg_seen(&s->seen, fg_tid_key(&links[i]), n))
				continue;
			if (!fg_read_element(index, &links[i], e, FG_ELEMENT_FIXED) || e->level < level)
				continue;
			d2 = of_sq8_l2_squared(qq, e->code);
			if (s->res.n >= (size_t) ef && d2 >= of_heap_top(&s->res)->d)
				continue;
			if (n == cap)
			{
				cap *= 2;
				all = repalloc(all, sizeof(FgNeighbour) * cap);
				dead = repalloc(dead, cap);
			}
			all[n].tid = links[i];
			all[n].d2 = d2;
			all[n].level = e->level;
			memcpy(all[n].code, e->code, FG_DIM);
			dead[n] = (e->flags & FG_ELEM_DELETED) != 0;
			fg_heap_push(&s->cand, d2, n);
			/* Deleted elements still lead somewhere but are never results. */
			if (!dead[n])
			{
				fg_heap_push(&s->res, d2, n);
				if (s->res.n > (size_t) ef)
					of_heap_pop(&s->res);
			}
			n++;
		}
	}
	nres = (int) s->res.n;
	res = palloc(sizeof(FgNeighbour) * (nres > 0 ? nres : 1));
	for (int i = nres; i-- > 0;)
		res[i] = all[of_heap_pop(&s->res).id];
	fg_scratch_free(s);
	pfree(all);
	pfree(dead);
	pfree(e);
	*out = res;
	return nres;
}

/*
 * Heuristic neighbour selection for base among cands: writes the chosen
 * indexes, returns how many (at most keep).  With fill, the nearest
 * candidates the heuristic passed over top the list up to keep, as the
 * build keeps lists full: VACUUM's repair uses it so a repaired element
 * keeps as many ways out as it had.
 */
int
fg_select(FgIndexInfo *info, const float *base, FgNeighbour *cands, int n,
		  int keep, bool fill, int *chosen)
{
	int			cnt = Max(n, 1);
	float	   *vecs = palloc(sizeof(float) * FG_DIM * cnt);
	float	   *d2 = palloc(sizeof(float) * cnt);
	int		   *order = palloc(sizeof(int) * cnt);
	const float **vp = palloc(sizeof(float *) * cnt);
	float	   *dd = palloc(sizeof(float) * cnt);
	size_t	   *sel = palloc(sizeof(size_t) * cnt);
	bool	   *taken = palloc0(sizeof(bool) * cnt);
	size_t		k;

	/* Exact distances to the decoded vectors keep the heuristic consistent. */
	for (int i = 0; i < n; i++)
	{
		of_sq8_decode(&info->quantizer, cands[i].code, vecs + i * FG_DIM);
		d2[i] = of_l2_squared(base, vecs + i * FG_DIM, FG_DIM);
		order[i] = i;
	}
	for (int i = 1; i < n; i++)
	{
		int			t = order[i],
					j = i;

		while (j > 0 && d2[order[j - 1]] > d2[t])
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = t;
	}
	for (int i = 0; i < n; i++)
	{
		vp[i] = vecs + order[i] * FG_DIM;
		dd[i] = d2[order[i]];
	}
	k = of_graph_select(vp, dd, (size_t) n, (size_t) keep, FG_DIM, sel);
	for (size_t i = 0; i < k; i++)
	{
		chosen[i] = order[sel[i]];
		taken[sel[i]] = true;
	}
	for (int i = 0; fill && i < n && k < (size_t) keep; i++)
		if (!taken[i])
			chosen[k++] = order[i];
	pfree(vecs);
	pfree(d2);
	pfree(order);
	pfree(vp);
	pfree(dd);
	pfree(sel);
	pfree(taken);
	return (int) k;
}

/*
 * Replace the list at level of the element at tid with links, but only if it
 * still equals expect (when expect is given).  False when it changed.
 */
bool
fg_set_links(Relation index, ItemPointer tid, int level,
			 const ItemPointerData *expect, int nexpect,
			 const ItemPointerData *links, int nlinks)
{
	FgIndexInfo *info = fg_index_info(index);
	Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(tid));
	Page		page;
	FgElement	e;
	ItemPointerData *l;
	int			slots = fg_level_slots(info->m, level);
	GenericXLogState *state;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	e = fg_page_element(page, ItemPointerGetOffsetNumber(tid));
	if (e == NULL || e->level < level)
	{
		UnlockReleaseBuffer(buf);
		return true;
	}
	l = e->links + fg_level_offset(info->m, level);
	if (expect != NULL)
	{
		int			cur = count_links(e, info->m, level);

		if (cur != nexpect || memcmp(l, expect, sizeof(ItemPointerData) * cur) != 0)
		{
			UnlockReleaseBuffer(buf);
			return false;
		}
	}
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	e = fg_page_element(page, ItemPointerGetOffsetNumber(tid));
	l = e->links + fg_level_offset(info->m, level);
	for (int i = 0; i < slots; i++)
	{
		if (i < nlinks)
			l[i] = links[i];
		else
			ItemPointerSetInvalid(&l[i]);
	}
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	return true;
}

/*
 * Add the link nb -> add at level, pruning nb's list when it is full; true
 * when the link is there afterwards.
 */
static bool
add_reverse_link(Relation index, FgIndexInfo *info, ItemPointer nb, ItemPointer add,
				 const uint8 *addcode, int level)
{
	int			slots = fg_level_slots(info->m, level);

	for (int attempt = 0; attempt < 4; attempt++)
	{
		Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(nb));
		Page		page;
		FgElement	e;
		ItemPointerData *l;
		ItemPointerData old[2 * FG_MAX_M];
		uint8		nbcode[FG_DIM];
		int			n;
		FgNeighbour *cands;
		int		   *chosen;
		ItemPointerData *links;
		int			k;
		float		base[FG_DIM];

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		e = fg_page_element(page, ItemPointerGetOffsetNumber(nb));
		if (e == NULL || e->level < level)
		{
			UnlockReleaseBuffer(buf);
			return false;
		}
		l = e->links + fg_level_offset(info->m, level);
		n = count_links(e, info->m, level);
		for (int i = 0; i < n; i++)
			if (ItemPointerEquals(&l[i], add))
			{
				UnlockReleaseBuffer(buf);
				return true;
			}
		if (n < slots)
		{
			GenericXLogState *state = GenericXLogStart(index);

			page = GenericXLogRegisterBuffer(state, buf, 0);
			e = fg_page_element(page, ItemPointerGetOffsetNumber(nb));
			e->links[fg_level_offset(info->m, level) + n] = *add;
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			return true;
		}
		memcpy(old, l, sizeof(ItemPointerData) * n);
		memcpy(nbcode, e->code, FG_DIM);
		UnlockReleaseBuffer(buf);

		/* Full: choose among the old links plus the new one. */
		of_sq8_decode(&info->quantizer, nbcode, base);
		cands = palloc(sizeof(FgNeighbour) * (n + 1));
		k = 0;
		{
			FgElement	ne = palloc(FG_ELEMENT_MAX);

			for (int i = 0; i < n; i++)
			{
				if (!fg_read_element(index, &old[i], ne, FG_ELEMENT_MAX) ||
					(ne->flags & FG_ELEM_DELETED))
					continue;
				cands[k].tid = old[i];
				memcpy(cands[k].code, ne->code, FG_DIM);
				cands[k].d2 = 0;
				k++;
			}
			pfree(ne);
		}
		cands[k].tid = *add;
		memcpy(cands[k].code, addcode, FG_DIM);
		k++;
		chosen = palloc(sizeof(int) * k);
		links = palloc(sizeof(ItemPointerData) * (n + 1));
		{
			/*
			 * As in the in-memory build: if the heuristic keeps the new
			 * link, it replaces the farthest old link the heuristic drops;
			 * the list stays full, so links into tight clusters survive.
			 */
			int			nsel = fg_select(info, base, cands, k, slots, false, chosen);
			bool		kept = false;
			int			drop = -1;
			float		dropd = -1.0f;

			for (int i = 0; i < nsel; i++)
				kept |= ItemPointerEquals(&cands[chosen[i]].tid, add);
			if (!kept)
				return false;
			for (int i = 0; i < n; i++)
			{
				bool		sel = false;
				float		v[FG_DIM];
				float		d;

				for (int j = 0; j < nsel && !sel; j++)
					sel = ItemPointerEquals(&cands[chosen[j]].tid, &old[i]);
				if (sel)
					continue;
				/* Old links that were deleted or unreadable go first. */
				d = FLT_MAX;
				for (int j = 0; j < k; j++)
					if (ItemPointerEquals(&cands[j].tid, &old[i]))
					{
						of_sq8_decode(&info->quantizer, cands[j].code, v);
						d = of_l2_squared(base, v, FG_DIM);
						break;
					}
				if (d > dropd)
				{
					dropd = d;
					drop = i;
				}
			}
			if (drop < 0)
				return false;
			memcpy(links, old, sizeof(ItemPointerData) * n);
			links[drop] = *add;
			if (fg_set_links(index, nb, level, old, n, links, n))
				return true;
		}
	}
	return false;
}

/*
 * Make sure nb links to add at level: used when nothing else would lead to
 * add.  The new link goes first and a full list drops its last link, so
 * forced links made one after another into the same list (VACUUM's
 * reconnect makes them) do not push each other out.
 */
void
fg_force_link(Relation index, ItemPointer nb, ItemPointer add, int level)
{
	FgIndexInfo *info = fg_index_info(index);
	int			slots = fg_level_slots(info->m, level);
	Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(nb));
	Page		page;
	FgElement	e;
	ItemPointerData *l;
	GenericXLogState *state;
	int			n;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	e = fg_page_element(page, ItemPointerGetOffsetNumber(nb));
	if (e == NULL || e->level < level)
	{
		UnlockReleaseBuffer(buf);
		return;
	}
	n = count_links(e, info->m, level);
	l = e->links + fg_level_offset(info->m, level);
	for (int i = 0; i < n; i++)
		if (ItemPointerEquals(&l[i], add))
		{
			UnlockReleaseBuffer(buf);
			return;
		}
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	e = fg_page_element(page, ItemPointerGetOffsetNumber(nb));
	l = e->links + fg_level_offset(info->m, level);
	memmove(&l[1], &l[0], sizeof(ItemPointerData) * (n < slots ? n : slots - 1));
	l[0] = *add;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Block blk exclusively locked if it is an element page with room for size
 * bytes, else InvalidBuffer (*avail gets what it has).
 */
static Buffer
page_with_room(Relation index, BlockNumber blk, Size size, Size *avail)
{
	Buffer		buf;
	Page		page;

	*avail = 0;
	if (blk == InvalidBlockNumber || blk == FG_METAPAGE_BLKNO ||
		blk >= RelationGetNumberOfBlocks(index))
		return InvalidBuffer;
	buf = ReadBuffer(index, blk);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	if (!PageIsNew(page) && (FgPageGetOpaque(page)->flags & FG_PAGE_ELEMENTS))
		*avail = PageGetFreeSpace(page);
	if (*avail >= MAXALIGN(size))
		return buf;
	UnlockReleaseBuffer(buf);
	return InvalidBuffer;
}

/*
 * Put a new element on a page with room, returning its TID in *tid: space
 * VACUUM freed (the free space map) first, then the page the last insert
 * extended, else a new page.
 */
static void
place_element(Relation index, FgElement e, Size size, ItemPointer tid)
{
	BlockNumber blk;
	Buffer		buf;
	Page		page;
	GenericXLogState *state;
	OffsetNumber off;
	Size		avail;
	bool		from_fsm = false;
	bool		extended = false;

	blk = GetPageWithFreeSpace(index, MAXALIGN(size) + sizeof(ItemIdData));
	buf = page_with_room(index, blk, size, &avail);
	if (buf != InvalidBuffer)
		from_fsm = true;
	else
	{
		if (blk != InvalidBlockNumber)
			RecordPageWithFreeSpace(index, blk, avail);
		fg_read_meta(index, NULL, NULL, &blk);
		buf = page_with_room(index, blk, size, &avail);
	}

	state = GenericXLogStart(index);
	if (buf == InvalidBuffer)
	{
		LockRelationForExtension(index, ExclusiveLock);
		buf = ReadBuffer(index, P_NEW);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		UnlockRelationForExtension(index, ExclusiveLock);
		page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
		fg_init_page(page, FG_PAGE_ELEMENTS);
		extended = true;
	}
	else
		page = GenericXLogRegisterBuffer(state, buf, 0);
	off = PageAddItem(page, (Item) e, size, InvalidOffsetNumber, false, false);
	if (off == InvalidOffsetNumber)
		elog(ERROR, "failed to add element to facegraph index \"%s\"",
			 RelationGetRelationName(index));
	GenericXLogFinish(state);
	ItemPointerSet(tid, BufferGetBlockNumber(buf), off);
	avail = PageGetFreeSpace(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	if (from_fsm)
		RecordPageWithFreeSpace(index, ItemPointerGetBlockNumber(tid), avail);

	if (extended)
	{
		Buffer		mbuf = ReadBuffer(index, FG_METAPAGE_BLKNO);

		LockBuffer(mbuf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(index);
		page = GenericXLogRegisterBuffer(state, mbuf, 0);
		FgPageGetMeta(page)->insert_page = ItemPointerGetBlockNumber(tid);
		GenericXLogFinish(state);
		UnlockReleaseBuffer(mbuf);
	}
}

/* The ef nearest live elements to v at level 0 (ascending, palloc'd). */
int
fg_find_nearest(Relation index, const float *v, int ef, FgNeighbour **out)
{
	FgIndexInfo *info = fg_index_info(index);
	of_sq8_query *qq = palloc(sizeof(of_sq8_query));
	ItemPointerData entry;
	int			top;
	FgElement	ee = palloc(FG_ELEMENT_MAX);
	FgNeighbour *ep = palloc(sizeof(FgNeighbour));
	int			nep = 1;

	*out = NULL;
	fg_read_meta(index, &entry, &top, NULL);
	if (!ItemPointerIsValid(&entry) || !fg_read_element(index, &entry, ee, FG_ELEMENT_MAX))
		return 0;
	of_sq8_prepare(&info->quantizer, v, qq);
	ep->tid = entry;
	ep->d2 = of_sq8_l2_squared(qq, ee->code);
	ep->level = ee->level;
	memcpy(ep->code, ee->code, FG_DIM);
	for (int l = top; l >= 0; l--)
	{
		FgNeighbour *found;
		int			nf = fg_search_level(index, info, qq, ep, nep, l, l > 0 ? 1 : ef, &found);

		if (nf == 0)
			continue;
		ep = found;
		nep = nf;
	}
	*out = ep;
	return nep;
}

void
fg_insert_vector(Relation index, const FgVector *v, ItemPointer heaptid)
{
	FgIndexInfo *info = fg_index_info(index);
	int			m = info->m;
	int			level = fg_random_level(m);
	LOCKMODE	mode = ShareLock;
	ItemPointerData entry;
	int			top;
	of_sq8_query *qq = palloc(sizeof(of_sq8_query));
	Size		size;
	FgElement	e;
	ItemPointerData tid;
	FgNeighbour **chosen;
	int		   *nchosen;

	if (level > FG_MAX_LEVEL)
		level = FG_MAX_LEVEL;
	LockPage(index, FG_UPDATE_LOCK, mode);
	fg_read_meta(index, &entry, &top, NULL);
	if (!ItemPointerIsValid(&entry) || level > top)
	{
		UnlockPage(index, FG_UPDATE_LOCK, mode);
		mode = ExclusiveLock;
		LockPage(index, FG_UPDATE_LOCK, mode);
		fg_read_meta(index, &entry, &top, NULL);
	}

	size = fg_element_size(m, level);
	e = palloc0(size);
	e->heaptid = *heaptid;
	e->level = (uint8) level;
	e->resid = of_sq8_encode(&info->quantizer, v->x, e->code);
	for (int i = 0; i < 2 * m + level * m; i++)
		ItemPointerSetInvalid(&e->links[i]);
	of_sq8_prepare(&info->quantizer, v->x, qq);

	chosen = palloc0(sizeof(FgNeighbour *) * (level + 1));
	nchosen = palloc0(sizeof(int) * (level + 1));
	if (ItemPointerIsValid(&entry))
	{
		FgElement	ee = palloc(FG_ELEMENT_MAX);
		FgNeighbour *ep = palloc(sizeof(FgNeighbour));
		int			nep = 1;

		if (!fg_read_element(index, &entry, ee, FG_ELEMENT_MAX))
			elog(ERROR, "facegraph index \"%s\" has a bad entry point",
				 RelationGetRelationName(index));
		ep->tid = entry;
		ep->d2 = of_sq8_l2_squared(qq, ee->code);
		ep->level = ee->level;
		memcpy(ep->code, ee->code, FG_DIM);
		pfree(ee);

		for (int l = top; l >= 0; l--)
		{
			FgNeighbour *found;
			int			nf = fg_search_level(index, info, qq, ep, nep, l,
											 l > level ? 1 : info->ef_construction, &found);

			if (nf == 0)
			{
				/* Everything reachable was deleted: keep the entry to go on from. */
				continue;
			}
			if (l <= level)
			{
				int		   *sel = palloc(sizeof(int) * nf);
				int			k = fg_select(info, v->x, found, nf, fg_level_slots(m, l), false, sel);

				chosen[l] = palloc(sizeof(FgNeighbour) * (k > 0 ? k : 1));
				for (int i = 0; i < k; i++)
				{
					chosen[l][i] = found[sel[i]];
					e->links[fg_level_offset(m, l) + i] = found[sel[i]].tid;
				}
				nchosen[l] = k;
			}
			ep = found;
			nep = nf;
		}
	}

	place_element(index, e, size, &tid);

	for (int l = level; l >= 0; l--)
	{
		bool		linked = false;

		for (int i = 0; i < nchosen[l]; i++)
			linked |= add_reverse_link(index, info, &chosen[l][i].tid, &tid, e->code, l);
		/* Pruning everywhere would leave the new element unreachable. */
		if (!linked && nchosen[l] > 0 && l == 0)
			fg_force_link(index, &chosen[0][0].tid, &tid, 0);
	}

	if (!ItemPointerIsValid(&entry) || level > top)
	{
		Buffer		mbuf = ReadBuffer(index, FG_METAPAGE_BLKNO);
		GenericXLogState *state;
		Page		page;

		LockBuffer(mbuf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(index);
		page = GenericXLogRegisterBuffer(state, mbuf, 0);
		FgPageGetMeta(page)->entry = tid;
		FgPageGetMeta(page)->top_level = (int16) level;
		GenericXLogFinish(state);
		UnlockReleaseBuffer(mbuf);
	}
	UnlockPage(index, FG_UPDATE_LOCK, mode);
}

bool
fginsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		 Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		 IndexInfo *indexInfo)
{
	MemoryContext ctx,
				old;
	FgVector	v;

	if (isnull[0])
		return false;
	if (!fg_prepare_vector(fg_index_info(index)->metric, DatumGetFaceEmbedding(values[0]), &v))
		return false;
	ctx = AllocSetContextCreate(CurrentMemoryContext, "facegraph insert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ctx);
	fg_insert_vector(index, &v, heap_tid);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(ctx);
	return false;
}
