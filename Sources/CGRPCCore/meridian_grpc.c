#define _GNU_SOURCE
#include "meridian_grpc.h"

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
// `own_connection` gives the channel a subchannel pool of its own: otherwise gRPC core shares
// one connection among all of a process's channels to the same address and arguments.
static grpc_channel_args message_size_args(int max_receive_message_bytes, int own_connection, grpc_arg storage[3]) {
    memset(storage, 0, 3 * sizeof(grpc_arg));
    storage[0].type = GRPC_ARG_INTEGER;
    storage[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    storage[0].value.integer = max_receive_message_bytes;
    storage[1].type = GRPC_ARG_INTEGER;
    storage[1].key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    storage[1].value.integer = -1;
    grpc_channel_args args = { 2, storage };
    if (own_connection) {
        storage[2].type = GRPC_ARG_INTEGER;
        storage[2].key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
        storage[2].value.integer = 1;
        args.num_args = 3;
    }
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

// gRPC core calls this at server setup and at every TLS handshake; the Swift side
// decides whether the files changed (and whether the new ones are valid).
struct mgrpc_tls_fetcher {
    mgrpc_tls_fetch fetch;
    void *context;
};

mgrpc_tls_fetcher *mgrpc_tls_fetcher_create(mgrpc_tls_fetch fetch, void *context) {
    mgrpc_tls_fetcher *fetcher = malloc(sizeof(mgrpc_tls_fetcher));
    if (fetcher == NULL) return NULL;
    fetcher->fetch = fetch;
    fetcher->context = context;
    return fetcher;
}

void mgrpc_tls_fetcher_destroy(mgrpc_tls_fetcher *fetcher) { free(fetcher); }

static grpc_ssl_certificate_config_reload_status fetch_certificate_config(
        void *user_data, grpc_ssl_server_certificate_config **config) {
    mgrpc_tls_fetcher *fetcher = user_data;
    char *chain = NULL, *key = NULL, *ca = NULL;
    if (!fetcher->fetch(fetcher->context, &chain, &key, &ca) || chain == NULL || key == NULL) {
        free(chain); free(key); free(ca);
        return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
    }
    grpc_ssl_pem_key_cert_pair pair = { key, chain };
    // The config copies the strings. gRPC core 1.51 asserts that a fetched config has client
    // roots even when no client certificate is requested (ssl_security_connector.cc:366);
    // without mTLS the server's own chain stands in, never used: no certificate is asked for.
    *config = grpc_ssl_server_certificate_config_create(ca != NULL ? ca : chain, &pair, 1);
    free(chain); free(key); free(ca);
    return *config != NULL ? GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW : GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_FAIL;
}

int mgrpc_server_add_secure_port(grpc_server *server, const char *address,
                                 mgrpc_tls_fetcher *fetcher, int require_client_certificate) {
    // gRPC core keeps `fetcher` for the credentials' lifetime, which ends with the server's.
    grpc_ssl_server_credentials_options *options = grpc_ssl_server_credentials_create_options_using_config_fetcher(
        require_client_certificate ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                   : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
        fetch_certificate_config, fetcher);
    grpc_server_credentials *credentials = grpc_ssl_server_credentials_create_with_options(options);
    int port = credentials != NULL ? grpc_server_add_http2_port(server, address, credentials) : 0;
    if (credentials != NULL) grpc_server_credentials_release(credentials);
    return port;
}

void mgrpc_server_add_connection_fd(grpc_server *server, int fd) {
    grpc_server_credentials *credentials = grpc_insecure_server_credentials_create();
    grpc_server_add_channel_from_fd(server, fd, credentials);
    grpc_server_credentials_release(credentials);
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

grpc_channel *mgrpc_channel_create_insecure(const char *target, int max_receive_message_bytes, int own_connection) {
    grpc_arg storage[3];
    grpc_channel_args args = message_size_args(max_receive_message_bytes, own_connection, storage);
    grpc_channel_credentials *credentials = grpc_insecure_credentials_create();
    grpc_channel *channel = grpc_channel_create(target, credentials, &args);
    grpc_channel_credentials_release(credentials);
    return channel;
}

grpc_channel *mgrpc_channel_create_secure(const char *target, int max_receive_message_bytes, int own_connection,
                                          const char *root_certificates, const char *certificate_chain,
                                          const char *private_key, const char *server_name_override) {
    grpc_arg storage[4];
    grpc_channel_args args = message_size_args(max_receive_message_bytes, own_connection, storage);
    if (server_name_override != NULL) {
        memset(&storage[args.num_args], 0, sizeof(grpc_arg));
        storage[args.num_args].type = GRPC_ARG_STRING;
        storage[args.num_args].key = GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
        storage[args.num_args].value.string = (char *)server_name_override;
        args.num_args++;
    }
    grpc_ssl_pem_key_cert_pair pair = { private_key, certificate_chain };
    int has_pair = certificate_chain != NULL && private_key != NULL;
    grpc_channel_credentials *credentials = grpc_ssl_credentials_create_ex(
        root_certificates, has_pair ? &pair : NULL, NULL, NULL);
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
    grpc_op ops[2];
    size_t count = 0;
    memset(ops, 0, sizeof(ops));
    if (!call->sent_initial_metadata) {
        ops[count].op = GRPC_OP_SEND_INITIAL_METADATA;
        count++;
        call->sent_initial_metadata = 1;
    }
    // The byte buffer takes its own reference to each slice; the shared bytes are not copied.
    grpc_slice slices[2];
    slices[0] = grpc_slice_ref(shared->slice);
    slices[1] = grpc_slice_from_copied_buffer((const char *)tail, tail_length);
    call->send_buffer = grpc_raw_byte_buffer_create(slices, tail_length > 0 ? 2 : 1);
    grpc_slice_unref(slices[0]);
    grpc_slice_unref(slices[1]);
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

// Splits host:port ("[::1]:80" too) and resolves it for a passive TCP socket.
static int resolve_address(const char *address, struct addrinfo **found) {
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
    return getaddrinfo(*start ? start : NULL, colon + 1, &hints, found) != 0 ? EINVAL : 0;
}

int mgrpc_listen(const char *address, int *port) {
    struct addrinfo *found = NULL;
    int error = resolve_address(address, &found);
    if (error != 0) return -error;
    int fd = -1;
    error = EADDRNOTAVAIL;
    // The first address that binds: a host name with several (localhost: ::1 and
    // 127.0.0.1) gets one listener, unlike gRPC core's one per address.
    for (struct addrinfo *each = found; each != NULL && fd < 0; each = each->ai_next) {
        fd = socket(each->ai_family, each->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, each->ai_protocol);
        if (fd < 0) { error = errno; continue; }
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, each->ai_addr, each->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
            error = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    if (fd < 0) return -error;
    struct sockaddr_storage bound;
    socklen_t length = sizeof(bound);
    if (getsockname(fd, (struct sockaddr *)&bound, &length) != 0) { error = errno; close(fd); return -error; }
    *port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

int mgrpc_wait_readable(int fd, int timeout_ms) {
    struct pollfd waiting = { fd, POLLIN, 0 };
    int ready = poll(&waiting, 1, timeout_ms);
    return ready < 0 ? -errno : ready;
}

int mgrpc_accept(int listen_fd, int timeout_ms, char *peer, size_t peer_capacity) {
    struct pollfd waiting = { listen_fd, POLLIN, 0 };
    int ready = poll(&waiting, 1, timeout_ms);
    if (ready < 0) return -errno;
    if (ready == 0) return -EAGAIN;
    struct sockaddr_storage address;
    socklen_t length = sizeof(address);
    int fd = accept4(listen_fd, (struct sockaddr *)&address, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -errno;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    char text[INET6_ADDRSTRLEN] = "";
    if (peer_capacity > 0) {
        if (address.ss_family == AF_INET6) {
            struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
            inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
            snprintf(peer, peer_capacity, "ipv6:[%s]:%d", text, ntohs(v6->sin6_port));
        } else if (address.ss_family == AF_INET) {
            struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
            inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
            snprintf(peer, peer_capacity, "ipv4:%s:%d", text, ntohs(v4->sin_port));
        } else {
            peer[0] = 0;
        }
    }
    return fd;
}

int mgrpc_probe_listener(const char *host, int port, int timeout_ms) {
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    if (getaddrinfo(host, service, &hints, &found) != 0 || found == NULL) return -EINVAL;
    int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { int error = errno; freeaddrinfo(found); return -error; }
    int result = 0;
    if (connect(fd, found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS) {
        result = -errno;
    } else {
        struct pollfd waiting = { fd, POLLOUT, 0 };
        if (poll(&waiting, 1, timeout_ms) != 1 || (waiting.revents & (POLLERR | POLLHUP))) {
            result = -ECONNREFUSED;
        } else {
            static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
            if (send(fd, preface, sizeof(preface) - 1, MSG_NOSIGNAL) < 0) {
                result = -errno;
            } else {
                waiting.events = POLLIN;
                waiting.revents = 0;
                result = poll(&waiting, 1, timeout_ms) == 1 ? 1 : 0;
            }
        }
    }
    close(fd);
    freeaddrinfo(found);
    return result;
}

// gRPC core reports a failed bind as port 0, without the reason. Binding the
// same address once more, without SO_REUSEADDR or SO_REUSEPORT, tells whether
// another socket holds it, so the error can say "in use".
int mgrpc_address_bind_errno(const char *address) {
    struct addrinfo *found = NULL;
    if (resolve_address(address, &found) != 0) return EINVAL;
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
