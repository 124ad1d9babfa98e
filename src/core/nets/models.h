/*
 * The networks a model file holds, each with its two hooks: pack() turns
 * its TF.js tensors into what its forward pass reads, check() verifies that
 * an opened file holds all of them with the right shapes.  nets/models.c
 * keeps the table of them; the container itself (nets/model_file.c) knows
 * none of them.
 */
#ifndef OF_NETS_MODELS_H
#define OF_NETS_MODELS_H

#include "nets/model_file.h"

of_status	of_detector_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err);
of_status	of_detector_check(const of_models *m, of_error *err);
of_status	of_landmarks_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err);
of_status	of_landmarks_check(const of_models *m, of_error *err);
of_status	of_recognizer_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err);
of_status	of_recognizer_check(const of_models *m, of_error *err);

#endif
