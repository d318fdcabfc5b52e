// What the shim's C files share and Swift never sees: the storage of one call.
#ifndef MERIDIAN_GRPC_INTERNAL_H
#define MERIDIAN_GRPC_INTERNAL_H

#include "meridian_grpc.h"

struct mgrpc_call {
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array initial_metadata;
    grpc_metadata_array trailing_metadata;
    grpc_byte_buffer *receive_buffer;
    grpc_byte_buffer *send_buffer;
    int cancelled;
    int sent_initial_metadata;
    grpc_status_code status;
    grpc_slice status_details;
    grpc_slice send_status_details;
    int has_send_status_details;
    grpc_metadata *send_metadata;
    size_t send_metadata_count;
};

#endif
