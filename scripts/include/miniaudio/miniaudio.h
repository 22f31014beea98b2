/*
 * Stand-in for miniaudio.h, used only to build the Ollama server from the Go
 * module proxy: the module zip drops llama.cpp's vendored miniaudio header,
 * which mtmd-helper.cpp includes for audio input to multimodal models. This
 * product never sends audio, so every decode/encode call here fails with
 * MA_ERROR and Ollama reports "Unable to read WAV audio file" if one is tried.
 */
#ifndef MINIAUDIO_STANDIN_H
#define MINIAUDIO_STANDIN_H

#include <stddef.h>
#include <stdint.h>

typedef int ma_result;
typedef uint32_t ma_uint32;
typedef uint64_t ma_uint64;

#define MA_SUCCESS 0
#define MA_ERROR (-1)

typedef enum { ma_format_unknown = 0, ma_format_u8, ma_format_s16, ma_format_s24, ma_format_s32, ma_format_f32 } ma_format;
typedef enum { ma_encoding_format_unknown = 0, ma_encoding_format_wav } ma_encoding_format;

typedef struct { ma_format format; ma_uint32 channels; ma_uint32 sampleRate; } ma_decoder_config;
typedef struct { int unused; } ma_decoder;
typedef struct { ma_encoding_format encodingFormat; ma_format format; ma_uint32 channels; ma_uint32 sampleRate; } ma_encoder_config;
typedef struct { int unused; } ma_encoder;

static inline ma_decoder_config ma_decoder_config_init(ma_format f, ma_uint32 ch, ma_uint32 rate) {
    ma_decoder_config c; c.format = f; c.channels = ch; c.sampleRate = rate; return c;
}
static inline ma_result ma_decoder_init_memory(const void *d, size_t n, const ma_decoder_config *c, ma_decoder *dec) {
    (void)d; (void)n; (void)c; (void)dec; return MA_ERROR;
}
static inline ma_result ma_decoder_get_length_in_pcm_frames(ma_decoder *dec, ma_uint64 *n) {
    (void)dec; if (n) *n = 0; return MA_ERROR;
}
static inline ma_result ma_decoder_read_pcm_frames(ma_decoder *dec, void *out, ma_uint64 n, ma_uint64 *read) {
    (void)dec; (void)out; (void)n; if (read) *read = 0; return MA_ERROR;
}
static inline ma_result ma_decoder_uninit(ma_decoder *dec) { (void)dec; return MA_SUCCESS; }

static inline ma_encoder_config ma_encoder_config_init(ma_encoding_format e, ma_format f, ma_uint32 ch, ma_uint32 rate) {
    ma_encoder_config c; c.encodingFormat = e; c.format = f; c.channels = ch; c.sampleRate = rate; return c;
}
static inline ma_result ma_encoder_init_file(const char *path, const ma_encoder_config *c, ma_encoder *enc) {
    (void)path; (void)c; (void)enc; return MA_ERROR;
}
static inline ma_result ma_encoder_write_pcm_frames(ma_encoder *enc, const void *in, ma_uint64 n, ma_uint64 *written) {
    (void)enc; (void)in; (void)n; if (written) *written = 0; return MA_ERROR;
}
static inline void ma_encoder_uninit(ma_encoder *enc) { (void)enc; }

#endif
