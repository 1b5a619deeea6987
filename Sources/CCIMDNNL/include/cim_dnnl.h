#ifndef CIM_DNNL_H
#define CIM_DNNL_H
/// Convolution forward (inference) through oneDNN, on NHWC float32 tensors: a primitive for one
/// geometry (batch included), created once and run many times.
typedef struct cim_dnnl_conv cim_dnnl_conv;

/// Creates the primitive. Weights are `[OC, KH, KW, C/groups]` (oneDNN's `ohwi`/`gohwi`).
/// Padding (top, left, bottom, right) may be asymmetric; dilation is CIMKit's (1 = dense).
/// Returns NULL and writes a message to `error` (of `error_length` bytes) on failure.
cim_dnnl_conv *cim_dnnl_conv_create(int n, int c, int h, int w, int oc, int oh, int ow, int kh, int kw,
                                    int stride_h, int stride_w, int pad_t, int pad_l, int pad_b, int pad_r,
                                    int dilation_h, int dilation_w, int groups, char *error, int error_length);

/// y = conv(x, weights) + bias with `threads` OpenMP threads in the calling thread (≤ 0: the
/// OpenMP default); reorders the weights into the primitive's layout first. Returns 0 on success.
int cim_dnnl_conv_run(cim_dnnl_conv *conv, const float *x, const float *weights, const float *bias, float *y, int threads);

void cim_dnnl_conv_destroy(cim_dnnl_conv *conv);

/// The implementation oneDNN chose (e.g. "brgconv:avx512_core").
const char *cim_dnnl_conv_impl(const cim_dnnl_conv *conv);
#endif
