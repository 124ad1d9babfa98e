/*
 * Fits the two-covariance model of gen/realfaces.h to real descriptors and
 * writes gen/realfaces_params.h:
 *
 *   x = mean + B z1 + W z2   (z1 per identity, z2 per photo; then unit-normalised)
 *
 * mean is the mean of the identities' means; W W' is the pooled
 * within-identity covariance; B B' the covariance of identity means minus the
 * share of W W' that averaging n photos leaves in a mean (moment estimate,
 * negative eigenvalues clipped).  Each factor is stored as its top RANK
 * eigenvectors scaled by sqrt(eigenvalue) plus a per-coordinate residual
 * standard deviation for the variance the rank leaves out.
 *
 * Regenerate (descriptors of LFW view 1, this project's pipeline, default mode):
 *   make && cd /work/shared/lfw-view1 && find images -name '*.jpg' | sort |
 *     OPENBLAS_NUM_THREADS=1 xargs $REPO/build/openface -m $REPO/models/openface.ofm embed > /tmp/lfw.tsv
 *   cc -std=c11 -O2 -I$REPO/src/core -I$REPO/bench -o /tmp/realfaces_fit $REPO/gen/realfaces_fit.c -lm
 *   /tmp/realfaces_fit /tmp/lfw.tsv 80 > $REPO/gen/realfaces_params.h
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "real_faces.h"

#define D REAL_DIM
#define JACOBI_SWEEPS 50

/* Eigen-decomposition of the symmetric a (destroyed): values in w, vectors in the columns of v. */
static void
jacobi(double *a, double *w, double *v)
{
	for (int i = 0; i < D; i++)
		for (int j = 0; j < D; j++)
			v[i * D + j] = i == j;
	for (int sweep = 0; sweep < JACOBI_SWEEPS; sweep++)
	{
		double		off = 0;

		for (int p = 0; p < D; p++)
			for (int q = p + 1; q < D; q++)
				off += a[p * D + q] * a[p * D + q];
		if (off < 1e-22)
			break;
		for (int p = 0; p < D; p++)
			for (int q = p + 1; q < D; q++)
			{
				double		apq = a[p * D + q],
							theta,
							t,
							c,
							s;

				if (fabs(apq) < 1e-300)
					continue;
				theta = (a[q * D + q] - a[p * D + p]) / (2 * apq);
				t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				for (int k = 0; k < D; k++)
				{
					double		akp = a[k * D + p],
								akq = a[k * D + q];

					a[k * D + p] = c * akp - s * akq;
					a[k * D + q] = s * akp + c * akq;
				}
				for (int k = 0; k < D; k++)
				{
					double		apk = a[p * D + k],
								aqk = a[q * D + k];

					a[p * D + k] = c * apk - s * aqk;
					a[q * D + k] = s * apk + c * aqk;
				}
				for (int k = 0; k < D; k++)
				{
					double		vkp = v[k * D + p],
								vkq = v[k * D + q];

					v[k * D + p] = c * vkp - s * vkq;
					v[k * D + q] = s * vkp + c * vkq;
				}
			}
	}
	for (int i = 0; i < D; i++)
		w[i] = a[i * D + i];
}

/* Print cov as RANK scaled eigenvectors (largest first) and residual sds. */
static void
emit_factor(const char *name, const double *cov, int rank)
{
	double	   *a = malloc(sizeof(double) * D * D),
			   *v = malloc(sizeof(double) * D * D),
				w[D],
				res[D],
				total = 0,
				kept = 0;
	int			order[D];

	memcpy(a, cov, sizeof(double) * D * D);
	jacobi(a, w, v);
	for (int i = 0; i < D; i++)
		order[i] = i;
	for (int i = 0; i < D; i++)	/* selection sort, descending */
		for (int j = i + 1; j < D; j++)
			if (w[order[j]] > w[order[i]])
			{
				int			t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
	for (int i = 0; i < D; i++)
	{
		total += fmax(w[i], 0);
		res[i] = cov[i * D + i];
	}
	printf("/* %s: eigenvalues", name);
	for (int i = 0; i < D; i++)
		printf("%s%.3g", i % 12 ? " " : "\n *   ", w[order[i]]);
	printf("\n */\nstatic const float %s_factor[REALFACES_RANK][REALFACES_DIM] = {\n", name);
	for (int r = 0; r < rank; r++)
	{
		int			e = order[r];
		double		s = sqrt(fmax(w[e], 0));

		kept += fmax(w[e], 0);
		printf("\t{");
		for (int i = 0; i < D; i++)
		{
			printf("%s%.4g", i ? (i % 8 ? ", " : ",\n\t ") : "", s * v[i * D + e]);
			res[i] -= s * v[i * D + e] * s * v[i * D + e];
		}
		printf("},\n");
	}
	printf("};\n/* the %.1f%% of the variance the rank leaves out, per coordinate */\n"
		   "static const float %s_residual_sd[REALFACES_DIM] = {", 100 * (1 - kept / total), name);
	for (int i = 0; i < D; i++)
		printf("%s%.4g", i ? (i % 8 ? ", " : ",\n\t") : "\n\t", sqrt(fmax(res[i], 0)));
	printf("\n};\n\n");
	free(a);
	free(v);
}

int
main(int argc, char **argv)
{
	real_set	rs;
	double	   *mean_id,
			   *sw,
			   *sb,
				mu[D] = {0},
				inv_n = 0;
	long	   *count;
	int			rank;

	if (argc != 3 || (rank = atoi(argv[2])) < 1 || rank > D)
	{
		fprintf(stderr, "usage: %s EMBED.tsv RANK > realfaces_params.h\n", argv[0]);
		return 2;
	}
	if (read_real(argv[1], &rs) != 0 || rs.n == 0)
	{
		fprintf(stderr, "cannot read descriptors from %s\n", argv[1]);
		return 1;
	}
	mean_id = calloc((size_t) rs.nid * D, sizeof(double));
	count = calloc(rs.nid, sizeof(long));
	sw = calloc(D * D, sizeof(double));
	sb = calloc(D * D, sizeof(double));
	for (size_t i = 0; i < rs.n; i++)
	{
		float	   *x = rs.x + i * D;
		double		s = 0;

		for (int j = 0; j < D; j++)
			s += (double) x[j] * x[j];
		for (int j = 0; j < D; j++)
			x[j] = (float) (x[j] / sqrt(s));
		count[rs.y[i]]++;
		for (int j = 0; j < D; j++)
			mean_id[rs.y[i] * D + j] += x[j];
	}
	for (int k = 0; k < rs.nid; k++)
	{
		for (int j = 0; j < D; j++)
		{
			mean_id[k * D + j] /= count[k];
			mu[j] += mean_id[k * D + j] / rs.nid;
		}
		inv_n += 1.0 / count[k];
	}
	for (size_t i = 0; i < rs.n; i++)
	{
		const double *m = mean_id + rs.y[i] * D;
		const float *x = rs.x + i * D;

		for (int a = 0; a < D; a++)
			for (int b = 0; b < D; b++)
				sw[a * D + b] += (x[a] - m[a]) * (x[b] - m[b]);
	}
	for (int k = 0; k < rs.nid; k++)
	{
		const double *m = mean_id + k * D;

		for (int a = 0; a < D; a++)
			for (int b = 0; b < D; b++)
				sb[a * D + b] += (m[a] - mu[a]) * (m[b] - mu[b]);
	}
	for (int a = 0; a < D * D; a++)
	{
		sw[a] /= (double) (rs.n - rs.nid);
		sb[a] = sb[a] / (rs.nid - 1) - sw[a] * inv_n / rs.nid;
	}

	printf("/*\n * Generated by gen/realfaces_fit.c (see there to regenerate) from %zu\n"
		   " * unit-normalised descriptors of %d identities (LFW view 1, this project's\n"
		   " * pipeline).  Do not edit.\n */\n", rs.n, rs.nid);
	printf("#define REALFACES_DIM %d\n#define REALFACES_RANK %d\n\n", D, rank);
	printf("static const float realfaces_mean[REALFACES_DIM] = {");
	for (int j = 0; j < D; j++)
		printf("%s%.4g", j ? (j % 8 ? ", " : ",\n\t") : "\n\t", mu[j]);
	printf("\n};\n\n");
	emit_factor("realfaces_between", sb, rank);
	emit_factor("realfaces_within", sw, rank);
	free_real(&rs);
	free(mean_id);
	free(count);
	free(sw);
	free(sb);
	return 0;
}
