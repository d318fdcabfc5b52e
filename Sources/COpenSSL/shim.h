#ifndef MERIDIAN_COPENSSL_SHIM_H
#define MERIDIAN_COPENSSL_SHIM_H
#include <openssl/evp.h>
#endif
