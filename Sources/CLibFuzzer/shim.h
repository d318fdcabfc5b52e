#ifndef MERIDIAN_CLIBFUZZER_SHIM_H
#define MERIDIAN_CLIBFUZZER_SHIM_H
// libFuzzer's entry point for programs with a main of their own. Declared only: the
// definition comes from the compiler runtime that `-sanitize=fuzzer` links
// (scripts/fuzz-loader); nothing else refers to it.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
