/*
 * Multi-class linear SVM (one-vs-rest, trained with liblinear) with open-set
 * rejection, and its compact serialised form.
 *
 * Training: one L2-regularised binary SVM per class (that class against all
 * others), on features centred by the training mean and divided by one
 * global scale, so that a single C works whatever the descriptor's scale and
 * the regulariser stays isotropic.  The centring and scaling are folded back
 * into the weights, so a score is a plain dot product with the raw vector.
 *
 * Each binary problem starts from a working set (the class's rows and the
 * negatives nearest its centroid); after training, every row is scored
 * (blocked sgemm) and negatives inside the margin are added, until none is.
 * Rows left out then have zero loss and zero dual weight, so the result is
 * the full one-vs-rest solution, at a fraction of the cost (most of the
 * rest are far from any one identity).
 *
 * Calibration: one Platt sigmoid, P = 1 / (1 + exp(A*s + B)), fitted on the
 * pooled one-vs-rest decision values of every class.  Pooling is used
 * because face galleries have few samples per class (often < 10), too few
 * to fit a sigmoid per class.  The probabilities are NOT normalised across
 * classes: a stranger should get a low probability for every class.
 *
 * Open-set rejection: the best-scoring class c is accepted only if
 *   - the distance from x to the nearest stored exemplar of c is at most
 *     max_distance (same-person distance, like a nearest-neighbour check),
 *   - the calibrated probability of c is at least min_probability, and
 *   - the margin s_c - s_second is at least min_margin.
 * A threshold set to a non-finite value (NaN / infinity) disables its test.
 *
 * Exemplars: up to max_exemplars training vectors per class are kept in the
 * model for the distance test, chosen by farthest-point (k-centre) selection
 * from the point nearest the class mean, which keeps every training vector
 * close to some exemplar.  max_exemplars = 0 keeps all of them.
 *
 * Memory while training: about (dim + 2) * 16 bytes per sample for
 * liblinear's sparse rows (2.1 KB for 128-d, OF_SVM_TRAIN_BYTES), plus the
 * model.
 * liblinear itself cannot be interrupted within one binary problem and does
 * not report allocation failures; cancellation is polled between classes.
 */
#ifndef OF_SVM_H
#define OF_SVM_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* liblinear's copy of one training sample of dim features */
#define OF_SVM_TRAIN_BYTES(dim) (((size_t) (dim) + 2) * 16)

typedef enum of_svm_solver
{
	OF_SVM_L2LOSS_DUAL = 0,		/* L2-reg. L2-loss SVC, dual coordinate descent */
	OF_SVM_L2LOSS_PRIMAL = 1,	/* L2-reg. L2-loss SVC, primal trust-region Newton */
	OF_SVM_L1LOSS_DUAL = 2		/* L2-reg. hinge-loss SVC, dual coordinate descent */
} of_svm_solver;

typedef struct of_svm_thresholds
{
	double		max_distance;	/* largest L2 distance to an exemplar of the class */
	double		min_probability;	/* smallest calibrated probability */
	double		min_margin;		/* smallest best-minus-second score */
} of_svm_thresholds;

/*
 * Measured defaults (bench/svm_bench.c "real" mode): LFW View 1, default
 * pipeline, raw descriptors; 841 faces of 175 identities in 4 folds, 299
 * unseen singletons and 40 identities left out of training as strangers:
 *
 *   max_distance  min_probability  identified  false rejections  strangers accepted
 *       0.60          off              99.4%        0.1%            48%  / 45%
 *       0.55          0.2              96.1%        3.9%             4.7% / 5.8%
 *       0.50          0.2              94.7%        5.4%             1.0% / 1.1%
 *
 * face-api's 0.6 verification threshold lets half the strangers through
 * once the best of many identities is taken, so the defaults trade ~5%
 * false rejections for ~1% false acceptances; no accepted face was
 * misidentified at these settings.  The margin test is off by default: at
 * a similar stranger rate it rejected more known faces (0.50 with margin
 * 0.25: 6.0% false rejections, 1.3% / 1.1% strangers accepted).
 */
#define OF_SVM_DEFAULT_MAX_DISTANCE		0.5
#define OF_SVM_DEFAULT_MIN_PROBABILITY	0.2
#define OF_SVM_DEFAULT_MIN_MARGIN		(-INFINITY)

typedef struct of_svm_params
{
	double		C;				/* > 0, liblinear's cost */
	double		eps;			/* stopping tolerance; <= 0 picks liblinear's default */
	of_svm_solver solver;
	int			max_exemplars;	/* per class; 0 = keep all */
	int			full_problem;	/* 1: train on all rows (slow; for tests) */
	of_svm_thresholds thresholds;	/* stored in the model as its defaults */
} of_svm_params;

typedef struct of_svm_train_info
{
	double		training_accuracy;	/* fraction of training rows whose best class is right */
	int			rounds;			/* working-set rounds until no row was added */
	size_t		working_rows;	/* rows in all binary problems at the end */
} of_svm_train_info;

typedef struct of_svm_model of_svm_model;

typedef struct of_svm_decision
{
	int			cls;			/* best-scoring class, before rejection */
	int			accepted;		/* 1 if all enabled thresholds pass */
	double		score;			/* decision value of cls */
	double		margin;			/* score - second best score */
	double		probability;	/* calibrated probability of cls */
	double		distance;		/* L2 distance to nearest exemplar of cls */
} of_svm_decision;

void		of_svm_params_default(of_svm_params *p);

/*
 * Train on n rows x (dim floats each, row-major) with class ids y[i] in
 * [0, nclass).  nclass >= 2 and every class needs at least one row.
 * On success *out owns a model for of_svm_free().
 */
of_status	of_svm_train(const float *x, const int *y, size_t n, size_t dim,
						 int nclass, const of_svm_params *p,
						 of_svm_model **out, of_svm_train_info *info,
						 of_error *err);

void		of_svm_free(of_svm_model *m);

int			of_svm_nclass(const of_svm_model *m);
size_t		of_svm_dim(const of_svm_model *m);
of_svm_thresholds of_svm_model_thresholds(const of_svm_model *m);

/* Decision values for every class; prob (may be NULL) gets calibrated ones. */
void		of_svm_scores(const of_svm_model *m, const float *x,
						  double *scores, double *prob);

/* L2 distance from x to the nearest stored exemplar of class k. */
double		of_svm_class_distance(const of_svm_model *m, const float *x, int k);

/* Best class and the rejection verdict; t NULL means the model's defaults. */
void		of_svm_predict(const of_svm_model *m, const float *x,
						   const of_svm_thresholds *t, of_svm_decision *out);

/*
 * Serialised form: little-endian, versioned, with a checksum, so a model
 * survives dump/restore across machines.  of_svm_serialize writes exactly
 * of_svm_serialized_size() bytes into buf.  of_svm_deserialize refuses
 * (OF_ECORRUPT) a model with a non-finite weight, bias, exemplar, C or
 * Platt parameter; thresholds may be non-finite (disabled).
 */
size_t		of_svm_serialized_size(const of_svm_model *m);
void		of_svm_serialize(const of_svm_model *m, unsigned char *buf);
of_status	of_svm_deserialize(const unsigned char *buf, size_t len,
							   of_svm_model **out, of_error *err);

#endif
