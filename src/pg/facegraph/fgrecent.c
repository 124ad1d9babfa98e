/*
 * facegraph: pinning index pages through the buffer that last held them.
 *
 * A search reads a few thousand index pages, nearly all of them already in
 * shared buffers, and ReadBuffer's buffer-table lookup (a hash probe under a
 * partition lock, with its cache misses) was the largest single cost of a
 * search.  Each backend remembers, per facegraph index, which buffer last
 * held each block it read; ReadRecentBuffer checks that the buffer still
 * holds that block and pins it without the lookup, else ReadBuffer runs as
 * usual.  A stale entry costs one failed check, never a wrong page.
 */
#include "facegraph/fg.h"

#include "pgstat.h"
#include "storage/buf_internals.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "distance.h"

/*
 * The most line pointers a page has room for: prefetching reads a line
 * pointer before any check of the page, and a larger offset (only a
 * corrupt link has one) would read past the page's end.
 */
#define FG_MAX_LINE_POINTERS ((BLCKSZ - SizeOfPageHeaderData) / sizeof(ItemIdData))

/* Past this many remembered blocks (16 MB of Buffer ids) start over. */
#define FG_RECENT_MAX_BLOCKS	((Size) 4 * 1024 * 1024)

typedef struct FgRecent
{
	RelFileNode node;			/* hash key */
	BlockNumber nblocks;
	Buffer	   *bufs;			/* InvalidBuffer where nothing is known */
} FgRecent;

static MemoryContext recent_cxt;
static HTAB *recent;
static FgRecent *last;
static Size recent_blocks;

static FgRecent *
recent_for(Relation index)
{
	bool		found;

	if (last != NULL && RelFileNodeEquals(last->node, index->rd_node))
		return last;
	if (recent == NULL)
	{
		HASHCTL		ctl;

		if (recent_cxt == NULL)
			recent_cxt = AllocSetContextCreate(TopMemoryContext, "facegraph recent buffers",
											   ALLOCSET_SMALL_SIZES);
		ctl.keysize = sizeof(RelFileNode);
		ctl.entrysize = sizeof(FgRecent);
		ctl.hcxt = recent_cxt;
		recent = hash_create("facegraph recent buffers", 16, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	last = hash_search(recent, &index->rd_node, HASH_ENTER, &found);
	if (!found)
	{
		last->nblocks = 0;
		last->bufs = NULL;
	}
	return last;
}

/* Make room for block blkno; false if the budget says to start over. */
static bool
recent_grow(FgRecent *r, BlockNumber blkno)
{
	BlockNumber n = Max(Max(blkno + 1, 2 * r->nblocks), 64);

	if (recent_blocks + (n - r->nblocks) > FG_RECENT_MAX_BLOCKS)
		return false;
	if (r->bufs == NULL)
		r->bufs = MemoryContextAlloc(recent_cxt, n * sizeof(Buffer));
	else
		r->bufs = repalloc(r->bufs, n * sizeof(Buffer));
	for (BlockNumber b = r->nblocks; b < n; b++)
		r->bufs[b] = InvalidBuffer;
	recent_blocks += n - r->nblocks;
	r->nblocks = n;
	return true;
}

static void
recent_forget_all(void)
{
	MemoryContextReset(recent_cxt);
	recent = NULL;
	last = NULL;
	recent_blocks = 0;
}

/* ReadBuffer(index, blkno), through the remembered buffer when it still holds the block. */
Buffer
fg_read_buffer(Relation index, BlockNumber blkno)
{
	FgRecent   *r = recent_for(index);
	Buffer		buf;

	if (blkno < r->nblocks && BufferIsValid(r->bufs[blkno]) &&
		ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, blkno, r->bufs[blkno]))
	{
		/* What ReadBuffer counts for pg_statio_*_indexes. */
		pgstat_count_buffer_read(index);
		pgstat_count_buffer_hit(index);
		return r->bufs[blkno];
	}
	buf = ReadBuffer(index, blkno);
	/* Temporary indexes live in local buffers: no lookup to save there. */
	if (BufferIsLocal(buf))
		return buf;
	if (blkno >= r->nblocks && !recent_grow(r, blkno))
	{
		recent_forget_all();
		r = recent_for(index);
		if (!recent_grow(r, blkno))
			return buf;
	}
	r->bufs[blkno] = buf;
	return buf;
}

/*
 * Ask the CPU for the elements at tids, ahead of reading them one by one: a
 * search's neighbours lie on scattered pages (at 1M rows, 1.04 elements a
 * page), and the first touch of a buffer header, a page header, a line
 * pointer and an element is a cache miss each, about 210 ns here.  Asked for
 * all at once, the misses overlap.  At 1M realistic rows (ef_search 192,
 * pgbench, interleaved): 216-219 q/s with no prefetch, 314-319 with the
 * buffer headers and line pointers, 484-490 with the elements too, 565-572
 * with the page headers as well.  A second read of the same elements right
 * after costs a quarter of the first.  Only blocks with a remembered buffer
 * are asked for, and without a pin or lock: the buffer may hold another
 * block by now, which costs a useless prefetch, never a wrong read (the
 * addresses stay inside the buffer's page).
 */
void
fg_prefetch_elements(Relation index, const ItemPointerData *tids, int n)
{
	FgRecent   *r = recent_for(index);
	const char *pages[2 * FG_MAX_M];

	Assert(n <= 2 * FG_MAX_M);
	for (int i = 0; i < n; i++)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&tids[i]);
		OffsetNumber off = ItemPointerGetOffsetNumber(&tids[i]);

		pages[i] = NULL;
		if (blk < r->nblocks && BufferIsValid(r->bufs[blk]) &&
			off >= FirstOffsetNumber && off <= FG_MAX_LINE_POINTERS)
		{
			__builtin_prefetch(GetBufferDescriptor(r->bufs[blk] - 1));
			pages[i] = BufferGetPage(r->bufs[blk]);
			__builtin_prefetch(pages[i]);
			__builtin_prefetch(PageGetItemId(pages[i], off));
		}
	}
	/*
	 * Then each element's fixed part, through its line pointer, read without
	 * the content lock: it only gives an address, kept inside the page.
	 * Written out here, not in a helper: GCC 12 drops every call to a
	 * function that does nothing but prefetch (see OF_PREFETCH).
	 */
	for (int i = 0; i < n; i++)
	{
		const char *page = pages[i];
		const char *p,
				   *first,
				   *end;

		if (page == NULL)
			continue;
		p = page + (ItemIdGetOffset(PageGetItemId(page, ItemPointerGetOffsetNumber(&tids[i]))) &
					(BLCKSZ - 1));
		/* Every line the fixed part touches, none past the page. */
		first = (const char *) TYPEALIGN_DOWN(OF_CACHE_LINE, p);
		end = Min(p + FG_ELEMENT_FIXED, page + BLCKSZ);
		OF_PREFETCH(first, end - first);
	}
}
