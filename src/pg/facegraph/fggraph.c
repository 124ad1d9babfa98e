/*
 * facegraph: the graph operations inserts and VACUUM share: a beam search
 * of one level, neighbour selection, rewriting a neighbour list, forcing a
 * link in, and the nearest elements of a vector.
 *
 * Locking: a search holds at most one buffer lock at a time; an element's
 * neighbour list is rewritten under an exclusive lock only if it still
 * equals the list the new one was computed from (else it is recomputed), so
 * concurrent inserts never lose each other's links and never deadlock.
 */
#include "facegraph/fg.h"

#include <float.h>

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "distance.h"
#include "graph/beam.h"
#include "graph/select.h"

int
fg_count_links(const FgElementData *e, int m, int level)
{
	const ItemPointerData *l = e->links + fg_level_offset(m, level);
	int			n = 0;

	while (n < fg_level_slots(m, level) && ItemPointerIsValid(&l[n]))
		n++;
	return n;
}

/* A search of one level of the index as of_beam_search walks it. */
typedef struct FgLevelWalk
{
	Relation	index;
	FgIndexInfo *info;
	const of_sq8_query *qq;
	int			level;
	FgScratch  *s;
	FgNeighbour *all;			/* every element seen, by beam id */
	int			n;
	int			cap;
	FgElement	e;
} FgLevelWalk;

/* Register a seen element; returns its beam id. */
static uint32
walk_add(FgLevelWalk *w, ItemPointer tid, float d2, int level, const uint8 *code)
{
	if (w->n == w->cap)
	{
		w->cap *= 2;
		w->all = repalloc(w->all, sizeof(FgNeighbour) * w->cap);
	}
	w->all[w->n].tid = *tid;
	w->all[w->n].d2 = d2;
	w->all[w->n].level = level;
	memcpy(w->all[w->n].code, code, FG_DIM);
	return w->n++;
}

/* of_beam_expand: the unseen elements an element links to at the level. */
static int
walk_expand(void *arg, uint32 id, of_beam_step *out)
{
	FgLevelWalk *w = arg;
	ItemPointerData links[2 * FG_MAX_M];
	int			nl,
				nfresh = 0,
				nout = 0;

	CHECK_FOR_INTERRUPTS();
	if (!fg_read_element(w->index, &w->all[id].tid, w->e,
						 FG_ELEMENT_FIXED + sizeof(ItemPointerData) * fg_level_offset(w->info->m, w->level + 1)) ||
		w->e->level < w->level)
		return 0;
	nl = fg_count_links(w->e, w->info->m, w->level);
	/* The unseen links (the map holds membership only), all asked for at once. */
	for (int i = 0; i < nl; i++)
	{
		ItemPointerData t = w->e->links[fg_level_offset(w->info->m, w->level) + i];

		if (!fg_seen(&w->s->seen, fg_tid_key(&t), 0))
			links[nfresh++] = t;
	}
	fg_prefetch_elements(w->index, links, nfresh);
	for (int i = 0; i < nfresh; i++)
	{
		if (!fg_read_element(w->index, &links[i], w->e, FG_ELEMENT_FIXED) || w->e->level < w->level)
			continue;
		out[nout].d = of_sq8_l2_squared(w->qq, w->e->code);
		out[nout].dead = (w->e->flags & FG_ELEM_DELETED) != 0;
		out[nout].id = walk_add(w, &links[i], out[nout].d, w->e->level, w->e->code);
		nout++;
	}
	return nout;
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
	FgLevelWalk w = {index, info, qq, level};
	of_beam_step steps[2 * FG_MAX_M];
	of_beam		b;
	FgNeighbour *res;
	int			nres;

	w.s = fg_scratch_create((size_t) ef * 8);
	w.cap = 64 + nentries;
	w.all = palloc(sizeof(FgNeighbour) * w.cap);
	w.e = palloc(FG_ELEMENT_MAX);
	for (int i = 0; i < nentries; i++)
	{
		if (fg_seen(&w.s->seen, fg_tid_key(&entries[i].tid), w.n))
			continue;
		w.all[w.n] = entries[i];
		fg_heap_push(&w.s->cand, entries[i].d2, w.n);
		fg_heap_push(&w.s->res, entries[i].d2, w.n);
		w.n++;
	}
	while (w.s->res.n > (size_t) ef)
		of_heap_pop(&w.s->res);

	b = (of_beam) {
		.cand = &w.s->cand, .res = &w.s->res, .width = (size_t) ef,
		.steps = steps, .expand = walk_expand, .arg = &w
	};
	if (of_beam_search(&b) != OF_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	nres = (int) w.s->res.n;
	res = palloc(sizeof(FgNeighbour) * (nres > 0 ? nres : 1));
	for (int i = nres; i-- > 0;)
		res[i] = w.all[of_heap_pop(&w.s->res).id];
	fg_scratch_free(w.s);
	pfree(w.all);
	pfree(w.e);
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
 * The element at tid with its page pinned and exclusively locked in *buf,
 * if it has that level; else NULL, with nothing held.
 */
FgElement
fg_lock_element(Relation index, ItemPointer tid, int level, Buffer *buf)
{
	FgElement	e;

	*buf = fg_read_buffer(index, ItemPointerGetBlockNumber(tid));
	LockBuffer(*buf, BUFFER_LOCK_EXCLUSIVE);
	e = fg_page_element(BufferGetPage(*buf), ItemPointerGetOffsetNumber(tid));
	if (e == NULL || e->level < level)
	{
		UnlockReleaseBuffer(*buf);
		return NULL;
	}
	return e;
}

/*
 * Start a generic WAL record of the locked page buf: the element at tid on
 * the record's copy of the page, to change before GenericXLogFinish.
 */
FgElement
fg_log_element(Relation index, Buffer buf, ItemPointer tid, GenericXLogState **state)
{
	*state = GenericXLogStart(index);
	return fg_page_element(GenericXLogRegisterBuffer(*state, buf, 0),
						   ItemPointerGetOffsetNumber(tid));
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
	int			slots = fg_level_slots(info->m, level);
	Buffer		buf;
	FgElement	e = fg_lock_element(index, tid, level, &buf);
	ItemPointerData *l;
	GenericXLogState *state;

	if (e == NULL)
		return true;
	if (expect != NULL)
	{
		int			cur = fg_count_links(e, info->m, level);

		if (cur != nexpect ||
			memcmp(e->links + fg_level_offset(info->m, level), expect,
				   sizeof(ItemPointerData) * cur) != 0)
		{
			UnlockReleaseBuffer(buf);
			return false;
		}
	}
	l = fg_log_element(index, buf, tid, &state)->links + fg_level_offset(info->m, level);
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

/* Whether the list at level of e holds tid. */
bool
fg_has_link(const FgElementData *e, int m, int level, ItemPointer tid)
{
	const ItemPointerData *l = e->links + fg_level_offset(m, level);
	int			n = fg_count_links(e, m, level);

	for (int i = 0; i < n; i++)
		if (ItemPointerEquals((ItemPointer) &l[i], tid))
			return true;
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
	Buffer		buf;
	FgElement	e = fg_lock_element(index, nb, level, &buf);
	ItemPointerData *l;
	GenericXLogState *state;
	int			n;

	if (e == NULL)
		return;
	if (fg_has_link(e, info->m, level, add))
	{
		UnlockReleaseBuffer(buf);
		return;
	}
	n = fg_count_links(e, info->m, level);
	l = fg_log_element(index, buf, nb, &state)->links + fg_level_offset(info->m, level);
	memmove(&l[1], &l[0], sizeof(ItemPointerData) * (n < slots ? n : slots - 1));
	l[0] = *add;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Append the links adds (nadds of them) to the list at level of the element
 * at tid, those it lacks, while it has room: one page write for them all.
 * Returns how many it appended.
 */
int
fg_append_links(Relation index, ItemPointer tid, int level, const ItemPointerData *adds, int nadds)
{
	FgIndexInfo *info = fg_index_info(index);
	int			slots = fg_level_slots(info->m, level);
	Buffer		buf;
	FgElement	e = fg_lock_element(index, tid, level, &buf);
	ItemPointerData links[2 * FG_MAX_M];
	GenericXLogState *state;
	int			n,
				have;

	if (e == NULL)
		return 0;
	n = have = fg_count_links(e, info->m, level);
	memcpy(links, e->links + fg_level_offset(info->m, level), sizeof(ItemPointerData) * n);
	for (int i = 0; i < nadds && n < slots; i++)
	{
		bool		dup = false;

		for (int j = 0; j < n && !dup; j++)
			dup = ItemPointerEquals(&links[j], (ItemPointer) &adds[i]);
		if (!dup)
			links[n++] = adds[i];
	}
	if (n > have)
	{
		e = fg_log_element(index, buf, tid, &state);
		memcpy(e->links + fg_level_offset(info->m, level), links, sizeof(ItemPointerData) * n);
		GenericXLogFinish(state);
	}
	UnlockReleaseBuffer(buf);
	return n - have;
}

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
