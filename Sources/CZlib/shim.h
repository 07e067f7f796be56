#include <zlib.h>

/* deflateInit/inflateInit are macros (they pass ZLIB_VERSION and the struct size), so Swift cannot call them. */
static inline int czlib_deflate_init(z_stream *stream, int level) { return deflateInit(stream, level); }
static inline int czlib_inflate_init(z_stream *stream) { return inflateInit(stream); }
