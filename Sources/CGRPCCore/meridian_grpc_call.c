#define _GNU_SOURCE
#include "meridian_grpc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netdb.h>
#include <unistd.h>
#include <sys/socket.h>
#include <poll.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <grpc/grpc_posix.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>


// Calls, both sides: metadata, status, messages (one receive and one send in flight), shared messages.
mgrpc_call *mgrpc_call_create(void) {
    mgrpc_call *call = calloc(1, sizeof(mgrpc_call));
    if (call == NULL) return NULL;
    grpc_call_details_init(&call->details);
    grpc_metadata_array_init(&call->initial_metadata);
    grpc_metadata_array_init(&call->trailing_metadata);
    call->status = GRPC_STATUS_UNKNOWN;
    call->status_details = grpc_empty_slice();
    return call;
}

void mgrpc_call_destroy(mgrpc_call *call) {
    if (call == NULL) return;
    if (call->call != NULL) grpc_call_unref(call->call);
    grpc_call_details_destroy(&call->details);
    grpc_metadata_array_destroy(&call->initial_metadata);
    grpc_metadata_array_destroy(&call->trailing_metadata);
    if (call->receive_buffer != NULL) grpc_byte_buffer_destroy(call->receive_buffer);
    if (call->send_buffer != NULL) grpc_byte_buffer_destroy(call->send_buffer);
    grpc_slice_unref(call->status_details);
    if (call->has_send_status_details) grpc_slice_unref(call->send_status_details);
    for (size_t i = 0; i < call->send_metadata_count; i++) {
        grpc_slice_unref(call->send_metadata[i].key);
        grpc_slice_unref(call->send_metadata[i].value);
    }
    free(call->send_metadata);
    free(call);
}

grpc_call_error mgrpc_server_request_call(grpc_server *server, mgrpc_call *call,
                                          grpc_completion_queue *call_cq,
                                          grpc_completion_queue *notification_cq,
                                          void *tag) {
    return grpc_server_request_call(server, &call->call, &call->details, &call->initial_metadata,
                                    call_cq, notification_cq, tag);
}

const char *mgrpc_call_method(const mgrpc_call *call, size_t *length) {
    *length = GRPC_SLICE_LENGTH(call->details.method);
    return (const char *)GRPC_SLICE_START_PTR(call->details.method);
}

char *mgrpc_call_peer(const mgrpc_call *call) {
    return call->call != NULL ? grpc_call_get_peer(call->call) : NULL;
}

void mgrpc_free_string(char *string) { gpr_free(string); }

size_t mgrpc_call_metadata_count(const mgrpc_call *call) { return call->initial_metadata.count; }

void mgrpc_call_metadata_at(const mgrpc_call *call, size_t index,
                            const char **key, size_t *key_length,
                            const char **value, size_t *value_length) {
    const grpc_metadata *entry = &call->initial_metadata.metadata[index];
    *key = (const char *)GRPC_SLICE_START_PTR(entry->key);
    *key_length = GRPC_SLICE_LENGTH(entry->key);
    *value = (const char *)GRPC_SLICE_START_PTR(entry->value);
    *value_length = GRPC_SLICE_LENGTH(entry->value);
}

grpc_call_error mgrpc_call_recv_close_on_server(mgrpc_call *call, void *tag) {
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    op.data.recv_close_on_server.cancelled = &call->cancelled;
    return grpc_call_start_batch(call->call, &op, 1, tag, NULL);
}

int mgrpc_call_was_cancelled(const mgrpc_call *call) { return call->cancelled; }

// Begins a batch with the initial metadata when it has not gone out yet (a server's goes with
// its first message or its status); returns how many of `ops` it used.
static size_t begin_ops(mgrpc_call *call, grpc_op ops[2]) {
    memset(ops, 0, 2 * sizeof(grpc_op));
    if (call->sent_initial_metadata) return 0;
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    call->sent_initial_metadata = 1;
    return 1;
}

// Sends `call->send_buffer` (released by mgrpc_call_finish_send once the batch completes).
static grpc_call_error start_send_message(mgrpc_call *call, void *tag) {
    grpc_op ops[2];
    size_t count = begin_ops(call, ops);
    ops[count].op = GRPC_OP_SEND_MESSAGE;
    ops[count].data.send_message.send_message = call->send_buffer;
    count++;
    return grpc_call_start_batch(call->call, ops, count, tag, NULL);
}

grpc_call_error mgrpc_call_send_status(mgrpc_call *call, grpc_status_code code,
                                       const char *details, void *tag) {
    grpc_op ops[2];
    size_t count = begin_ops(call, ops);
    if (call->has_send_status_details) grpc_slice_unref(call->send_status_details);
    call->send_status_details = grpc_slice_from_copied_string(details != NULL ? details : "");
    call->has_send_status_details = 1;
    ops[count].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[count].data.send_status_from_server.status = code;
    ops[count].data.send_status_from_server.status_details = &call->send_status_details;
    count++;
    return grpc_call_start_batch(call->call, ops, count, tag, NULL);
}

mgrpc_call *mgrpc_client_call_create(grpc_channel *channel, grpc_completion_queue *cq,
                                     const char *method, int64_t timeout_ms) {
    mgrpc_call *call = mgrpc_call_create();
    if (call == NULL) return NULL;
    gpr_timespec deadline = timeout_ms < 0
        ? gpr_inf_future(GPR_CLOCK_REALTIME)
        : gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
    grpc_slice method_slice = grpc_slice_from_copied_string(method);
    call->call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                          method_slice, NULL, deadline, NULL);
    grpc_slice_unref(method_slice);
    if (call->call == NULL) {
        mgrpc_call_destroy(call);
        return NULL;
    }
    return call;
}

void mgrpc_client_call_add_metadata(mgrpc_call *call, const char *key, const char *value) {
    grpc_metadata *grown = realloc(call->send_metadata, (call->send_metadata_count + 1) * sizeof(grpc_metadata));
    if (grown == NULL) return;
    call->send_metadata = grown;
    grpc_metadata *entry = &call->send_metadata[call->send_metadata_count++];
    memset(entry, 0, sizeof(*entry));
    entry->key = grpc_slice_from_copied_string(key);
    entry->value = grpc_slice_from_copied_string(value);
}

grpc_call_error mgrpc_client_call_start(mgrpc_call *call, void *tag) {
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_INITIAL_METADATA;
    op.data.send_initial_metadata.count = call->send_metadata_count;
    op.data.send_initial_metadata.metadata = call->send_metadata;
    call->sent_initial_metadata = 1;
    return grpc_call_start_batch(call->call, &op, 1, tag, NULL);
}

grpc_call_error mgrpc_client_call_recv_status(mgrpc_call *call, void *tag) {
    // The server may send its initial metadata only with its first message,
    // or never; receiving it in the status batch never blocks the stream.
    grpc_op ops[2];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[0].data.recv_initial_metadata.recv_initial_metadata = &call->initial_metadata;
    ops[1].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[1].data.recv_status_on_client.trailing_metadata = &call->trailing_metadata;
    ops[1].data.recv_status_on_client.status = &call->status;
    ops[1].data.recv_status_on_client.status_details = &call->status_details;
    return grpc_call_start_batch(call->call, ops, 2, tag, NULL);
}

grpc_status_code mgrpc_call_status_code(const mgrpc_call *call) { return call->status; }

char *mgrpc_call_status_details(const mgrpc_call *call) {
    return grpc_slice_to_c_string(call->status_details);
}

grpc_call_error mgrpc_client_call_close_send(mgrpc_call *call, void *tag) {
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    return grpc_call_start_batch(call->call, &op, 1, tag, NULL);
}

void mgrpc_call_cancel(mgrpc_call *call) {
    if (call->call != NULL) grpc_call_cancel(call->call, NULL);
}

grpc_call_error mgrpc_call_recv_message(mgrpc_call *call, void *tag) {
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &call->receive_buffer;
    return grpc_call_start_batch(call->call, &op, 1, tag, NULL);
}

int mgrpc_call_has_message(const mgrpc_call *call) { return call->receive_buffer != NULL; }

size_t mgrpc_call_message_length(const mgrpc_call *call) {
    return call->receive_buffer != NULL ? grpc_byte_buffer_length(call->receive_buffer) : 0;
}

void mgrpc_call_take_message(mgrpc_call *call, uint8_t *destination) {
    if (call->receive_buffer == NULL) return;
    grpc_byte_buffer_reader reader;
    if (grpc_byte_buffer_reader_init(&reader, call->receive_buffer)) {
        grpc_slice slice;
        size_t offset = 0;
        while (grpc_byte_buffer_reader_next(&reader, &slice)) {
            size_t length = GRPC_SLICE_LENGTH(slice);
            memcpy(destination + offset, GRPC_SLICE_START_PTR(slice), length);
            offset += length;
            grpc_slice_unref(slice);
        }
        grpc_byte_buffer_reader_destroy(&reader);
    }
    grpc_byte_buffer_destroy(call->receive_buffer);
    call->receive_buffer = NULL;
}

grpc_call_error mgrpc_call_send_message(mgrpc_call *call, const uint8_t *data, size_t length, void *tag) {
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)data, length);
    call->send_buffer = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    return start_send_message(call, tag);
}

struct mgrpc_shared_message {
    grpc_slice slice;
};

mgrpc_shared_message *mgrpc_shared_message_create(const uint8_t *data, size_t length) {
    mgrpc_shared_message *message = malloc(sizeof(mgrpc_shared_message));
    if (message == NULL) return NULL;
    message->slice = grpc_slice_from_copied_buffer((const char *)data, length);
    return message;
}

void mgrpc_shared_message_copy(const mgrpc_shared_message *message, uint8_t *destination) {
    memcpy(destination, GRPC_SLICE_START_PTR(message->slice), GRPC_SLICE_LENGTH(message->slice));
}

void mgrpc_shared_message_destroy(mgrpc_shared_message *message) {
    if (message == NULL) return;
    grpc_slice_unref(message->slice);
    free(message);
}

grpc_call_error mgrpc_call_send_shared_message(mgrpc_call *call, const mgrpc_shared_message *shared,
                                               const uint8_t *tail, size_t tail_length, void *tag) {
    // The byte buffer takes its own reference to each slice; the shared bytes are not copied.
    grpc_slice slices[2];
    slices[0] = grpc_slice_ref(shared->slice);
    slices[1] = grpc_slice_from_copied_buffer((const char *)tail, tail_length);
    call->send_buffer = grpc_raw_byte_buffer_create(slices, tail_length > 0 ? 2 : 1);
    grpc_slice_unref(slices[0]);
    grpc_slice_unref(slices[1]);
    return start_send_message(call, tag);
}

void mgrpc_call_finish_send(mgrpc_call *call) {
    if (call->send_buffer != NULL) {
        grpc_byte_buffer_destroy(call->send_buffer);
        call->send_buffer = NULL;
    }
}
