/*
 * facegraph: inserting one element into the on-disk graph (the graph
 * operations it shares with VACUUM are in fggraph.c).
 *
 * The heavyweight FG_UPDATE_LOCK serialises changes of the entry point:
 * inserts hold it shared, an insert that becomes the new top element (or
 * the first one) holds it exclusively.
 */
#include "facegraph/fg.h"

#include "miscadmin.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "distance.h"

/*
 * Add the link nb -> add at level, pruning nb's list when it is full; true
 * when the link is there afterwards.  addlinks are the links add holds at
 * that level (*naddlinks of them, room for the level's slots).  When the
 * pruning gives up a link to a live element add does not hold, add takes
 * that link over first (if it has room) and it joins addlinks.
 */
static bool
add_reverse_link(Relation index, FgIndexInfo *info, ItemPointer nb, ItemPointer add,
				 const uint8 *addcode, ItemPointerData *addlinks, int *naddlinks,
				 int level)
{
	int			slots = fg_level_slots(info->m, level);

	for (int attempt = 0; attempt < 4; attempt++)
	{
		Buffer		buf;
		FgElement	e = fg_lock_element(index, nb, level, &buf);
		GenericXLogState *state;
		ItemPointerData old[2 * FG_MAX_M];
		uint8		nbcode[FG_DIM];
		int			n;
		FgNeighbour *cands;
		int		   *chosen;
		ItemPointerData *links;
		int			k;
		float		base[FG_DIM];

		if (e == NULL)
			return false;
		if (fg_has_link(e, info->m, level, add))
		{
			UnlockReleaseBuffer(buf);
			return true;
		}
		n = fg_count_links(e, info->m, level);
		if (n < slots)
		{
			fg_log_element(index, buf, nb, &state)->links[fg_level_offset(info->m, level) + n] = *add;
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			return true;
		}
		memcpy(old, e->links + fg_level_offset(info->m, level), sizeof(ItemPointerData) * n);
		memcpy(nbcode, e->code, FG_DIM);
		UnlockReleaseBuffer(buf);

		/* Full: choose among the old links plus the new one. */
		of_sq8_decode(&info->quantizer, nbcode, base);
		cands = palloc(sizeof(FgNeighbour) * (n + 1));
		k = 0;
		fg_prefetch_elements(index, old, n);
		{
			FgElement	ne = palloc(FG_ELEMENT_FIXED);

			/* Only the codes and flags: the fixed part. */
			for (int i = 0; i < n; i++)
			{
				if (!fg_read_element(index, &old[i], ne, FG_ELEMENT_FIXED) ||
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
			 * link, it replaces an old link the heuristic drops; the list
			 * stays full, so links into tight clusters survive.  Which one:
			 * a deleted or unreadable link first, then one the new element
			 * links to itself (nb -> add -> it keeps it reachable: dropping
			 * an element's last way in leaves it unfindable until VACUUM
			 * reconnects it), then the farthest, which add then takes
			 * over if it has room.
			 */
			int			nsel = fg_select(info, base, cands, k, slots, false, chosen);
			bool		kept = false;
			int			drop = -1,
						droptier = -1;
			float		dropd = -1.0f;

			for (int i = 0; i < nsel; i++)
				kept |= ItemPointerEquals(&cands[chosen[i]].tid, add);
			if (!kept)
				return false;
			for (int i = 0; i < n; i++)
			{
				bool		sel = false;
				float		v[FG_DIM];
				float		d = 0;
				int			tier = 2;	/* deleted or unreadable */

				for (int j = 0; j < nsel && !sel; j++)
					sel = ItemPointerEquals(&cands[chosen[j]].tid, &old[i]);
				if (sel)
					continue;
				for (int j = 0; j < k; j++)
					if (ItemPointerEquals(&cands[j].tid, &old[i]))
					{
						of_sq8_decode(&info->quantizer, cands[j].code, v);
						d = of_l2_squared(base, v, FG_DIM);
						tier = 0;
						for (int a = 0; a < *naddlinks; a++)
							if (ItemPointerEquals(&addlinks[a], &old[i]))
								tier = 1;
						break;
					}
				if (tier > droptier || (tier == droptier && d > dropd))
				{
					droptier = tier;
					dropd = d;
					drop = i;
				}
			}
			if (drop < 0)
				return false;

			/*
			 * add links to the element nb gives up before nb's list drops
			 * it: in the other order a crash between the two page writes
			 * could leave it with no way in until VACUUM reconnects it.
			 */
			if (droptier == 0 && *naddlinks < slots &&
				fg_append_links(index, add, level, &old[drop], 1) > 0)
				addlinks[(*naddlinks)++] = old[drop];
			memcpy(links, old, sizeof(ItemPointerData) * n);
			links[drop] = *add;
			if (fg_set_links(index, nb, level, old, n, links, n))
				return true;
		}
	}
	return false;
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
	if (fg_is_element_page(page, blk))
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

	/*
	 * Link the chosen neighbours back, and from the new element the elements
	 * whose links their pruning gives up: each may have been its last way in.
	 * On 12 tables of the TAP tests' clusters (2,000 inserts each into an
	 * index of 2,000 rows, m 8, ef_construction 32), pruning the farthest
	 * link left 35 elements that nothing reached until VACUUM reconnected
	 * them; dropping a link the new element holds itself first, 6; with the
	 * new element taking over the rest, none.  20,000 realistic rows into a
	 * 10,000-row index (defaults): 3-4 before, none after, recall and
	 * insert time unchanged (README, "The facegraph index").
	 */
	for (int l = level; l >= 0; l--)
	{
		bool		linked = false;
		ItemPointerData held[2 * FG_MAX_M];
		int			nheld = nchosen[l];

		memcpy(held, e->links + fg_level_offset(m, l), sizeof(ItemPointerData) * nheld);
		for (int i = 0; i < nchosen[l]; i++)
			linked |= add_reverse_link(index, info, &chosen[l][i].tid, &tid, e->code,
									   held, &nheld, l);
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
