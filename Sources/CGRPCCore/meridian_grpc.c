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


// Library, completion queues, servers (insecure and TLS ports) and client channels.

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
