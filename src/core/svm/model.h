/*
 * The SVM model's layout, shared by the files of src/core/svm/ (model.c:
 * scoring and the open-set decision; train.c; serialize.c).  Callers
 * outside see of_svm_model as opaque (svm/svm.h).
 */
#ifndef OF_SVM_MODEL_H
#define OF_SVM_MODEL_H

#include <stdint.h>

#include "svm/svm.h"

struct of_svm_model
{
	size_t		dim;
	int			nclass;
	double		C;
	double		platt_a;
	double		platt_b;
	of_svm_thresholds thresholds;
	float	   *w;				/* nclass x dim */
	float	   *b;				/* nclass */
	uint32_t   *ex_start;		/* nclass + 1 offsets into ex */
	float	   *ex;				/* exemplars, grouped by class, dim each */
};

/* A model with room for nex exemplars, or NULL when out of memory. */
of_svm_model *of_svm_model_alloc(size_t dim, int nclass, size_t nex);

#endif
