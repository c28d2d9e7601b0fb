#ifndef TAXPAYER_ACCESS_CSODIUM_SHIM_H
#define TAXPAYER_ACCESS_CSODIUM_SHIM_H
#include <sodium.h>
#endif
