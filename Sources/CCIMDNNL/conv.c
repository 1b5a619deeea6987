// oneDNN (Debian libdnnl-dev 2.6) convolution forward for CIMKit's general convolution.
#include "cim_dnnl.h"
#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>

struct cim_dnnl_conv {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t conv, reorder;
    dnnl_memory_desc_t src_md, user_w_md, bias_md, dst_md;
    dnnl_memory_t weights; // in the primitive's layout
    const char *impl;
};

static int fail(char *error, int length, const char *what, dnnl_status_t s) {
    if (error && length > 0) snprintf(error, (size_t)length, "oneDNN: %s failed (status %d)", what, (int)s);
    return 0;
}

#define TRY(call, what) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) { fail(error, error_length, what, s_); goto bad; } } while (0)

cim_dnnl_conv *cim_dnnl_conv_create(int n, int c, int h, int w, int oc, int oh, int ow, int kh, int kw,
                                    int stride_h, int stride_w, int pad_t, int pad_l, int pad_b, int pad_r,
                                    int dilation_h, int dilation_w, int groups, char *error, int error_length) {
    cim_dnnl_conv *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_memory_desc_t any_w;
    dnnl_dims_t src = {n, c, h, w}, dst = {n, oc, oh, ow}, bias = {oc};
    dnnl_dims_t strides = {stride_h, stride_w}, dil = {dilation_h - 1, dilation_w - 1};
    dnnl_dims_t pl = {pad_t, pad_l}, pr = {pad_b, pad_r};
    TRY(dnnl_engine_create(&p->engine, dnnl_cpu, 0), "engine");
    TRY(dnnl_stream_create(&p->stream, p->engine, dnnl_stream_default_flags), "stream");
    TRY(dnnl_memory_desc_init_by_tag(&p->src_md, 4, src, dnnl_f32, dnnl_nhwc), "source descriptor");
    TRY(dnnl_memory_desc_init_by_tag(&p->dst_md, 4, dst, dnnl_f32, dnnl_nhwc), "destination descriptor");
    TRY(dnnl_memory_desc_init_by_tag(&p->bias_md, 1, bias, dnnl_f32, dnnl_a), "bias descriptor");
    if (groups == 1) {
        dnnl_dims_t wd = {oc, c, kh, kw};
        TRY(dnnl_memory_desc_init_by_tag(&p->user_w_md, 4, wd, dnnl_f32, dnnl_ohwi), "weights descriptor");
        TRY(dnnl_memory_desc_init_by_tag(&any_w, 4, wd, dnnl_f32, dnnl_format_tag_any), "weights descriptor");
    } else {
        dnnl_dims_t wd = {groups, oc / groups, c / groups, kh, kw};
        TRY(dnnl_memory_desc_init_by_tag(&p->user_w_md, 5, wd, dnnl_f32, dnnl_gohwi), "weights descriptor");
        TRY(dnnl_memory_desc_init_by_tag(&any_w, 5, wd, dnnl_f32, dnnl_format_tag_any), "weights descriptor");
    }
    dnnl_convolution_desc_t cd;
    TRY(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &p->src_md, &any_w,
                                                   &p->bias_md, &p->dst_md, strides, dil, pl, pr), "convolution descriptor");
    TRY(dnnl_primitive_desc_create(&pd, &cd, NULL, p->engine, NULL), "convolution primitive descriptor");
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &p->impl);
    TRY(dnnl_primitive_create(&p->conv, pd), "convolution primitive");
    const dnnl_memory_desc_t *wq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    TRY(dnnl_memory_create(&p->weights, wq, p->engine, DNNL_MEMORY_ALLOCATE), "weights memory");
    TRY(dnnl_reorder_primitive_desc_create(&rpd, &p->user_w_md, p->engine, wq, p->engine, NULL), "reorder descriptor");
    TRY(dnnl_primitive_create(&p->reorder, rpd), "reorder primitive");
    dnnl_primitive_desc_destroy(rpd);
    dnnl_primitive_desc_destroy(pd);
    return p;
bad:
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    cim_dnnl_conv_destroy(p);
    return NULL;
}

// libgomp, which libdnnl is built against (DNNL_CPU_RUNTIME_OMP); per calling thread.
extern void omp_set_num_threads(int);

int cim_dnnl_conv_run(cim_dnnl_conv *p, const float *x, const float *weights, const float *bias, float *y, int threads) {
    if (threads > 0) omp_set_num_threads(threads);
    dnnl_memory_t xm = NULL, wm = NULL, bm = NULL, ym = NULL;
    int ok = dnnl_memory_create(&xm, &p->src_md, p->engine, (void *)x) == dnnl_success
          && dnnl_memory_create(&wm, &p->user_w_md, p->engine, (void *)weights) == dnnl_success
          && dnnl_memory_create(&bm, &p->bias_md, p->engine, (void *)bias) == dnnl_success
          && dnnl_memory_create(&ym, &p->dst_md, p->engine, y) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, wm}, {DNNL_ARG_TO, p->weights}};
        dnnl_exec_arg_t a[4] = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, p->weights}, {DNNL_ARG_BIAS, bm}, {DNNL_ARG_DST, ym}};
        ok = dnnl_primitive_execute(p->reorder, p->stream, 2, r) == dnnl_success
          && dnnl_primitive_execute(p->conv, p->stream, 4, a) == dnnl_success
          && dnnl_stream_wait(p->stream) == dnnl_success;
    }
    if (xm) dnnl_memory_destroy(xm);
    if (wm) dnnl_memory_destroy(wm);
    if (bm) dnnl_memory_destroy(bm);
    if (ym) dnnl_memory_destroy(ym);
    return ok ? 0 : 1;
}

void cim_dnnl_conv_destroy(cim_dnnl_conv *p) {
    if (!p) return;
    if (p->conv) dnnl_primitive_destroy(p->conv);
    if (p->reorder) dnnl_primitive_destroy(p->reorder);
    if (p->weights) dnnl_memory_destroy(p->weights);
    if (p->stream) dnnl_stream_destroy(p->stream);
    if (p->engine) dnnl_engine_destroy(p->engine);
    free(p);
}

const char *cim_dnnl_conv_impl(const cim_dnnl_conv *p) { return p && p->impl ? p->impl : ""; }
