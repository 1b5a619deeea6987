// Kernels of the digital layers' hot paths (Conv2D, Dense, MaxPool2D), and the allocator
// setting that keeps a batch's activations from being page-faulted in anew every batch.
#include "CCIMKernels.h"
#pragma clang fp contract(off)
#include <malloc.h>
#include <string.h>

#include "cim_clones.h"

CIM_CLONES
void cim_broadcast_rows(float *restrict y, size_t rows, size_t cols, const float *restrict row) {
    for (size_t r = 0; r < rows; r++) {
        float *out = y + r * cols;
        for (size_t c = 0; c < cols; c++) out[c] = row[c];
    }
}

CIM_CLONES
void cim_column_sums(const float *restrict a, size_t rows, size_t cols, float *restrict out) {
    for (size_t c = 0; c < cols; c++) out[c] = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *row = a + r * cols;
        for (size_t c = 0; c < cols; c++) out[c] += row[c];
    }
}

CIM_CLONES
void cim_maxpool_argmax(const float *restrict x, size_t n, size_t h, size_t w, size_t c, size_t size,
                        float *restrict y, int32_t *restrict argmax) {
    size_t oh = h / size, ow = w / size;
    for (size_t b = 0; b < n; b++)
        for (size_t i = 0; i < oh; i++)
            for (size_t j = 0; j < ow; j++) {
                size_t first = ((b * h + i * size) * w + j * size) * c;
                size_t o = ((b * oh + i) * ow + j) * c;
                float *yo = y + o;
                int32_t *ao = argmax + o;
                for (size_t ch = 0; ch < c; ch++) { yo[ch] = x[first + ch]; ao[ch] = (int32_t)(first + ch); }
                for (size_t di = 0; di < size; di++)
                    for (size_t dj = 0; dj < size; dj++) {
                        if (di == 0 && dj == 0) continue;
                        size_t row = first + (di * w + dj) * c;
                        for (size_t ch = 0; ch < c; ch++) {
                            float v = x[row + ch];
                            int better = v > yo[ch];
                            yo[ch] = better ? v : yo[ch];
                            ao[ch] = better ? (int32_t)(row + ch) : ao[ch];
                        }
                    }
            }
}

void cim_maxpool_backward(const float *restrict dy, const int32_t *restrict argmax, size_t count, float *restrict dx) {
    for (size_t o = 0; o < count; o++) dx[argmax[o]] += dy[o];
}

int cim_keep_freed_memory(size_t bytes) {
#if defined(__GLIBC__)
    int ok = mallopt(M_MMAP_THRESHOLD, (int)(bytes > 0x7fffffff ? 0x7fffffff : bytes));
    ok = ok && mallopt(M_TRIM_THRESHOLD, (int)(bytes > 0x7fffffff ? 0x7fffffff : bytes));
    return ok ? 0 : 1;
#else
    (void)bytes;
    return 1;
#endif
}

// The runs are short (KW·C floats: 5 for a 5×5 kernel on one channel), so they are copied
// inline rather than by a memcpy call each.
__attribute__((no_builtin("memcpy"), no_builtin("memmove"))) CIM_CLONES
void cim_im2col_valid(const float *restrict x, size_t n, size_t h, size_t w, size_t c, size_t k, float *restrict col) {
    size_t oh = h - k + 1, ow = w - k + 1, run = k * c, kk = k * run;
    float *dst = col;
    for (size_t b = 0; b < n; b++) {
        const float *image = x + b * h * w * c;
        for (size_t i = 0; i < oh; i++)
            for (size_t j = 0; j < ow; j++) {
                for (size_t kh = 0; kh < k; kh++) {
                    const float *src = image + ((i + kh) * w + j) * c;
                    float *d = dst + kh * run;
                    for (size_t t = 0; t < run; t++) d[t] = src[t];
                }
                dst += kk;
            }
    }
}

CIM_CLONES
void cim_maxpool(const float *restrict x, size_t n, size_t h, size_t w, size_t c, size_t size, float *restrict y) {
    size_t oh = h / size, ow = w / size;
    for (size_t b = 0; b < n; b++)
        for (size_t i = 0; i < oh; i++)
            for (size_t j = 0; j < ow; j++) {
                size_t first = ((b * h + i * size) * w + j * size) * c;
                float *yo = y + ((b * oh + i) * ow + j) * c;
                for (size_t ch = 0; ch < c; ch++) yo[ch] = x[first + ch];
                for (size_t di = 0; di < size; di++)
                    for (size_t dj = 0; dj < size; dj++) {
                        const float *row = x + first + (di * w + dj) * c;
                        for (size_t ch = 0; ch < c; ch++) yo[ch] = row[ch] > yo[ch] ? row[ch] : yo[ch];
                    }
            }
}

CIM_CLONES
void cim_im2col_general(const float *restrict x, size_t h, size_t w, size_t c, size_t kh_, size_t kw_, size_t sh, size_t sw,
                        ptrdiff_t padTop, ptrdiff_t padLeft, size_t dh, size_t dw, size_t oh, size_t ow,
                        size_t firstChannel, size_t gc, size_t rowStart, size_t rowEnd, float *restrict col) {
    size_t perImage = oh * ow;
    float *dst = col;
    // one kernel row's kw_ taps are one contiguous run of the image when the taps are adjacent
    // (dilation 1) and every channel is taken (no groups)
    int contiguous = dw == 1 && gc == c;
    for (size_t row = rowStart; row < rowEnd; row++) {
        size_t n = row / perImage, rem = row % perImage, i = rem / ow, j = rem % ow;
        const float *image = x + n * h * w * c + firstChannel;
        ptrdiff_t x0 = (ptrdiff_t)(j * sw) - padLeft;
        for (size_t a = 0; a < kh_; a++) {
            ptrdiff_t y = (ptrdiff_t)(i * sh) - padTop + (ptrdiff_t)(a * dh);
            if (y < 0 || y >= (ptrdiff_t)h) {
                for (size_t t = 0; t < kw_ * gc; t++) dst[t] = 0.0f;
                dst += kw_ * gc;
                continue;
            }
            const float *line = image + (size_t)y * w * c;
            if (contiguous && x0 >= 0 && x0 + (ptrdiff_t)kw_ <= (ptrdiff_t)w) {
                memcpy(dst, line + (size_t)x0 * c, kw_ * c * sizeof(float));
                dst += kw_ * c;
                continue;
            }
            for (size_t b = 0; b < kw_; b++) {
                ptrdiff_t xx = x0 + (ptrdiff_t)(b * dw);
                if (xx >= 0 && xx < (ptrdiff_t)w) {
                    const float *src = line + (size_t)xx * c;
                    for (size_t t = 0; t < gc; t++) dst[t] = src[t];
                } else {
                    for (size_t t = 0; t < gc; t++) dst[t] = 0.0f;
                }
                dst += gc;
            }
        }
    }
}
