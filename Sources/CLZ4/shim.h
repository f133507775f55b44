#ifndef SLUICE_CLZ4_SHIM_H
#define SLUICE_CLZ4_SHIM_H
#include <lz4frame.h>
#include <lz4hc.h>
#endif
