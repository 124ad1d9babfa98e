/*
 * The three face-api networks (docs/networks.md §5-§7):
 * tiny face detector, 68-point landmarks, 128-d face descriptor.
 *
 * Weights come from one converted file that is mapped read-only; the
 * forward functions keep no global state, so any number of threads or
 * backends may run them on the same of_models at once.
 */
#ifndef OF_NETS_H
#define OF_NETS_H

#include "common.h"

typedef struct of_models of_models;

/* Convert the TF.js models in tfjs_dir (manifests + .bin, see models/tfjs) into one packed file. */
of_status	of_models_convert(const char *tfjs_dir, const char *out_path, of_error *err);

/* Map a converted file read-only (mmap, so all PostgreSQL backends share it via the page cache). */
of_status	of_models_open(const char *path, of_models **out, of_error *err);

/*
 * The same checks on a file image already in memory.  buf is borrowed: it
 * must stay unchanged until of_models_close(), and be OF_MF_ALIGN (64) byte
 * aligned like a mapping, since tensors are read in place (else OF_EINVAL).
 */
of_status	of_models_open_memory(const void *buf, size_t len, of_models **out,
								  of_error *err);
void		of_models_close(of_models *m);

#define OF_LANDMARK_INPUT 112
#define OF_RECOGNIZER_INPUT 150
#define OF_DESCRIPTOR_DIM 128

/* Detector input sizes: multiples of the grid cell; face-api's default; the largest
 * accepted (bounds the scratch memory: about 85 MB at this size). */
#define OF_DETECTOR_CELL 32
#define OF_DETECTOR_DEFAULT_INPUT 416
#define OF_DETECTOR_MAX_INPUT 1024

/*
 * input: NHWC float32 [size][size][3] already preprocessed; size multiple of 32;
 * out: (size/32)^2 * 25 floats, layout exactly as the reference output.
 */
of_status	of_detector_forward(const of_models *m, const float *input, int size,
								float *out, of_error *err);

/* input [112][112][3] -> 136 raw floats (x0,y0,x1,y1,...) */
of_status	of_landmarks_forward(const of_models *m, const float *input, float *out136,
								 of_error *err);

/* input [150][150][3] -> 128-d descriptor */
of_status	of_recognizer_forward(const of_models *m, const float *input, float *out128,
								  of_error *err);

#endif
