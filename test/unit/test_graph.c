/*
 * Core parts of the face index: heaps, the id map, 8-bit quantisation
 * (lower-bound property) and the in-memory HNSW graph (recall against brute
 * force on clustered, face-like data, single- and multi-threaded).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"
#include "heap.h"
#include "graph/hnsw.h"
#include "graph/idmap.h"
#include "graph/select.h"
#include "graph/sq8.h"
#include "unit.h"

#define DIM 128

static uint64_t rng = 42;

static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((rng >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss(void)
{
	return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand());
}

static void
unit_vec(float *v, const float *centre, double noise)
{
	double		s = 0;

	for (int j = 0; j < DIM; j++)
	{
		v[j] = (float) ((centre ? centre[j] : 0.0) + noise * gauss());
		s += (double) v[j] * v[j];
	}
	for (int j = 0; j < DIM; j++)
		v[j] = (float) (v[j] / sqrt(s));
}

/* ids: 250 identities x 8 samples, noise so same-identity d ~ 0.4 */
static float *
make_faces(size_t ids, size_t per, float **queries, size_t nq)
{
	float	   *c = malloc(ids * DIM * sizeof(float));
	float	   *x = malloc(ids * per * DIM * sizeof(float));

	*queries = malloc(nq * DIM * sizeof(float));
	for (size_t i = 0; i < ids; i++)
		unit_vec(c + i * DIM, NULL, 1.0);
	for (size_t i = 0; i < ids * per; i++)
		unit_vec(x + i * DIM, c + (i / per) * DIM, 0.028);
	for (size_t i = 0; i < nq; i++)
		unit_vec(*queries + i * DIM, c + ((i * 7) % ids) * DIM, 0.028);
	free(c);
	return x;
}

/*
 * Every link of the n nodes is in range, not a self-link, distinct within
 * its list, to a node that has the level, and no list holds more than the
 * degree cap (m, 2m at level 0).
 */
static int
links_valid(const of_hnsw *g, size_t n, int m)
{
	int			valid = 1;

	for (size_t i = 0; i < n; i++)
		for (int l = 0; l <= of_hnsw_level(g, i); l++)
		{
			int			c;
			const int32_t *nb = of_hnsw_neighbours(g, i, l, &c);

			if (c > (l ? m : 2 * m))
				valid = 0;
			for (int t = 0; t < c; t++)
			{
				if (nb[t] < 0 || (size_t) nb[t] >= n || (size_t) nb[t] == i ||
					of_hnsw_level(g, (size_t) nb[t]) < l)
					valid = 0;
				for (int u = 0; u < t; u++)
					valid &= nb[u] != nb[t];
			}
		}
	return valid;
}

static double
recall(of_hnsw *g, const float *x, size_t n, const float *q, size_t nq, int ef)
{
	size_t		hit = 0;
	float	   *d = malloc(n * sizeof(float));

	for (size_t i = 0; i < nq; i++)
	{
		uint32_t	got[10];
		size_t		k;
		float		kth;
		float		tmp[10];
		of_error	err;

		for (size_t j = 0; j < n; j++)
			d[j] = of_l2_squared(q + i * DIM, x + j * DIM, DIM);
		/* 10th smallest by partial selection. */
		for (int t = 0; t < 10; t++)
			tmp[t] = INFINITY;
		for (size_t j = 0; j < n; j++)
			if (d[j] < tmp[9])
			{
				int			p = 9;

				while (p > 0 && tmp[p - 1] > d[j])
				{
					tmp[p] = tmp[p - 1];
					p--;
				}
				tmp[p] = d[j];
			}
		kth = tmp[9];
		k = of_hnsw_search(g, q + i * DIM, 10, ef, got, &err);
		for (size_t t = 0; t < k; t++)
			if (d[got[t]] <= kth)
				hit++;
	}
	free(d);
	return (double) hit / (double) (nq * 10);
}

static int
cmp_float(const void *a, const void *b)
{
	float		x = *(const float *) a,
				y = *(const float *) b;

	return (x > y) - (x < y);
}

int
main(void)
{
	/* heaps */
	{
		of_heap		mn,
					mx;
		int			sorted = 1;
		float		prev = -1;

		of_heap_init(&mn, 0);
		of_heap_init(&mx, 1);
		for (int i = 0; i < 1000; i++)
		{
			float		v = (float) urand();

			of_heap_push(&mn, v, (uint32_t) i);
			of_heap_push(&mx, v, (uint32_t) i);
		}
		while (mn.n)
		{
			of_heap_item it = of_heap_pop(&mn);

			if (it.d < prev)
				sorted = 0;
			prev = it.d;
		}
		ok(sorted, "min-heap pops ascending");
		prev = 2;
		sorted = 1;
		while (mx.n)
		{
			of_heap_item it = of_heap_pop(&mx);

			if (it.d > prev)
				sorted = 0;
			prev = it.d;
		}
		ok(sorted, "max-heap pops descending");
		of_heap_free(&mn);
		of_heap_free(&mx);
	}
	/*
	 * Appended items join the order at the next push or pop: pops interleaved
	 * with appends and pushes still come out ascending, and a cleared heap
	 * starts afresh.
	 */
	{
		of_heap		h;
		int			sorted = 1,
					popped = 0;
		float		prev = -1;

		of_heap_init(&h, 0);
		for (int i = 0; i < 50; i++)
			of_heap_append(&h, (float) urand(), (uint32_t) i);
		for (int round = 0; round < 20; round++)
		{
			of_heap_item it = of_heap_pop(&h);

			sorted &= it.d >= prev;
			prev = it.d;
			popped++;
			/* later items, above everything popped so far, join the order */
			for (int j = 0; j < 3; j++)
				of_heap_append(&h, (float) (1 + round) + (float) urand(), (uint32_t) (100 + 3 * round + j));
			if (round == 10)
				of_heap_push(&h, prev, 99);
		}
		while (h.n)
		{
			of_heap_item it = of_heap_pop(&h);

			sorted &= it.d >= prev;
			prev = it.d;
			popped++;
		}
		ok(sorted && popped == 111, "appended items pop in order with pushed ones (%d popped)", popped);
		for (int i = 0; i < 5; i++)
			of_heap_append(&h, (float) (5 - i), (uint32_t) i);
		of_heap_clear(&h);
		of_heap_push(&h, 3.0f, 7);
		of_heap_push(&h, 2.0f, 8);
		ok(h.n == 2 && of_heap_pop(&h).id == 8 && of_heap_pop(&h).id == 7,
		   "a cleared heap drops its pending items");
		of_heap_free(&h);
	}
	/* a bounded max-heap keeps exactly the nearest, replacing its top */
	{
		of_heap		h;
		float		all[1000],
					kept[100];
		int			same = 1,
					tops = 1;

		of_heap_init(&h, 1);
		for (int i = 0; i < 1000; i++)
		{
			all[i] = (float) urand();
			of_heap_keep_nearest(&h, 100, all[i], (uint32_t) i);
		}
		qsort(all, 1000, sizeof(float), cmp_float);
		for (int i = 99; i >= 0; i--)
			kept[i] = of_heap_pop(&h).d;
		for (int i = 0; i < 100; i++)
			same &= kept[i] == all[i];
		ok(same && h.n == 0, "keep_nearest holds the 100 nearest of 1000");
		for (int i = 0; i < 10; i++)
			of_heap_push(&h, (float) i, (uint32_t) i);
		for (int i = 9; i > 0; i--)
		{
			of_heap_item out = of_heap_replace_top(&h, -(float) i, 0);

			tops &= out.d == (float) i && h.n == 10;
		}
		tops &= of_heap_top(&h)->d == 0.0f;
		ok(tops, "replace_top returns the old top and keeps the heap's order");
		of_heap_free(&h);
	}
	/* id map */
	{
		of_idmap	m;
		int			good = 1,
					found;
		uint32_t   *slot;

		of_idmap_init(&m, 4);
		for (uint32_t i = 0; i < 5000; i++)
			of_idmap_put(&m, (uint64_t) i * 7919 + ((uint64_t) 1 << 40), i, &found, &slot), good &= !found;
		for (uint32_t i = 0; i < 5000; i++)
			good &= of_idmap_get(&m, (uint64_t) i * 7919 + ((uint64_t) 1 << 40)) == i;
		good &= of_idmap_get(&m, 3) == UINT32_MAX;
		of_idmap_put(&m, (uint64_t) 7919 + ((uint64_t) 1 << 40), 99, &found, &slot);
		good &= found && *slot == 1;
		ok(good && m.n == 5000, "id map stores, finds and grows");
		of_idmap_free(&m);
	}
	/* quantisation */
	{
		float	   *q;
		float	   *x = make_faces(100, 8, &q, 100);
		of_sq8		sq;
		of_sq8_query qq;
		uint8_t		code[DIM];
		float		dec[DIM];
		of_error	err;
		int			bound_ok = 1,
					err_ok = 1,
					wide_ok = 1;
		double		worst = 0;

		ok(of_sq8_train(&sq, x, 800, DIM, &err) == OF_OK, "sq8 trains");
		for (int i = 0; i < 800; i++)
		{
			float		r = of_sq8_encode(&sq, x + i * DIM, code);
			float		exact_r;

			of_sq8_decode(&sq, code, dec);
			exact_r = of_l2_distance(x + i * DIM, dec, DIM);
			if (!(r >= exact_r))
				err_ok = 0;
			for (int j = 0; j < DIM; j++)
				if (fabsf(dec[j] - x[i * DIM + j]) > sq.step[j] * 0.5001f + 1e-6f)
					err_ok = 0;
			for (int t = 0; t < 100; t++)
			{
				float		ex = of_l2_distance(q + t * DIM, x + i * DIM, DIM);
				float		lb,
							d2,
							wide_d2;

				of_sq8_prepare(&sq, q + t * DIM, &qq);
				d2 = of_sq8_l2_squared(&qq, code);
				wide_d2 = of_sq8_l2_squared_wide(&qq, code);
				if (!(fabsf(wide_d2 - d2) <= 1e-5f * d2 + 1e-6f) ||
					of_sq8_l2_lower_bound(wide_d2, r) > ex)
					wide_ok = 0;
				lb = of_sq8_l2_lower_bound(d2, r);
				if (lb > ex)
					bound_ok = 0;
				if (ex - lb > worst)
					worst = ex - lb;
			}
		}
		ok(err_ok, "sq8 error within half a step; residual norm never understated");
		ok(bound_ok, "sq8 lower bound never exceeds the exact distance");
		ok(wide_ok, "sq8 wide distance agrees with the plain one, and its bound holds");
		ok(worst < 0.05, "sq8 lower bound is tight (worst gap %.4f)", worst);
		/* out-of-range values are clamped, and the bound still holds */
		{
			float		far[DIM];
			float		r;
			float		ex;

			for (int j = 0; j < DIM; j++)
				far[j] = 3.0f;
			r = of_sq8_encode(&sq, far, code);
			of_sq8_prepare(&sq, q, &qq);
			ex = of_l2_distance(q, far, DIM);
			ok(of_sq8_l2_lower_bound(of_sq8_l2_squared(&qq, code), r) <= ex, "clamped code keeps a valid bound");
		}
		free(x);
		free(q);
	}
	/*
	 * neighbour selection: no kept candidate is nearer to one kept before it
	 * than to the base, and each dropped one (before the walk stopped) is
	 * nearer to one kept before it than to the base
	 */
	{
		float	   *q;
		size_t		n = 49;
		float	   *x = make_faces(7, 7, &q, 1);
		const float *vp[49];
		float		d2[49];
		size_t		out[49];

		for (size_t i = 0; i < n; i++)
		{
			size_t		j = i;
			float		d = of_l2_squared(q, x + i * DIM, DIM);

			while (j > 0 && d2[j - 1] > d)
			{
				d2[j] = d2[j - 1];
				vp[j] = vp[j - 1];
				j--;
			}
			d2[j] = d;
			vp[j] = x + i * DIM;
		}
		/* 3 ends the walk at keep, 24 at the last candidate */
		for (size_t keep = 3; keep <= 24; keep += 21)
		{
			size_t		k = of_graph_select(vp, d2, n, keep, DIM, out),
						walked = k == keep ? out[k - 1] + 1 : n,
						next = 0;
			int			rule = k > 1 && k < n;

			for (size_t i = 0; i < walked; i++)
			{
				int			occluded = 0;

				for (size_t j = 0; j < next; j++)
					occluded |= of_l2_squared(vp[i], vp[out[j]], DIM) < d2[i];
				if (next < k && out[next] == i)
				{
					rule &= !occluded;
					next++;
				}
				else
					rule &= occluded;
			}
			ok(rule && next == k, "selection keeps exactly the unoccluded candidates (keep %zu: %zu kept)",
			   keep, k);
		}
		free(x);
		free(q);
	}
	/* graph */
	for (int threads = 1; threads <= 2; threads++)
	{
		float	   *q;
		size_t		n = 4000;
		float	   *x = make_faces(500, 8, &q, 200);
		of_error	err;
		of_hnsw    *g = of_hnsw_create(DIM, 12, 64, 7, &err);
		uint32_t   *order = malloc(n * sizeof(uint32_t));
		uint8_t    *seen = calloc(n, 1);
		int			perm = 1;
		double		r;

		for (size_t i = 0; i < n; i++)
			of_hnsw_append(g, x + i * DIM, &err);
		ok(of_hnsw_link(g, 0, n / 2, threads, &err) == OF_OK &&
		   of_hnsw_link(g, n / 2, n, threads, &err) == OF_OK, "graph links (%d threads)", threads);
		{
			size_t		rep;
			uint32_t   *qu = malloc(n * sizeof(uint32_t));
			uint8_t    *sn = calloc(n, 1);
			size_t		h = 0,
						t = 0;

			of_status	st = of_hnsw_connect(g, &rep, &err);

			ok(st == OF_OK, "connect runs (%zu links added)", rep);
			qu[t++] = (uint32_t) of_hnsw_entry(g);
			sn[qu[0]] = 1;
			while (h < t)
			{
				int			c;
				const int32_t *nb = of_hnsw_neighbours(g, qu[h++], 0, &c);

				for (int i = 0; i < c; i++)
					if (!sn[nb[i]])
					{
						sn[nb[i]] = 1;
						qu[t++] = (uint32_t) nb[i];
					}
			}
			ok(t == n, "every node reachable at level 0 after connect (%zu of %zu)", t, n);
			free(qu);
			free(sn);
		}
		{
			size_t		added = 0,
						full[2] = {0, 0};
			of_status	st;

			for (int pass = 0; pass < 2; pass++)
			{
				if (pass == 1)
				{
					st = of_hnsw_fill(g, threads, &added, &err);
					ok(st == OF_OK && added > 0, "fill adds %zu links", added);
				}
				for (size_t i = 0; i < n; i++)
				{
					int			c;

					(void) of_hnsw_neighbours(g, i, 0, &c);
					full[pass] += c == 24;
				}
			}
			ok(full[1] > n * 9 / 10, "fill leaves most level-0 lists full (%zu of %zu, %zu before)",
			   full[1], n, full[0]);
		}
		r = recall(g, x, n, q, 200, 80);
		unit_diag("recall@10 ef=80 threads=%d: %.4f", threads, r);
		ok(r >= 0.97, "graph recall@10 >= 0.97 (%.4f, %d threads)", r, threads);
		ok(of_hnsw_order(g, order, &err) == OF_OK, "order computed");
		for (size_t i = 0; i < n; i++)
		{
			if (order[i] >= n || seen[order[i]])
				perm = 0;
			else
				seen[order[i]] = 1;
		}
		ok(perm && order[0] == (uint32_t) of_hnsw_entry(g), "order is a permutation starting at the entry");
		ok(links_valid(g, n, 12), "links are in range, distinct, within degree caps and level-consistent");
		{
			size_t		wrong = 0;

			for (size_t i = 0; i < n; i++)
				for (int l = 0; l <= of_hnsw_level(g, i); l++)
				{
					int			c;
					const int32_t *nb = of_hnsw_neighbours(g, i, l, &c);
					const float *nd = of_hnsw_distances(g, i, l);

					for (int t = 0; t < c; t++)
						wrong += nd[t] != of_l2_squared(x + i * DIM, x + (size_t) nb[t] * DIM, DIM);
				}
			ok(wrong == 0, "every link's stored distance is its distance (%zu wrong)", wrong);
		}
		free(order);
		free(seen);
		of_hnsw_free(g);
		free(x);
		free(q);
	}
	/* compact: a build that trades its vectors for 8-bit codes halfway */
	{
		float	   *q;
		size_t		n = 4000,
					half = n / 2,
					before,
					same = 0;
		float	   *x = make_faces(500, 8, &q, 200);
		of_error	err;
		of_hnsw    *g = of_hnsw_create(DIM, 12, 64, 7, &err);
		of_sq8		want;
		const of_sq8 *got;
		double		r;

		ok(of_hnsw_compact(g, &err) == OF_EINVAL, "an empty graph cannot be compacted");
		for (size_t i = 0; i < half; i++)
			of_hnsw_append(g, x + i * DIM, &err);
		ok(of_hnsw_link(g, 0, half, 2, &err) == OF_OK, "first half linked");
		ok(of_hnsw_quantizer(g) == NULL, "no quantiser before compacting");
		before = of_hnsw_bytes(g);
		ok(of_hnsw_compact(g, &err) == OF_OK, "graph compacted");
		of_sq8_train(&want, x, half, DIM, &err);
		got = of_hnsw_quantizer(g);
		ok(got != NULL && memcmp(got->lo, want.lo, sizeof(float) * DIM) == 0 &&
		   memcmp(got->step, want.step, sizeof(float) * DIM) == 0,
		   "the quantiser is fitted to the vectors so far");
		ok(of_hnsw_vector(g, 0) == NULL && of_hnsw_distances(g, 0, 0) == NULL,
		   "a compact graph keeps neither vectors nor link distances");

		/*
		 * Each vector's 4 * DIM bytes become a code and its residual norm
		 * (DIM + 4), and each level-0 list (25 words at m 12) loses its distances.
		 */
		ok(before - of_hnsw_bytes(g) >= half * (3 * DIM - sizeof(float) + 25 * sizeof(int32_t)),
		   "compacting frees at least %zu bytes (%zu)",
		   half * (3 * DIM - sizeof(float) + 25 * sizeof(int32_t)), before - of_hnsw_bytes(g));
		for (size_t i = half; i < n; i++)
			of_hnsw_append(g, x + i * DIM, &err);
		ok(of_hnsw_link(g, half, n, 2, &err) == OF_OK, "second half linked on codes");
		for (size_t i = 0; i < n; i++)
		{
			uint8_t		code[DIM];
			float		resid;
			const uint8_t *c = of_hnsw_code(g, i, &resid);
			float		want_resid = of_sq8_encode(&want, x + i * DIM, code);

			same += resid == want_resid && memcmp(c, code, DIM) == 0;
		}
		ok(same == n, "every node, before and after compacting, holds its code and residual (%zu of %zu)",
		   same, n);
		{
			size_t		rep = 0,
						added = 0;
			int			ran = of_hnsw_connect(g, &rep, &err) == OF_OK &&
				of_hnsw_fill(g, 2, &added, &err) == OF_OK;

			ok(ran && added > 0, "connect and fill run on codes (%zu + %zu links)", rep, added);
		}
		ok(links_valid(g, n, 12), "compact links are in range, distinct, within degree caps and level-consistent");
		r = recall(g, x, n, q, 200, 80);
		unit_diag("recall@10 ef=80 compact halfway: %.4f", r);
		ok(r >= 0.95, "compact graph recall@10 >= 0.95 (%.4f)", r);
		of_hnsw_free(g);
		free(x);
		free(q);
	}
	/*
	 * spill: a compact graph moved into a caller's region builds the same
	 * graph as one that stays in its own memory (one thread: the same
	 * order of work), and refuses nodes past the region's room
	 */
	{
		float	   *q;
		size_t		n = 3000,
					third = n / 3,
					max_nodes = n + 10,
					differ = 0;
		float	   *x = make_faces(400, 8, &q, 100);
		of_error	err;
		of_hnsw    *a = of_hnsw_create(DIM, 12, 64, 11, &err),
				   *b = of_hnsw_create(DIM, 12, 64, 11, &err);
		void	   *region = NULL;
		size_t		bytes;
		long		got;

		for (size_t i = 0; i < third; i++)
		{
			of_hnsw_append(a, x + i * DIM, &err);
			of_hnsw_append(b, x + i * DIM, &err);
		}
		of_hnsw_link(a, 0, third, 1, &err);
		of_hnsw_link(b, 0, third, 1, &err);
		bytes = of_hnsw_spill_bytes(b, max_nodes);
		region = malloc(bytes);
		ok(of_hnsw_spill(b, region, bytes, max_nodes, &err) == OF_EINVAL,
		   "a graph with float vectors cannot spill");
		of_hnsw_compact(a, &err);
		of_hnsw_compact(b, &err);
		ok(of_hnsw_spill(b, region, bytes - 1, max_nodes, &err) == OF_EINVAL,
		   "a region one byte short is refused");
		ok(of_hnsw_spill(b, region, bytes, third - 1, &err) == OF_EINVAL,
		   "a region for fewer nodes than the graph has is refused");
		ok(of_hnsw_spill(b, region, bytes, max_nodes, &err) == OF_OK, "compact graph spilled");
		{
			of_hnsw    *empty = of_hnsw_create(DIM, 12, 64, 11, &err);
			size_t		own = of_hnsw_bytes(b) - of_hnsw_bytes(empty);

			ok(own == max_nodes * sizeof(int32_t *) && of_hnsw_node_bytes(b) == 0,
			   "a spilled graph keeps only the lists' addresses in its own memory (%zu bytes, %zu unspilled)",
			   own, of_hnsw_bytes(a) - of_hnsw_bytes(empty));
			of_hnsw_free(empty);
		}
		ok(of_hnsw_spill(b, region, bytes, max_nodes, &err) == OF_EINVAL, "a graph spills once");
		for (size_t i = third; i < n; i++)
		{
			of_hnsw_append(a, x + i * DIM, &err);
			of_hnsw_append(b, x + i * DIM, &err);
		}
		of_hnsw_link(a, third, n, 1, &err);
		of_hnsw_link(b, third, n, 1, &err);
		for (size_t i = 0; i < n; i++)
		{
			float		ra,
						rb;

			differ += of_hnsw_level(a, i) != of_hnsw_level(b, i) ||
				memcmp(of_hnsw_code(a, i, &ra), of_hnsw_code(b, i, &rb), DIM) != 0 || ra != rb;
			for (int l = 0; l <= of_hnsw_level(a, i); l++)
			{
				int			ca,
							cb;
				const int32_t *la = of_hnsw_neighbours(a, i, l, &ca);
				const int32_t *lb = of_hnsw_neighbours(b, i, l, &cb);

				differ += ca != cb || memcmp(la, lb, (size_t) ca * sizeof(int32_t)) != 0;
			}
		}
		ok(differ == 0 && of_hnsw_entry(a) == of_hnsw_entry(b),
		   "spilled and unspilled builds make the same graph (%zu nodes or lists differ)", differ);
		ok(links_valid(b, n, 12), "spilled links are in range, distinct, within degree caps and level-consistent");
		while (of_hnsw_room(b))
			of_hnsw_append(b, x, &err);
		ok(of_hnsw_count(b) == max_nodes, "the region takes max_nodes nodes (%zu)", of_hnsw_count(b));
		got = of_hnsw_append(b, x, &err);
		ok(got == -1 && err.code == OF_ELIMIT, "and refuses the next");
		of_hnsw_free(a);
		of_hnsw_free(b);
		free(region);
		free(x);
		free(q);
	}
	return unit_done();
}
