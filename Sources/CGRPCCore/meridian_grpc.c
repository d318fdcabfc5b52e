#include "meridian_grpc.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netdb.h>
#include <unistd.h>
#include <sys/socket.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

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

void mgrpc_library_init(void) { grpc_init(); }

grpc_completion_queue *mgrpc_cq_create(void) {
    return grpc_completion_queue_create_for_next(NULL);
}

mgrpc_event mgrpc_cq_next(grpc_completion_queue *cq, int64_t timeout_ms) {
    gpr_timespec deadline = timeout_ms < 0
        ? gpr_inf_future(GPR_CLOCK_MONOTONIC)
        : gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
    grpc_event event = grpc_completion_queue_next(cq, deadline, NULL);
    mgrpc_event result = { MGRPC_EVENT_TIMEOUT, 0, NULL };
    switch (event.type) {
    case GRPC_QUEUE_SHUTDOWN: result.kind = MGRPC_EVENT_SHUTDOWN; break;
    case GRPC_OP_COMPLETE:
        result.kind = MGRPC_EVENT_COMPLETE;
        result.success = event.success;
        result.tag = event.tag;
        break;
    default: break;
    }
    return result;
}

void mgrpc_cq_shutdown(grpc_completion_queue *cq) { grpc_completion_queue_shutdown(cq); }
void mgrpc_cq_destroy(grpc_completion_queue *cq) { grpc_completion_queue_destroy(cq); }

// Channel args are copied by grpc_server_create and grpc_channel_create,
// so stack storage is enough.
static grpc_channel_args message_size_args(int max_receive_message_bytes, grpc_arg storage[2]) {
    memset(storage, 0, 2 * sizeof(grpc_arg));
    storage[0].type = GRPC_ARG_INTEGER;
    storage[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    storage[0].value.integer = max_receive_message_bytes;
    storage[1].type = GRPC_ARG_INTEGER;
    storage[1].key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    storage[1].value.integer = -1;
    grpc_channel_args args = { 2, storage };
    return args;
}

static void add_integer_arg(grpc_arg *storage, size_t *count, const char *key, int value) {
    memset(&storage[*count], 0, sizeof(grpc_arg));
    storage[*count].type = GRPC_ARG_INTEGER;
    storage[*count].key = (char *)key;
    storage[*count].value.integer = value;
    (*count)++;
}

grpc_server *mgrpc_server_create(const mgrpc_server_options *options) {
    grpc_arg storage[13];
    size_t count = 0;
    // gRPC core sets SO_REUSEPORT by default, so a second server on a busy
    // address would bind too and share its connections, silently. Off, the
    // second bind fails and the second server says so.
    add_integer_arg(storage, &count, GRPC_ARG_ALLOW_REUSEPORT, 0);
    add_integer_arg(storage, &count, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, options->max_receive_message_bytes);
    add_integer_arg(storage, &count, GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, -1);
    if (options->keepalive_time_ms > 0) {
        add_integer_arg(storage, &count, GRPC_ARG_KEEPALIVE_TIME_MS, options->keepalive_time_ms);
        // An idle ADS stream carries no data for hours: keep pinging it,
        // or gRPC core stops after two pings and a dead proxy is never noticed.
        add_integer_arg(storage, &count, GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
        add_integer_arg(storage, &count, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    }
    if (options->keepalive_timeout_ms > 0)
        add_integer_arg(storage, &count, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, options->keepalive_timeout_ms);
    if (options->min_client_ping_interval_ms > 0)
        add_integer_arg(storage, &count, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                        options->min_client_ping_interval_ms);
    if (options->max_ping_strikes >= 0)
        add_integer_arg(storage, &count, GRPC_ARG_HTTP2_MAX_PING_STRIKES, options->max_ping_strikes);
    if (options->max_connection_age_ms > 0)
        add_integer_arg(storage, &count, GRPC_ARG_MAX_CONNECTION_AGE_MS, options->max_connection_age_ms);
    if (options->max_connection_age_grace_ms > 0)
        add_integer_arg(storage, &count, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, options->max_connection_age_grace_ms);
    grpc_channel_args args = { count, storage };
    return grpc_server_create(&args, NULL);
}

int mgrpc_server_add_insecure_port(grpc_server *server, const char *address) {
    grpc_server_credentials *credentials = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(server, address, credentials);
    grpc_server_credentials_release(credentials);
    return port;
}

void mgrpc_server_register_cq(grpc_server *server, grpc_completion_queue *cq) {
    grpc_server_register_completion_queue(server, cq, NULL);
}

void mgrpc_server_start(grpc_server *server) { grpc_server_start(server); }

void mgrpc_server_shutdown_and_notify(grpc_server *server, grpc_completion_queue *cq, void *tag) {
    grpc_server_shutdown_and_notify(server, cq, tag);
}

void mgrpc_server_cancel_all_calls(grpc_server *server) { grpc_server_cancel_all_calls(server); }
void mgrpc_server_destroy(grpc_server *server) { grpc_server_destroy(server); }

grpc_channel *mgrpc_channel_create_insecure(const char *target, int max_receive_message_bytes) {
    grpc_arg storage[2];
    grpc_channel_args args = message_size_args(max_receive_message_bytes, storage);
    grpc_channel_credentials *credentials = grpc_insecure_credentials_create();
    grpc_channel *channel = grpc_channel_create(target, credentials, &args);
    grpc_channel_credentials_release(credentials);
    return channel;
}

// gRPC core shares one connection (subchannel) among channels with equal arguments to the
// same target; a local subchannel pool gives this channel a connection of its own, as each
// Envoy has one HTTP/2 connection to its control plane.
grpc_channel *mgrpc_channel_create_insecure_own_connection(const char *target, int max_receive_message_bytes) {
    grpc_arg storage[3];
    grpc_channel_args args = message_size_args(max_receive_message_bytes, storage);
    memset(&storage[2], 0, sizeof(grpc_arg));
    storage[2].type = GRPC_ARG_INTEGER;
    storage[2].key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
    storage[2].value.integer = 1;
    args.num_args = 3;
    grpc_channel_credentials *credentials = grpc_insecure_credentials_create();
    grpc_channel *channel = grpc_channel_create(target, credentials, &args);
    grpc_channel_credentials_release(credentials);
    return channel;
}

void mgrpc_channel_destroy(grpc_channel *channel) { grpc_channel_destroy(channel); }

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

grpc_call_error mgrpc_call_send_status(mgrpc_call *call, grpc_status_code code,
                                       const char *details, void *tag) {
    grpc_op ops[2];
    size_t count = 0;
    memset(ops, 0, sizeof(ops));
    if (!call->sent_initial_metadata) {
        ops[count].op = GRPC_OP_SEND_INITIAL_METADATA;
        count++;
        call->sent_initial_metadata = 1;
    }
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
    grpc_op ops[2];
    size_t count = 0;
    memset(ops, 0, sizeof(ops));
    if (!call->sent_initial_metadata) {
        ops[count].op = GRPC_OP_SEND_INITIAL_METADATA;
        count++;
        call->sent_initial_metadata = 1;
    }
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)data, length);
    call->send_buffer = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    ops[count].op = GRPC_OP_SEND_MESSAGE;
    ops[count].data.send_message.send_message = call->send_buffer;
    count++;
    return grpc_call_start_batch(call->call, ops, count, tag, NULL);
}

void mgrpc_call_finish_send(mgrpc_call *call) {
    if (call->send_buffer != NULL) {
        grpc_byte_buffer_destroy(call->send_buffer);
        call->send_buffer = NULL;
    }
}

// gRPC core reports a failed bind as port 0, without the reason. Binding the
// same address once more, without SO_REUSEADDR or SO_REUSEPORT, tells whether
// another socket holds it, so the error can say "in use".
int mgrpc_address_bind_errno(const char *address) {
    char host[256];
    const char *colon = strrchr(address, ':');
    if (colon == NULL || (size_t)(colon - address) >= sizeof(host)) return EINVAL;
    size_t host_length = (size_t)(colon - address);
    memcpy(host, address, host_length);
    host[host_length] = 0;
    char *start = host;
    if (host_length >= 2 && host[0] == '[' && host[host_length - 1] == ']') {
        host[host_length - 1] = 0;
        start = host + 1;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    struct addrinfo *found = NULL;
    if (getaddrinfo(*start ? start : NULL, colon + 1, &hints, &found) != 0) return EINVAL;
    int result = 0;
    for (struct addrinfo *each = found; each != NULL; each = each->ai_next) {
        int fd = socket(each->ai_family, each->ai_socktype | SOCK_CLOEXEC, each->ai_protocol);
        if (fd < 0) { result = errno; continue; }
        int failed = bind(fd, each->ai_addr, each->ai_addrlen);
        int error = errno;
        close(fd);
        if (failed != 0) { result = error; if (error == EADDRINUSE) break; }
    }
    freeaddrinfo(found);
    return result;
}
