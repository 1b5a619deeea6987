// CZlib: zlib through pkg-config (Debian: zlib1g-dev). CIMKit uses the gz* file API,
// which reads gzip-compressed and plain files alike.
#include <zlib.h>
