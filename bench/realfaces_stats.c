/*
 * How hard a face data set is for a nearest-neighbour index, for real
 * descriptors and the generators side by side at the same size:
 *
 *   realfaces_stats EMBED.tsv [SEED]      (EMBED.tsv: `openface embed` output)
 *
 * Rows: the real descriptors (unit-normalised, one face per file, identity =
 * folder); gen/realfaces.h with LFW's own photos per identity; gen/realfaces.h
 * with its 1 + Poisson(2) photos; gen/facelike.h (8 photos per identity).
 * Columns: local intrinsic dimension (Levina-Bickel MLE over the 10 and the 20
 * nearest neighbours, median over points), median distance to the 1st and
 * 10th neighbour, mean distance between all pairs, median same-identity
 * distance.  Exact, all pairs: meant for a few thousand vectors.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "real_faces.h"
#include "realfaces.h"

#define D REALFACES_DIM
#define KMAX 20

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n ? v[n / 2] : NAN;
}

/* Levina-Bickel MLE from the k nearest distances d[0..k-1], ascending. */
static double
lid(const double *d, int k)
{
	double		s = 0;

	for (int j = 0; j < k - 1; j++)
		s += log(d[k - 1] / d[j]);
	return (k - 1) / s;
}

static void
report(const char *name, const float *x, const int *y, size_t n)
{
	double	   *lid10 = malloc(sizeof(double) * n),
			   *lid20 = malloc(sizeof(double) * n),
			   *nn1 = malloc(sizeof(double) * n),
			   *nn10 = malloc(sizeof(double) * n),
			   *same = NULL,
				sum = 0;
	size_t		nsame = 0,
				cap = 0;

	for (size_t i = 0; i < n; i++)
	{
		double		best[KMAX];
		int			nb = 0;

		for (size_t j = 0; j < n; j++)
		{
			double		d = 0;
			int			p;

			if (j == i)
				continue;
			for (int t = 0; t < D; t++)
			{
				double		u = x[i * D + t] - x[j * D + t];

				d += u * u;
			}
			d = sqrt(d);
			if (j > i)
			{
				sum += d;
				if (y[i] == y[j])
				{
					if (nsame == cap)
						same = realloc(same, sizeof(double) * (cap = cap ? 2 * cap : 1024));
					same[nsame++] = d;
				}
			}
			if (nb == KMAX && d >= best[KMAX - 1])
				continue;
			p = nb < KMAX ? nb++ : KMAX - 1;
			while (p > 0 && best[p - 1] > d)
			{
				best[p] = best[p - 1];
				p--;
			}
			best[p] = d;
		}
		lid10[i] = lid(best, 10);
		lid20[i] = lid(best, 20);
		nn1[i] = best[0];
		nn10[i] = best[9];
	}
	printf("%-34s %6zu  %5.1f  %5.1f  %5.3f  %5.3f  %5.3f  %5.3f\n", name, n,
		   median(lid10, n), median(lid20, n), median(nn1, n), median(nn10, n),
		   sum / (n * (n - 1) / 2.0), median(same, nsame));
	free(lid10);
	free(lid20);
	free(nn1);
	free(nn10);
	free(same);
}

/* n photos of realfaces identities; sizes[] photos each if given, else 1 + Poisson(2). */
static void
gen_real(uint64_t *state, size_t n, const int *label_of, float *x, int *y)
{
	float		centre[D];
	int			id = -1,
				left = 0;

	for (size_t i = 0; i < n; i++)
	{
		if (label_of ? (i == 0 || label_of[i] != label_of[i - 1]) : left == 0)
		{
			realfaces_identity(state, centre);
			id++;
			left = realfaces_photo_count(state);
		}
		realfaces_photo(state, centre, x + i * D);
		y[i] = id;
		left--;
	}
}

int
main(int argc, char **argv)
{
	real_set	rs;
	uint64_t	state;
	float	   *x,
			   *centres;
	int		   *y,
			   *sorted_y;

	if (argc < 2 || argc > 3)
	{
		fprintf(stderr, "usage: %s EMBED.tsv [SEED]\n", argv[0]);
		return 2;
	}
	state = argc == 3 ? strtoull(argv[2], NULL, 10) : 1;
	if (read_real(argv[1], &rs) != 0 || rs.n < KMAX + 1)
	{
		fprintf(stderr, "cannot read descriptors from %s\n", argv[1]);
		return 1;
	}
	for (size_t i = 0; i < rs.n; i++)
		facelike_normalise(rs.x + i * D, D);
	x = malloc(sizeof(float) * D * rs.n);
	y = malloc(sizeof(int) * rs.n);
	sorted_y = malloc(sizeof(int) * rs.n);
	centres = malloc(sizeof(float) * D * (rs.n / 8 + 1));

	/* LFW's identities, grouped, so gen_real gives them the same sizes */
	{
		size_t		k = 0;

		for (int id = 0; id < rs.nid; id++)
			for (size_t i = 0; i < rs.n; i++)
				if (rs.y[i] == id)
					sorted_y[k++] = id;
	}

	printf("%-34s %6s  %5s  %5s  %5s  %5s  %5s  %5s\n", "data", "n", "LID10", "LID20",
		   "1-NN", "10-NN", "mean", "same");
	report("real (LFW view 1, normalised)", rs.x, rs.y, rs.n);
	gen_real(&state, rs.n, sorted_y, x, y);
	report("realfaces, LFW's photos/identity", x, y, rs.n);
	gen_real(&state, rs.n, NULL, x, y);
	report("realfaces, 1 + Poisson(2)", x, y, rs.n);
	facelike_centres(&state, centres, rs.n / 8 + 1);
	for (size_t i = 0; i < rs.n; i++)
	{
		facelike_sample(&state, centres + (i / 8) * D, FACELIKE_NOISE, x + i * D);
		y[i] = (int) (i / 8);
	}
	report("facelike (8 photos/identity)", x, y, rs.n);
	free_real(&rs);
	free(x);
	free(y);
	free(sorted_y);
	free(centres);
	return 0;
}
