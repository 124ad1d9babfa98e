/*
 * libFuzzer target: of_svm_deserialize on arbitrary bytes (the stored model
 * PostgreSQL reads back from a table).  A rejected blob must leave no model;
 * an accepted one must describe itself consistently, re-serialise to the
 * same bytes, and predict on a fixed vector without touching memory it does
 * not own, giving probabilities and distances that are numbers.  Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so the
 * checksum is not verified (mutations would never get past it) and the
 * trailing 4 bytes are not compared.
 *
 *   make build/fuzz/fuzz_svm_model && make fuzz-svm_model FUZZ_SECONDS=600
 * Seeds (test/fuzz/corpus_svm_model): build/fuzz/gen_seeds.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svm/svm.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_model(const of_svm_model *m, const uint8_t *data, size_t size)
{
	size_t		dim = of_svm_dim(m);
	int			nclass = of_svm_nclass(m);
	float	   *x = malloc(dim * sizeof(float));
	double	   *scores = malloc((size_t) nclass * sizeof(double));
	double	   *prob = malloc((size_t) nclass * sizeof(double));
	unsigned char *again = malloc(size);
	of_svm_decision d;

	if (!x || !scores || !prob || !again)
		abort();
	if (dim == 0 || nclass < 2 || of_svm_serialized_size(m) != size)
		__builtin_trap();
	of_svm_serialize(m, again);
	if (memcmp(again, data, size - 4) != 0)
		__builtin_trap();

	for (size_t j = 0; j < dim; j++)
		x[j] = (float) ((int) (j % 7) - 3) * 0.05f;
	of_svm_scores(m, x, scores, prob);
	of_svm_predict(m, x, NULL, &d);
	if (d.cls < 0 || d.cls >= nclass || (d.accepted != 0 && d.accepted != 1))
		__builtin_trap();
	/* predict and scores compute the same decision values */
	if (isfinite(d.score) && d.score != scores[d.cls])
		__builtin_trap();
	for (int k = 0; k < nclass; k++)
	{
		if (isfinite(scores[k]) && isfinite(d.score) && scores[k] > d.score)
			__builtin_trap();
		/* an infinite score (finite weights can overflow the sum) may give NaN */
		if (isfinite(scores[k]) && !(prob[k] >= 0.0 && prob[k] <= 1.0))
			__builtin_trap();
	}
	/* infinite when the class has no exemplar or the sum overflows */
	if (!(d.distance >= 0.0))
		__builtin_trap();
	free(x);
	free(scores);
	free(prob);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	of_svm_model *m = (of_svm_model *) data;	/* must be overwritten */
	of_error	err;
	of_status	st = of_svm_deserialize(data, size, &m, &err);

	if (st != OF_OK)
	{
		if (m != NULL || err.code != st || err.msg[0] == '\0')
			__builtin_trap();
		return 0;
	}
	check_model(m, data, size);
	of_svm_free(m);
	return 0;
}
