#ifndef MERIDIAN_CYAML_SHIM_H
#define MERIDIAN_CYAML_SHIM_H
#include <yaml.h>
#endif
